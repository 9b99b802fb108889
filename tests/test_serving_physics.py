"""Golden tests of the serving-engine physics (issue #9, inference half).

Sources: vLLM's engine loop and its CPU profile (vLLM blog 2024-09-05, "vLLM v0.6.0: 2.7x
throughput improvement"); vLLM's paged KV cache (16-token blocks, gpu_memory_utilization
0.9, docs.vllm.ai engine arguments); ML.ENERGY V3 dev rows for the fitted constants.
"""

from __future__ import annotations

import math

import pytest

from wattprint.catalog import get_hardware
from wattprint.catalog.stacks import get_stack
from wattprint.device import roofline as r
from wattprint.device.coefficients import coefficients_for
from wattprint.device.execute import device_params
from wattprint.engine import estimate_inference
from wattprint.engine.inference import admitted_batch
from wattprint.engine.inputs import resolve_model
from wattprint.engine.memory import (
    KV_BLOCK_TOKENS,
    paged_kv_capacity,
    paged_kv_sequence_bytes,
    serving_memory,
)
from wattprint.errors import UnsupportedError
from wattprint.workload.phases import weight_storage_bytes
from wattprint.workload.precision import precision_plan


def test_engine_host_time_golden() -> None:
    # 100 decode steps of 64 sequences, 2 ms per step + 50 us per sequence and step:
    # 100 * 2e-3 + 6400 * 50e-6 = 0.2 + 0.32 = 0.52 s
    assert r.engine_host_time_s(100.0, 6400.0, 2e-3, 50e-6) == pytest.approx(0.52)


def test_vllm_stack_has_serial_engine_work_and_eager_has_none() -> None:
    v = get_stack("vllm")
    assert v.per_engine_step_s is not None and v.per_seq_step_s is not None
    assert v.per_engine_step_s.value == pytest.approx(2e-3)
    assert v.per_seq_step_s.value == pytest.approx(5e-5)
    assert "ML.ENERGY V3 dev rows" in v.per_seq_step_s.source
    assert get_stack("eager").per_seq_step_s is None


def test_decode_step_grows_with_running_sequences() -> None:
    """A vLLM decode step of Qwen3-8B on an H100 at batch 474 costs the device step plus
    474 × 50 µs of serial engine work; the result reports it as ``t_sequences_s``."""
    fp = estimate_inference("qwen3-8b", "h100", batch=474, prompt_tokens=400,
                            output_tokens=645, stack="vllm")
    dec = fp.details["decode"]
    steps = 644
    assert dec["t_sequences_s"] == pytest.approx(steps * (2e-3 + 474 * 5e-5))
    # device + serial engine work ≈ the published median ITL (47 ms, ML.ENERGY V3 dev row)
    assert 0.035 < fp["time_per_output_token"].value < 0.06


def test_paged_kv_capacity_golden() -> None:
    """Llama-3.1-8B bf16 on one H100: pool 0.9 × 80 GB − weights; a sequence of 600 + 200/2
    = 700 tokens holds 44 pages of 16 = 704 tokens × 128 KiB."""
    spec = resolve_model("llama-3.1-8b")
    plan = precision_plan("bf16")
    per_tok = spec.kv_elements(1) * plan.kv_bytes
    assert per_tok == 32 * 2 * 8 * 128 * 2  # layers × (K, V) × KV heads × head dim × bytes
    per_seq = paged_kv_sequence_bytes(spec, plan, 700.0)
    assert per_seq == pytest.approx(704 * per_tok)
    assert math.ceil(700 / KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS == 704
    pool = 0.9 * 80e9 - weight_storage_bytes(spec, plan)
    assert paged_kv_capacity(spec, plan, 80e9, 1, 700.0) == int(pool // per_seq)


def test_vllm_admits_what_fits_and_queues_the_rest() -> None:
    """ML.ENERGY V3 ran Qwen3-8B at ~1,427 sequences on one B200: the engine is never
    refused for its KV pool; it runs what the pool holds, with a note."""
    hw = get_hardware("b200")
    spec = resolve_model("qwen3-8b")
    plan = precision_plan("bf16")
    cap = paged_kv_capacity(spec, plan, hw.memory_bytes.value, 1, 400 + 649 / 2)
    run, need, note = admitted_batch(spec, hw, plan, 5000, 400, 649, 1, 1, True)
    assert run == cap and note is not None and "queues the rest" in note
    assert need <= 0.9 * hw.memory_bytes.value
    fp = estimate_inference(spec, hw, batch=5000, prompt_tokens=400, output_tokens=649,
                            stack="vllm")
    assert fp.details["admitted_batch"] == cap
    assert fp.inputs["batch"] == 5000
    assert any("queues the rest" in n for n in fp.notes)
    # all 5000 requests are served: time covers 5000 / cap batch-cycles
    one = estimate_inference(spec, hw, batch=cap, prompt_tokens=400, output_tokens=649,
                             stack="vllm")
    assert fp["time"].value == pytest.approx(one["time"].value * 5000 / cap, rel=1e-9)


def test_static_batch_still_refused_and_weights_must_fit() -> None:
    with pytest.raises(UnsupportedError, match="use --chips"):
        estimate_inference("llama-3.1-8b", "h100", batch=5000, prompt_tokens=400,
                           output_tokens=649, stack="eager")
    with pytest.raises(UnsupportedError, match="no KV-cache room"):
        estimate_inference("llama-3.1-70b", "h100", batch=8, stack="vllm")


def test_serving_memory_is_the_one_accounting() -> None:
    spec = resolve_model("llama-3.1-8b")
    plan = precision_plan("bf16")
    need, share = serving_memory(spec, plan, 10, 600, 200, 1, True)
    assert share == pytest.approx(0.9)
    assert need == pytest.approx(weight_storage_bytes(spec, plan)
                                 + 10 * paged_kv_sequence_bytes(spec, plan, 700.0))


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from wattprint.cli.main import run

    with pytest.raises(SystemExit) as e:
        run(args)
    return int(e.value.code or 0), capsys.readouterr().out


def test_estimate_infer_default_is_a_serving_engine_and_says_so(
        capsys: pytest.CaptureFixture[str]) -> None:
    """No --batch/--stack: a vLLM engine with 64 requests in flight, stated in the notes;
    ~1,000 Llama-3.1-8B requests come to tens of Wh at the accelerator, not kWh."""
    import json

    code, out = _cli(["estimate", "infer", "--model", "llama-3.1-8b", "--hardware", "h100",
                      "--requests", "1000", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["inputs"]["stack"] == "vllm" and d["inputs"]["batch"] == 64
    assert "serving engine" in d["notes"][0] and "64 requests in flight" in d["notes"][0]
    wh = d["accelerator_energy"]["value"] / 3600.0
    assert 2.0 < wh < 50.0
    code, out = _cli(["estimate", "infer", "--model", "llama-3.1-8b", "--hardware", "h100",
                      "--requests", "1000", "--batch", "1", "--stack", "eager", "--json"],
                     capsys)
    local = json.loads(out)
    assert local["inputs"]["stack"] == "eager"
    assert local["accelerator_energy"]["value"] > 20 * d["accelerator_energy"]["value"]


def test_b200_per_byte_energy_from_the_same_memory_technology() -> None:
    """B200 and H200 both use HBM3e: the B200 takes the H200's measured copy energy per byte
    (112 pJ/B), not budget/bandwidth scaling (which gave 96 pJ/B); H100 (HBM3) still
    derives from its budget."""
    from wattprint.catalog import measured_reference_hardware
    from wattprint.device.coefficients import coefficients_for

    ref = measured_reference_hardware()
    assert ref.j_per_byte is not None
    b200 = coefficients_for(get_hardware("b200")).j_per_byte
    assert b200 is not None and b200.value == pytest.approx(ref.j_per_byte.value)
    assert "same_memory_j_per_byte" in b200.provenance
    h100 = coefficients_for(get_hardware("h100")).j_per_byte
    assert h100 is not None and "derive_j_per_byte" in h100.provenance


def test_a40_gddr6_per_byte_energy_derived_from_its_budget() -> None:
    """NVIDIA A40 (GDDR6, 696 GB/s, 300 W; NVIDIA A40 datasheet 2020): its energy per byte
    comes from derive_j_per_byte (the rule for memory other than the reference's HBM3e):
    fill 0.9295 (H200 copy: 112.19 pJ/B x 4.8 TB/s / 579.4 W) x (300 - 51.7) W / 696 GB/s
    = 332 pJ/B, above the A100 80GB's HBM2e figure by the same rule (151 pJ/B), as GDDR6
    costs more per bit than HBM (Micron 'Ultra-Bandwidth Solutions': 7.5 vs 6.0 pJ/bit)."""
    from wattprint.device.coefficients import coefficients_for

    a40 = get_hardware("a40")
    assert a40.id == "nvidia-a40" and a40.memory_type == "GDDR6"
    jb = coefficients_for(a40).j_per_byte
    assert jb is not None and "derive_j_per_byte" in jb.provenance
    assert jb.value == pytest.approx(3.316e-10, rel=2e-3)
    a100 = coefficients_for(get_hardware("a100")).j_per_byte
    assert a100 is not None and jb.value > 2.0 * a100.value


def test_engine_sequence_energy_golden() -> None:
    """2 chips, 30 % of a 579.4 W budget (H100: 700 − 120.6 W) during 6,400 sequence-steps of
    50 µs: 2 × 0.3 × 579.4 × 0.32 s = 111.2 J; vLLM v0.5 keeps a fraction, fitted on the V2
    steady state (docs/methodology.md 2.4b): 0.1 for sampled requests, 0 for greedy ones."""
    assert r.engine_sequence_energy_j(6400.0, 50e-6, 0.3, 579.4, 2) == pytest.approx(111.2448)
    f = get_stack("vllm-0.5").per_seq_power_fraction
    assert f is not None and f.value == pytest.approx(0.1) and f.status == "derived"
    g = get_stack("vllm-0.5-greedy").per_seq_power_fraction
    assert g is not None and g.value == 0.0
    assert get_stack("eager").per_seq_power_fraction is None
    assert get_stack("eager").per_seq_power_w is None


def test_sequence_power_share_golden() -> None:
    """docs/methodology.md §2.4 (``sequence_power_share``): the vLLM stack's per-sequence work
    draws P_seq = 275 W above idle (fit on the 354 ML.ENERGY V3 dev rows) on any chip:
    H100 275 / (700 − 120.6) = 0.4746, B200 275 / (1000 − 172.3) = 0.3322 of the budget, so
    6,400 sequence-steps of 50 µs cost 275 × 0.32 = 88 J on one chip of either; a budget
    below P_seq is drawn whole (share 1), a zero budget gives 0."""
    w = get_stack("vllm").per_seq_power_w
    assert w is not None and w.value == pytest.approx(275.0) and w.status == "derived"
    assert get_stack("vllm").per_seq_power_fraction is None
    assert r.sequence_power_share(275.0, 579.4) == pytest.approx(0.474629, rel=1e-5)
    assert r.sequence_power_share(275.0, 827.7) == pytest.approx(0.332246, rel=1e-5)
    assert r.sequence_power_share(275.0, 60.0) == 1.0
    assert r.sequence_power_share(275.0, 0.0) == 0.0
    for hw_id, budget in (("h100", 579.4), ("b200", 827.7)):
        f = device_params(get_hardware(hw_id), coefficients_for(get_hardware(hw_id)),
                          get_stack("vllm"), precision_plan("bf16"), 1).seq_power_fraction
        assert r.engine_sequence_energy_j(6400.0, 50e-6, f[0], budget, 1) == \
            pytest.approx(88.0, rel=1e-3)
        assert f[1] == pytest.approx(150.0 / budget, rel=1e-3)  # the range's ends
        assert f[2] == pytest.approx(400.0 / budget, rel=1e-3)
