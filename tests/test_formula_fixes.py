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
