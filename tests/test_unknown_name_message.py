"""An unknown catalog name reads as plain English and points at a command that exists."""

from __future__ import annotations

import pytest

from wattprint.errors import UnknownNameError
from wattprint.testing import cli_call


@pytest.mark.parametrize(("what", "noun"), [("models", "model"), ("sites", "site"),
                                            ("stacks", "stack"), ("hardware", "hardware")])
def test_singular_noun_and_list_command(what: str, noun: str) -> None:
    msg = str(UnknownNameError(what, "nosuch", ["alpha"]))
    assert msg.startswith(f"unknown {noun} 'nosuch'")
    assert msg.endswith(f"(see `wattprint {what} list`)")


def test_no_pointer_to_a_command_that_does_not_exist() -> None:
    msg = str(UnknownNameError("facilities", "nosuch", ["hyperscale"]))
    assert msg.startswith("unknown facility 'nosuch'") and "wattprint facilities" not in msg
    assert "wattprint catalog" not in str(UnknownNameError("catalog", "x", ["sites"]))


def test_cli_unknown_model_is_one_line() -> None:
    code, _, err = cli_call("estimate", "infer", "-m", "nosuchmodel", "-H", "h100")
    assert code == 2 and err.startswith("wattprint: error: unknown model 'nosuchmodel'")


def test_calibrate_fit_checks_hardware_even_when_rows_name_theirs() -> None:
    from pathlib import Path

    rows = Path(__file__).parent / "data" / "h200_workloads_dev.jsonl"
    code, _, err = cli_call("calibrate", "fit", str(rows), "--hardware", "h10", "--no-loo")
    assert code == 2 and err.startswith("wattprint: error: unknown hardware 'h10'")
