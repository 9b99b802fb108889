"""Workload FLOPs/bytes against hand calculations; device regimes and power invariants."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wattprint.device import roofline as r
from wattprint.workload.model_spec import spec_from_config
from wattprint.workload.phases import (
    Traffic,
    attention_pair_flops,
    causal_pairs,
    decode_work,
    prefill_work,
    train_step_work,
)
from wattprint.workload.precision import precision_plan

TINY = spec_from_config({"hidden_size": 64, "intermediate_size": 256, "num_hidden_layers": 2,
                         "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000,
                         "tie_word_embeddings": False})
FUSED = Traffic(0.0, 0.0, True)
BF16 = precision_plan("bf16")


def test_tiny_shape_by_hand():
    # attention: q,o 64x64 each, k,v 64x32 each = 2*4096 + 2*2048 = 12288 per layer
    assert TINY.attn_params_per_layer == 12288
    # gated MLP 3 * 64 * 256 = 49152; norms (2*2+1)*64 = 320
    assert TINY.body_params_total == 2 * (12288 + 49152) + 320
    assert TINY.params_total == TINY.body_params_total + 2 * 64 * 1000


def test_prefill_flops_by_hand():
    w = prefill_work(TINY, BF16, FUSED, batch=2, prompt_tokens=10)
    body = 2 * TINY.body_params_active * 20
    head = 2 * 64 * 1000 * 2  # logits for the last position of each sequence
    attn = 4 * 4 * 16 * 2 * (2 * 10 * 11 / 2)
    assert w.matmul_flops == body + head
    assert w.attention_flops == attn
    assert w.kv_bytes == 20 * (2 * 2 * 2 * 16) * 2  # tokens * layers*2*kv_heads*hd * 2 B


def test_decode_reads_weights_and_kv():
    w = decode_work(TINY, BF16, FUSED, batch=4, context_tokens=100)
    weights = (TINY.body_params_total + TINY.lm_head_params) * 2
    kv_per_tok = 2 * 2 * 2 * 16 * 2
    assert w.weight_bytes == weights
    assert w.kv_bytes == 4 * kv_per_tok + 4 * 100 * kv_per_tok
    assert w.loop_steps == 1


def test_unfused_attention_costs_more():
    fused = prefill_work(TINY, BF16, Traffic(10, 3, True), 1, 512)
    unfused = prefill_work(TINY, BF16, Traffic(10, 3, False), 1, 512)
    assert unfused.attention_flops > fused.attention_flops
    assert unfused.activation_bytes > fused.activation_bytes
    assert causal_pairs(512, False) == 512 * 512


def test_training_is_three_forwards():
    step = train_step_work(TINY, BF16, FUSED, 2, 128)
    fwd = prefill_work(TINY, BF16, FUSED, 2, 128, logits_all=True)
    assert step.matmul_flops == pytest.approx(3 * fwd.matmul_flops)
    recompute = train_step_work(TINY, BF16, FUSED, 2, 128, recompute=True)
    assert recompute.matmul_flops == pytest.approx(4 * fwd.matmul_flops)


def test_int4_weight_only_dequant_grows_with_batch():
    int4 = precision_plan("int4")
    small = decode_work(TINY, int4, FUSED, batch=1, context_tokens=10)
    big = prefill_work(TINY, int4, FUSED, batch=1, prompt_tokens=4096)
    assert small.dequant_ops > 0 and big.dequant_ops > 32 * small.dequant_ops * 0.9
    head = 2.0 * TINY.lm_head_params  # the LM head stays bf16 under weight-only int4
    bf16 = decode_work(TINY, BF16, FUSED, 1, 10).weight_bytes
    assert small.weight_bytes - head < (bf16 - head) / 3


@given(st.integers(1, 64), st.integers(1, 4096))
def test_flops_linear_in_batch(batch, prompt):
    a = prefill_work(TINY, BF16, FUSED, batch, prompt)
    b = prefill_work(TINY, BF16, FUSED, 2 * batch, prompt)
    assert b.matmul_flops == pytest.approx(2 * a.matmul_flops)
    assert b.attention_flops == pytest.approx(2 * a.attention_flops)


def test_attention_pair_formula():
    assert attention_pair_flops(TINY, 1) == 4 * 4 * 16 * 2


# ---- device ------------------------------------------------------------------------------

def test_regimes():
    assert r.busy_time_s(1.0, 2.0) == 2.0  # overhead-bound
    assert r.kernel_time_s(3.0, 1.0, 0.5) == 3.5  # compute-bound matmuls + elementwise
    assert r.power_capped_time_s(1.0, 1000.0, 500.0, 1) == 2.0  # power cap stretches time


@given(st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.floats(1.0, 1.5), st.floats(1e-3, 1e3),
       st.floats(10.0, 1000.0))
def test_dvfs_energy_bounded_and_continuous(e_flop, e_byte, k, t, budget):
    t_c = r.power_capped_time_s(t, e_flop + e_byte, budget, 1)
    e = r.dvfs_dynamic_energy_j(e_flop, e_byte, k, t_c, budget)
    assert e >= e_flop + e_byte - 1e-9  # never below the capped-clock energy
    assert e <= e_flop * k + e_byte + 1e-6  # never above boost-clock energy
    assert e / t_c <= budget * (1 + 1e-9) or e == pytest.approx(e_flop + e_byte)


def test_gemm_efficiency_monotonic():
    assert r.gemm_efficiency(0.8, 1024, 1e9) == pytest.approx(0.4)
    assert r.gemm_efficiency(0.8, 8192, 4096) > r.gemm_efficiency(0.8, 2048, 4096)
    assert r.gemm_efficiency(0.8, 4096, 1) < r.gemm_efficiency(0.8, 4096, 512)


def test_vectorised_formulas_match_scalar():
    np = pytest.importorskip("numpy")
    t = np.array([0.5, 1.0, 2.0])
    e = r.dvfs_dynamic_energy_j(np.array([100.0] * 3), np.array([50.0] * 3), 1.25, t, 100.0)
    for i in range(3):
        assert e[i] == pytest.approx(r.dvfs_dynamic_energy_j(100.0, 50.0, 1.25, float(t[i]),
                                                             100.0))
