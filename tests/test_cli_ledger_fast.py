"""Ledger commands' bad input in-process (fast tier); the end-to-end runs with real processes
and signals are in test_cli_run.py (slow tier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wattprint.testing import cli_run


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTPRINT_DB", str(tmp_path / "ledger.sqlite"))
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "no-powercap"))
    monkeypatch.delenv("WATTPRINT_DEBUG", raising=False)


@pytest.mark.parametrize("args", [
    ("run",), ("run", "--"), ("history", "--since", "yesterday-ish"),
    ("export", "--format", "xml"),
])
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...]) -> None:
    r = cli_run(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("wattprint: error:")


def test_unreadable_db_is_exit_2(tmp_path: Path) -> None:
    for cmd in (("history",), ("show", "abcd"), ("export",)):
        r = cli_run(*cmd, "--db", str(tmp_path / "nope" / "x.sqlite"))
        assert r.returncode == 2 and "no ledger" in r.stderr
