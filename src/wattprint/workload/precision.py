"""Numeric formats: bytes per weight/activation/KV element and the compute path they use."""

from __future__ import annotations

from dataclasses import dataclass, replace

from wattprint.errors import InputError


@dataclass(frozen=True)
class PrecisionPlan:
    """How a precision setting maps onto storage and compute.

    ``compute`` is the key into a chip's ``peak_flops`` used by the matrix products.
    ``dequant_ops_per_weight`` > 0 marks weight-only quantisation: each weight element is
    expanded to ``compute`` format once per 128-row tile of activations (on the vector units).
    """

    name: str
    compute: str
    weight_bytes: float
    act_bytes: float
    kv_bytes: float
    dequant_ops_per_weight: float = 0.0
    trainable: bool = True
    #: Bytes per weight of the embedding, LM head (and vision tower): weight-only and fp8
    #: quantisers leave these in 16 bit (AutoAWQ/GPTQ quantise decoder linear layers only;
    #: llm-compressor FP8/INT4 recipes use ``ignore=["lm_head"]``; vLLM keeps a bf16 head).
    head_bytes: float = 2.0


# Group-wise scales add storage: int4 with a 16-bit scale per 128 weights = 0.5 + 2/128 B.
PRECISIONS: dict[str, PrecisionPlan] = {
    "fp32": PrecisionPlan("fp32", "fp32", 4.0, 4.0, 4.0, head_bytes=4.0),
    "tf32": PrecisionPlan("tf32", "tf32", 4.0, 4.0, 4.0, head_bytes=4.0),
    "bf16": PrecisionPlan("bf16", "bf16", 2.0, 2.0, 2.0),
    "fp16": PrecisionPlan("fp16", "fp16", 2.0, 2.0, 2.0),
    "fp8": PrecisionPlan("fp8", "fp8", 1.0, 2.0, 2.0),
    "int8": PrecisionPlan("int8", "int8", 1.0, 2.0, 2.0, trainable=False),
    "int4": PrecisionPlan("int4", "bf16", 0.5 + 2.0 / 128.0, 2.0, 2.0,
                          dequant_ops_per_weight=4.0, trainable=False),
    "fp4": PrecisionPlan("fp4", "fp4", 0.5 + 1.0 / 16.0, 2.0, 2.0, trainable=False),
}

KV_FORMATS = {"bf16": 2.0, "fp16": 2.0, "fp32": 4.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}


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
        plan = replace(plan, kv_bytes=KV_FORMATS[kvk])
    return plan
