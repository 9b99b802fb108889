"""A 2-node × 2-rank job, simulated: four ``wattprint run`` processes with Slurm's environment
and fake GPUs (two per node) produce one job record with every device counted once."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wattprint.cli.main import build_app
from wattprint.ledger import Ledger
from wattprint.ledger.jobs import job_record
from wattprint.meter.node_lease import NodeLease

LAUNCH = """
import sys
from wattprint.testing import FakeGpu, FakeNvml, install_fake_nvml
node = sys.argv[1]
install_fake_nvml(FakeNvml([FakeGpu(uuid=f"GPU-{node}-{i}", has_counter=False, power_w=100.0)
                            for i in range(2)]))
from wattprint.cli.main import run
run(sys.argv[2:])
"""
POWER_W = 100.0


def test_node_lease_one_leader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTPRINT_LOCK_DIR", str(tmp_path))
    a, b = NodeLease("job/1", "n0"), NodeLease("job/1", "n0")
    assert a.acquire(0) and not b.acquire(1)
    assert a.holder() == f"{os.getpid()} 0"
    assert NodeLease("job/1", "n1").acquire(2)  # another node has its own leader
    a.release()
    assert b.acquire(1)
    b.release()


@pytest.mark.slow
def test_two_nodes_two_ranks_one_job_record(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLURM", "CUDA_VISIBLE", "RANK", "LOCAL_RANK", "WORLD"))}
    base.update(WATTPRINT_DB=str(db), WATTPRINT_LOCK_DIR=str(tmp_path),
                WATTPRINT_POWERCAP_ROOT=str(tmp_path / "none"),
                WATTPRINT_DEVICE_ROOT=str(tmp_path / "none"),
                SLURM_JOB_ID="4242", SLURM_NTASKS="4", SLURM_NTASKS_PER_NODE="2")
    procs = []
    for rank in range(4):
        node, local = divmod(rank, 2)
        env = dict(base, SLURM_PROCID=str(rank), SLURM_NODEID=str(node),
                   SLURM_LOCALID=str(local), SLURMD_NODENAME=f"node{node}")
        procs.append(subprocess.Popen(
            [sys.executable, "-c", LAUNCH, f"node{node}", "run", "--interval", "0.05", "--",
             sys.executable, "-c", "import time; time.sleep(1.5)"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    followers = [e for _, e in outs if "measured by its leader" in e]
    assert len(followers) == 2  # one rank per node measured, the other did not

    with Ledger(db) as led:
        assert len(led.runs(limit=None)) == 2  # one record per node, none per extra rank
        job = job_record(led, "4242")
    assert job is not None and job["nodes"] == ["node0", "node1"] and job["complete"]
    gpus = [d for d in job["devices"] if d["kind"] == "gpu"]
    assert sorted(d["key"] for d in gpus) == ["node0/nvidia:0", "node0/nvidia:1",
                                              "node1/nvidia:0", "node1/nvidia:1"]
    assert len({d["uuid"] for d in gpus}) == 4
    times = {r["node"]: r["time_s"] for r in job["runs"]}
    for d in gpus:  # each device once: its energy is its own 100 W over its node's run
        assert d["energy_j"] / times[d["node"]] == pytest.approx(POWER_W, rel=0.05)
    assert job["accelerator_energy_j"] == pytest.approx(sum(d["energy_j"] for d in gpus))

    res = CliRunner().invoke(build_app(["show"]), ["show", "4242", "--json", "--db", str(db)])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.output)
    assert shown["kind"] == "job" and len(shown["runs"]) == 2


def _rank_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rank: int) -> None:
    for k in list(os.environ):
        if k.startswith(("SLURM", "OMPI_", "PMI", "TORCHELASTIC", "MASTER_", "ACCELERATE_")):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("WATTPRINT_LOCK_DIR", str(tmp_path))
    for k, v in {"RANK": rank, "LOCAL_RANK": rank, "WORLD_SIZE": 2, "LOCAL_WORLD_SIZE": 2,
                 "TORCHELASTIC_RUN_ID": "job-py", "WATTPRINT_NODE": "n0"}.items():
        monkeypatch.setenv(k, str(v))


def test_meter_in_python_elects_one_leader_per_node(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Two ranks of a torchrun job on one node, each with ``Meter()`` over the node's two
    (fake) GPUs: one measures them, the other measures nothing and says why."""
    from wattprint.meter import Meter
    from wattprint.meter.backends.nvidia import NvidiaBackend
    from wattprint.testing import FakeClock, FakeGpu, FakeNvml

    nvml = FakeNvml([FakeGpu(uuid=f"GPU-{i}", has_counter=False, power_w=POWER_W)
                     for i in range(2)])
    clock = FakeClock()
    meters = []
    for rank in (0, 1):
        _rank_env(monkeypatch, tmp_path, rank)
        m = Meter([NvidiaBackend(nvml=nvml)], clock=clock, interval_s=0.5)
        m.start()
        m.begin_window("step")
        meters.append(m)
    clock.advance(2.0)
    res = [m.end_window("step") for m in meters]
    for m in meters:
        m.stop()
    assert [m.leader for m in meters] == [True, False]
    keys = [d.device.key for r in res for d in r.devices]
    assert sorted(keys) == ["nvidia:0", "nvidia:1"]  # each device once, over both ranks
    assert "measured by its leader" in meters[1].absent["node"]
    assert math.isnan(res[1].total_energy.value)  # not a silent zero
    assert res[0].accelerator_energy.value == pytest.approx(2 * POWER_W * 2.0, rel=0.05)
    # the lead is given back when the leader stops: the next meter of the job leads
    assert Meter([NvidiaBackend(nvml=nvml)], clock=clock).start().leader


def test_meter_reenters_its_own_lead_and_can_opt_out(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from wattprint.meter import Meter
    from wattprint.testing import ReplayBackend

    _rank_env(monkeypatch, tmp_path, 1)
    lease = NodeLease("job-py", "n0")
    assert lease.acquire(1)  # e.g. a framework callback of this rank leads already
    m = Meter([ReplayBackend({"g": 10.0})]).start()
    assert m.leader and m.devices
    m.stop()
    assert not NodeLease("job-py", "n0").acquire(0)  # still held by the callback's lease
    lease.release()
    assert NodeLease("job-py", "n0").acquire(0)
    _rank_env(monkeypatch, tmp_path, 1)
    free = Meter([ReplayBackend({"g": 10.0})], node_leader=False).start()
    assert free.leader and free.devices  # no election: measures whatever the others do
    free.stop()
