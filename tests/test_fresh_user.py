"""A fresh user's commands (README quickstart and usage) print no impossible number: no NaN,
no infinity, no negative energy, CO2e, water or money; every --json output is JSON."""

from __future__ import annotations

import json
import re

import pytest

from wattprint.testing import cli_call

COMMANDS = [
    "estimate infer --model llama-3.1-8b --hardware h100 --requests 1000",
    "estimate infer --model llama-3.1-8b --hardware h100 --rate 50rps --duration 1d",
    "estimate train --model llama-3.1-70b --tokens 15T --hardware h100 --chips 2048",
    "plan train --model llama-3.1-8b --tokens 1T --objective total-cost --pricing owner",
    "plan when --region us-ca --duration 6h --energy 2MWh",
    "lifecycle --model llama-3.1-8b --training-tokens 15T --demand 1M/day --days 365",
]
#: NaN or infinity as a word, or a negative amount of energy, mass, water or money.
IMPOSSIBLE = re.compile(r"\b(nan|NaN|inf|Infinity)\b|(?<![\w.+])-\d[\d,.]*\s?"
                        r"(J|Wh|kWh|MWh|GWh|g|kg|t|L|m³|mL)\b|-\$\d")


@pytest.mark.parametrize("command", COMMANDS)
def test_no_impossible_number(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli_call(*command.split())
    assert code == 0, err
    assert not IMPOSSIBLE.search(out), IMPOSSIBLE.search(out)
    code, out, err = cli_call(*command.split(), "--json")
    assert code == 0, err
    json.loads(out)  # strict: no NaN or Infinity literals either
    assert "NaN" not in out and "Infinity" not in out
