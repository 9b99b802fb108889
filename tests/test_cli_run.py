"""``wattprint run/history/show/export`` end to end, in subprocesses (real signals)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PY = sys.executable
#: Every test here launches real processes and sends real signals: the slow tier.
pytestmark = pytest.mark.slow

CORE = ("time", "accelerator_energy", "it_energy", "facility_energy", "co2e", "water", "cost")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["WATTPRINT_DB"] = str(tmp_path / "ledger.sqlite")
    e["WATTPRINT_POWERCAP_ROOT"] = str(tmp_path / "no-powercap")  # estimate on every machine
    e["CUDA_VISIBLE_DEVICES"] = "-1"
    e.pop("WATTPRINT_DEBUG", None)
    return e


def wp(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "wattprint", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def last_json(out: str) -> dict:  # type: ignore[type-arg]
    return json.loads(out.strip().splitlines()[-1])


def wait_for(pred, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def db_rows(env: dict[str, str], sql: str) -> list[tuple]:  # type: ignore[type-arg]
    path = env["WATTPRINT_DB"]
    if not Path(path).exists():
        return []
    try:
        with sqlite3.connect(path, timeout=10) as c:
            return c.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []


def test_run_json_and_ledger_commands(env: dict[str, str], tmp_path: Path) -> None:
    r = wp(env, "run", "--json", "--interval", "0.05", "--", PY, "-c",
           "import time; t=time.time()\nwhile time.time()-t<0.3: pass")
    assert r.returncode == 0, r.stderr
    out = last_json(r.stdout)
    for k in CORE:
        assert set(out[k]) >= {"value", "low", "high", "unit", "provenance"}, k
    assert out["exit_code"] == 0 and out["complete"] is True
    assert out["accelerator_energy"]["value"] == 0.0
    assert out["accelerator_energy"]["provenance"].startswith("no accelerator present")
    assert {d["key"] for d in out["devices"]} == {"estimate:cpu", "estimate:dram"}
    assert all(d["method"] == "estimate from utilisation × TDP" for d in out["devices"])
    assert out["it_energy"]["value"] > 0
    rid = out["run_id"]

    h = wp(env, "history", "--json")
    assert h.returncode == 0, h.stderr
    runs = json.loads(h.stdout)
    assert runs[0]["id"] == rid and runs[0]["state"] == "complete"
    none = wp(env, "history", "--json", "--command-contains", "nothing-like-it")
    assert none.stdout.strip() == "[]"
    assert "runs in" in wp(env, "history").stdout

    s = wp(env, "show", rid[:6], "--json")
    assert s.returncode == 0, s.stderr
    shown = json.loads(s.stdout)
    assert shown["id"] == rid
    tl = {t["device"]: t for t in shown["timeline"]}
    assert tl["estimate:cpu"]["samples"] >= 2
    cpu = tl["estimate:cpu"]
    assert cpu["min_w"] <= cpu["mean_w"] <= cpu["max_w"]
    assert "power timeline" in wp(env, "show", rid).stdout

    csv_out = wp(env, "export", "--format", "csv")
    assert csv_out.returncode == 0 and rid in csv_out.stdout
    js = tmp_path / "samples.json"
    e = wp(env, "export", "--format", "json", "--samples", "-o", str(js))
    assert e.returncode == 0, e.stderr
    rows = json.loads(js.read_text())
    assert rows and set(rows[0]) == {"run_id", "t", "device", "power_w"}


def test_exit_code_is_the_childs(env: dict[str, str]) -> None:
    r = wp(env, "run", "--", PY, "-c", "import sys; sys.exit(3)")
    assert r.returncode == 3
    assert "exit code 3" in r.stderr


@pytest.mark.parametrize("args", [
    ("run",), ("run", "--"), ("show", "ffffffff"), ("history", "--since", "yesterday-ish"),
    ("export", "--format", "xml"),
])
def test_bad_input_is_one_line_exit_2(env: dict[str, str], args: tuple[str, ...]) -> None:
    wp(env, "run", "--", PY, "-c", "pass")  # make sure a ledger exists
    r = wp(env, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("wattprint: error:")


def test_unreadable_db_is_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    for cmd in (("history",), ("show", "abcd"), ("export",)):
        r = wp(env, *cmd, "--db", str(tmp_path / "nope" / "x.sqlite"))
        assert r.returncode == 2 and "no ledger" in r.stderr
    r = wp(env, "run", "--db", str(tmp_path), "--", PY, "-c", "pass")
    assert r.returncode == 2 and "directory" in r.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killed_child_leaves_an_incomplete_record(env: dict[str, str], sig: int) -> None:
    code = f"import os, time; time.sleep(0.3); os.kill(os.getpid(), {int(sig)}); time.sleep(60)"
    r = wp(env, "run", "--json", "--interval", "0.05", "--", PY, "-c", code)
    assert r.returncode == 128 + sig, r.stderr
    out = last_json(r.stdout)
    assert out["complete"] is False and out["exit_code"] == 128 + sig
    assert any("killed by signal" in n for n in out["notes"])
    rows = db_rows(env, f"SELECT status, exit_code FROM runs WHERE id = '{out['run_id']}'")
    assert rows == [("incomplete", 128 + sig)]
    n = db_rows(env, f"SELECT COUNT(*) FROM samples WHERE run_id = '{out['run_id']}'")[0][0]
    assert n >= 2  # sampled up to the end


def _start_long_run(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    marker = tmp_path / "child.pid"
    code = (f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); "
            "time.sleep(120)")
    p = subprocess.Popen([PY, "-m", "wattprint", "run", "--json", "--interval", "0.05", "--",
                          PY, "-c", code], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    wait_for(lambda: marker.exists() and marker.read_text().strip(), "the child to start")
    wait_for(lambda: db_rows(env, "SELECT COUNT(*) FROM samples")[:1] not in ([], [(0,)]),
             "the first flush of samples")
    return p, marker


def test_sigterm_to_wattprint_is_forwarded_and_finalised(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    p, _ = _start_long_run(env, tmp_path)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM, err
    res = last_json(out)
    assert res["complete"] is False
    assert any("SIGTERM" in n for n in res["notes"])
    assert db_rows(env, "SELECT status FROM runs") == [("incomplete",)]


def test_sigkill_to_wattprint_keeps_flushed_samples(env: dict[str, str],
                                                    tmp_path: Path) -> None:
    p, marker = _start_long_run(env, tmp_path)
    child = int(marker.read_text())
    p.kill()
    p.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, signal.SIGKILL)  # the orphaned child holds our pipes: end it
    p.communicate(timeout=60)
    assert db_rows(env, "SELECT status FROM runs") == [("running",)]  # never finalised
    assert db_rows(env, "SELECT COUNT(*) FROM samples")[0][0] > 0
    h = wp(env, "history", "--json")
    assert json.loads(h.stdout)[0]["state"] == "incomplete"


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux-only")
def test_sigkilled_meter_takes_its_child_down(env: dict[str, str], tmp_path: Path) -> None:
    p, marker = _start_long_run(env, tmp_path)
    child = int(marker.read_text())
    p.kill()
    p.wait(timeout=60)
    for _ in range(200):  # the child gets SIGTERM from the kernel when its parent dies
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        if _is_zombie(child):
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("child outlived a SIGKILLed wattprint run")
    p.communicate(timeout=60)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return True
