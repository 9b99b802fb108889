"""Demand rates written with an exponent (1e3rps) parse like any other number."""

from __future__ import annotations

import pytest

from wattprint.errors import InputError
from wattprint.testing import cli_call
from wattprint.workload.demand import parse_demand


@pytest.mark.parametrize(("text", "rps"), [("1e3rps", 1e3), ("2.5e-1rps", 0.25),
                                           ("1E2 qps", 100.0), ("5e1rps", 50.0),
                                           ("1.5Mrps", 1.5e6), ("50rps", 50.0)])
def test_exponent_in_a_per_second_rate(text: str, rps: float) -> None:
    assert parse_demand(text).requests_per_s == pytest.approx(rps)


def test_huge_exponent_is_the_range_error_not_an_unknown_suffix() -> None:
    with pytest.raises(InputError, match="finite|beyond") as exc:
        parse_demand("1e999rps")
    assert "suffix" not in str(exc.value)


def test_cli_rate_with_an_exponent() -> None:
    code, _, err = cli_call("estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100",
                            "--rate", "5e1rps", "--json")
    assert code == 0, err
