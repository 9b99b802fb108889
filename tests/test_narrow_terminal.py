"""The main commands' text output at 80 and 60 columns: no number is split across lines or
cut short, no line is wider than the terminal; a table too wide for it says what it left out.

A number split by a wrapping cell ("2,874" as "2,87" over "4") shows up as a number token
that the same command never prints on a wide terminal; a cut one ends in "…".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from report_data import make_ledger
from wattprint.report.fit import fit_table, print_table
from wattprint.testing import cli_call

#: A number standing alone (not a digit inside an identifier such as ``b16_p2048``).
NUMBER = re.compile(r"(?<![\w.])\d(?:[\d,.]*\d)?(?![\w])")
#: The sweep's own timing changes from run to run.
TIMING = re.compile(r"in\s+[\d.]+\s+s\s+\([\d,]+/s\)")

COMMANDS = [
    "estimate train --model llama-3.1-70b --tokens 15T --hardware h100 --chips 2048",
    "estimate infer --model llama-3.1-8b --hardware h100 --rate 50rps --duration 1d",
    "estimate infer --model resnet50 --batch 64 --hardware h100 --explain",
    "validate -g facility -g training-chip-hours --rows",
    "plan infer --model llama-3.1-8b --demand 50rps --latency-slo ttft=500ms,tpot=50ms",
    "plan train --model llama-3.1-8b --tokens 15T --deadline 30days",
    "plan regions --model llama-3.1-8b --hardware h100 --demand 1M/day",
    "plan budget --energy 500MWh --hardware h100 --demand 1M/day",
    "plan edge --model llama-3.2-1b --device apple-a17-pro",
    "lifecycle --model llama-3.1-8b --training-tokens 15T --demand 1M/day --days 365",
    "hardware list",
    "stacks list",
    "sites list",
    "history",
    "show run0000abcdef",
]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("narrow") / "ledger.sqlite"
    make_ledger(db, 2)
    return db


def _render(monkeypatch: pytest.MonkeyPatch, args: list[str], columns: int) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, err = cli_call(*args)
    assert code == 0, (args, err)
    return TIMING.sub("", out)


@pytest.mark.parametrize("command", COMMANDS)
def test_numbers_stay_whole_on_narrow_terminals(monkeypatch: pytest.MonkeyPatch, ledger: Path,
                                                 command: str) -> None:
    monkeypatch.setenv("WATTPRINT_DB", str(ledger))
    args = command.split()
    whole = set(NUMBER.findall(_render(monkeypatch, args, 1000)))
    for columns in (80, 60):
        out = _render(monkeypatch, args, columns)
        for line in out.splitlines():
            assert len(line.rstrip()) <= columns, (columns, line)
            assert not re.search(r"\d…", line), (columns, line)  # a number cut short
            broken = [t for t in NUMBER.findall(line) if t not in whole]
            assert not broken, (columns, broken, line)


def test_validate_is_a_summary_on_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli_call("validate", "-g", "h200")
    assert code == 0
    assert "Validation summary" in out and "h200: predicted vs published" not in out
    assert "add --rows" in out and len(out.splitlines()) < 40
    monkeypatch.setenv("COLUMNS", "160")
    code, wide, _ = cli_call("validate", "-g", "h200")
    assert code == 0 and "h200: predicted vs published" in wide and "add --rows" not in wide


def test_fit_keeps_number_columns_whole_and_drops_named_columns() -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table()
    for col in ("name", "energy", "CO2e", "note"):
        t.add_column(col)
    t.add_row("a rather long configuration name", "2,874 J", "12.1 t", "some words " * 6)
    assert fit_table(t, 40, drop=("note",)) == ["note"]
    con = Console(width=40, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    print_table(con, t)
    text = con.export_text()
    assert "2,874 J" in text and "12.1 t" in text
    assert max(len(line) for line in text.splitlines()) <= 40


@pytest.mark.parametrize("columns", [80, 60])
def test_serve_meter_window_keeps_numbers_whole(columns: int) -> None:
    from rich.console import Console

    from wattprint.report.serve_tables import serve_window_table

    r = {"interval": 12, "window_s": 60.0, "energy_j": 123456.7, "output_tokens": 98765.0,
         "requests": 321.0, "output_tokens_per_s": 1646.1, "j_per_output_token": 1.25,
         "j_per_request": 384.6, "energy_scope": "accelerators", "counter_resets": 1,
         "predicted": {"j_per_output_token": 1.1, "j_per_output_token_low": 0.71,
                       "j_per_output_token_high": 1.93, "j_per_request": 352.0},
         "prediction_note": None}
    con = Console(width=columns, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    print_table(con, serve_window_table(r), drop=("predicted J/request", "J/request"))
    text = con.export_text()
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "123,457" in text and "1.25" in text and "1 counter reset;" not in text
    assert not re.search(r"\d…", text)


@pytest.mark.parametrize("value", ["0", "-3", "wide", "5"])
def test_odd_columns_never_print_nothing(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("COLUMNS", value)  # COLUMNS=0 made Rich print nothing at all
    code, out, err = cli_call("plan", "budget", "--energy", "500MWh", "--hardware", "h100",
                              "--demand", "1M/day")
    assert code == 0, err
    assert "Compute-optimal" in out and "Same loss" in out
    if value == "5":
        assert max(len(line.rstrip()) for line in out.splitlines()) <= 40


@pytest.mark.parametrize("columns", [100, 120, 160])
def test_catalog_listings_keep_their_numbers_on_a_wide_terminal(
        monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    # the stacks' one-line descriptions are up to 171 characters: they are left out (with a
    # hint) before any number column (only the ids were left at 100-270 columns)
    out = _render(monkeypatch, ["stacks", "list"], columns)
    for head in ("pass", "layer", "decode", "engine", "GEMM", "fused"):
        assert head in out, (columns, head, out)
    row = next(ln for ln in out.splitlines() if " vllm-0.5 " in ln)
    assert "9.5" in row and "0.8" in row  # vLLM v0.5's engine step [ms], GEMM efficiency
    assert all(len(ln.rstrip()) <= columns for ln in out.splitlines())
    out = _render(monkeypatch, ["models", "list"], columns)
    assert "active B" in out and "hidden" in out  # one line per entry: texts go first
    assert all(len(ln.rstrip()) <= columns for ln in out.splitlines())
