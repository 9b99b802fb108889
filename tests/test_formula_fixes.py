"""Golden tests for the formula fixes of issue #9, each naming its source."""

from pathlib import Path

import pytest

from wattprint.workload.model_spec import get_model_spec, load_config_file
from wattprint.workload.phases import (
    Traffic,
    decode_work,
    prefill_work,
    weight_bytes_read,
    weight_storage_bytes,
)
from wattprint.workload.precision import precision_plan

CONFIGS = Path(__file__).parent / "data" / "configs"
FUSED = Traffic(2.0, 1.0, True)


def test_mla_decode_attention_uses_absorbed_latent():
    # DeepSeek-V2 paper (arXiv 2405.04434) §2.1.3: W_UK is absorbed into W_Q and W_UV into W_O,
    # so decode scores and values run against the 512-wide latent plus the 64-wide RoPE key:
    # 2·h·(576 + 512) FLOPs per (query, key) pair per layer; h = 128 for DeepSeek-V3.
    v3 = load_config_file(CONFIGS / "deepseek-v3.json")
    assert v3.decode_attn_flops_per_pair_layer == 2 * 128 * (576 + 512) == 278_528
    plan = precision_plan("bf16")
    dec = decode_work(v3, plan, FUSED, batch=1, context_tokens=4096)
    assert dec.attention_flops == pytest.approx(278_528 * 61 * 4096)
    # the old count (4·h·(d_qk + d_v)/2) was 3.4× lower
    assert dec.attention_flops / (4 * 128 * 160 * 61 * 4096) == pytest.approx(3.4, abs=0.01)


def test_mla_prefill_attention_is_not_absorbed():
    # Prefill decompresses K and V (compute-bound; FlashMLA absorbs only for decode):
    # 2·h·192 (QKᵀ with 128 nope + 64 rope dims) + 2·h·128 (AV) per pair per layer.
    v3 = load_config_file(CONFIGS / "deepseek-v3.json")
    pre = prefill_work(v3, precision_plan("bf16"), FUSED, batch=1, prompt_tokens=100)
    pairs = 100 * 101 / 2
    assert pre.attention_flops == pytest.approx(2 * 128 * (192 + 128) * 61 * pairs)


@pytest.mark.parametrize("precision", ["int4", "fp8", "int8"])
def test_lm_head_and_embedding_stay_16_bit_under_quantisation(precision):
    # AutoAWQ / GPTQ quantise decoder linear layers only; llm-compressor's FP8 and W4A16
    # recipes use ignore=["lm_head"]: the head is read in bf16 every decode step.
    spec = get_model_spec("llama-3.1-8b")
    plan = precision_plan(precision)
    body = spec.body_params_total * plan.weight_bytes
    assert weight_bytes_read(spec, plan, 1) == pytest.approx(body + spec.lm_head_params * 2.0)
    outside = spec.embedding_params + spec.lm_head_params
    assert weight_storage_bytes(spec, plan) == pytest.approx(body + outside * 2.0)


def test_bf16_storage_unchanged():
    spec = get_model_spec("llama-3.1-8b")
    assert weight_storage_bytes(spec, precision_plan("bf16")) == 2.0 * spec.params_total


def test_kv_cache_replicated_across_tensor_parallel_chips():
    # vLLM/SGLang: MLA's latent cache is held whole by every TP rank; GQA KV heads are
    # replicated once there are more TP ranks than KV heads (Llama-3.1-70B: 8 KV heads).
    from wattprint.engine import inference_memory_bytes
    from wattprint.workload.phases import kv_copies

    v3 = load_config_file(CONFIGS / "deepseek-v3.json")
    l70 = get_model_spec("llama-3.1-70b")
    assert kv_copies(v3, 8) == 8.0
    assert kv_copies(l70, 8) == 1.0 and kv_copies(l70, 16) == 2.0 and kv_copies(l70, 4) == 1.0
    plan = precision_plan("bf16")
    one = inference_memory_bytes(v3, plan, 64, 4096, 1)
    eight = inference_memory_bytes(v3, plan, 64, 4096, 8)
    kv = 64 * v3.kv_elements(4096) * 2.0 * 1.02
    assert eight - one == pytest.approx(7 * kv)


def test_decode_reads_the_replicated_kv_cache():
    from wattprint.engine import estimate_inference

    a = estimate_inference("deepseek-v3", "h200", batch=64, prompt_tokens=4096,
                           output_tokens=64, chips=8, precision="fp8", stack="vllm")
    assert a.details["decode"]["kv_bytes"] == pytest.approx(
        8 * decode_work(get_model_spec("deepseek-v3"), precision_plan("fp8"),
                        Traffic(2.0, 1.0, True), 64, 4096 + 32, steps=63).kv_bytes, rel=0.05)


def test_dequantisation_not_charged_at_fp32_matmul_energy():
    # Marlin-style fused int4 kernels dequantise in registers (Frantar et al. 2024,
    # arXiv 2408.11743): charged at the compute precision's FLOP energy (H200 bf16, measured),
    # not at a fp32 CUDA-core GEMM FLOP (13× more on our H200).
    from wattprint.catalog import get_hardware
    from wattprint.catalog.stacks import get_stack
    from wattprint.device.coefficients import coefficients_for
    from wattprint.device.execute import device_params

    hw = get_hardware("h200")
    co = coefficients_for(hw)
    p = device_params(hw, co, get_stack("vllm"), precision_plan("int4"), 1)
    assert p.j_per_vector_op == p.j_per_flop
    assert co.j_per_flop["fp32"].value / p.j_per_vector_op[0] > 10


def test_ranges_do_not_collapse_when_the_power_cap_binds():
    # A power-capped matmul's time is its energy over the power budget: the measured energy
    # per FLOP carries the ±8 % spread between identical GPUs (Sinha et al., SC22,
    # arXiv 2208.11035), so the capped corners keep a range.
    from wattprint.engine import estimate_inference

    fp = estimate_inference("llama-3.1-8b", "h200", batch=64, prompt_tokens=4096,
                            output_tokens=1, precision="fp8", stack="vllm")
    t, e = fp["time"], fp["accelerator_energy"]
    assert t.lo < 0.95 * t.value and e.lo < 0.95 * e.value
    assert t.hi > 1.05 * t.value and e.hi > 1.05 * e.value


def test_tensor_parallel_degree_input():
    from wattprint.engine import estimate_inference
    from wattprint.errors import InputError
    from wattprint.validation.inference import _tensor_parallel

    tp8 = estimate_inference("llama-3.1-70b", "h100", batch=8, chips=16, tensor_parallel=8)
    tp16 = estimate_inference("llama-3.1-70b", "h100", batch=8, chips=16)
    assert tp8.inputs["tensor_parallel"] == 8 and tp16.inputs["tensor_parallel"] == 16
    assert tp16.details["memory_required_bytes"] > tp8.details["memory_required_bytes"]
    with pytest.raises(InputError, match="divide"):
        estimate_inference("llama-3.1-8b", "h100", chips=8, tensor_parallel=3)
    assert _tensor_parallel("TP=8;PP=2", 16) == 8
    assert _tensor_parallel("data_parallel=1;expert_parallel=8;tensor_parallel=1", 8) == 8
    assert _tensor_parallel("data_parallel=8;expert_parallel=8;tensor_parallel=1", 8) == 1
    assert _tensor_parallel("1", 4) == 4
