"""Predictions: ``estimate_training`` and ``estimate_inference``.

The chain itself lives in :mod:`wattprint.engine`; this module keeps the historical import
path (``from wattprint.estimate import estimate_inference``) working.
"""

from __future__ import annotations

from wattprint.engine import (
    LIMITS,
    USABLE_MEMORY,
    WORKSPACE_FRACTION,
    estimate_inference,
    estimate_training,
    inference_memory_bytes,
    resolve_hardware,
    resolve_model,
    sparsify,
    training_memory_bytes,
)

__all__ = ["LIMITS", "USABLE_MEMORY", "WORKSPACE_FRACTION",
           "estimate_inference", "estimate_training", "inference_memory_bytes",
           "resolve_hardware", "resolve_model", "sparsify", "training_memory_bytes"]
