"""Operator-level workloads: any PyTorch module (traced) or a catalog summary, per operator.

``trace.py`` needs torch (the ``torch`` extra); everything else here is torch-free.
"""
