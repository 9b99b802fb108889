"""Workload: what a model does, in FLOPs and bytes, per phase (train step, prefill, decode)."""
