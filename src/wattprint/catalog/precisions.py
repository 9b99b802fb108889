"""THE precision table: every numeric format wattprint knows, its storage and compute path.

Every other list of precision names is derived from :data:`PRECISIONS` (the chips'
``peak_flops`` keys in :mod:`wattprint.catalog.schema`, the KV-cache formats, the CLI help).
Which rate a precision runs at on a chip is ``device.execute.compute_rate``.
"""

from __future__ import annotations

from wattprint.record import Record


class PrecisionPlan(Record):
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
    #: Bytes per element when this format stores the KV cache (``--kv-cache``); None: not
    #: offered as a KV-cache format.
    kv_format_bytes: float | None = None
    #: Bytes per routed-expert weight when the format quantises the MoE experts only (MXFP4
    #: checkpoints: gpt-oss keeps attention, router, embedding and LM head in bf16, its
    #: ``quantization_config.modules_to_not_convert``); None: experts at ``weight_bytes``.
    #: Dequantisation (``dequant_ops_per_weight``) then applies to the expert weights only.
    expert_bytes: float | None = None
    #: True when a chip without FP4 units has no instruction to convert the format: each
    #: dequantisation op is then integer/fp32 ALU work on the CUDA cores (MXFP4's e2m1 values
    #: and e8m0 scales on Hopper: bit unpacking and a scale multiply in Triton's
    #: ``upcast_from_mxfp``), charged at a CUDA-core FLOP's energy; Blackwell converts FP4 in
    #: hardware (PTX ISA 8.6 ``cvt`` with ``.e2m1x2``, sm_100). Marlin-style int4 stays False
    #: (two ``lop3`` ops per pair of values, Frantar et al. 2024, arXiv 2408.11743).
    software_dequant: bool = False


# Group-wise scales add storage: int4 with a 16-bit scale per 128 weights = 0.5 + 2/128 B.
PRECISIONS: dict[str, PrecisionPlan] = {
    "fp32": PrecisionPlan("fp32", "fp32", 4.0, 4.0, 4.0, head_bytes=4.0, kv_format_bytes=4.0),
    "tf32": PrecisionPlan("tf32", "tf32", 4.0, 4.0, 4.0, head_bytes=4.0),
    "bf16": PrecisionPlan("bf16", "bf16", 2.0, 2.0, 2.0, kv_format_bytes=2.0),
    "fp16": PrecisionPlan("fp16", "fp16", 2.0, 2.0, 2.0, kv_format_bytes=2.0),
    "fp8": PrecisionPlan("fp8", "fp8", 1.0, 2.0, 2.0, kv_format_bytes=1.0),
    "int8": PrecisionPlan("int8", "int8", 1.0, 2.0, 2.0, trainable=False, kv_format_bytes=1.0),
    "int4": PrecisionPlan("int4", "bf16", 0.5 + 2.0 / 128.0, 2.0, 2.0,
                          dequant_ops_per_weight=4.0, trainable=False, kv_format_bytes=0.5),
    "fp4": PrecisionPlan("fp4", "fp4", 0.5 + 1.0 / 16.0, 2.0, 2.0, trainable=False),
    # OCP Microscaling MXFP4 (OCP MX Formats Specification v1.0, 2023): 32 e2m1 values share
    # one 8-bit e8m0 scale, 4.25 bits = 0.53125 B per weight. Experts only (the gpt-oss
    # format); vLLM runs them as w4a16 (weights expanded to bf16 in the GEMM's tile loop:
    # Triton matmul_ogs on Hopper, FlashInfer's MXFP4 x BF16 MoE on Blackwell unless
    # VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8 is set; vllm/model_executor/layers/quantization/
    # mxfp4.py), so the compute format is bf16 with int4's dequantisation count.
    "mxfp4": PrecisionPlan("mxfp4", "bf16", 2.0, 2.0, 2.0, dequant_ops_per_weight=4.0,
                           trainable=False, expert_bytes=0.5 + 1.0 / 32.0,
                           software_dequant=True),
}

#: Formats a chip may list in ``peak_flops`` / ``j_per_flop``: every precision's compute
#: format, plus fp64 (a datasheet rate no precision setting runs at).
COMPUTE_FORMATS: tuple[str, ...] = ("fp64", *dict.fromkeys(
    [*PRECISIONS, *(p.compute for p in PRECISIONS.values())]))

#: KV-cache formats and their bytes per element (``--kv-cache``).
KV_FORMATS: dict[str, float] = {n: p.kv_format_bytes for n, p in PRECISIONS.items()
                                if p.kv_format_bytes is not None}
