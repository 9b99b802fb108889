"""The SQLite ledger: migrations, round trips, states, bad paths, concurrent writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wattprint.errors import InputError
from wattprint.ledger import MIGRATIONS, Ledger, run_state
from wattprint.ledger.migrations import applied, apply_migrations, pending
from wattprint.meter import Meter
from wattprint.testing import ReplayBackend


def measurement(name: str = "w") -> object:
    m = Meter(backends=[ReplayBackend({"g": 100.0, "c": 10.0}, kinds={"c": "cpu"})],
              interval_s=3600)
    with m.window(name) as w:
        m.sampler.tick()
    m.stop()
    return w.measurement


def test_migrations_recorded_once(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    Ledger(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    assert applied(conn) == [n for n, _ in MIGRATIONS]
    assert pending(conn) == []
    assert apply_migrations(conn) == []
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "windows", "samples", "devices", "_migrations"} <= tables
    # a later migration is applied on the next open, in a transaction, once
    extra = [*MIGRATIONS, ("003_test", lambda c: c.execute("CREATE TABLE t3 (x)"))]
    assert apply_migrations(conn, extra) == ["003_test"]
    assert apply_migrations(conn, extra) == []
    conn.close()


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)

    def bad(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        apply_migrations(conn, [("001", lambda c: c.execute("CREATE TABLE a (x)")),
                                ("002", bad)])
    assert applied(conn) == []
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "a" not in names and "half" not in names


def test_round_trip(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.sqlite")
    rid = led.start_run(["python", "train.py", "--epochs", "3"], site="world", interval_s=0.2)
    assert led.run(rid)["state"] == "running"
    rows = [(1.0, "g", 100.0), (1.2, "g", 150.0), (1.2, "c", float("nan"))]
    assert led.add_samples(rid, rows) == 2  # NaN is never stored
    me = measurement("step")
    wid = led.add_window(rid, me)  # type: ignore[arg-type]
    assert wid > 0
    led.finish_run(rid, complete=True, exit_code=0, measurement=me)  # type: ignore[arg-type]
    r = led.run(rid[:6])
    assert r["state"] == "complete" and r["complete"] and r["exit_code"] == 0
    assert r["command"] == ["python", "train.py", "--epochs", "3"]
    assert r["total_energy_j"] == pytest.approx(me.total_energy.value)  # type: ignore[attr-defined]
    assert r["wattprint_version"]
    assert [d["key"] for d in led.devices(rid)] == ["g", "c"]
    assert led.devices(rid)[0]["method"] == "instant-power integral"
    ws = led.windows(rid)
    assert len(ws) == 1 and ws[0]["name"] == "step" and ws[0]["measurement"]["name"] == "step"
    summ = led.sample_summary(rid)
    assert summ == [{"device": "g", "samples": 2, "min_w": 100.0, "mean_w": 125.0,
                     "max_w": 150.0, "first_t": 1.0, "last_t": 1.2,
                     "duration_s": pytest.approx(0.2)}]
    assert len(led.samples(rid)) == 2
    led.close()


def test_filters_and_ids(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.sqlite")
    a = led.start_run(["python", "a.py"], started_at=1000.0, run_id="aaaa0001")
    led.start_run(["python", "b.py"], started_at=2000.0, run_id="aaaa0002")
    led.start_run(["bash", "c.sh"], started_at=3000.0, run_id="bbbb0003")
    assert [r["id"] for r in led.runs()] == ["bbbb0003", "aaaa0002", "aaaa0001"]
    assert [r["id"] for r in led.runs(limit=1)] == ["bbbb0003"]
    assert [r["id"] for r in led.runs(since=1500.0)] == ["bbbb0003", "aaaa0002"]
    assert [r["id"] for r in led.runs(command_contains="python")] == ["aaaa0002", "aaaa0001"]
    assert led.resolve_id("bbbb") == "bbbb0003"
    assert led.resolve_id(a) == a
    with pytest.raises(InputError, match="ambiguous"):
        led.resolve_id("aaaa")
    with pytest.raises(InputError, match="unknown run"):
        led.run("cccc")
    with pytest.raises(InputError, match="unknown run"):
        led.finish_run("nope", complete=False, exit_code=1)
    led.close()


def test_unfinished_run_of_a_dead_process_is_incomplete(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.sqlite")
    rid = led.start_run(["x"])
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    led.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (p.pid, rid))
    r = led.run(rid)
    assert r["status"] == "running" and r["state"] == "incomplete" and not r["complete"]
    assert run_state({"status": "running", "host": "elsewhere", "pid": 1}) == "running"
    led.close()


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no ledger"):
        Ledger(tmp_path / "missing.sqlite", create=False)
    with pytest.raises(InputError, match="directory"):
        Ledger(tmp_path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="cannot"):
        Ledger(junk)


def test_env_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTPRINT_DB", str(tmp_path / "env.sqlite"))
    led = Ledger()
    assert led.path == tmp_path / "env.sqlite"
    led.close()


WRITER = textwrap.dedent("""
    import sys
    from wattprint.ledger import Ledger
    from wattprint.meter import Meter
    from wattprint.testing import ReplayBackend
    led = Ledger(sys.argv[1])
    rid = led.start_run(["writer", sys.argv[2]])
    m = Meter(backends=[ReplayBackend({"g": 100.0})], interval_s=3600, sink=led.sample_sink(rid))
    for i in range(int(sys.argv[3])):
        with m.window(f"w{i}") as w:
            pass
        led.add_window(rid, w.measurement)
        if i % 100 == 0:
            m.sampler.flush()
    m.stop()
    led.finish_run(rid, complete=True, exit_code=0, measurement=w.measurement)
    print(rid)
""")


@pytest.mark.slow
def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    n_proc, n_win = 8, 1000
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(i), str(n_win)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(n_proc)]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        ids.append(out.strip())
    led = Ledger(db, create=False)
    assert led.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    runs = led.runs(limit=None)
    assert len(runs) == n_proc and all(r["state"] == "complete" for r in runs)
    for rid in ids:
        ws = led.windows(rid)
        assert len(ws) == n_win
        assert sorted(w["name"] for w in ws) == sorted(f"w{i}" for i in range(n_win))
        # every boundary tick was sampled: 1 start tick + 2 per window + 1 stop tick
        assert led.sample_summary(rid)[0]["samples"] == 2 * n_win + 2
    led.close()
