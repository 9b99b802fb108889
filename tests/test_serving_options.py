"""Golden tests of the serving-engine options (docs/methodology.md §3.2).

Sources: vLLM "Automatic Prefix Caching" docs (prefix caching); Agrawal et al. 2024,
Sarathi-Serve, arXiv 2403.02310 (chunked prefill); Leviathan, Kalman and Matias 2023,
arXiv 2211.17192, eq. 1 (speculative decoding).
"""

from __future__ import annotations

import pytest

from wattprint.engine import estimate_inference
from wattprint.engine.inputs import resolve_model
from wattprint.engine.serving_options import (
    ServingOptions,
    chunked_prefill_passes,
    prefix_cached_prompt_tokens,
    speculative_tokens_per_step,
)
from wattprint.errors import InputError


def test_prefix_cache_golden() -> None:
    assert prefix_cached_prompt_tokens(1000, 0.75) == pytest.approx(250.0)
    assert prefix_cached_prompt_tokens(1000, 0.0) == 1000.0
    assert prefix_cached_prompt_tokens(10, 0.99) == 1.0  # the last token is always computed


def test_chunked_prefill_golden() -> None:
    assert chunked_prefill_passes(64, 1000, 2048) == 32  # ⌈64 000 / 2 048⌉ = 31.25 → 32
    assert chunked_prefill_passes(1, 100, 2048) == 1


def test_speculative_tokens_golden() -> None:
    # Leviathan et al. 2023 eq. 1: (1 − α^(k+1)) / (1 − α); α = 0.8, k = 4: 3.3616
    assert speculative_tokens_per_step(0.8, 4) == pytest.approx((1 - 0.8 ** 5) / 0.2)
    assert speculative_tokens_per_step(0.8, 4) == pytest.approx(3.3616)
    assert speculative_tokens_per_step(1.0, 4) == 5.0
    assert speculative_tokens_per_step(0.0, 4) == 1.0


def _fp(**opts: object):  # type: ignore[no-untyped-def]
    return estimate_inference("llama-3.1-70b", "h100", chips=4, batch=16, prompt_tokens=2000,
                              output_tokens=300, stack="vllm",
                              options=ServingOptions(**opts) if opts else None)


def test_options_change_the_work_in_the_right_direction() -> None:
    base = _fp()
    cached = _fp(prefix_hit=0.9)
    assert cached.details["prefill"]["tokens"] == pytest.approx(16 * 200)
    pre = "prefill_accelerator_energy"
    assert cached[pre].value < 0.3 * base[pre].value
    assert cached["decode_accelerator_energy"].value == pytest.approx(
        base["decode_accelerator_energy"].value)  # the cached prefix is still read
    chunked = _fp(prefill_chunk_tokens=512)
    assert chunked.details["prefill"]["passes"] == 63  # ⌈32 000 / 512⌉
    assert chunked.details["prefill"]["weight_bytes"] == pytest.approx(
        63 * base.details["prefill"]["weight_bytes"])
    spec = _fp(draft=resolve_model("llama-3.2-1b"), draft_tokens=4, acceptance=0.8)
    assert spec["time_per_output_token"].value < base["time_per_output_token"].value
    assert any("speculative_tokens_per_step" in n for n in spec.notes)
    never = _fp(draft=resolve_model("llama-3.2-1b"), draft_tokens=4, acceptance=0.0)
    assert never["decode_accelerator_energy"].value > base["decode_accelerator_energy"].value


def test_bad_options_are_input_errors() -> None:
    for bad in ({"prefix_hit": 1.0}, {"prefill_chunk_tokens": 0},
                {"draft": resolve_model("llama-3.2-1b"), "acceptance": 1.5}):
        with pytest.raises(InputError):
            _fp(**bad)


def test_cli_flags_reach_the_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from wattprint.cli.main import run

    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "-m", "llama-3.1-70b", "-H", "h100", "--chips", "4",
             "--draft", "llama-3.2-1b", "--acceptance", "0.8", "--prefix-hit", "0.5",
             "--prefill-chunk", "2048", "--json"])
    assert e.value.code in (0, None)
    notes = " ".join(json.loads(capsys.readouterr().out)["notes"])
    for name in ("prefix_cached_prompt_tokens", "chunked_prefill_passes",
                 "speculative_tokens_per_step"):
        assert name in notes
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--prefix-hit", "1.2"])
    assert e.value.code == 2
