"""Numeric formats: bytes per weight/activation/KV element and the compute path they use.

The one table is :data:`wattprint.catalog.precisions.PRECISIONS` (re-exported here).
"""

from __future__ import annotations

from wattprint.catalog.precisions import KV_FORMATS, PRECISIONS, PrecisionPlan
from wattprint.errors import InputError

__all__ = ["KV_FORMATS", "PRECISIONS", "PrecisionPlan", "precision_plan"]


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
