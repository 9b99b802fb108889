"""Weight dequantisation work of weight-only formats (int4, MXFP4) [op]."""

from __future__ import annotations

from wattprint.catalog.precisions import PrecisionPlan
from wattprint.workload.model_spec import ModelSpec


def dequant_ops(spec: ModelSpec, plan: PrecisionPlan, tokens_per_pass: float,
                passes: float) -> float:
    """Weight dequantisation ops of weight-only formats [op].

    A fused weight-only GEMM expands every weight it reads once per 128-row tile of the
    tokens that use it. Dense block weights serve all ``T`` tokens: ``⌈T/128⌉`` tiles. A
    routed expert serves only its share: the ``E·f`` experts touched
    (:meth:`ModelSpec.expert_bytes_fraction_touched`) see ``T·k/(E·f)`` tokens each, so the
    experts add ``routed · f · ⌈T·k/(E·f)/128⌉``: at decode batch 256 gpt-oss-120b expands all
    its experts once (8 tokens each), not its active experts twice. Experts-only formats
    (MXFP4) expand the experts only.
    """
    if plan.dequant_ops_per_weight == 0.0:
        return 0.0
    t = float(tokens_per_pass)
    active_routed = float(spec.experts_per_token * spec.routed_expert_params
                          / spec.n_experts) if spec.n_experts else 0.0
    ops = 0.0 if plan.expert_bytes is not None else \
        (spec.body_params_active - active_routed) * max(1.0, -(-t // 128))
    if spec.n_experts and spec.moe_layers:
        f = spec.expert_bytes_fraction_touched(t)
        per_expert = t * spec.experts_per_token / (spec.n_experts * f) if f > 0 else 0.0
        ops += spec.routed_expert_params * f * max(1.0, -(-per_expert // 128))
    return plan.dequant_ops_per_weight * ops * passes
