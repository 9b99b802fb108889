"""`plan facility` at 80 columns: one column per option, numbers never split over lines."""

from __future__ import annotations

import pytest

from wattprint.testing import cli_call

ARGS = ["plan", "facility", "--chips", "10000", "--hardware", "h100", "--site", "us-az"]


def test_narrow_terminal_keeps_numbers_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = cli_call(*ARGS)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    rows = {line.split("│")[1].strip(): line for line in out.splitlines()
            if line.startswith("│") and line.split("│")[1].strip()}
    for name in ("peak MW", "MWh/yr", "PUE", "tCO2e/yr"):
        assert name in rows, name  # one row per quantity, its label whole
    assert "air-economiser" in out and "evaporative" in out


def test_wide_terminal_keeps_one_row_per_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")
    code, out, _ = cli_call(*ARGS)
    assert code == 0 and "m3 world-eq/yr (AWARE)" in out and "MWh/yr" in out
