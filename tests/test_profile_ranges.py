"""Profiles are physical numbers: NaN, infinite, negative, zero rates and low > high are
one-line errors, never null or negative energies (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wattprint.testing import cli_call

BASE = {"format": "wattprint-profile/1", "name": "t", "hardware": "h100"}


@pytest.mark.parametrize(("section", "field", "value"), [
    ("device", "idle_w", {"value": float("nan")}),
    ("device", "idle_w", {"value": -500.0}),
    ("device", "tdp_w", {"value": 0.0}),
    ("device", "tdp_w", {"value": 1e400}),
    ("device", "j_per_flop", {"bf16": {"value": -1e-10}}),
    ("device", "j_per_flop", {"bf16": {"value": 0.0}}),
    ("device", "achieved_flops", {"bf16": {"value": 1e15, "low": 2e15}}),
    ("stack", "energy_scale", {"value": -2.0}),
    ("stack", "compute_efficiency", {"value": 0.5, "low": 0.6, "high": 0.7}),
    ("stack", "per_step_s", {"value": -0.1}),
    ("stack", "memory_efficiency", {"value": 0.5, "high": 0.4}),
], ids=["idle-nan", "idle-neg", "tdp-0", "tdp-inf", "jpf-neg", "jpf-0", "low>value",
        "scale-neg", "low>value2", "overhead-neg", "high<value"])
def test_unphysical_profile_is_a_one_line_error(tmp_path: Path, section: str, field: str,
                                                value: object) -> None:
    prof = dict(BASE, **{section: {field: value}})
    p = tmp_path / "p.json"
    p.write_text(json.dumps(prof))
    code, out, err = cli_call("estimate", "train", "-m", "llama-3-8b", "--tokens", "1T",
                              "-H", "h100", "--profile", str(p), "--json")
    assert code == 2, (out[-300:], err)
    assert err.startswith("wattprint: error:") and len(err.strip().splitlines()) == 1
    assert field in err or "NaN" in err or "Infinity" in err


def test_builtin_profiles_are_physical() -> None:
    from wattprint.catalog.profiles import builtin_profiles, load_profile

    for name in builtin_profiles():
        load_profile(name)
