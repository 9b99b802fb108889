"""Step markers: ``wattprint.step()`` and ``wattprint run --step-regex`` make runs extrapolable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import wattprint
from wattprint.calibrate.extrapolate import extrapolate_run
from wattprint.ledger import Ledger
from wattprint.meter import Meter
from wattprint.meter import steps as steps_mod
from wattprint.meter.steps import ENV_STEP_PIPE, StepPipe, StepWindows
from wattprint.testing import ReplayBackend


def test_step_is_a_noop_without_a_meter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_STEP_PIPE, raising=False)
    monkeypatch.setitem(steps_mod._state, "pid", None)
    wattprint.step()  # nothing to write to: no error


def test_marks_become_step_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got: list[str] = []
    done = threading.Event()
    meter = Meter(backends=[ReplayBackend({"g": 50.0})], interval_s=3600)
    meter.start()

    def on_window(m: object) -> None:
        got.append(m.name)  # type: ignore[attr-defined]
        if len(got) == 3:
            done.set()

    sw = StepWindows(meter, on_window)
    pipe = StepPipe(str(tmp_path), sw.mark)
    monkeypatch.setenv(ENV_STEP_PIPE, pipe.path)
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.setitem(steps_mod._state, "pid", None)
    for _ in range(4):
        wattprint.step()
    assert done.wait(10)
    pipe.close()
    notes = sw.close()
    meter.stop()
    assert got == ["step", "step", "step"] and sw.count == 3
    assert notes == ["3 step windows recorded from step marks"]
    assert meter.measurements == []  # step windows are not kept in memory


def test_other_ranks_do_not_mark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "f")
    monkeypatch.setenv(ENV_STEP_PIPE, str(tmp_path / "f"))
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setitem(steps_mod._state, "pid", None)
    wattprint.step()
    assert steps_mod._state["fd"] is None


SCRIPT = """
import sys, time, wattprint
for i in range(5):
    time.sleep(0.05)
    wattprint.step()
    print(f"it {i} loss=0.5", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["marker", "regex"])
def test_run_then_extrapolate(tmp_path: Path, how: str) -> None:
    env = dict(os.environ, WATTPRINT_DB=str(tmp_path / "l.sqlite"),
               WATTPRINT_POWERCAP_ROOT=str(tmp_path / "none"), CUDA_VISIBLE_DEVICES="-1")
    script = SCRIPT if how == "marker" else SCRIPT.replace("wattprint.step()", "pass")
    extra = [] if how == "marker" else ["--step-regex", r"loss=\d"]
    r = subprocess.run([sys.executable, "-m", "wattprint", "run", "--json", *extra, "--",
                        sys.executable, "-c", script], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "it 4 loss=0.5" in r.stdout  # output still reaches the terminal
    d = json.loads(r.stdout.strip().splitlines()[-1])
    with Ledger(tmp_path / "l.sqlite") as led:
        ex = extrapolate_run(led, d["run_id"], 100)
    assert ex.window == "step" and ex.steps_measured == 4
    assert ex.figures["total_energy_j"]["value"] > ex.figures["total_energy_j"]["measured"]


def test_bad_step_regex_is_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from wattprint.cli.main import build_app

    res = CliRunner().invoke(build_app(["run"]), ["run", "--step-regex", "(", "--", "true"])
    assert res.exit_code != 0 and "not a regular expression" in str(res.exception)
