"""Golden tests for data-parallel attention with expert-parallel MoE layers.

Sources: vLLM ``--data-parallel-size D --enable-expert-parallel`` (docs "Data Parallel
Deployment" and "Expert Parallel Deployment"): each DP rank holds the attention and other
non-expert weights and the KV cache of its own sequences; the routed experts are spread over
all ``D · TP`` GPUs and tokens are dispatched to them and combined at every MoE layer (its
default ``allgather_reducescatter`` all-to-all backend: an all-gather and a reduce-scatter).
Every rank pads its step to the largest rank's token count (``get_dp_padding``,
``vllm/v1/worker/gpu_model_runner.py``). ML.ENERGY V3 ran Qwen3-Coder-480B-A35B-FP8 this way
on 4 and 8 B200 (``data_parallel=N;expert_parallel=N;tensor_parallel=1``).
"""

import json

import pytest

from wattprint.engine import estimate_inference
from wattprint.errors import InputError
from wattprint.testing import cli_call
from wattprint.workload.data_parallel import (
    busiest_chip_experts,
    check_data_parallel,
    data_parallel_host_work,
    data_parallel_padding,
    data_parallel_weight_reads,
    expert_parallel_comm,
    padded_expert_factor,
    replicated_weight_bytes,
)
from wattprint.workload.model_spec import get_model_spec
from wattprint.workload.phases import Traffic, decode_work, prefill_work, weight_storage_bytes
from wattprint.workload.precision import precision_plan

FUSED = Traffic(2.0, 1.0, True)
FP8 = precision_plan("fp8")
CODER = "qwen3-coder-480b-a35b"


def test_each_rank_reads_its_own_non_expert_weights():
    spec = get_model_spec(CODER)
    dec = decode_work(spec, FP8, FUSED, batch=64, context_tokens=1600, steps=10)
    eight = data_parallel_weight_reads(dec, 8)
    dense = dec.weight_bytes - dec.expert_bytes
    # 8 ranks stream 8 copies of the attention/dense weights; the experts touched by all
    # 64 sequences together are read once, on the chips that hold them
    assert eight.weight_bytes == pytest.approx(8 * dense + dec.expert_bytes)
    assert eight.expert_bytes == dec.expert_bytes
    assert (eight.matmul_flops, eight.kv_bytes) == (dec.matmul_flops, dec.kv_bytes)
    assert data_parallel_weight_reads(dec, 1) is dec


def test_stored_weights_replicate_everything_but_the_experts():
    spec = get_model_spec(CODER)
    total = weight_storage_bytes(spec, FP8)
    experts = spec.routed_expert_params * 1.0  # fp8: one byte per expert weight
    assert replicated_weight_bytes(spec, FP8, 1) == total
    assert replicated_weight_bytes(spec, FP8, 4) == pytest.approx(total + 3 * (total - experts))
    # Qwen3-Coder-480B: 468 B routed-expert weights (62 MoE layers × 160 experts × 3 ×
    # 6144 × 2560) and 12 B others (attention 10.1 B, embedding and LM head 1.9 B kept at 16
    # bit): 482 GB at fp8, of which 14 GB are held by every rank: 482 + 7 × 14 ≈ 580 GB
    assert replicated_weight_bytes(spec, FP8, 8) == pytest.approx(580e9, rel=0.01)


def test_dispatch_and_combine_are_one_all_reduce_per_moe_layer():
    spec = get_model_spec(CODER)
    t = 16 * 1 * spec.hidden * 2.0  # 16 sequences, one token each, bf16 activations
    nbytes, calls = expert_parallel_comm(spec, 2.0, 16, 1, chips=8, tp=1)
    assert nbytes == pytest.approx(spec.moe_layers * t)
    assert calls == 2 * spec.moe_layers
    # 2 ranks of 4 chips: the attention all-reduce inside a rank (T/2 tokens, ring factor
    # 3/4) is written as the equivalent volume over the 8 chips (ring factor 7/8)
    nbytes, calls = expert_parallel_comm(spec, 2.0, 16, 1, chips=8, tp=4)
    ring = (3 / 4) / (7 / 8)
    assert nbytes == pytest.approx(spec.moe_layers * t + spec.layers * t / 2 * ring)
    assert calls == 2 * spec.moe_layers + spec.layers


def test_prefill_is_padded_on_every_rank():
    spec = get_model_spec(CODER)
    pre = prefill_work(spec, FP8, FUSED, batch=8, prompt_tokens=1500)
    four = data_parallel_padding(pre, 4)
    assert four.matmul_flops == pytest.approx(4 * pre.matmul_flops)
    assert four.expert_flops == pytest.approx(4 * pre.expert_flops)
    assert four.attention_flops == pytest.approx(4 * pre.attention_flops)
    assert (four.weight_bytes, four.kv_bytes) == (pre.weight_bytes, pre.kv_bytes)
    assert data_parallel_padding(pre, 1) is pre


def test_busiest_chip_experts_is_the_expected_maximum_occupancy():
    # closed cases: one chip holds all k; one expert per chip or k = 1 puts at most one on a
    # chip; 8 of 8 experts over 8 chips is one each
    assert busiest_chip_experts(160, 8, 1) == pytest.approx(8.0)
    assert busiest_chip_experts(160, 8, 160) == pytest.approx(1.0)
    assert busiest_chip_experts(160, 1, 8) == pytest.approx(1.0)
    assert busiest_chip_experts(8, 8, 8) == pytest.approx(1.0)
    # 2 of 4 experts on 2 chips: sets {same chip} 2 of C(4,2) = 6 have max 2, the others 1
    assert busiest_chip_experts(4, 2, 2) == pytest.approx(1 + 2 / 6)
    # Qwen3-Coder-480B's top 8 of 160 experts over 4 and 8 chips (a Monte Carlo of 20,000
    # expert sets gave 3.489 and 2.54)
    assert busiest_chip_experts(160, 8, 4) == pytest.approx(3.496, abs=1e-3)
    assert busiest_chip_experts(160, 8, 8) == pytest.approx(2.543, abs=1e-3)


def test_padding_rows_pile_onto_one_chips_experts():
    # vLLM pulls 46428 and 56079 (2026): padding rows go through the MoE layers like real
    # tokens and identical rows route to the same experts: the chip holding most of them
    # sets the step, F = 1 + m·dp·(dp − 1)/k
    spec = get_model_spec(CODER)
    m8 = busiest_chip_experts(160, 8, 8)
    assert padded_expert_factor(spec, 8) == pytest.approx(1 + m8 * 8 * 7 / 8)  # ≈ 18.8
    assert padded_expert_factor(spec, 4) == pytest.approx(1 + 3.496 * 4 * 3 / 8, rel=1e-3)
    assert padded_expert_factor(spec, 1) == 1.0
    # 2 ranks of 4 chips: the experts spread over all 8 chips, one rank's padding rows pile
    # onto the busiest of the 8: F = 1 + m(8)·8·1/8; spread evenly it would be dp = 2
    assert padded_expert_factor(spec, 2, 8) == pytest.approx(1 + m8 * 8 * 1 / 8)
    # spreading evenly (m = k/dp) would give back the plain padding factor dp
    assert 1 + (8 / 8) * 8 * 7 / 8 == 8
    pre = prefill_work(spec, FP8, FUSED, batch=8, prompt_tokens=1500)
    eight = data_parallel_padding(pre, 8, spec)
    f = padded_expert_factor(spec, 8)
    assert eight.expert_flops == pytest.approx(f * pre.expert_flops)
    assert eight.matmul_flops == pytest.approx(8 * (pre.matmul_flops - pre.expert_flops)
                                               + f * pre.expert_flops)
    assert eight.attention_flops == pytest.approx(8 * pre.attention_flops)


def test_each_rank_runs_the_host_work_of_its_own_sequences():
    # one vLLM EngineCore per DP rank: 64 sequences over 8 ranks are 8 per rank's step loop
    spec = get_model_spec(CODER)
    dec = decode_work(spec, FP8, FUSED, batch=64, context_tokens=1600, steps=10)
    eight = data_parallel_host_work(dec, 8)
    assert eight.seq_passes == pytest.approx(dec.seq_passes / 8)
    assert eight.vocab_seq_passes == pytest.approx(dec.vocab_seq_passes / 8)
    assert (eight.passes, eight.weight_bytes) == (dec.passes, dec.weight_bytes)
    assert data_parallel_host_work(dec, 1) is dec


@pytest.mark.parametrize(("model", "dp", "tp", "chips", "words"), [
    ("llama-3.1-8b", 2, 1, 2, "is dense"),
    (CODER, 4, 1, 8, "must equal the 8 chips"),
    ("qwen3-30b-a3b", 256, 1, 256, "cannot spread over 256 chips"),
])
def test_impossible_layouts_are_refused(model, dp, tp, chips, words):
    with pytest.raises(InputError, match=words):
        check_data_parallel(get_model_spec(model), dp, tp, 1, chips)


def test_estimate_with_data_parallel_attention():
    kw = dict(batch=64, prompt_tokens=1500, output_tokens=250, chips=8, precision="fp8",
              stack="vllm")
    one = estimate_inference(CODER, "b200", **kw)
    assert one.inputs.get("data_parallel") is None
    dp = estimate_inference(CODER, "b200", data_parallel=8, **kw)
    assert dp.inputs["data_parallel"] == 8 and dp.inputs["tensor_parallel"] == 1
    d1, d8 = one.details, dp.details
    # decode: 8 copies of the non-expert weights streamed per step, the experts once
    w1, e1 = d1["decode"]["weight_bytes"], d1["decode"]["expert_bytes"]
    assert d8["decode"]["weight_bytes"] == pytest.approx(8 * (w1 - e1) + e1)
    # prefill: padded on all 8 ranks, the padding rows' experts on the busiest chip
    m1, x1 = d1["prefill"]["matmul_flops"], d1["prefill"]["expert_flops"]
    f = padded_expert_factor(get_model_spec(CODER), 8)
    assert d8["prefill"]["matmul_flops"] == pytest.approx(8 * (m1 - x1) + f * x1)
    assert d8["memory_required_bytes"] > d1["memory_required_bytes"]
    assert any("data-parallel attention" in n for n in dp.notes)
    # the note gives the padding rows' factor (1 + 2.54·8·7/8 ≈ 18.8) and the way out
    assert any("18.8× its share" in n and "VLLM_MOE_SKIP_PADDING" in n for n in dp.notes)
    # dp = 1 is the tensor-parallel layout, unchanged
    same = estimate_inference(CODER, "b200", data_parallel=1, **kw)
    assert same["accelerator_energy"].value == one["accelerator_energy"].value


def test_cli_data_parallel_option():
    args = ["estimate", "infer", "--model", CODER, "--hardware", "b200", "--chips", "8",
            "--precision", "fp8", "--batch", "64", "--stack", "vllm"]
    code, out, _ = cli_call(*args, "--dp", "8", "--json")
    assert code in (0, None)
    assert json.loads(out)["inputs"]["data_parallel"] == 8
    for extra, words in ((["--dp", "3"], "must divide the 8 chips"),
                         (["--dp", "4", "--tp", "4"], "must equal the 8 chips"),
                         (["--dp", "0"], "data parallel"),
                         (["--dp", "8", "--batch", "3"], "batch 3 is smaller than the 8")):
        code, out, err = cli_call(*args, *extra)
        assert code == 2
        assert words in err and len(err.strip().splitlines()) == 1
