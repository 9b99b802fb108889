"""`wattprint ledger import` on a path that cannot be read says so (not 'not a fallback file')."""

from __future__ import annotations

from pathlib import Path

from wattprint.testing import cli_call


def _err(tmp_path: Path, target: Path) -> str:
    code, _, err = cli_call("ledger", "import", str(target), "--db", str(tmp_path / "l.db"))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    return err


def test_missing_file(tmp_path: Path) -> None:
    err = _err(tmp_path, tmp_path / "nope.json")
    assert "cannot read" in err and "No such file" in err and "fallback" not in err


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in _err(tmp_path, tmp_path).lower()


def test_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "FIFO" in _err(tmp_path, fifo)
    for args in (["grid", "import", str(fifo)], ["history", "--db", str(fifo)],
                 ["ledger", "check", "--db", str(fifo)]):
        code, _, err = cli_call(*args)
        assert code == 2 and len(err.strip().splitlines()) == 1, (args, err)


def test_empty_file_is_not_a_fallback_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.json"
    p.write_text("")
    assert "is not a wattprint fallback file" in _err(tmp_path, p)


def test_fallback_file_over_the_text_file_limit_is_imported(tmp_path: Path) -> None:
    """A full fallback file (MAX_PENDING samples, ~140 MiB) is larger than the limit on the
    files users hand us (textfiles.MAX_BYTES): it is still imported, never refused."""
    import json

    from wattprint.textfiles import MAX_BYTES

    p = tmp_path / "wattprint-unsaved-big.json"
    rec = {"format": "wattprint-unsaved-run/1", "problems": ["x" * (MAX_BYTES + 1)],
           "run": {"id": "big", "started_at": 1.7e9, "command": ["true"]},
           "finish": {"complete": True, "exit_code": 0, "notes": [], "ended_at": 1.7e9 + 1},
           "measurement": None, "footprint": None, "samples": [[1.7e9, "gpu0", 300.0]],
           "windows": []}
    p.write_text(json.dumps(rec))
    code, _, err = cli_call("ledger", "import", str(p), "--db", str(tmp_path / "l.db"))
    assert code == 0, err
