"""Numeric formats: bytes per weight/activation/KV element and the compute path they use.

The one table is :data:`wattprint.catalog.precisions.PRECISIONS` (re-exported here).
"""

from __future__ import annotations

from wattprint.catalog.precisions import KV_FORMATS, PRECISIONS, PrecisionPlan
from wattprint.errors import InputError

__all__ = ["KV_FORMATS", "PRECISIONS", "PrecisionPlan", "check_plan_for_model",
           "precision_plan"]


def precision_plan(name: str, kv_cache: str | None = None) -> PrecisionPlan:
    """The :class:`PrecisionPlan` for ``name`` (fp32, tf32, bf16, fp16, fp8, int8, int4, fp4).

    ``kv_cache`` optionally overrides the KV-cache format (e.g. ``fp8``).
    """
    key = name.strip().lower()
    if key not in PRECISIONS:
        raise InputError(f"unknown precision {name!r}; choose one of {', '.join(PRECISIONS)}")
    plan = PRECISIONS[key]
    if kv_cache is not None:
        kvk = kv_cache.strip().lower()
        if kvk not in KV_FORMATS:
            raise InputError(f"unknown KV-cache format {kv_cache!r}; choose one of "
                             f"{', '.join(KV_FORMATS)}")
        plan = plan.replace(kv_bytes=KV_FORMATS[kvk])
    return plan


def check_plan_for_model(plan: PrecisionPlan, n_experts: int, model: str) -> None:
    """Refuse an experts-only format (``mxfp4``) for a model without routed experts: it would
    leave every weight in bf16, which is not what the user asked for."""
    if plan.expert_bytes is not None and n_experts == 0:
        raise InputError(f"precision {plan.name} stores only the MoE expert weights in "
                         f"{plan.name} (the gpt-oss format); {model} has no experts: use "
                         "int4, fp4 or fp8 for a dense model")
