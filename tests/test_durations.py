"""One duration parser for every option: same units, same one-line errors everywhere."""

from __future__ import annotations

import pytest

from wattprint.errors import InputError
from wattprint.numbers import parse_duration
from wattprint.testing import cli_call


@pytest.mark.parametrize(("text", "seconds"), [
    ("500ms", 0.5), ("0.2s", 0.2), ("10m", 600.0), ("10min", 600.0), ("6 h", 21600.0),
    ("30days", 30 * 86400.0), ("1week", 7 * 86400.0), ("3600", 3600.0), ("250us", 250e-6),
    ("250µs", 250e-6), (90, 90.0),
])
def test_units(text: str | float, seconds: float) -> None:
    assert parse_duration(text, "--duration") == pytest.approx(seconds)


@pytest.mark.parametrize(("text", "message"), [
    ("-1d", "must be > 0, got -1"), ("0s", "must be > 0, got 0"),
    ("nan", "cannot read 'nan' as a duration"), ("1e400s", "finite"),
    ("1fortnight", "unknown time unit 'fortnight'"), ("", "cannot read"),
    ("1e40years", "beyond"),
])
def test_errors_name_the_option(text: str, message: str) -> None:
    with pytest.raises(InputError, match="^--deadline: ") as exc:
        parse_duration(text, "--deadline")
    assert message in str(exc.value)


@pytest.mark.parametrize("args", [
    ["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--rate", "5rps", "--duration"],
    ["plan", "train", "-m", "llama-3.1-8b", "--tokens", "1T", "--deadline"],
    ["plan", "when", "--region", "us-ca", "--energy", "1MWh", "--duration"],
    ["serve-meter", "--engine", "vllm", "--url", "http://127.0.0.1:1/metrics", "--window"],
    ["run", "--interval"],
])
def test_every_duration_option_says_the_same(args: list[str]) -> None:
    code, _, err = cli_call(*args, "-2h", *(["--", "true"] if args[0] == "run" else []))
    assert code == 2 and err.count("\n") == 1
    assert f"{args[-1]}: must be > 0, got -2" in err, err
