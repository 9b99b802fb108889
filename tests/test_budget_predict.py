"""The budget guard predicts a run before it starts when its workload is known
(``wattprint run --budget ... --workload "train ..."``, ``Meter(budget=..., workload=...)``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from wattprint.engine import estimate_training
from wattprint.errors import InputError
from wattprint.ledger import Ledger
from wattprint.meter import Meter
from wattprint.meter.budget import BudgetRefused, site_g_per_j
from wattprint.meter.prediction import parse_workload, predict_for_budget
from wattprint.site.chain import resolve_site
from wattprint.testing import FakeClock, ReplayBackend, cli_call

TRAIN = "train --model llama-3.1-8b --tokens 1e9 --hardware h100"


def test_parse_workload_like_wattprint_estimate() -> None:
    w = parse_workload(TRAIN + " --chips 8 --recompute --seq-len=4096")
    assert w.kind == "train" and w.kwargs == {
        "model": "llama-3.1-8b", "tokens": 1e9, "hardware": "h100", "chips": 8,
        "recompute": True, "seq_len": 4096}
    assert parse_workload("wattprint estimate " + TRAIN).kwargs["tokens"] == 1e9
    i = parse_workload("infer -m llama-3.1-8b -H h100 --batch 32 --requests 1e4")
    assert i.kind == "infer" and i.kwargs["requests"] == 1e4 and i.kwargs["batch"] == 32


@pytest.mark.parametrize(("text", "says"), [
    ("", "start with train or infer"), ("serve --model x", "start with train or infer"),
    ("train --model llama-3.1-8b --hardware h100", "missing --tokens"),
    ("infer --model llama-3.1-8b", "missing --hardware"),
    (TRAIN + " --epochs 3", "unknown option '--epochs'"), (TRAIN + " --chips", "needs a value"),
    (TRAIN + " --chips two", "--chips"), ("train --model 'x", "quotation")])
def test_bad_workload_is_a_clear_error(text: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_workload(text)


def test_prediction_is_the_it_energy_in_the_budget_terms() -> None:
    fp = estimate_training("llama-3.1-8b", "h100", tokens=1e9)
    e = predict_for_budget(parse_workload(TRAIN), "energy", 0.0)
    it = fp["it_energy"]
    assert (e.value, e.low, e.high, e.unit) == (pytest.approx(it.value), pytest.approx(it.low),
                                                pytest.approx(it.high), "J")
    g = site_g_per_j(resolve_site("fra"))
    c = predict_for_budget(parse_workload(TRAIN), "co2e", g)
    assert c.value == pytest.approx(it.value * g) and c.unit == "gCO2e"


def test_run_refuses_before_starting_under_stop(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code, out, err = cli_call("run", "--db", str(tmp_path / "l.sqlite"), "--budget", "5kWh",
                              "--on-exceed", "stop", "--workload", TRAIN, "--",
                              sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert code == 2 and out == "" and not marker.exists()
    assert len(err.strip().splitlines()) == 1, err
    assert "budget 5kWh: predicted" in err and "range" in err and "not started" in err
    assert not (tmp_path / "l.sqlite").exists() or not Ledger(tmp_path / "l.sqlite").runs()


@pytest.mark.parametrize("args", [["--workload", TRAIN],  # no --budget
                                  ["--budget", "5kWh", "--workload", "train --model x"]])
def test_bad_workload_options_are_one_line_exit_2(args: list[str]) -> None:
    code, _, err = cli_call("run", *args, "--", "true")
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def _meter(budget: str, on_exceed: str = "warn") -> Meter:
    return Meter(backends=[ReplayBackend({"g": 100.0})], interval_s=3600, clock=FakeClock(),
                 budget=budget, on_exceed=on_exceed, workload=TRAIN)


def test_meter_predicts_on_start() -> None:
    m = _meter("1GWh").start()
    g = m.budget_guard
    assert g is not None and g.predicted is not None
    assert g.predicted.value == pytest.approx(
        estimate_training("llama-3.1-8b", "h100", tokens=1e9)["it_energy"].value)
    assert "within the budget" in g.notes[0]
    assert g.to_dict()["predicted"]["workload"] == TRAIN
    m.stop()
    over = _meter("5kWh").start()  # warn: measured anyway, with the warning in its notes
    assert over.budget_guard is not None and "over the budget" in over.budget_guard.notes[0]
    over.stop()


def test_meter_refuses_over_budget_under_stop() -> None:
    m = _meter("5kWh", on_exceed="stop")
    with pytest.raises(BudgetRefused, match="predicted"):
        m.start()
    assert m._sampler is None  # nothing started
    with pytest.raises(InputError, match="budget="):
        Meter(workload=TRAIN)


@pytest.mark.slow
def test_run_warns_and_records_the_prediction(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    code, out, err = cli_call("run", "--json", "--db", str(db), "--budget", "5kWh",
                              "--workload", TRAIN, "--", sys.executable, "-c", "pass")
    assert code == 0, err
    assert "wattprint: warning: budget 5kWh: predicted" in err and "over the budget" in err
    d = json.loads(out.strip().splitlines()[-1])
    assert d["details"]["budget"]["predicted"]["workload"] == TRAIN
    with Ledger(db) as led:
        row = led.run(d["run_id"])
    assert row["footprint"]["details"]["budget"]["predicted"]["value"] > 18e6  # > 5 kWh
    assert any("predicted" in n for n in row["notes"])
