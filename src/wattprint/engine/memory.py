"""Device memory a job needs [B] (weights, KV cache, optimizer state). Array-native."""

from __future__ import annotations

from typing import Any

from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import kv_copies, weight_storage_bytes
from wattprint.workload.precision import PrecisionPlan

#: Share of device memory usable for weights, KV cache and activations.
USABLE_MEMORY = 0.92
#: Activation workspace on top of weights and KV cache (serving engines reserve a few %).
WORKSPACE_FRACTION = 0.02


def inference_memory_bytes(spec: ModelSpec, plan: PrecisionPlan, batch: Any,
                           context_tokens: Any, chips: Any = 1) -> Any:
    """Weights + KV cache of ``batch`` sequences of ``context_tokens`` + 2 % workspace, over
    all ``chips`` tensor-parallel chips [B]; the KV cache counts once per copy
    (:func:`~wattprint.workload.phases.kv_copies`: MLA, and GQA with more chips than KV heads,
    replicate it)."""
    weights = weight_storage_bytes(spec, plan)
    kv = batch * spec.kv_elements(context_tokens) * plan.kv_bytes * kv_copies(spec, chips)
    return (weights + kv) * (1.0 + WORKSPACE_FRACTION)


def training_memory_bytes(spec: ModelSpec, chips: Any) -> Any:
    """Mixed-precision Adam state, 16 B/parameter, sharded over ``chips`` (ZeRO-3) [B]."""
    from wattprint.arrays import maximum

    return 16.0 * spec.params_total / maximum(chips, 1)


def usable_memory_bytes(hw_memory_bytes: Any, chips: Any) -> Any:
    """Memory available to a job on ``chips`` chips of ``hw_memory_bytes`` each [B]."""
    return hw_memory_bytes * chips * USABLE_MEMORY
