"""Kernel-side streaming ceilings of a stack on a chip, per corner (docs/methodology.md §2.4
and §2.5): the share of the memory roofline that routed-expert GEMMs, dense decode GEMMs
and recurrent-state kernels reach when a stack's kernels cannot keep a fast chip's memory
busy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wattprint.device.corners import best_first as _best_first
from wattprint.device.moe import moe_kernel_efficiency
from wattprint.device.roofline import stream_ceiling_factor

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware, Sourced, Stack
    from wattprint.workload.precision import PrecisionPlan


def ceiling_efficiency(hw: Hardware, stack: Stack, ceiling: Sourced | None
                       ) -> tuple[float, float, float]:
    """:func:`~wattprint.device.roofline.stream_ceiling_factor` of a kernel-side streaming
    ``ceiling`` [B/s] of ``stack`` on ``hw`` per corner (central; optimistic: the high
    ceiling; pessimistic: the low one); 1 without a ceiling."""
    if ceiling is None:
        return (1.0, 1.0, 1.0)
    bw = hw.memory_bandwidth_bps.value
    me, caps = _best_first(stack.memory_efficiency), _best_first(ceiling)
    return (stream_ceiling_factor(bw, me[0], caps[0]),
            stream_ceiling_factor(bw, me[1], caps[1]),
            stream_ceiling_factor(bw, me[2], caps[2]))


def moe_efficiency(hw: Hardware, stack: Stack, plan: PrecisionPlan) -> tuple[float, float, float]:
    """:func:`~wattprint.device.moe.moe_kernel_efficiency` of ``stack`` on ``hw``.

    The streaming ceiling ``moe_bandwidth_bps`` is that of the kernels it was fitted on,
    vLLM's Triton fused-MoE GEMMs for bf16/fp8 experts; experts-only formats (MXFP4) run
    other kernels (FlashInfer's TRT-LLM-gen MoE on Blackwell, Triton ``matmul_ogs`` on
    Hopper; vllm/model_executor/layers/quantization/mxfp4.py), so it does not apply to them.
    """
    ceiling = stack.moe_bandwidth_bps if plan.expert_bytes is None else None
    factor = ceiling_efficiency(hw, stack, ceiling)
    fp8 = _best_first(stack.moe_fp8_efficiency) \
        if stack.moe_fp8_efficiency and plan.name == "fp8" else None
    return moe_kernel_efficiency(_best_first(stack.moe_efficiency), factor, fp8)
