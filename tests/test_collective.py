"""Golden tests for the serving stacks' all-reduce rate and power (device/collective.py).

Sources: the ring all-reduce cost ``2 (n-1)/n · bytes / link`` (Thakur, Rabenseifner & Gropp
2005); NCCL reaches ~370 of NVLink 4's 450 GB/s per direction only on large messages
(github.com/NVIDIA/nccl-tests/issues/212, 2024); the vllm stack's share (0.25) and power
(0.3 of TDP - idle) are fitted on ML.ENERGY V3 dev rows (data/stacks.toml), with ranges
0.2-0.35 and 0.2-0.4 that the estimate's optimistic and pessimistic corners carry.
"""

from __future__ import annotations

import pytest

from wattprint import estimate_inference
from wattprint.catalog import get_hardware
from wattprint.catalog.schema import Stack
from wattprint.catalog.stacks import get_stack
from wattprint.device import roofline as r
from wattprint.device.collective import (
    collective_energy_j,
    collective_note,
    collective_params,
    effective_link_bps,
)
from wattprint.device.execute import phase_terms, run_work
from wattprint.engine.inputs import resolve_model
from wattprint.engine.params import params_for
from wattprint.workload.phases import Traffic, decode_work
from wattprint.workload.precision import precision_plan


def test_effective_bus_bandwidth_is_the_share_of_the_link() -> None:
    # H100 NVLink 4: 450 GB/s per direction; a quarter of it: 112.5 GB/s
    assert effective_link_bps(4.5e11, 0.25) == pytest.approx(1.125e11)


def test_collective_energy_is_the_budget_share_over_the_time() -> None:
    # 8 chips × 0.3 × (700 − 100) W × 1 ms = 1.44 J
    assert collective_energy_j(1e-3, 0.3, 600.0, 8) == pytest.approx(1.44)
    assert collective_energy_j(0.0, 0.3, 600.0, 8) == 0.0


def test_only_the_vllm_stack_carries_the_fit() -> None:
    # (central, optimistic, pessimistic): the fast corner takes η_ar's high end and f_ar's low
    assert collective_params(get_stack("vllm")) == ((0.25, 0.35, 0.2), (0.3, 0.2, 0.4))
    # the 2024 V2 stack and training stacks keep the line rate and the idle floor
    assert collective_params(get_stack("vllm-0.5")) == ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    assert collective_params(get_stack("megatron")) == ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    assert "allreduce_efficiency" in collective_note(get_stack("vllm"))
    assert "idle floor" in collective_note(get_stack("megatron"))


def _tp8() -> tuple[object, object]:
    p, _ = params_for(get_hardware("h100"), get_stack("vllm"), precision_plan("bf16"), 8, None)
    w = decode_work(resolve_model("qwen3-8b"), precision_plan("bf16"),
                    Traffic(10, 3, True), 64, 500)
    return p, w


def test_vllm_all_reduce_time_uses_the_effective_bus_bandwidth() -> None:
    p, w = _tp8()
    t_comm = phase_terms(w, p, 8, comm_bytes=1e8, comm_calls=0.0)[6]  # type: ignore[arg-type]
    # per corner: η_ar 0.25 central, 0.35 optimistic, 0.2 pessimistic
    assert t_comm[0] == pytest.approx(r.allreduce_time_s(1e8, 8.0, 4.5e11 * 0.25))
    assert t_comm[1] == pytest.approx(r.allreduce_time_s(1e8, 8.0, 4.5e11 * 0.35))
    assert t_comm[2] == pytest.approx(r.allreduce_time_s(1e8, 8.0, 4.5e11 * 0.2))


def test_all_reduce_time_draws_power_above_idle() -> None:
    p, w = _tp8()
    with_comm = run_work(w, p, 8, comm_bytes=1e8)  # type: ignore[arg-type]
    without = run_work(w, p, 8)  # type: ignore[arg-type]
    dt = with_comm.time_s - without.time_s
    extra = with_comm.intermediates["dynamic_energy_j"] - without.intermediates["dynamic_energy_j"]
    assert dt > 0
    # collective buffers' bytes plus 0.3 of the budget over the added time (not capped here)
    assert extra >= collective_energy_j(dt, 0.3, p.tdp_w - p.idle_w[0], 8) * 0.99  # type: ignore[attr-defined]


def _flat(stack: Stack) -> Stack:
    """``stack`` with its all-reduce rate and power pinned at their central values."""
    eff, frac = stack.allreduce_efficiency, stack.collective_power_fraction
    assert eff is not None and frac is not None
    return stack.model_copy(update={
        "allreduce_efficiency": eff.model_copy(update={"low": eff.value, "high": eff.value}),
        "collective_power_fraction": frac.model_copy(update={"low": frac.value,
                                                             "high": frac.value})})


def test_tp8_time_range_widens_by_the_all_reduce_range() -> None:
    # ring all-reduce of 100 MB over 8 H100s (450 GB/s per direction): 1.556 ms at η_ar 0.25,
    # 1.111 ms at 0.35 (fast end), 1.944 ms at 0.2 (slow end)
    p, w = _tp8()
    flat, _ = params_for(get_hardware("h100"), _flat(get_stack("vllm")), precision_plan("bf16"),
                         8, None)
    ranged = run_work(w, p, 8, comm_bytes=1e8, comm_calls=100.0)  # type: ignore[arg-type]
    pinned = run_work(w, flat, 8, comm_bytes=1e8, comm_calls=100.0)  # type: ignore[arg-type]
    t = {eta: r.allreduce_time_s(1e8, 8.0, 4.5e11 * eta) for eta in (0.2, 0.25, 0.35)}
    assert t[0.35] == pytest.approx(1.111e-3, rel=1e-3)
    assert t[0.2] == pytest.approx(1.944e-3, rel=1e-3)
    assert ranged.time_s == pinned.time_s  # the central value does not move by a bit
    assert ranged.energy_j == pinned.energy_j
    assert ranged.time_low_s - pinned.time_low_s == pytest.approx(t[0.35] - t[0.25], rel=1e-6)
    assert ranged.time_high_s - pinned.time_high_s == pytest.approx(t[0.2] - t[0.25], rel=1e-6)
    # energy: the fast end draws f_ar's low end over the shorter time, the slow end its high
    assert ranged.energy_low_j < pinned.energy_low_j
    assert ranged.energy_high_j > pinned.energy_high_j


def test_estimate_range_carries_the_all_reduce_range_only_with_tensor_parallel() -> None:
    stack = get_stack("vllm")
    kw = {"batch": 64, "prompt_tokens": 512, "output_tokens": 128}
    tp8 = estimate_inference("qwen3-8b", "h100", chips=8, stack=stack, **kw).quantities["time"]
    tp8_flat = estimate_inference("qwen3-8b", "h100", chips=8, stack=_flat(stack),
                                  **kw).quantities["time"]
    assert tp8.value == tp8_flat.value
    assert tp8.low is not None and tp8_flat.low is not None
    assert tp8.high is not None and tp8_flat.high is not None
    assert tp8.low < tp8_flat.low and tp8.high > tp8_flat.high
    # one chip (TP 1, DP 1): no all-reduce, so the range does not move at all
    one = estimate_inference("qwen3-8b", "h100", stack=stack, **kw).to_dict()
    one_flat = estimate_inference("qwen3-8b", "h100", stack=_flat(stack), **kw).to_dict()
    for key in ("time", "accelerator_energy", "accelerator_energy_per_output_token"):
        assert one[key] == one_flat[key]
