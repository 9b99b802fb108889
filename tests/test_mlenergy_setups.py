"""ML.ENERGY measurement setups per leaderboard version, and the serving-engine terms they need
(issue #9: V2 ran vLLM v0.5.4, whose host work per step, per GPU worker and per sequence ×
vocabulary entry sets its time per output token)."""

from __future__ import annotations

import pytest

from wattprint.catalog.stacks import get_stack, stack_entry
from wattprint.device import roofline as r
from wattprint.estimate import estimate_inference
from wattprint.validation.inference import published_latency_s
from wattprint.validation.mlenergy import (
    SETUPS,
    setup_precision,
    setup_prompt_tokens,
    setup_stack,
    setup_steady_throughput,
)


def test_engine_host_time_golden() -> None:
    # docs/methodology.md 2.4b: steps·(s_engine + (w−1)·s_worker) + Σ B·s_req + Σ B·V·s_vocab
    t = r.engine_host_time_s(10.0, 1000.0, 0.019, 1.5e-4, 4.0, 0.0076, 1000.0 * 128_256,
                             6.4e-10)
    assert t == pytest.approx(10 * (0.019 + 3 * 0.0076) + 1000 * 1.5e-4
                              + 1000 * 128_256 * 6.4e-10)
    assert t == pytest.approx(0.65008384)
    # the optional terms default to the one-worker, vocabulary-free form
    assert r.engine_host_time_s(10.0, 1000.0, 0.002, 5e-5) == pytest.approx(0.07)
    assert r.engine_sequence_time_s(1000.0, 1.5e-4, 32_000e3, 6.4e-10) == \
        pytest.approx(0.15 + 0.02048)


def test_engine_sequence_energy_includes_the_vocabulary_term() -> None:
    # n · f · (TDP − idle) · (Σ B·s_req + Σ B·V·s_vocab)
    e = r.engine_sequence_energy_j(1000.0, 1.5e-4, 0.3, 579.4, 2.0, 1000.0 * 256_000, 6.4e-10)
    assert e == pytest.approx(2 * 0.3 * 579.4 * (0.15 + 0.16384))
    assert r.engine_sequence_energy_j(1000.0, 1.5e-4, 0.3, 579.4, 2.0) == \
        pytest.approx(2 * 0.3 * 579.4 * 0.15)


def test_vllm_05_stack_is_sourced_and_twinned() -> None:
    s = get_stack("vllm-0.5")
    assert s.continuous_batching and s.per_worker_step_s and s.per_seq_vocab_s
    assert "ML.ENERGY" in s.per_engine_step_s.source and "v0.5.4" in s.per_engine_step_s.source
    assert "sort" in s.per_seq_vocab_s.source
    light = stack_entry("vllm-0.5")
    assert light.per_seq_vocab_s.value == s.per_seq_vocab_s.value
    assert light.per_worker_step_s.value == s.per_worker_step_s.value
    assert get_stack("vllm").per_worker_step_s is None  # V3's profile is unchanged


def test_setups_by_version() -> None:
    assert setup_stack("ML.ENERGY V1") == "fastchat-hf"
    assert setup_precision("ML.ENERGY V1") == "fp16" and setup_precision("ML.ENERGY V3") is None
    assert setup_stack("ML.ENERGY V2") == "vllm-0.5"
    assert setup_stack("ML.ENERGY V3") == "vllm"
    assert setup_stack("ML.ENERGY V2", "code") == "vllm-0.5-greedy"
    assert setup_stack("ML.ENERGY V2", "chat") == "vllm-0.5"
    assert setup_prompt_tokens("ML.ENERGY V2", "chat") == 130
    assert setup_prompt_tokens("ML.ENERGY V1", "chat (FastChat prompts)") == 165
    assert setup_prompt_tokens("ML.ENERGY V2", "code") == 155  # HumanEval prompts (EvalPlus)
    assert setup_prompt_tokens("ML.ENERGY V3", "lm-arena-chat") is None
    assert all("ml-energy/leaderboard-v2" in s.source for s in SETUPS.values())


def test_only_v2_scores_its_steady_state_throughput() -> None:
    # V2's throughput column is that of its energy window; V1's and V3's are not used
    assert setup_steady_throughput("ML.ENERGY V2")
    assert not setup_steady_throughput("ML.ENERGY V1")
    assert not setup_steady_throughput("ML.ENERGY V3")


def test_published_latency() -> None:
    # V1 rows quote the leaderboard's mean latency per response in their notes
    assert published_latency_s("latency 13.37 s; ") == pytest.approx(13.37)
    assert published_latency_s("avg TPOT 0.1122 s") is None
    assert published_latency_s(None) is None


def test_more_gpu_workers_and_a_larger_vocabulary_lengthen_v2_steps() -> None:
    def tpot(model: str, chips: int) -> float:
        fp = estimate_inference(model, "h100", batch=256, prompt_tokens=130, output_tokens=400,
                                chips=chips, stack="vllm-0.5")
        return float(fp["time_per_output_token"].value)

    # 9.5 ms per extra worker dominates the device-time gain of splitting the model
    assert tpot("llama-3.1-8b", 4) > tpot("llama-3.1-8b", 1)


def test_tensor_parallel_all_reduce_stays_in_its_node() -> None:
    # 16 GPUs as TP 8 × PP 2: the all-reduce runs within the 8-GPU group on NVLink, not over
    # the 50 GB/s inter-node network (which only pipeline activations cross)
    def t_comm(tp: int) -> float:
        fp = estimate_inference("llama-3.1-70b", "h100", batch=256, prompt_tokens=130,
                                output_tokens=400, chips=16, tensor_parallel=tp, stack="vllm")
        return float(fp.details["decode"]["t_comm_s"])

    # (the bytes ~6x faster; the ring latency, collective_latency_s, 32 us over 8 GPUs and
    # 64 us over 16, is a smaller share of both)
    assert t_comm(8) < t_comm(16) / 4


def test_greedy_v2_stack_drops_only_the_sort() -> None:
    # V2's code task sent temperature-0 requests: vLLM V0 then skips the top-p sort, so the
    # per-vocabulary term is absent and the per-sequence work is host work (power fraction 0;
    # docs/methodology.md 2.4b); everything else is vllm-0.5's.
    g, s = get_stack("vllm-0.5-greedy"), get_stack("vllm-0.5")
    assert g.per_seq_vocab_s is None and s.per_seq_vocab_s is not None
    assert g.per_seq_power_fraction.value == 0.0 < s.per_seq_power_fraction.value
    assert g.per_seq_step_s.value < s.per_seq_step_s.value  # 0.25 vs 0.33 ms, both fitted
    same = {k: v for k, v in s.model_dump().items() if k not in (
        "id", "name", "aliases", "per_seq_vocab_s", "per_seq_step_s", "per_seq_power_fraction")}
    assert {k: v for k, v in g.model_dump().items() if k in same} == same


def test_v2_terms_fitted_to_the_steady_state() -> None:
    # Least squares of log(predicted / published) over the steady-state throughput and energy
    # per token of the 314 ML.ENERGY Leaderboard V2 rows (github.com/ml-energy/leaderboard-v2
    # @ c3af7f3, aggregate_leaderboard_data.py: Token tput; docs/methodology.md 2.4b):
    # 9.5 ms per step + 9.5 ms per extra GPU + 12 ms per admitted request + 0.33 ms (sampled)
    # or 0.25 ms (greedy) per sequence (+ 0.30 ns per vocabulary entry when sampling); a
    # Phi-3-medium (32,064 entries) sequence costs the chat engine 0.34 ms per step.
    g, s = get_stack("vllm-0.5-greedy"), get_stack("vllm-0.5")
    for st in (g, s):
        assert st.per_engine_step_s.value == 9.5e-3 and st.per_worker_step_s.value == 9.5e-3
        assert st.per_request_s.value == 1.2e-2
        assert "Token tput" in st.per_engine_step_s.source
    assert s.per_seq_step_s.value == 3.3e-4 and g.per_seq_step_s.value == 2.5e-4
    assert s.per_seq_vocab_s.value == 3.0e-10 and s.per_seq_power_fraction.value == 0.1
    per_seq = r.engine_sequence_time_s(1.0, s.per_seq_step_s.value, 32_064.0,
                                       s.per_seq_vocab_s.value)
    assert abs(per_seq - 3.396192e-4) < 1e-12  # 0.33 ms + 32,064 x 0.30 ns


def test_request_admission_time_golden() -> None:
    # docs/methodology.md 2.4b "Per-request host work": R * s_admit, fitted on the ML.ENERGY V2
    # code rows (12 ms per request); charged once per request, on the prefill that admits it.
    assert r.request_admission_time_s(128.0, 0.012) == pytest.approx(1.536)
    assert r.request_admission_time_s(0.0, 0.012) == 0.0


def test_per_request_work_is_paid_once_per_request_not_per_step() -> None:
    # A greedy V2 code batch (CodeGemma-1.1-2B on one H100, batch 128, ~240 output tokens):
    # the prefill's serial engine time grows by exactly 128 x 12 ms, the decode's not at all.
    from wattprint.estimate import estimate_inference

    def parts(stack: str) -> tuple[float, float]:
        fp = estimate_inference("codegemma-2b", "h100", batch=128, prompt_tokens=155,
                                output_tokens=240, stack=stack)
        d = fp.details
        return float(d["prefill"]["t_sequences_s"]), float(d["decode"]["t_sequences_s"])

    g = get_stack("vllm-0.5-greedy")
    pre, dec = parts("vllm-0.5-greedy")
    steps = 239.0
    assert dec == pytest.approx(steps * (g.per_engine_step_s.value
                                         + 128 * g.per_seq_step_s.value))
    assert pre > 128 * g.per_request_s.value  # plus the prefill steps' own engine work


def test_separate_prefill_steps_golden() -> None:
    # (N − 1)·(1 − e^(−B/N)): a decode step frees a slot with probability 1 − e^(−B/N)
    import math

    from wattprint.engine.serving_options import separate_prefill_steps
    assert separate_prefill_steps(128, 100) == pytest.approx(99 * (1 - math.exp(-1.28)))
    assert separate_prefill_steps(128, 100) == pytest.approx(71.47, abs=0.01)
    assert separate_prefill_steps(1, 1000) == 1.0  # at least the batch's own prefill
    assert separate_prefill_steps(64, 1) == 1.0


def test_vllm_05_runs_prefill_steps_apart_unless_pipelined() -> None:
    # vLLM v0.5 with chunked prefill off admits waiting prompts by prefill-only steps; with
    # pipeline stages (chips > TP) other micro-batches overlap them.
    s = get_stack("vllm-0.5")
    assert s.separate_prefill_steps and get_stack("vllm-0.5-greedy").separate_prefill_steps
    assert not get_stack("vllm").separate_prefill_steps
    mixed = s.model_copy(update={"separate_prefill_steps": False})
    kw = dict(batch=128, prompt_tokens=155, output_tokens=100, precision="bf16")
    apart = estimate_inference("llama-3.1-8b", "h100", stack=s, **kw)
    one = estimate_inference("llama-3.1-8b", "h100", stack=mixed, **kw)
    assert apart.details["prefill"]["passes"] == pytest.approx(71.47, abs=0.01)
    assert one.details["prefill"]["passes"] == 1.0
    assert apart["time_per_output_token"].value > one["time_per_output_token"].value
    assert any("separate_prefill_steps" in n for n in apart.notes)
    piped = estimate_inference("llama-3.1-70b", "h100", chips=8, tensor_parallel=4,
                               pipeline_parallel=2, stack=s,
                               **kw)
    assert piped.details["prefill"]["passes"] == 1.0


def test_split_prefill_work_golden() -> None:
    # W' = W + (k − 1)·(W − E + E_k); E (the share the MoE kernel inefficiency is charged on),
    # FLOPs, KV and activation bytes unchanged; passes and layer passes × k
    from wattprint.engine.serving_options import split_prefill_work
    from wattprint.workload.phases import Work
    w = Work(phase="prefill", passes=1.0, layer_passes=32.0, tokens=1000.0,
             matmul_flops=5e12, attention_flops=1e11, dequant_ops=0.0, weight_bytes=100.0,
             kv_bytes=7.0, activation_bytes=9.0, expert_flops=4e12, expert_bytes=60.0)
    s = split_prefill_work(w, 3.0, 50.0)
    assert s.weight_bytes == pytest.approx(100 + 2 * (100 - 60 + 50))  # 280 B
    assert s.expert_bytes == 60.0 and s.expert_flops == 4e12
    assert (s.passes, s.layer_passes) == (3.0, 96.0)
    assert (s.matmul_flops, s.kv_bytes, s.activation_bytes) == (5e12, 7.0, 9.0)
    assert split_prefill_work(w, 1.0, 50.0) is w
    # a dense pass (E = E_k = 0) is read k times
    dense = w.replace(expert_flops=0.0, expert_bytes=0.0)
    assert split_prefill_work(dense, 2.5, 0.0).weight_bytes == pytest.approx(250.0)


def test_prefill_steps_reread_experts_at_the_dense_rate() -> None:
    # vLLM v0.5's prefill-only steps each read every Mixtral expert (hundreds of tokens, top-2
    # of 8), outside the MoE kernel inefficiency: it stays charged on one read, as unsplit
    from wattprint.engine.inputs import resolve_model
    from wattprint.engine.serving_options import ServingOptions, phase_works
    from wattprint.workload.phases import Traffic, prefill_work
    from wattprint.workload.precision import precision_plan
    spec = resolve_model("mixtral-8x7b")
    plan, traffic = precision_plan("bf16"), Traffic(act_passes_hidden=10.0, act_passes_ffn=3.0,
                                              fused_attention=True)
    one = prefill_work(spec, plan, traffic, 128, 155)
    works = phase_works(spec, plan, traffic, 128, 155, 100, ServingOptions(), True)
    k = works.prefill.passes
    assert k == pytest.approx(71.47, abs=0.01)
    assert works.prefill.expert_bytes == pytest.approx(one.expert_bytes)
    assert works.prefill.weight_bytes == pytest.approx(k * one.weight_bytes, rel=1e-9)
