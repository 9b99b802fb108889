"""MXFP4 expert weights (gpt-oss): storage, dequantisation count and energy, kernel ceiling."""

import pytest

from wattprint.catalog.light import hardware_entry
from wattprint.catalog.precisions import PRECISIONS
from wattprint.catalog.stacks import stack_entry
from wattprint.device.coefficients import coefficients_for
from wattprint.device.execute import _moe_eff, dequant_j_per_op
from wattprint.errors import InputError
from wattprint.estimate import estimate_inference
from wattprint.workload.model_spec import get_model_spec
from wattprint.workload.phases import dequant_ops, weight_bytes_read, weight_storage_bytes
from wattprint.workload.precision import precision_plan

GIB = 2.0**30


@pytest.mark.parametrize("model,gib", [("gpt-oss-120b", 60.8), ("gpt-oss-20b", 12.8)])
def test_checkpoint_size_matches_the_model_card(model, gib):
    # OpenAI gpt-oss model card (2025) Table 1, checkpoint size: 60.8 GiB and 12.8 GiB
    # (MXFP4 experts: 4.25 bits per weight; attention, router, embedding, head in bf16).
    spec = get_model_spec(model)
    assert weight_storage_bytes(spec, precision_plan("mxfp4")) / GIB == \
        pytest.approx(gib, rel=0.01)


def test_mxfp4_is_4_25_bits_per_expert_weight_and_bf16_elsewhere():
    plan = PRECISIONS["mxfp4"]
    assert plan.expert_bytes == 0.53125 and plan.weight_bytes == 2.0
    spec = get_model_spec("gpt-oss-20b")
    # batch 1: the non-expert block weights and the LM head at 2 B, 4 of 32 experts at 4.25 bit
    non_expert = spec.body_params_total - spec.routed_expert_params
    got = weight_bytes_read(spec, plan, 1.0)
    want = 2.0 * (non_expert + spec.lm_head_params) + \
        0.53125 * spec.routed_expert_params * 4 / 32
    assert got == pytest.approx(want)


def test_dequantisation_counts_touched_experts_once_per_token_tile():
    spec = get_model_spec("gpt-oss-120b")
    plan = precision_plan("mxfp4")
    # batch 256: all 128 experts touched (8 tokens each, one tile): every expert weight once
    f = spec.expert_bytes_fraction_touched(256)
    assert dequant_ops(spec, plan, 256, 1.0) == \
        pytest.approx(4.0 * spec.routed_expert_params * f)
    # a dense weight-only format still expands its dense weights once per 128-token tile
    dense = get_model_spec("qwen3-8b")
    assert dequant_ops(dense, precision_plan("int4"), 256, 1.0) == \
        pytest.approx(4.0 * dense.body_params_active * 2)


def test_software_dequant_costs_a_cuda_core_op_only_without_fp4_units():
    plan = precision_plan("mxfp4")
    h100, b200 = hardware_entry("nvidia-h100-sxm"), hardware_entry("nvidia-b200")
    ch, cb = coefficients_for(h100), coefficients_for(b200)
    assert dequant_j_per_op(ch, "bf16", plan, h100) is ch.j_per_flop["fp32"]
    assert dequant_j_per_op(cb, "bf16", plan, b200) is cb.j_per_flop["bf16"]
    assert dequant_j_per_op(ch, "bf16", precision_plan("int4"), h100) is ch.j_per_flop["bf16"]


def test_triton_moe_ceiling_applies_to_bf16_experts_not_mxfp4():
    b200, vllm = hardware_entry("nvidia-b200"), stack_entry("vllm")
    assert _moe_eff(b200, vllm, precision_plan("mxfp4"))[0] > \
        _moe_eff(b200, vllm, precision_plan("bf16"))[0]


def test_experts_only_format_refused_for_a_dense_model():
    with pytest.raises(InputError, match="no experts"):
        estimate_inference("qwen3-8b", "nvidia-h100-sxm", precision="mxfp4")
    fp = estimate_inference("gpt-oss-20b", "nvidia-h100-sxm", precision="mxfp4", batch=8,
                            stack="vllm")
    assert fp["accelerator_energy_per_output_token"].value > 0


def test_2_4_sparsity_is_refused_with_mxfp4_and_kept_with_int4():
    """No kernel runs 2:4-sparse MXFP4 weights (gpt-oss's MoE kernels are dense; cuSPARSELt's
    sparse FP4 is e2m1 x e2m1 in paired 4:8); Sparse-Marlin runs 2:4-sparse int4 x fp16."""
    kw = {"batch": 8, "stack": "vllm"}
    with pytest.raises(ValueError, match="sparsity 2:4 does not combine with precision mxfp4"):
        estimate_inference("gpt-oss-20b", "nvidia-h100-sxm", precision="mxfp4", sparsity="2:4",
                           **kw)
    per_token = "accelerator_energy_per_output_token"
    dense = estimate_inference("gpt-oss-20b", "nvidia-h100-sxm", precision="int4", **kw)
    sparse = estimate_inference("gpt-oss-20b", "nvidia-h100-sxm", precision="int4",
                                sparsity="2:4", **kw)
    assert 0 < sparse[per_token].value < dense[per_token].value
