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
    assert "Is a directory" in _err(tmp_path, tmp_path)


def test_empty_file_is_not_a_fallback_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.json"
    p.write_text("")
    assert "is not a wattprint fallback file" in _err(tmp_path, p)
