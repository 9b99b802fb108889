"""Fault injection with real processes and file systems (slow tier, issue 14).

Disk full and read-only ledgers use a small tmpfs mounted for the test, which needs root
(CI runs as root): elsewhere these tests skip with the reason, except under ``CI=true``
where they fail instead, so CI really runs them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
PY = sys.executable


def _need(cond: bool, why: str) -> None:
    if not cond:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run this test: {why}")
        pytest.skip(why)


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A fresh tmpfs of ``size`` mounted at ``where`` (root only)."""
    _need(os.geteuid() == 0, "mounting a tmpfs needs root")
    where.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                       capture_output=True, text=True)
    _need(r.returncode == 0, f"cannot mount a tmpfs: {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["WATTPRINT_POWERCAP_ROOT"] = str(tmp_path / "no-powercap")
    e["CUDA_VISIBLE_DEVICES"] = "-1"
    e["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    spare = tmp_path / "spare"
    spare.mkdir()
    e["TMPDIR"] = str(spare)  # where fallback files go when the ledger's disk is full
    e.pop("WATTPRINT_DEBUG", None)
    return e


def wp(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "wattprint", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def last_json(out: str) -> dict:  # type: ignore[type-arg]
    return json.loads(out.strip().splitlines()[-1])


FILL = "dd if=/dev/zero of={fill} bs=64k 2>/dev/null"


def test_disk_full_mid_run_passes_exit_code_and_saves_a_fallback(env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "2m") as mnt:
        db = mnt / "ledger.sqlite"
        assert wp(env, "run", "--db", str(db), "--", "true").returncode == 0
        script = f"sleep 0.5; {FILL.format(fill=mnt / 'fill')}; sleep 1.5; exit 3"
        r = wp(env, "run", "--json", "--interval", "0.05", "--db", str(db), "--",
               "sh", "-c", script)
        assert r.returncode == 3, r.stderr
        assert "exit code 3" in r.stderr  # the summary, on stderr
        res = last_json(r.stdout)
        assert res["stored"] is False and res["exit_code"] == 3
        fb = Path(res["fallback_file"])
        assert fb.parent == Path(env["TMPDIR"]) and str(fb) in r.stderr
        assert json.loads(fb.read_text())["samples"]  # the kept-back samples are in it
        (mnt / "fill").unlink()
        imp = wp(env, "ledger", "import", str(fb), "--db", str(db))
        assert imp.returncode == 0, imp.stderr
        shown = wp(env, "show", res["run_id"], "--json", "--db", str(db))
        out = json.loads(shown.stdout)
        assert out["exit_code"] == 3 and out["timeline"]


def test_disk_full_for_a_while_then_everything_is_stored(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "2m") as mnt:
        db = mnt / "ledger.sqlite"
        assert wp(env, "run", "--db", str(db), "--", "true").returncode == 0
        fill = mnt / "fill"
        script = f"sleep 0.3; {FILL.format(fill=fill)}; sleep 1.5; rm {fill}; sleep 1.5; exit 5"
        r = wp(env, "run", "--json", "--interval", "0.05", "--db", str(db), "--",
               "sh", "-c", script)
        assert r.returncode == 5, r.stderr
        res = last_json(r.stdout)
        assert res["stored"] is True, r.stderr
        n = json.loads(wp(env, "show", res["run_id"], "--json", "--db", str(db)).stdout)
        assert sum(t["samples"] for t in n["timeline"]) >= 40  # ~3 s at 20 Hz × 2 devices


def test_read_only_ledger_reads_and_run_still_runs(env: dict[str, str], tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "4m") as mnt:
        db = mnt / "ledger.sqlite"
        first = wp(env, "run", "--json", "--db", str(db), "--", "true")
        rid = last_json(first.stdout)["run_id"]
        r = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True)
        _need(r.returncode == 0, "cannot remount the tmpfs read-only")
        for args in (("history", "--json"), ("show", rid, "--json"), ("export",),
                     ("ledger", "check")):
            got = wp(env, *args, "--db", str(db))
            assert got.returncode == 0, (args, got.stderr)
            assert rid in got.stdout or args[0] == "ledger"
        r2 = wp(env, "run", "--json", "--db", str(db), "--", "sh", "-c", "exit 6")
        assert r2.returncode == 6, r2.stderr
        res = last_json(r2.stdout)
        assert res["stored"] is False and Path(res["fallback_file"]).is_file()
        assert "could not be stored" in r2.stderr


def test_child_ignoring_sigterm_is_killed_after_the_grace(env: dict[str, str],
                                                          tmp_path: Path) -> None:
    env["WATTPRINT_DB"] = str(tmp_path / "l.sqlite")
    marker = tmp_path / "pid"
    code = ("import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            f"open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(120)")
    p = subprocess.Popen([PY, "-m", "wattprint", "run", "--json", "--grace", "1", "--",
                          PY, "-c", code], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGKILL, err
    res = last_json(out)
    assert any("SIGKILL" in n for n in res["notes"]) and res["complete"] is False
