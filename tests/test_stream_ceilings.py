"""Kernel-side streaming ceilings of the vLLM stack (docs/methodology.md §2.4, decode
streaming ceilings): dense decode weights and Mamba-2 recurrent state on a B200.

Golden values from the formulas; engine checks against ML.ENERGY V3 dev rows
(src/wattprint/data/validation/inference_llm.csv, ml-energy/leaderboard @ 0cd52da).
"""

from __future__ import annotations

import pytest

from wattprint.catalog import get_hardware
from wattprint.catalog.precisions import PRECISIONS
from wattprint.catalog.stacks import get_stack
from wattprint.device import roofline as r
from wattprint.device.ceilings import ceiling_efficiency, moe_efficiency
from wattprint.engine import estimate_inference


def test_stream_ceiling_factor_golden() -> None:
    # B200: 8 TB/s x 0.85 = 6.8 TB/s streaming; a 5 TB/s ceiling reaches 5 / 6.8 of it
    assert r.stream_ceiling_factor(8e12, 0.85, 5e12) == pytest.approx(5 / 6.8)
    # H100: 3.35 TB/s x 0.85 = 2.85 TB/s, below a 5 TB/s ceiling: not slowed
    assert r.stream_ceiling_factor(3.35e12, 0.85, 5e12) == 1.0
    # no ceiling, or no bandwidth: factor 1
    assert r.stream_ceiling_factor(8e12, 0.85, None) == 1.0
    assert r.stream_ceiling_factor(0.0, 0.85, 5e12) == 1.0


def test_ceiling_stream_bytes_golden() -> None:
    # a stream at half the rate draws full-rate power for twice the time: one extra bytes' worth
    assert r.ceiling_stream_bytes(1e9, 0.5) == pytest.approx(1e9)
    assert r.ceiling_stream_bytes(1e9, 1.0) == 0.0


def test_vllm_stack_carries_the_fitted_ceilings() -> None:
    v = get_stack("vllm")
    assert v.weight_bandwidth_bps is not None and v.state_bandwidth_bps is not None
    for q in (v.weight_bandwidth_bps, v.state_bandwidth_bps):
        assert "ML.ENERGY V3 dev rows" in q.source
        assert q.low is not None and q.high is not None and q.low < q.value < q.high
    assert get_stack("eager").weight_bandwidth_bps is None
    assert get_stack("vllm-0.5").state_bandwidth_bps is None


def test_ceilings_bind_on_b200_not_on_h100() -> None:
    v = get_stack("vllm")
    h100, b200 = get_hardware("nvidia-h100-sxm"), get_hardware("nvidia-b200")
    assert ceiling_efficiency(h100, v, v.weight_bandwidth_bps) == (1.0, 1.0, 1.0)
    assert ceiling_efficiency(b200, v, v.weight_bandwidth_bps)[0] == pytest.approx(5 / 6.8)
    assert ceiling_efficiency(b200, v, None) == (1.0, 1.0, 1.0)


def _decode_step_s(model: str, hw: str, batch: int, output: int) -> float:
    fp = estimate_inference(model, hw, batch=batch, prompt_tokens=400, output_tokens=output,
                            stack="vllm")
    d = fp.details["decode"]
    return float(d["time_s"] / d["passes"])


def test_dense_decode_on_b200_streams_below_the_roofline() -> None:
    # ML.ENERGY V3 mlev3-429: Qwen3-32B, one B200, lm-arena-chat, batch 8: median ITL 14.13 ms;
    # the 6.8 TB/s roofline gave 12.0 ms
    assert _decode_step_s("qwen3-32b", "b200", 8, 646) == pytest.approx(0.01413, rel=0.1)


def test_mamba_state_on_b200_no_faster_than_on_h100() -> None:
    # ML.ENERGY V3 mlev3-1420 / mlev3-1426: Nemotron Nano 9B v2, lm-arena-chat, batch 64:
    # median ITL 16.04 ms on a B200, 16.77 ms on an H100; the 6.8 TB/s roofline made the
    # B200 step about half the H100 step
    b200 = _decode_step_s("nemotron-nano-9b-v2", "b200", 64, 1000)
    h100 = _decode_step_s("nemotron-nano-9b-v2", "h100", 64, 1000)
    assert b200 / h100 > 0.75


def test_moe_ceiling_holds_at_every_corner_with_its_own_memory_efficiency() -> None:
    # Each corner of the expert-stream ceiling uses its own memory efficiency, as
    # ceiling_efficiency does: with the central 0.85 at the optimistic corner (0.92) a B200's
    # experts streamed at 8.0 TB/s x 0.92 x (4.6 / 6.8) = 4.98 TB/s, above the 4.6 TB/s
    # high ceiling (stacks.toml vllm moe_bandwidth_bps).
    hw, stack = get_hardware("nvidia-b200"), get_stack("vllm")
    assert stack.moe_bandwidth_bps is not None and stack.moe_efficiency is not None
    eff = moe_efficiency(hw, stack, PRECISIONS["bf16"])
    me, cap, base = (stack.memory_efficiency, stack.moe_bandwidth_bps, stack.moe_efficiency)
    corners = ((me.value, cap.value, base.value), (me.high, cap.high, base.high),
               (me.low, cap.low, base.low))
    bw = hw.memory_bandwidth_bps.value
    for (m, c, b), e in zip(corners, eff, strict=True):
        assert m is not None and c is not None and b is not None
        stream = bw * m * (e / b)  # bytes/s the expert kernels reach at this corner
        assert stream == pytest.approx(min(c, bw * m), rel=1e-9)
