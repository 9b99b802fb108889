"""Launcher detection, local-site defaults and visible-but-unreadable GPUs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from wattprint.meter import Meter
from wattprint.meter.backends import detect_backends
from wattprint.meter.backends.base import NullBackend
from wattprint.meter.launcher import detect_job, slurm_gpus
from wattprint.meter.placement import measured_site
from wattprint.meter.presence import unmeasured_gpus, visible_gpus
from wattprint.testing import FakeNvml, ReplayBackend


def test_detect_torchrun_and_slurm(tmp_path: Path) -> None:
    env = {"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "2",
           "GROUP_RANK": "1", "TORCHELASTIC_RUN_ID": "abc", "HOSTNAME": "x"}
    j = detect_job(env, dmi_root=str(tmp_path))
    assert (j.launcher, j.job_id, j.rank, j.local_rank, j.world_size, j.node_rank) == \
        ("torchrun", "abc", 3, 1, 4, 1)
    assert not j.data_centre and j.distributed
    s = detect_job({"SLURM_JOB_ID": "77", "SLURM_PROCID": "5", "SLURM_NODEID": "2",
                    "SLURM_LOCALID": "1", "SLURM_NTASKS": "8", "SLURMD_NODENAME": "gpu07",
                    "SLURM_JOB_GPUS": "0-1,3"}, dmi_root=str(tmp_path))
    assert (s.launcher, s.job_id, s.rank, s.node, s.node_rank, s.gpus) == \
        ("slurm", "77", 5, "gpu07", 2, (0, 1, 3))
    assert s.data_centre
    mpi = detect_job({"OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "4",
                      "OMPI_COMM_WORLD_LOCAL_RANK": "0"}, dmi_root=str(tmp_path))
    assert (mpi.launcher, mpi.rank, mpi.world_size) == ("mpi", 2, 4)
    assert detect_job({"ACCELERATE_MIXED_PRECISION": "no", "RANK": "0", "LOCAL_RANK": "0"},
                      dmi_root=str(tmp_path)).launcher == "accelerate"
    assert detect_job({"CROSS_RANK": "1", "RANK": "2", "LOCAL_RANK": "0"},
                      dmi_root=str(tmp_path)).node_rank == 1
    k8s = detect_job({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, dmi_root=str(tmp_path))
    assert k8s.launcher == "kubernetes" and k8s.data_centre
    assert slurm_gpus({"SLURM_STEP_GPUS": "gpu:a100"}) is None


def test_cloud_vm_is_a_data_centre(tmp_path: Path) -> None:
    (tmp_path / "sys_vendor").write_text("Amazon EC2\n")
    assert detect_job({}, dmi_root=str(tmp_path)).data_centre
    assert not detect_job({"WATTPRINT_DATA_CENTRE": "0"}, dmi_root=str(tmp_path)).data_centre


def test_local_run_gets_pue_one(tmp_path: Path) -> None:
    local = detect_job({}, dmi_root=str(tmp_path))
    sf, notes = measured_site(None, local)
    assert sf.pue.value == 1.0 and sf.pue.basis == "default" and "local machine" in notes[0]
    assert sf.wue_l_per_kwh.value == 0.0
    dc, notes2 = measured_site(None, detect_job({"SLURM_JOB_ID": "1"},
                                                dmi_root=str(tmp_path)))
    assert dc.pue.value > 1.0 and not notes2
    named, _ = measured_site("france", local)
    assert named.site_id.startswith("fr") and named.pue.value > 1.0


def _fake_gpu_tree(root: Path, n: int = 2) -> Path:
    for i in range(n):
        (root / "proc/driver/nvidia/gpus" / f"0000:0{i}:00.0").mkdir(parents=True)
    return root


def test_presence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _fake_gpu_tree(tmp_path)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert visible_gpus(root) == {"nvidia": 2}
    assert unmeasured_gpus({"nvidia": "nvidia-ml-py is not installed"}, root) == [
        "2 NVIDIA GPUs visible but not measured: nvidia-ml-py is not installed"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert visible_gpus(root) == {}
    assert visible_gpus(tmp_path / "nothing") == {}


def test_visible_unreadable_gpu_is_not_zero(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = _fake_gpu_tree(tmp_path, 1)
    monkeypatch.setenv("WATTPRINT_DEVICE_ROOT", str(root))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    nv = detect_backends(nvml=FakeNvml(init_error=FakeNvml.NVML_ERROR_NO_PERMISSION),
                         amdsmi=object(), powercap_root=tmp_path / "none")[0]
    assert isinstance(nv, NullBackend) and nv.name == "nvidia"
    host = ReplayBackend({"c": 10.0}, kinds={"c": "cpu"})
    with Meter(backends=[nv, host], interval_s=3600) as m:
        pass
    assert m.measurement is not None
    acc = m.measurement.accelerator_energy
    assert math.isnan(acc.value) and "visible but not measured" in acc.provenance
    assert "NVML" in acc.provenance or "denied" in acc.provenance
    assert "host only" in m.measurement.total_energy.provenance
    assert any("visible but not measured" in n for n in m.measurement.notes)
    fp = m.measurement.to_footprint()
    assert math.isnan(fp["facility_energy"].value)  # no number rather than a wrong one
    # no GPU visible at all: an explained 0 J
    monkeypatch.setenv("WATTPRINT_DEVICE_ROOT", str(tmp_path / "empty"))
    with Meter(backends=[nv, host], interval_s=3600) as m2:
        pass
    assert m2.measurement is not None and m2.measurement.accelerator_energy.value == 0.0
