"""Budget guard (``wattprint run --budget``, ``Meter(budget=...)``): fake devices at a known
power and a fake clock, so the crossing point is exact (no timing assertions)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wattprint.cli.run_budget import make_guard
from wattprint.errors import InputError
from wattprint.ledger import Ledger
from wattprint.meter import Meter
from wattprint.meter.budget import Budget, BudgetGuard, parse_budget, site_g_per_j
from wattprint.meter.steps import StepWindows
from wattprint.site.chain import resolve_site
from wattprint.testing import FakeClock, ReplayBackend, cli_call

POWER_W = 100.0


@pytest.mark.parametrize(("text", "kind", "limit"), [
    ("5kWh", "energy", 18e6), ("500 Wh", "energy", 1.8e6), ("2MJ", "energy", 2e6),
    ("1kJ", "energy", 1e3), ("2kgCO2e", "co2e", 2e3), ("300g", "co2e", 300.0),
    ("1.5t", "co2e", 1.5e6), ("40gCO2e", "co2e", 40.0)])
def test_parse_budget(text: str, kind: str, limit: float) -> None:
    b = parse_budget(text)
    assert (b.kind, b.limit, b.text) == (kind, pytest.approx(limit), text)


@pytest.mark.parametrize("text", ["5", "abc", "-3kWh", "0kWh", "5 lbs", "nankWh", "kWh",
                                  "1e40J", "5mWh"])
def test_bad_budget_is_one_line_exit_2(text: str) -> None:
    code, out, err = cli_call("run", "--budget", text, "--", "true")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--budget" in err, err


@pytest.mark.parametrize("args", [["--budget", "1kWh", "--on-exceed", "explode"],
                                  ["--total-steps", "10"],
                                  ["--budget", "1kWh", "--total-steps", "0"],
                                  ["--budget", "1kWh", "--total-steps", "1.5"]])
def test_bad_budget_options_are_one_line_exit_2(args: list[str]) -> None:
    code, _, err = cli_call("run", *args, "--", "true")
    assert code == 2 and len(err.strip().splitlines()) == 1, err


def _metered(budget: Any, on_exceed: str = "warn", **kw: Any) -> tuple[Meter, FakeClock,
                                                                        list[str], list[str]]:
    clock, said, stops = FakeClock(), list[str](), list[str]()
    meter = Meter(backends=[ReplayBackend({"g": POWER_W})], interval_s=3600, clock=clock,
                  budget=budget, on_exceed=on_exceed, on_stop=stops.append, **kw)
    meter.start()
    assert meter.budget_guard is not None
    meter.budget_guard.say = said.append
    return meter, clock, said, stops


def _run_for(meter: Meter, clock: FakeClock, seconds: int) -> None:
    for _ in range(seconds):  # one sampler tick per second at 100 W: 100 J a tick
        clock.advance(1.0)
        meter.sampler.tick()


def test_warn_path_warns_once_and_never_stops() -> None:
    meter, clock, said, stops = _metered("1kJ")
    _run_for(meter, clock, 9)
    assert said == [] and meter.budget_guard.energy_j == pytest.approx(900.0)  # type: ignore[union-attr]
    _run_for(meter, clock, 1)  # 1000 J: crossed
    assert len(said) == 1 and "budget 1kJ crossed" in said[0] and "keeps running" in said[0]
    _run_for(meter, clock, 20)
    meter.stop()
    assert len(said) == 1 and stops == []
    assert meter.budget_guard.stopped is None  # type: ignore[union-attr]


def test_stop_path_stops_once_before_crossing() -> None:
    clock, said, stops = FakeClock(), list[str](), list[str]()
    guard = BudgetGuard(parse_budget("1kJ"), clock, on_exceed="stop", horizon_s=2.0,
                        on_stop=stops.append, say=said.append)
    meter = Meter(backends=[ReplayBackend({"g": POWER_W})], interval_s=3600, clock=clock,
                  budget=guard)
    meter.start()
    _run_for(meter, clock, 7)  # 700 J + 100 W × 2 s = 900 J: not yet
    assert stops == []
    _run_for(meter, clock, 1)  # 800 J + 200 J = 1000 J: would be crossed
    assert len(stops) == 1
    assert stops[0].startswith("stopped: budget 1kJ would be crossed; projected 1,000 J within 2 s")
    assert "(used 800 J so far)" in stops[0]
    assert meter.budget_guard.energy_j < 1000.0  # type: ignore[union-attr]
    _run_for(meter, clock, 5)
    meter.stop()
    assert len(stops) == 1 and said == [f"wattprint: {stops[0]}; stopping the command"]


def test_co2e_budget_uses_the_site_factors() -> None:
    site = resolve_site("fra")
    g_per_j = site_g_per_j(site)
    meter, clock, said, _ = _metered("1g", site="fra")
    crossing_s = 1.0 / g_per_j / POWER_W  # seconds at 100 W until 1 g
    _run_for(meter, clock, int(crossing_s * 0.9))
    assert said == []
    _run_for(meter, clock, int(crossing_s * 0.2) + 2)
    assert len(said) == 1 and "budget 1g crossed" in said[0]
    meter.stop()


def test_projection_from_step_marks_warns_early() -> None:
    clock, said, stops = FakeClock(), list[str](), list[str]()
    guard = make_guard("10kJ", "stop", 1000, resolve_site("world"), 2.0, stops.append,
                       clock=clock)
    assert guard is not None
    guard.say = said.append
    meter = Meter(backends=[ReplayBackend({"g": POWER_W})], interval_s=3600, clock=clock,
                  budget=guard)
    meter.start()
    steps = StepWindows(meter, guard.on_step)
    steps.mark()
    for _ in range(3):  # three 1 s steps at 100 W: 100 J each, 1000 steps → 100 kJ
        _run_for(meter, clock, 1)
        steps.mark()
    assert guard.projected_j == pytest.approx(1000 * 100.0, rel=1e-6)
    assert len(said) == 1 and "projected to use 27.8 Wh" in said[0] and stops == []
    _run_for(meter, clock, 96)  # 9.9 kJ used: now the stop
    assert len(stops) == 1 and "projected 27.8 Wh" in stops[0]
    steps.close()
    meter.stop()


def test_without_total_steps_there_is_no_projection() -> None:
    guard = make_guard("1kWh", "warn", None, resolve_site("world"), 0.0, print)
    assert guard is not None and guard.projector is None
    assert make_guard(None, "warn", None, resolve_site("world"), 0.0, print) is None


def test_meter_rejects_a_bad_on_exceed() -> None:
    with pytest.raises(InputError):
        Meter(budget=Budget("energy", 1.0, "1J"), on_exceed="maybe")


# -- real subprocesses and signals: slow tier ------------------------------------------------

def _wp(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, WATTPRINT_DB=str(tmp_path / "l.sqlite"),
               WATTPRINT_POWERCAP_ROOT=str(tmp_path / "none"), CUDA_VISIBLE_DEVICES="-1")
    return subprocess.run([sys.executable, "-m", "wattprint", "run", "--json",
                           "--interval", "0.05", *args], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
def test_run_stop_terminates_the_command_and_says_why(tmp_path: Path) -> None:
    # ≥ 2 W (CPU estimate floor) held for the 3.1 s horizon is > 1 J: stops at once
    r = _wp(tmp_path, "--budget", "1J", "--on-exceed", "stop", "--grace", "3", "--",
            sys.executable, "-c", "import time; time.sleep(120)")
    assert r.returncode == 128 + signal.SIGTERM, r.stderr
    assert "wattprint: stopped: budget 1J would be crossed" in r.stderr
    d = json.loads(r.stdout.strip().splitlines()[-1])
    with Ledger(tmp_path / "l.sqlite") as led:
        row = led.run(d["run_id"])
    assert row["state"] == "incomplete" and row["exit_code"] == 143
    assert row["notes"][0].startswith("stopped: budget 1J would be crossed; projected ")


@pytest.mark.slow
def test_run_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    script = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " \
             "print('ready', flush=True); time.sleep(120)"
    # 30 J at ≤ 20 W (CPU estimate ceiling) takes ≥ 0.9 s: the child ignores SIGTERM by then
    r = _wp(tmp_path, "--budget", "30J", "--on-exceed", "stop", "--grace", "0.5", "--",
            sys.executable, "-c", script)
    assert r.returncode == 128 + signal.SIGKILL, r.stderr
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert any(n.startswith("stopped: budget 30J") for n in d["notes"])
    assert any("SIGKILL" in n for n in d["notes"])


@pytest.mark.slow
def test_run_warn_never_stops(tmp_path: Path) -> None:
    r = _wp(tmp_path, "--budget", "1J", "--", sys.executable, "-c",
            "import time; time.sleep(1)")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("wattprint: warning: budget 1J crossed") == 1
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert d["complete"] is True
