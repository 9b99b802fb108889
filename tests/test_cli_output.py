"""Terminal output a new user sees at 80 columns: compact tables, --wide, --version, examples
that work, honest 'no difference', stated assumptions, money to three significant figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from report_data import make_ledger
from wattprint.cli.main import build_app

ROOT = Path(__file__).resolve().parents[1]
RUNNER = CliRunner()


def cli(args: list[str]) -> str:
    res = RUNNER.invoke(build_app(args), args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def widest(text: str) -> int:
    return max(len(line.rstrip()) for line in text.splitlines())


def test_version() -> None:
    from wattprint import __version__

    assert cli(["--version"]).strip() == f"wattprint {__version__}"


def test_plan_infer_is_compact_at_80_columns_and_wide_on_request() -> None:
    args = ["plan", "infer", "-m", "llama-3.1-8b", "--demand", "1e6requests/day", "--region",
            "gcp-northamerica-northeast1,aws-us-east-1"]
    out = cli(args)
    table = out.split("why #1")[0]
    assert widest(table) <= 80
    assert "gcp-northamerica-northeast1" in out  # never cut mid-name
    assert "TTFT" not in table and "--wide" in out
    wide = cli([*args, "--wide"])
    assert "TTFT" in wide and "water/day" in wide
    assert not re.search(r"\$\d{1,3}(,\d{3})+\.\d\d", out)  # no "$56,708.52"


def test_catalog_lists_are_pager_friendly() -> None:
    out = cli(["hardware", "list"])
    assert widest(out) <= 80 and len(out.splitlines()) < 80
    table, hint = out.split("compact view:")
    assert "TDP source" not in table and "--wide adds" in out and "TDP source" in hint
    assert "TDP source" in cli(["hardware", "list", "--wide"]).split("compact view:")[0]
    for what in ("models", "sites", "stacks"):
        assert widest(cli([what, "list"])) <= 80, what


def test_history_fits_and_keeps_ids_whole(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    ids = make_ledger(db, 2)
    out = cli(["history", "--db", str(db)])
    assert widest(out) <= 80
    assert all(i in out for i in ids)


def test_money_has_three_significant_figures_next_to_its_range() -> None:
    out = cli(["lifecycle", "-m", "llama-3.1-8b", "--training-tokens", "15T", "--demand",
               "1e6requests/day", "--hardware", "h100"])
    assert not re.search(r"\$\d{1,3}(,\d{3})+\.\d\d", out), out  # no "$56,708.52"
    assert re.search(r"\$\d+(\.\d+)?k\b", out), out  # thousands as $56.7k


def test_plan_when_says_no_difference_on_a_flat_profile(tmp_path: Path) -> None:
    csv = tmp_path / "flat.csv"
    csv.write_text("hour,gco2e_per_kwh\n" + "".join(f"{h},300\n" for h in range(24)))
    out = cli(["plan", "when", "--profile-csv", str(csv), "--duration", "4h", "--energy",
               "2MWh", "--now", "18"])
    assert "No difference" in out and "best" not in out and "Start at" not in out
    from wattprint.plan.data import read_profile_csv
    from wattprint.plan.siting import best_start_hour

    assert best_start_hour(read_profile_csv(csv), 4.0, 2000.0).no_difference is True


def test_demo_states_the_grid_pue_and_price_it_assumed() -> None:
    out = " ".join(cli(["demo"]).split())
    assert "Assumed for World average" in out
    for word in ("grid 473 gCO2e/kWh", "PUE 1.58", "price 0.1 USD/kWh", "--site"):
        assert word in out, word


def test_site_examples_in_help_and_docs_resolve() -> None:
    from wattprint.site.chain import resolve_site

    texts = [p.read_text(encoding="utf-8") for p in
             [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
              *sorted((ROOT / "src" / "wattprint").rglob("*.py"))]]
    names = set()
    for t in texts:
        names |= set(re.findall(r"(?:wattprint .*)--site[ =]([a-z][\w-]*)", t))
        names |= set(re.findall(r"\bsite=\"([a-z][\w-]*)\"", t))
    names -= {"world"}
    assert "fra" in names
    for name in sorted(names):
        resolve_site(name)  # raises on an example that would fail


@pytest.mark.slow
def test_run_device_table_keeps_words_whole(tmp_path: Path) -> None:
    import sys

    from wattprint.ledger.readonly import ReadOnlyLedger

    db = tmp_path / "r.sqlite"
    args = ["run", "--db", str(db), "--", sys.executable, "-c", "pass"]
    res = RUNNER.invoke(build_app(args), args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    table = res.output.split("devices")[1].split("└")[0]  # the summary goes to stderr
    assert widest(table) <= 80
    led = ReadOnlyLedger(db)
    run = led.runs(limit=1)[0]
    for d in led.devices(run["id"]):
        assert d["key"] in table
        for word in str(d["name"]).split():
            assert word in table, (word, table)
        assert str(d["method"]) in table  # one line, never folded
    led.close()
