"""Each bad CLI input of issue 14 is one line on stderr and exit 2 (in-process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wattprint.numbers import parse_number
from wattprint.testing import cli_call

TRAIN = ["estimate", "train", "-m", "llama-3-8b", "--tokens", "1T", "-H", "h100", "--json"]


def exit_2(*args: str) -> str:
    code, out, err = cli_call(*args)
    assert code == 2, (out[-300:], err)
    assert err.startswith("wattprint: error:") and len(err.strip().splitlines()) == 1, err
    assert "internal error" not in err
    return err


@pytest.mark.parametrize("args", [
    [*TRAIN, "--mfu", "1e-300"],
    [*TRAIN, "--chip-hours", "1e-300"],
    ["plan", "infer", "-m", "llama-3.2-1b", "--demand", "1e300", "--json"],
    ["plan", "budget", "--energy", "1e300", "--json"],
    ["plan", "budget", "--co2e", "1e300", "--json"],
], ids=["mfu", "chip-hours", "demand", "energy", "co2e"])
def test_overflow_is_an_error_not_null(args: list[str]) -> None:
    exit_2(*args)


def test_csv_intensity_of_1e308(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("hour,gco2e_per_kwh\n" + "".join(f"{h},1e308\n" for h in range(24)))
    assert "intensity" in exit_2("plan", "when", "--profile-csv", str(p), "--duration", "6h",
                                 "--energy", "2MWh", "--json")


@pytest.mark.parametrize("args", [
    [*TRAIN[:5], "1m", *TRAIN[6:]],
    ["plan", "infer", "-m", "llama-3.2-1b", "--demand", "1m"],
    ["plan", "budget", "--energy", "1m"],
], ids=["tokens", "demand", "energy"])
def test_lowercase_m_is_refused_with_a_hint(args: list[str]) -> None:
    assert "write M for a million" in exit_2(*args)


def test_uppercase_m_is_a_million() -> None:
    assert parse_number("1M", "x") == 1e6
    assert parse_number("1.5M", "x") == 1.5e6


@pytest.mark.parametrize("top", ["0", "-1"])
def test_plan_train_top_must_be_positive(top: str) -> None:
    assert "--top" in exit_2("plan", "train", "-m", "llama-3.2-1b", "--tokens", "1T", "-H",
                             "h100", "--chips", "8", "--top", top)


@pytest.mark.parametrize("what", ["hardware", "sites"])
def test_unknown_kind_is_an_error(what: str) -> None:
    assert "unknown --kind" in exit_2(what, "list", "--kind", "bogus")


@pytest.mark.parametrize("args", [
    ["plan", "train", "-m", "llama-3.2-1b", "--tokens", "1T", "-H", ",,,"],
    ["plan", "regions", "--energy", "10MWh", "--region", ",,,"],
], ids=["hardware", "region"])
def test_lists_that_name_nothing(args: list[str]) -> None:
    assert "names nothing" in exit_2(*args)


@pytest.mark.parametrize("args", [
    [*TRAIN, "--site", ""],
    [*TRAIN, "--site", "  "],
    [*TRAIN, "--site="],
    ["calibrate", "fit", "m.jsonl", "-o", ""],
    ["export", "--run", ""],
], ids=["site", "site-blank", "site-equals", "fit-output", "export-run"])
def test_empty_values_are_errors_not_defaults(args: list[str]) -> None:
    assert "empty value" in exit_2(*args)


def test_run_passes_empty_arguments_to_the_command(tmp_path: Path) -> None:
    code, _, err = cli_call("run", "--db", str(tmp_path / "l.sqlite"), "--", "test", "",
                            "=", "")
    assert code == 0, err


def test_interval_too_small() -> None:
    assert "--interval" in exit_2("run", "--interval", "1e-300", "--", "true")


def test_extrapolate_total_steps_overflow(tmp_path: Path) -> None:
    err = exit_2("calibrate", "extrapolate", "abcd", "--total-steps", "1e300")
    assert "total steps" in err and "beyond" in err


def test_profile_name_too_long_is_an_error() -> None:
    exit_2(*TRAIN, "--profile", "9" * 400)


INFER = ["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--json"]


@pytest.mark.parametrize(("args", "word"), [
    ([*INFER, "--rate", "1e30rps"], "request rate"),
    ([*INFER, "--rate", "1e9rps", "--duration", "100y"], "requests"),
    ([*TRAIN, "--pue", "1e29"], "PUE"),
    ([*INFER, "--market-intensity", "1e30"], "market-based intensity"),
], ids=["rate", "requests", "pue", "market"])
def test_impossible_overrides_are_refused_not_printed(args: list[str], word: str) -> None:
    assert word in exit_2(*args)


def test_missing_precision_is_named_once() -> None:
    err = exit_2(*INFER, "--precision", "fp4")
    assert "has no fp4 support" in err and "fp4 (fp4)" not in err


def test_interval_takes_units_like_serve_meter(tmp_path: Path) -> None:
    code, _, err = cli_call("run", "--interval", "100ms", "--db", str(tmp_path / "l.sqlite"),
                            "--", "true")
    assert code == 0, err
    assert "--interval" in exit_2("run", "--interval", "5 parsecs", "--", "true")
    assert "--interval" in exit_2("exporter", "--interval", "1ms")


def test_demo_with_a_non_llm_says_what_demo_takes() -> None:
    err = exit_2("demo", "-m", "sdxl")
    assert "language model" in err and "unknown" not in err
