"""calibrate extrapolate: the first steps of a ledger run → the whole run, with a range."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wattprint.calibrate.extrapolate import detect_warmup, extrapolate_run, extrapolate_windows
from wattprint.errors import InputError
from wattprint.ledger import Ledger
from wattprint.meter import Measurement
from wattprint.quantity import Quantity
from wattprint.testing import cli_run


def _measurement(name: str, t0: float, seconds: float, joules: float) -> Measurement:
    def q(v: float, unit: str) -> Quantity:
        return Quantity(v, unit, "counter: replayed", "measured")

    return Measurement(name=name, started_at=t0, ended_at=t0 + seconds,
                       time=q(seconds, "s"), devices=[], accelerator_energy=q(joules, "J"),
                       host_energy=q(0.1 * joules, "J"), total_energy=q(1.1 * joules, "J"),
                       average_power=q(joules / seconds, "W"), peak_power=q(700.0, "W"))


STEP_TIMES = [3.0, 1.6, 1.0, 1.02, 0.98, 1.01, 0.99, 1.0, 1.03, 0.97, 1.0, 1.0]


def _ledger_run(db: Path) -> str:
    with Ledger(db) as led:
        rid = led.start_run(["python", "train.py"])
        t = time.time()
        for i, s in enumerate(STEP_TIMES, start=1):
            led.add_window(rid, _measurement(f"step {i}", t, s, 650.0 * s))
            t += s
        led.add_window(rid, _measurement("eval", t, 5.0, 1000.0))
        led.finish_run(rid, complete=True, exit_code=0)
    return rid


def test_detect_warmup() -> None:
    assert detect_warmup(STEP_TIMES) == 2
    assert detect_warmup([1.0, 1.0, 1.0, 1.0]) == 0
    assert detect_warmup([1.0, 2.0]) == 0


def test_extrapolate_synthetic_ledger_run(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    rid = _ledger_run(db)
    with Ledger(db, create=False) as led:
        ex = extrapolate_run(led, rid[:6], 1000)
    assert ex.window == "step" and ex.steps_measured == 12 and ex.warmup_steps == 2
    t = ex.figures["time_s"]
    steady = STEP_TIMES[2:]
    mean = sum(steady) / len(steady)
    assert t["per_step"] == pytest.approx(mean)
    assert t["value"] == pytest.approx(sum(STEP_TIMES) + 988 * mean)
    assert t["low"] < t["value"] < t["high"]
    assert (t["high"] - t["value"]) / t["value"] < 0.05  # 1 % step noise → a few % at most
    e = ex.figures["accelerator_energy_j"]
    assert e["value"] == pytest.approx(650.0 * t["value"], rel=1e-9)
    assert "total_energy_j" in ex.figures
    assert any("warm-up" in n for n in ex.notes)


def test_extrapolate_errors() -> None:
    rows = [{"name": "step", "time_s": 1.0}]
    with pytest.raises(InputError, match="at least 2"):
        extrapolate_windows(rows, 10, run_id="r")
    with pytest.raises(InputError, match="less than"):
        extrapolate_windows(rows * 5, 3, run_id="r")
    with pytest.raises(InputError, match="no windows"):
        extrapolate_windows([], 3, run_id="r")


def test_cli_extrapolate(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    rid = _ledger_run(db)
    cmd = ["calibrate", "extrapolate", rid, "--total-steps", "500", "--db", str(db)]
    r = cli_run(*cmd, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["total_steps"] == 500 and d["time_s"]["low"] <= d["time_s"]["value"]
    r = cli_run(*cmd, "--window", "eval")
    assert r.returncode == 2 and "need at least 2" in r.stderr
    r = cli_run(*cmd[:2], "nope", "--total-steps", "5", "--db", str(db))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
