"""Golden tests of the routed-expert (MoE) kernel model and the ring all-reduce latency
(issue #9: one ``moe_efficiency`` could not serve Qwen3-30B-A3B and Qwen3-235B-A22B).

Sources: the ring all-reduce cost ``2(n−1)α + 2(n−1)/n·bytes·β`` (Thakur, Rabenseifner &
Gropp 2005, IJHPCA 19(1)); Little's law for a kernel's bandwidth ceiling; ML.ENERGY V3 dev
rows for the fitted constants (docs/methodology.md §2.4, MoE kernels).
"""

from __future__ import annotations

import pytest

from wattprint.catalog.stacks import get_stack
from wattprint.device import roofline as r
from wattprint.device.execute import COLLECTIVE_BASE_S, COLLECTIVE_HOP_S, COLLECTIVE_LATENCY_S
from wattprint.device.moe import moe_chain_time_s, moe_kernel_efficiency
from wattprint.device.roofline import stream_ceiling_factor
from wattprint.engine import estimate_inference
from wattprint.engine.inputs import resolve_model
from wattprint.workload.phases import Traffic, decode_work, prefill_work
from wattprint.workload.precision import precision_plan


def test_ring_allreduce_latency_golden() -> None:
    # α0 + 2(n−1)·α_hop: 4 µs + 2·1·2 µs = 8 µs for two chips, 4 + 2·7·2 = 32 µs for eight
    assert r.collective_latency_s(2.0, 4e-6, 2e-6) == pytest.approx(8e-6)
    assert r.collective_latency_s(8.0, 4e-6, 2e-6) == pytest.approx(32e-6)
    two = r.collective_latency_s(2.0, COLLECTIVE_BASE_S, COLLECTIVE_HOP_S)
    assert two == pytest.approx(COLLECTIVE_LATENCY_S)


def test_moe_bandwidth_ceiling_golden() -> None:
    # B200: 8 TB/s · 0.85 = 6.8 TB/s streaming; a 4.2 TB/s kernel reaches 4.2/6.8 of it
    assert stream_ceiling_factor(8e12, 0.85, 4.2e12) == pytest.approx(4.2 / 6.8)
    # H100: 3.35 TB/s · 0.85 = 2.85 TB/s, below the ceiling: not slowed
    assert stream_ceiling_factor(3.35e12, 0.85, 4.2e12) == 1.0
    assert stream_ceiling_factor(8e12, 0.85, None) == 1.0


def test_moe_kernel_efficiency_golden() -> None:
    base, bw = (1.0, 1.0, 0.85), (0.6, 0.7, 0.5)
    assert moe_kernel_efficiency(base, bw, None) == pytest.approx((0.6, 0.7, 0.425))
    assert moe_kernel_efficiency(base, bw, (0.45, 0.55, 0.38)) == pytest.approx(
        (0.27, 0.385, 0.1615))


def test_moe_chain_latency_golden() -> None:
    # Qwen3-30B-A3B: 48 MoE layers × 25 µs = 1.2 ms per decode step
    assert moe_chain_time_s(48.0, 25e-6) == pytest.approx(1.2e-3)
    spec, plan, tr = resolve_model("qwen3-30b-a3b"), precision_plan("bf16"), Traffic(10, 3, True)
    assert decode_work(spec, plan, tr, 8, 500).moe_layer_passes == 48.0
    assert decode_work(spec, plan, tr, 8, 500, steps=10).moe_layer_passes == 480.0
    assert prefill_work(spec, plan, tr, 8, 500).moe_layer_passes == 48.0
    dense = resolve_model("qwen3-8b")
    assert decode_work(dense, plan, tr, 8, 500).moe_layer_passes == 0.0


def test_vllm_stack_carries_the_fitted_moe_terms() -> None:
    v = get_stack("vllm")
    assert v.moe_bandwidth_bps is not None and v.moe_layer_s is not None
    assert v.moe_fp8_efficiency is not None
    for q in (v.moe_efficiency, v.moe_bandwidth_bps, v.moe_layer_s, v.moe_fp8_efficiency):
        assert "ML.ENERGY V3 dev rows" in q.source
    # a stack without them: no ceiling, no chain latency, no fp8 share
    assert get_stack("eager").moe_bandwidth_bps is None


def _tpot(model: str, hw: str, chips: int, precision: str) -> float:
    fp = estimate_inference(model, hw, batch=8, prompt_tokens=400, output_tokens=900,
                            chips=chips, precision=precision, stack="vllm")
    return float(fp["time_per_output_token"].value)


def test_fp8_experts_no_faster_than_bf16() -> None:
    # ML.ENERGY V3, Qwen3-235B-A22B on 8 × H100 at batch 8: 25 ms per token fp8, 20 ms bf16
    fp8 = _tpot("qwen3-235b-a22b", "h100", 8, "fp8")
    bf16 = _tpot("qwen3-235b-a22b", "h100", 8, "bf16")
    assert fp8 > bf16
    assert 0.015 < bf16 < 0.03 and 0.018 < fp8 < 0.035


def test_small_moe_on_one_h100_runs_near_its_roofline() -> None:
    # ML.ENERGY V3, Qwen3-30B-A3B on one H100 at batch 8: 12.8 ms median ITL (13.1 ms per step
    # from power / energy per token); the former single factor 0.45 gave 22 ms
    assert _tpot("qwen3-30b-a3b", "h100", 1, "bf16") == pytest.approx(0.0131, rel=0.15)


def test_all_reduce_latency_counts_the_tensor_parallel_group() -> None:
    # 16 chips as TP 8 × PP 2: each all-reduce rings over the 8 chips of its stage
    from wattprint.catalog import get_hardware
    from wattprint.device.execute import phase_terms
    from wattprint.engine.params import params_for

    p, _ = params_for(get_hardware("h100"), get_stack("vllm"), precision_plan("bf16"), 8, None)
    spec, plan = resolve_model("qwen3-8b"), precision_plan("bf16")
    w = decode_work(spec, plan, Traffic(10, 3, True), 8, 500)
    # phase_terms gives t_comm per corner (central, optimistic, pessimistic); central here
    t_comm = phase_terms(w, p, 16, comm_bytes=1e6, comm_calls=10.0, comm_group=8)[6][0]
    # the vllm stack's all-reduces reach allreduce_efficiency of the link (device/collective.py)
    bus = p.link_bps * p.comm_eff[0]
    assert t_comm == pytest.approx(r.allreduce_time_s(1e6, 8.0, bus) + 10 * 32e-6)
    # no tensor-parallel group (attention data-parallel): no all-reduce at any corner
    assert phase_terms(w, p, 16, comm_bytes=1e6, comm_calls=10.0,
                       comm_group=1)[6] == (0.0, 0.0, 0.0)
