"""Device memory a job needs [B] (weights, KV cache, optimizer state). Array-native."""

from __future__ import annotations

import math
from typing import Any

from wattprint.catalog.defaults import default_value
from wattprint.workload.data_parallel import replicated_weight_bytes
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import kv_copies
from wattprint.workload.precision import PrecisionPlan
from wattprint.workload.ssm import recurrent_state_bytes

#: Share of device memory usable for weights, KV cache and activations.
USABLE_MEMORY = 0.92
#: Activation workspace on top of weights and KV cache (serving engines reserve a few %).
WORKSPACE_FRACTION = 0.02


def inference_memory_bytes(spec: ModelSpec, plan: PrecisionPlan, batch: Any,
                           context_tokens: Any, chips: Any = 1, dp: int = 1) -> Any:
    """Weights + KV cache of ``batch`` sequences of ``context_tokens`` + 2 % workspace, over
    all ``chips`` tensor-parallel chips [B]; the KV cache counts once per copy
    (:func:`~wattprint.workload.phases.kv_copies`: MLA, and GQA with more chips than KV heads,
    replicate it). ``dp`` data-parallel attention ranks each hold the non-expert weights
    (:func:`~wattprint.workload.data_parallel.replicated_weight_bytes`). Mamba-2 layers add
    each sequence's fixed recurrent state (:func:`~wattprint.workload.ssm.recurrent_state_bytes`,
    split over the chips)."""
    weights = replicated_weight_bytes(spec, plan, dp)
    kv = batch * (spec.kv_elements(context_tokens) * plan.kv_bytes * kv_copies(spec, chips)
                  + recurrent_state_bytes(spec, plan))
    return (weights + kv) * (1.0 + WORKSPACE_FRACTION)


#: vLLM's KV-cache page (block) size in tokens.
KV_BLOCK_TOKENS = 16


def paged_kv_sequence_bytes(spec: ModelSpec, plan: PrecisionPlan, held_tokens: float,
                            chips: int = 1) -> float:
    """KV pages one sequence holds at ``held_tokens`` tokens [B]: the tokens rounded up to
    whole 16-token pages (vLLM's block size), once per KV copy over ``chips``; plus the
    sequence's Mamba-2 state slot (:func:`~wattprint.workload.ssm.recurrent_state_bytes`:
    fixed size, whatever the context; vLLM allocates one per running sequence)."""
    held = math.ceil(held_tokens / KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS
    return float(spec.kv_elements(held) * plan.kv_bytes * float(kv_copies(spec, chips))) + \
        recurrent_state_bytes(spec, plan)


def paged_kv_capacity(spec: ModelSpec, plan: PrecisionPlan, hw_memory_bytes: float,
                      chips: int, held_tokens: float, tensor_parallel: int | None = None,
                      dp: int = 1) -> int:
    """Sequences a vLLM-like engine holds at once [count]: its KV pool
    ``gpu_memory_utilization · memory · chips − weights`` (vLLM's default 0.9,
    ``defaults.toml [serving]``) over :func:`paged_kv_sequence_bytes`. 0 when the weights
    leave no room for one sequence. The engine admits this many and queues the rest
    (vLLM scheduler: a request waits until its pages are free). KV copies follow the
    ``tensor_parallel`` degree (default: all chips); ``dp`` data-parallel attention ranks
    each hold the non-expert weights."""
    util = default_value("serving", "gpu_memory_utilization").value
    pool = util * hw_memory_bytes * chips - replicated_weight_bytes(spec, plan, dp)
    tp = chips if tensor_parallel is None else tensor_parallel
    per_seq = paged_kv_sequence_bytes(spec, plan, held_tokens, tp)
    return max(int(pool // per_seq), 0) if per_seq > 0 else 0


def serving_memory(spec: ModelSpec, plan: PrecisionPlan, batch: Any, prompt_tokens: float,
                   output_tokens: float, chips: Any, continuous: bool, dp: int = 1
                   ) -> tuple[Any, float]:
    """(memory need [B], share of device memory it may use) of a serving batch over
    ``chips`` tensor-parallel chips.

    Continuous batching (vLLM): weights + ``batch`` sequences' KV pages at ``P + N/2``
    tokens (:func:`paged_kv_sequence_bytes`) within ``gpu_memory_utilization`` (0.9).
    Static batch: :func:`inference_memory_bytes` at ``P + N`` within ``USABLE_MEMORY``.
    """
    if continuous:
        util = default_value("serving", "gpu_memory_utilization").value
        per_seq = paged_kv_sequence_bytes(spec, plan, prompt_tokens + output_tokens / 2.0,
                                          chips)
        return replicated_weight_bytes(spec, plan, dp) + batch * per_seq, util
    return inference_memory_bytes(spec, plan, batch, prompt_tokens + output_tokens,
                                  chips, dp), USABLE_MEMORY


def training_memory_bytes(spec: ModelSpec, chips: Any) -> Any:
    """Mixed-precision Adam state, 16 B/parameter, sharded over ``chips`` (ZeRO-3) [B]."""
    from wattprint.arrays import maximum

    return 16.0 * spec.params_total / maximum(chips, 1)


def usable_memory_bytes(hw_memory_bytes: Any, chips: Any) -> Any:
    """Memory available to a job on ``chips`` chips of ``hw_memory_bytes`` each [B]."""
    return hw_memory_bytes * chips * USABLE_MEMORY
