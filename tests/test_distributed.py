"""A 2-node × 2-rank job, simulated: four ``wattprint run`` processes with Slurm's environment
and fake GPUs (two per node) produce one job record with every device counted once."""

from __future__ import annotations

import json
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
