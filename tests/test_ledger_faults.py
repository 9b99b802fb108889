"""The ledger under faults: damage, truncation, foreign files, newer schemas, read-only
files, and the fallback file of a run that could not be stored (issue 14)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from wattprint.errors import InputError
from wattprint.ledger import MIGRATIONS, Ledger, integrity
from wattprint.ledger.integrity import check_ledger, recover_ledger
from wattprint.ledger.recorder import RunRecorder, import_record
from wattprint.testing import cli_call as cli

PAGE = 4096


def make_ledger(path: Path, n: int = 5, pad: int = 3000) -> list[str]:
    ids = []
    with Ledger(path) as led:
        for i in range(n):
            rid = led.start_run([f"marker-{i}-" + "x" * pad], run_id=f"run{i:09d}",
                                started_at=1000.0 + i)
            led.add_samples(rid, [(1000.0 + i + k / 10, "cpu", 10.0 + k) for k in range(5)])
            led.finish_run(rid, complete=True, exit_code=0)
            ids.append(rid)
    return ids


def corrupt_page_with(path: Path, marker: bytes) -> None:
    data = path.read_bytes()
    off = data.rindex(marker)  # an overflow page of that run
    with open(path, "r+b") as fh:
        fh.seek(off // PAGE * PAGE)
        fh.write(b"\xde\xad\xbe\xef" * (PAGE // 4))


def test_one_damaged_page_leaves_the_other_runs_readable(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    ids = make_ledger(db)
    corrupt_page_with(db, b"marker-2-")
    code, out, err = cli("history", "--json", "--db", str(db))
    assert code == 0, err
    shown = [r["id"] for r in json.loads(out)]
    assert set(ids) - {ids[2]} <= set(shown) and len(shown) >= 4
    assert "damaged" in err and "ledger recover" in err
    code, out, err = cli("export", "--format", "csv", "--db", str(db))
    assert code == 0 and ids[0] in out and ids[4] in out
    code, out, _ = cli("ledger", "check", "--db", str(db))
    assert code == 3 and "DAMAGED" in out
    new = tmp_path / "new.sqlite"
    code, _, err = cli("ledger", "recover", "--db", str(db), "-o", str(new))
    assert code == 0, err
    with Ledger(new, readonly=True) as led:
        got = {r["id"] for r in led.runs(limit=None)}
    assert set(ids) - {ids[2]} <= got
    assert check_ledger(new)["ok"]


def test_recover_refuses_to_overwrite(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    make_ledger(db, n=1)
    with pytest.raises(InputError, match="exists"):
        recover_ledger(db, db)


def test_zero_byte_ledger_is_not_silently_new(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    db.write_bytes(b"")
    with pytest.raises(InputError, match="0 bytes"):
        Ledger(db)
    code, _, err = cli("history", "--db", str(db))
    assert code == 2 and "0 bytes" in err
    assert db.stat().st_size == 0  # untouched


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    make_ledger(db, n=1)
    with sqlite3.connect(db) as c:
        c.execute("INSERT INTO _migrations VALUES ('099_from_the_future', 0)")
    for ro in (False, True):
        with pytest.raises(InputError, match="newer wattprint"):
            Ledger(db, readonly=ro)
    res = cli("ledger", "check", "--db", str(db))
    assert res[0] == 2 and "newer" in res[2]


def test_another_applications_sqlite_file_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "firefox.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE moz_places (id INTEGER, url TEXT)")
    before, opened = db.read_bytes(), dict(integrity._OPENED)
    with pytest.raises(InputError, match="another application"):
        Ledger(db)
    assert opened == integrity._OPENED  # a refused file leaves no open-file entry
    code, _, err = cli("run", "--db", str(db), "--", "true")
    assert code == 2 and "another application" in err
    assert db.read_bytes() == before
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA application_id = 42")
        c.execute("DROP TABLE moz_places")
    with pytest.raises(InputError, match="another application"):
        Ledger(db)


def test_new_ledger_is_marked_as_ours(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    Ledger(db).close()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA application_id").fetchone()[0] == 0x57415450
    assert check_ledger(db)["schema_version"] == len(MIGRATIONS)


def test_readonly_open_never_writes(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    make_ledger(db, n=2)
    os.chmod(db, 0o444)
    with Ledger(db, readonly=True) as led:
        assert len(led.runs()) == 2
        with pytest.raises(sqlite3.Error):
            led.conn.execute("DELETE FROM runs")


def test_recorder_without_a_ledger_writes_a_fallback_that_imports(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    db.write_bytes(b"")  # unusable ledger: truncated
    rec = RunRecorder(db, ["echo", "hi"], site="world", interval_s=0.2)
    assert rec.ledger is None and rec.problems
    rec.sink([(1.0, "cpu", 5.0), (2.0, "cpu", 6.0)])
    path = rec.finish(complete=True, exit_code=3, measurement=None, footprint=None,
                      notes=["n"])
    assert path is not None and path.parent == tmp_path and not rec.stored
    body = json.loads(path.read_text())
    assert body["finish"]["exit_code"] == 3 and len(body["samples"]) == 2
    good = tmp_path / "good.sqlite"
    code, _, err = cli("ledger", "import", str(path), "--db", str(good))
    assert code == 0, err
    with Ledger(good) as led:
        r = led.run(rec.run_id)
        assert r["exit_code"] == 3 and r["state"] == "complete"
        assert len(led.samples(rec.run_id)) == 2
        with pytest.raises(InputError, match="already"):
            import_record(led, path)


def test_run_on_an_unusable_ledger_still_runs_and_says_where(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    db.write_bytes(b"")
    code, out, err = cli("run", "--json", "--db", str(db), "--", "sh", "-c", "exit 4")
    assert code == 4
    res = json.loads(out.strip().splitlines()[-1])
    assert res["stored"] is False and res["exit_code"] == 4
    fb = Path(res["fallback_file"])
    assert fb.is_file() and str(fb) in err and "could not be stored" in err


def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    with Ledger(db) as led:
        rid = led.start_run(["=1+1", "@SUM(A1)"])
        led.finish_run(rid, complete=True, exit_code=0)
    code, out, _ = cli("export", "--format", "csv", "--db", str(db))
    assert code == 0
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["command_text"] == "'=1+1 @SUM(A1)"
    assert not any(str(v).startswith(("=", "+", "@")) for r in rows for v in r.values())


@pytest.mark.parametrize("since", ["0001-01-01", "1969-12-31", "9999-12-31T23:59"])
def test_history_since_any_valid_date(tmp_path: Path, since: str) -> None:
    db = tmp_path / "l.sqlite"
    make_ledger(db, n=1)
    code, out, err = cli("history", "--json", "--since", since, "--db", str(db))
    assert code == 0, err
    assert len(json.loads(out)) == (0 if since.startswith("9999") else 1)


@pytest.mark.parametrize("limit", ["100000000000000000000", "0", "-1", "1e20"])
def test_history_limit_out_of_range_is_exit_2(tmp_path: Path, limit: str) -> None:
    db = tmp_path / "l.sqlite"
    make_ledger(db, n=1)
    code, _, err = cli("history", "--limit", limit, "--db", str(db))
    assert code == 2 and err.startswith("wattprint: error:") and len(err.splitlines()) == 1


def test_run_never_appends_to_a_damaged_ledger(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    make_ledger(db)
    corrupt_page_with(db, b"marker-2-")
    before = db.read_bytes()
    code, out, err = cli("run", "--json", "--db", str(db), "--", "sh", "-c", "exit 5")
    assert code == 5
    res = json.loads(out.strip().splitlines()[-1])
    assert res["stored"] is False and Path(res["fallback_file"]).is_file()
    assert "damaged" in err and "ledger recover" in err
    assert db.read_bytes() == before


@pytest.mark.slow  # another process is needed: a process never conflicts with its own locks
def test_a_second_connection_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    """Two ledger connections in one process (``wattprint run``'s recorder and its job-budget
    sharing thread), then another process opens and closes the ledger (``wattprint
    history``). Reading the file's header for the second connection used to close a
    descriptor of the file, which drops every POSIX lock of the process, the first
    connection's included: the other process then thought it was the last user, checkpointed
    and removed the WAL under us, and our next read said "database disk image is malformed"."""
    import subprocess
    import sys

    db = tmp_path / "l.sqlite"
    first = Ledger(db)
    first.start_run(["a"])
    second = Ledger(db)  # the second connection of this process
    second.start_run(["b"])
    code = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT COUNT(*) FROM runs').fetchone(); c.close()")
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=60)
    assert db.with_name(db.name + "-wal").exists()  # still ours: not checkpointed away
    first.start_run(["c"])
    assert len(second.runs(limit=None)) == 3
    assert first.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    first.close()
    second.close()


def _two_connections(db: Path) -> tuple[Ledger, Ledger, tuple[int, int]]:
    """Two ledgers open on ``db`` and the file's ``integrity._OPENED`` key (counted twice)."""
    first = Ledger(db)
    st = db.stat()
    key = (st.st_dev, st.st_ino)
    second = Ledger(db)
    assert integrity._OPENED[key] == 2
    return first, second, key


def test_closing_the_last_connection_releases_its_open_file_entry(tmp_path: Path) -> None:
    """``integrity._OPENED`` counts this process's connections per file (their header is
    not read again while one is open) and forgets a file at its last close."""
    db = tmp_path / "l.sqlite"
    first, second, key = _two_connections(db)
    first.close()
    first.close()  # a second close releases nothing more
    assert integrity._OPENED[key] == 1
    second.close()
    assert key not in integrity._OPENED
    with open(db, "r+b") as fh:  # the same file (inode), no longer SQLite: checked again
        fh.write(b"not a ledger at all\x00")
    with pytest.raises(InputError, match="not a SQLite file"):
        Ledger(db)
    assert key not in integrity._OPENED


def test_a_ledger_nobody_closed_releases_its_entry_when_collected(tmp_path: Path) -> None:
    """A ``Ledger`` dropped without ``close`` (a notebook cell, an exception path) must not
    keep its file marked open for the life of the process: the header of a later file on the
    same inode would never be checked again."""
    import gc

    kept, dropped, key = _two_connections(tmp_path / "l.sqlite")
    del dropped
    gc.collect()
    assert integrity._OPENED[key] == 1
    kept.close()
    assert key not in integrity._OPENED
