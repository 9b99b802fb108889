"""Golden tests for the serving stacks' all-reduce rate and power (device/collective.py).

Sources: the ring all-reduce cost ``2 (n-1)/n · bytes / link`` (Thakur, Rabenseifner & Gropp
2005); NCCL reaches ~370 of NVLink 4's 450 GB/s per direction only on large messages
(github.com/NVIDIA/nccl-tests/issues/212, 2024); the vllm stack's share (0.25) and power
(0.3 of TDP - idle) are fitted on ML.ENERGY V3 dev rows (data/stacks.toml).
"""

from __future__ import annotations

import pytest

from wattprint.catalog import get_hardware
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
    assert collective_params(get_stack("vllm")) == (0.25, 0.3)
    # the 2024 V2 stack and training stacks keep the line rate and the idle floor
    assert collective_params(get_stack("vllm-0.5")) == (1.0, 0.0)
    assert collective_params(get_stack("megatron")) == (1.0, 0.0)
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
    assert t_comm == pytest.approx(r.allreduce_time_s(1e8, 8.0, 4.5e11 * 0.25))


def test_all_reduce_time_draws_power_above_idle() -> None:
    p, w = _tp8()
    with_comm = run_work(w, p, 8, comm_bytes=1e8)  # type: ignore[arg-type]
    without = run_work(w, p, 8)  # type: ignore[arg-type]
    dt = with_comm.time_s - without.time_s
    extra = with_comm.intermediates["dynamic_energy_j"] - without.intermediates["dynamic_energy_j"]
    assert dt > 0
    # collective buffers' bytes plus 0.3 of the budget over the added time (not capped here)
    assert extra >= collective_energy_j(dt, 0.3, p.tdp_w - p.idle_w[0], 8) * 0.99  # type: ignore[attr-defined]
