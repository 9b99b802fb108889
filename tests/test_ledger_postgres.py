"""The ledger on a real PostgreSQL server (``WATTPRINT_DB=postgresql://…``), and ``merge``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _pg import pg_server, pg_url  # noqa: F401 - fixtures
from wattprint.cli.main import build_app
from wattprint.ledger import Ledger
from wattprint.ledger.migrations import MIGRATIONS
from wattprint.ledger.postgres import PostgresLedger, is_postgres_url, to_postgres
from wattprint.meter import Meter
from wattprint.testing import ReplayBackend

pytestmark = pytest.mark.slow


def _record(led: Ledger, name: str = "train", windows: int = 2) -> str:
    rid = led.start_run(["python", name + ".py"], site="world", interval_s=3600.0)
    m = Meter(backends=[ReplayBackend({"g": 100.0, "c": 10.0}, kinds={"c": "cpu"})],
              interval_s=3600, sink=led.sample_sink(rid))
    with m:
        for _ in range(windows):
            with m.window("step") as w:
                pass
            assert w.measurement is not None
            led.add_window(rid, w.measurement)
    assert m.measurement is not None
    led.finish_run(rid, complete=True, exit_code=0, measurement=m.measurement,
                   footprint=m.measurement.to_footprint())
    return rid


def test_translation() -> None:
    assert to_postgres("BEGIN IMMEDIATE") == "BEGIN"
    assert "DOUBLE PRECISION" in to_postgres("CREATE TABLE t (x REAL)")
    assert "rowid BIGSERIAL" in to_postgres("CREATE TABLE t (x TEXT)")
    assert to_postgres("SELECT instr(a, ?)") == "SELECT strpos(a, %s)"
    assert is_postgres_url("postgresql:/u@h/db") and not is_postgres_url("/tmp/x.sqlite")


def test_same_api_on_postgres(pg_url: str) -> None:  # noqa: F811
    with Ledger(pg_url) as led:
        assert isinstance(led, PostgresLedger) and "***" not in pg_url
        rid = _record(led)
        r = led.run(rid[:6])
        assert r["state"] == "complete" and r["total_energy_j"] > 0 and r["co2e_g"] > 0
        assert isinstance(r["command"], list) and isinstance(r["started_at"], float)
        assert [w["name"] for w in led.windows(rid)] == ["step", "step"]
        assert {d["key"] for d in led.devices(rid)} == {"g", "c"}
        assert led.runs(command_contains="train")[0]["id"] == rid
        assert led.sample_summary(rid) == [] or led.sample_summary(rid)[0]["samples"] >= 1
        applied = [row[0] for row in led.conn.execute(
            "SELECT name FROM _migrations ORDER BY rowid")]
    assert applied == [n for n, _ in MIGRATIONS]
    with Ledger(pg_url) as again:  # reopening applies nothing twice
        assert len(again.runs(limit=None)) == 1


WRITER = """
import sys
from wattprint.ledger import Ledger
url, n = sys.argv[1], int(sys.argv[2])
led = Ledger(url)
for i in range(n):
    rid = led.start_run(["w", str(i)])
    led.add_samples(rid, [(float(k), "g", 100.0) for k in range(50)])
    led.finish_run(rid, complete=True, exit_code=0)
led.close()
"""


def test_concurrent_writers_lose_nothing(pg_url: str) -> None:  # noqa: F811
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, pg_url, "15"],
                              stderr=subprocess.PIPE, text=True) for _ in range(8)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errs
    with Ledger(pg_url) as led:
        runs = led.runs(limit=None)
        assert len(runs) == 8 * 15 and all(r["state"] == "complete" for r in runs)
        assert len(led.samples()) == 8 * 15 * 50


def test_cli_run_and_merge_into_postgres(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    env = dict(os.environ, WATTPRINT_DB=pg_url, CUDA_VISIBLE_DEVICES="-1",
               WATTPRINT_POWERCAP_ROOT=str(tmp_path / "none"))
    r = subprocess.run([sys.executable, "-m", "wattprint", "run", "--json", "--", "true"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rid = json.loads(r.stdout.strip().splitlines()[-1])["run_id"]
    nodes = []
    for i in range(2):
        with Ledger(tmp_path / f"node{i}.sqlite") as led:
            _record(led, f"node{i}")
        nodes.append(str(tmp_path / f"node{i}.sqlite"))
    app = build_app(["merge"])
    res = CliRunner().invoke(app, ["merge", *nodes, "--db", pg_url, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["runs_copied"] == 2
    res2 = CliRunner().invoke(app, ["merge", *nodes, "--db", pg_url, "--json"])
    assert json.loads(res2.output) | {"sources": []} == {"runs_copied": 0, "runs_skipped": 2,
                                                          "sources": []}
    with Ledger(pg_url) as led:
        assert len(led.runs(limit=None)) == 3 and led.run(rid)["state"] == "complete"
        merged = [r for r in led.runs(limit=None) if r["id"] != rid]
        assert all(len(led.windows(r["id"])) == 2 for r in merged)
