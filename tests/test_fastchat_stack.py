"""The ``fastchat-hf`` stack: Hugging Face transformers driven by FastChat's ``generate_stream``
at batch 1, as the ML.ENERGY Leaderboard V1 ran it (2023; github.com/ml-energy/leaderboard-v2
history, FastChat v0.2.14-v0.2.23 ``fastchat/serve/inference.py``). Host dispatch is serial
with the device (``serial_busy_time_s``) and the host-paced time draws a fitted share of the
dynamic budget (``host_time_energy_j``; docs/methodology.md §2.4c)."""

from __future__ import annotations

import pytest

from wattprint.catalog import get_hardware
from wattprint.catalog.stacks import get_stack, stack_entry
from wattprint.device import roofline as r
from wattprint.device.coefficients import coefficients_for
from wattprint.device.execute import device_params
from wattprint.estimate import estimate_inference
from wattprint.workload.precision import precision_plan


def test_serial_busy_time_golden() -> None:
    # V1 rows (docs/validation.md): a 7B step on an A100 = 7.4 ms of weight streaming plus
    # 15.4 ms of host dispatch (0.5 + 32 x 0.45 + 0.5 ms) = 22.8 ms (measured 22.5 ms), where
    # the overlapping form would give 15.4 ms
    assert r.serial_busy_time_s(7.4e-3, 15.4e-3) == pytest.approx(22.8e-3)
    assert r.busy_time_s(7.4e-3, 15.4e-3) == pytest.approx(15.4e-3)


def test_host_time_energy_golden() -> None:
    # one A100 80GB (400 W TDP, 68.9 W idle: budget 331.1 W) at f = 0.18 for 15.4 ms:
    # 0.18 x 331.1 x 0.0154 = 0.918 J (60 W above the idle floor)
    assert r.host_time_energy_j(0.0154, 0.18, 331.1, 1) == pytest.approx(0.9178092)
    assert r.host_time_energy_j(0.0154, 0.0, 331.1, 1) == 0.0


def test_fastchat_stack_is_sourced_and_eager_unchanged() -> None:
    s = get_stack("fastchat")
    assert s.id == "fastchat-hf" and s.host_serial and not s.fused_attention
    assert s.host_power_fraction is not None and s.host_power_fraction.value == pytest.approx(0.18)
    assert s.host_power_fraction.status == "derived" and "V1" in s.host_power_fraction.source
    assert "FastChat" in s.per_loop_step_s.source
    assert stack_entry("fastchat-hf").host_power_fraction is not None  # parsed twin agrees
    eager = get_stack("eager")
    assert not eager.host_serial and eager.host_power_fraction is None
    assert eager.per_loop_step_s.value == pytest.approx(0.038)


def test_serial_stack_adds_host_time_and_its_power() -> None:
    hw = get_hardware("a100")
    plan = precision_plan("fp16")
    fp = estimate_inference("llama-2-7b", "a100", batch=1, prompt_tokens=165, output_tokens=400,
                            precision="fp16", stack="fastchat-hf")
    dec = fp.details["decode"]
    t_dev = max(dec["t_compute_s"], dec["t_memory_s"]) + dec["t_elementwise_s"]
    assert dec["time_s"] == pytest.approx(t_dev + dec["t_overhead_s"], rel=1e-6)
    # host dispatch of a 32-layer decode step: 0.5 + 32 x (0.45 + 0.0085) + 0.5 ms per step
    steps = 399
    assert dec["t_overhead_s"] / steps == pytest.approx(1e-3 + 32 * 0.4585e-3, rel=1e-6)
    # the same work at f = 0 costs the host time at the idle floor only
    params = device_params(hw, coefficients_for(hw), get_stack("fastchat-hf"), plan, 1)
    assert params.host_serial and params.host_power_fraction == (0.18, 0.0, 0.35)
    # dynamic energy = bytes and FLOPs + 0.18 of the budget during the host time
    budget = hw.tdp_w.value - hw.idle_w.value
    host_j = r.host_time_energy_j(dec["t_overhead_s"], 0.18, budget, 1)
    assert dec["dynamic_energy_j"] > host_j > 0.3 * dec["dynamic_energy_j"]


def test_v1_time_per_token_right_for_the_right_reason() -> None:
    # ML.ENERGY V1 A100 Llama-2-7B-chat: 9.44 s for 420.1 tokens = 22.5 ms per token, prefill
    # included; eager (HF generate() on our H200, 38 ms loop) predicts ~59 ms
    def per_token(stack: str) -> float:
        fp = estimate_inference("llama-2-7b", "a100", batch=1, prompt_tokens=165,
                                output_tokens=420, precision="fp16", stack=stack)
        return float(fp["time"].value) / 420

    assert per_token("fastchat-hf") == pytest.approx(9.44 / 420.1, rel=0.1)
    assert per_token("eager") > 2 * 9.44 / 420.1
