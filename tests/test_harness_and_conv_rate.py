"""Golden values: the benchmark-harness host time (``energy-star`` stack) and the fp32
convolution rate (cuDNN's TF32 default). docs/methodology.md §Benchmark harness, §fp32
convolutions."""

from __future__ import annotations

import pytest

from wattprint.catalog.stacks import get_stack
from wattprint.engine.catalog_models import estimate_operator_model
from wattprint.engine.inputs import resolve_hardware
from wattprint.engine.modules import harness_host_time_s
from wattprint.engine.operators import tensor_rate
from wattprint.engine.params import params_for
from wattprint.workload.precision import precision_plan


def test_harness_host_time_formula() -> None:
    # t_h = n_queries × s_query
    assert harness_host_time_s(4.0, 0.00139) == pytest.approx(0.00556)
    assert harness_host_time_s(1.0, 0.0) == 0.0


def test_energy_star_adds_host_time_at_the_idle_floor() -> None:
    # ResNet-18 on one H100 at batch 1: the harness adds 1.39 ms per query at 120.6 W.
    eager = estimate_operator_model("resnet18", "H100", precision="fp32", stack="eager")
    harness = estimate_operator_model("resnet18", "H100", precision="fp32",
                                      stack="energy-star")
    s = get_stack("energy-star").per_query_host_s
    assert s is not None and s.value == pytest.approx(0.00139)
    assert harness["time"].value - eager["time"].value == pytest.approx(0.00139)
    de = harness.accelerator_energy.value - eager.accelerator_energy.value
    assert de == pytest.approx(0.00139 * 120.6, rel=1e-6)
    assert any("benchmark harness" in n for n in harness.notes)
    # four queries per batch: four times the host time
    b4 = estimate_operator_model("resnet18", "H100", precision="fp32", stack="energy-star",
                                 batch=4)
    e4 = estimate_operator_model("resnet18", "H100", precision="fp32", stack="eager", batch=4)
    assert b4["time"].value - e4["time"].value == pytest.approx(4 * 0.00139)


def test_fp32_convolutions_run_at_tf32_matmuls_stay_fp32() -> None:
    hw = resolve_hardware("H100")
    p32, _ = params_for(hw, get_stack("eager"), precision_plan("fp32"), 1, None)
    assert tensor_rate("aten.convolution.default", p32, 0)[0] == pytest.approx(494.7e12)
    assert tensor_rate("aten.mm.default", p32, 0)[0] == pytest.approx(66.9e12)
    assert tensor_rate("aten.convolution.default", p32, 0)[1] < p32.j_per_flop[0]
    assert "allow_tf32" in p32.provenance["conv_rate"]
    p16, _ = params_for(hw, get_stack("eager"), precision_plan("bf16"), 1, None)
    assert p16.conv_peak_flops is None and "conv_rate" not in p16.provenance
    assert tensor_rate("aten.convolution.default", p16, 0) == (p16.peak_flops,
                                                               p16.j_per_flop[0])
