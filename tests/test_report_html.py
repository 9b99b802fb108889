"""HTML reports and compliance exports, in process (the browser tier is test_browser.py)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from report_data import command_json, make_ledger
from wattprint.errors import InputError
from wattprint.ledger.readonly import ReadOnlyLedger
from wattprint.quantity import Quantity
from wattprint.report.compliance import export
from wattprint.report.html import detect_kind, render
from wattprint.report.html.measure import run_document
from wattprint.report.html.page import script_json
from wattprint.report.units import fmt_usd, human

RUNNER = CliRunner()

COMMANDS = {
    "infer": ["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--batch", "8", "--json"],
    "train": ["estimate", "train", "-m", "llama-3.2-1b", "-H", "h100", "--chips", "8",
              "--tokens", "100B", "--json"],
    "plan": ["plan", "infer", "-m", "llama-3.1-8b", "--demand", "1e6requests/day",
             "--hardware", "h100,a100,l4", "--region", "world,fra", "--json"],
    "lifecycle": ["lifecycle", "-m", "llama-3.2-1b", "--training-tokens", "100B", "--demand",
                  "1e6requests/day", "--hardware", "h100", "--days", "365", "--json"],
    "validation": ["validate", "-g", "h200", "--json"],
}


@pytest.fixture(scope="module")
def docs() -> dict[str, dict]:
    return {k: command_json(RUNNER, v) for k, v in COMMANDS.items()}


def metric_values(page: str) -> dict[str, float]:
    """data-key → data-value of the headline rows of a page."""
    return {k: float(v) for k, v in re.findall(r"data-key='([^']+)' data-value='([^']+)'", page)}


@pytest.mark.parametrize("name,expect_kind,keys", [
    ("infer", "estimate", {"facility_energy": ("facility_energy", "value"),
                           "co2e": ("co2e", "value"), "cost": ("cost", "value")}),
    ("train", "estimate", {"time": ("time", "value"), "water": ("water", "value"),
                           "total_co2e": ("total_co2e", "value")}),
])
def test_estimate_pages_carry_the_json_numbers(docs, name, expect_kind, keys) -> None:
    doc = docs[name]
    assert detect_kind(doc) == expect_kind
    page = render(doc)
    got = metric_values(page)
    for key, (q, field) in keys.items():
        assert got[key] == pytest.approx(doc[q][field], rel=1e-12)
    assert page.index("id='assumptions'") < page.index("id='headline'")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=['\"]?(https?:)?//", page)
    assert "sankey" in page and "Plotly.newPlot" in page


def test_plan_lifecycle_validation_pages(docs) -> None:
    plan = render(docs["plan"])
    best = docs["plan"]["ranked"][0]
    got = metric_values(plan)
    for k in ("facility_energy_j", "total_co2e_g", "cost_usd"):
        assert got[f"ranked.0.{k}"] == pytest.approx(best[k])
    assert "Pareto frontier" in plan
    life = docs["lifecycle"]
    got = metric_values(render(life))
    for row in life["rows"][:3]:
        assert got[f"rows.{row['metric']}.training"] == pytest.approx(row["training"])
    val = docs["validation"]
    got = metric_values(render(val))
    summ = [s for s in val["summary"] if s["quantity"] == "all"]
    assert got[f"summary.{summ[0]['group']}.median_abs_error"] == pytest.approx(
        summ[0]["median_abs_error"])


def test_run_and_job_pages_from_a_read_only_ledger(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    ids = make_ledger(db, 2)
    led = ReadOnlyLedger(db)
    doc = run_document(led, ids[0][:8])
    page = render(doc)
    got = metric_values(page)
    r = doc["run"]
    assert got["accelerator_energy"] == pytest.approx(r["accelerator_energy_j"])
    assert got["facility_energy"] == pytest.approx(r["facility_energy_j"])
    assert got["co2e"] == pytest.approx(r["co2e_g"])
    assert "power-timeline" in page and "prefill" in page
    job = render({"kind": "job", "documents": [run_document(led, i) for i in ids]})
    assert metric_values(job)["total.total_energy_j"] == pytest.approx(
        sum(run_document(led, i)["run"]["total_energy_j"] for i in ids))
    with pytest.raises(Exception, match="readonly|read-only|query_only"):
        led.conn.execute("DELETE FROM runs")
    led.close()


def test_hostile_text_is_escaped() -> None:
    assert "</script>" not in script_json({"x": "</script><script>alert(1)</script>"})
    doc = {"kind": "estimate", "inputs": {"model": "<img src=x onerror=alert(1)>"},
           "time": {"value": 1.0, "unit": "s", "provenance": "<b>p</b>", "basis": "modelled"}}
    page = render(doc)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_not_a_result_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a result"):
        detect_kind({"hello": 1})
    bad = tmp_path / "x.json"
    bad.write_text("not json")
    from wattprint.cli.main import build_app

    res = RUNNER.invoke(build_app(["report"]), ["report", str(bad)])
    assert res.exit_code != 0


def test_report_cli_writes_html_and_exports(tmp_path: Path, docs) -> None:
    from wattprint.cli.main import build_app

    src = tmp_path / "train.json"
    src.write_text(json.dumps(docs["train"]))
    out = tmp_path / "r.html"
    res = RUNNER.invoke(build_app(["report"]), ["report", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 1_000_000  # Plotly inlined
    res = RUNNER.invoke(build_app(["report"]), ["report", str(src), "-f", "sci"])
    assert res.exit_code == 0 and json.loads(res.stdout)["format"] == "sci"


def test_eu_ai_act_and_ghg_fields_say_measured_or_estimated(docs, tmp_path: Path) -> None:
    eu = json.loads(export(docs["train"], "estimate", "eu-ai-act"))
    flops = eu["computational_resources"]["training_flops"]
    assert flops["value"] == pytest.approx(docs["train"]["flops"]["value"])
    assert flops["basis"] == "estimated" and "FLOPs" in flops["method"]
    assert eu["energy_consumption"]["known_or_estimated"] == "estimated"
    with pytest.raises(InputError, match="training"):
        export(docs["infer"], "estimate", "eu-ai-act")
    ghg = json.loads(export(docs["train"], "estimate", "ghg-scope2"))
    loc = ghg["location_based"]["emissions"]
    assert loc["value"] == pytest.approx(docs["train"]["co2e"]["value"] / 1e6)
    assert loc["low"] < loc["value"] < loc["high"]
    assert ghg["market_based"]["emissions"]["value"] is None  # never a silent zero
    assert "--market-intensity" in ghg["market_based"]["emissions"]["method"]
    db = tmp_path / "l.sqlite"
    make_ledger(db, 1)
    led = ReadOnlyLedger(db)
    run = run_document(led, "run0000")
    eu_run = json.loads(export(run, "run", "eu-ai-act"))
    assert eu_run["energy_consumption"]["accelerator_energy"]["basis"] == "measured"
    assert "2026-01-01" in json.loads(export(run, "run", "ghg-scope2"))["reporting_period"]


def test_hf_model_card_and_sci(docs) -> None:
    card = export(docs["train"], "estimate", "hf-model-card")
    assert card.startswith("---\nco2_eq_emissions:\n  emissions: ")
    grams = float(re.search(r"emissions: (\S+)", card).group(1))  # type: ignore[union-attr]
    assert grams == pytest.approx(docs["train"]["co2e"]["value"], rel=1e-5)
    for key in ("source", "training_type", "geographical_location", "hardware_used"):
        assert f"  {key}: \"" in card
    sci = json.loads(export(docs["infer"], "estimate", "sci"))
    r = docs["infer"]["inputs"]["requests"]
    o, m = docs["infer"]["co2e"]["value"], docs["infer"]["embodied_co2e"]["value"]
    assert sci["R"] == {"value": r, "unit": "request"}
    assert sci["SCI"]["value"] == pytest.approx((o + m) / r)
    assert sci["E"]["unit"] == "kWh" and sci["I"]["unit"] == "gCO2e/kWh"
    with pytest.raises(InputError, match="no single footprint"):
        export(docs["plan"], "plan", "sci")
    serve = command_json(RUNNER, ["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100",
                                  "--rate", "50rps", "--duration", "1d", "--json"])
    sci = json.loads(export(serve, "estimate", "sci"))
    assert sci["R"] == {"value": serve["inputs"]["requests"], "unit": "request"}
    with pytest.raises(InputError, match="training"):
        export(serve, "estimate", "hf-model-card")


def test_money_has_three_significant_figures() -> None:
    assert fmt_usd(56708.52) == "$56.7k"
    assert fmt_usd(358717.5) == "$359k"
    assert fmt_usd(5.554) == "$5.55"
    assert fmt_usd(0.000219) == "$0.000219"
    assert human(Quantity(56708.52, "USD", "p", "modelled", 13649.1, 358717.5)) == (
        "$56.7k", "$13.6k – $359k")


def test_sci_without_embodied_is_null_with_the_reason_not_a_zero(docs) -> None:
    doc = copy.deepcopy(docs["infer"])
    doc.pop("embodied_co2e", None)
    sci = json.loads(export(doc, "estimate", "sci"))
    assert sci["M"]["value"] is None
    assert sci["SCI"]["value"] is None and "M not available" in sci["SCI"]["reason"]
