"""Where this process runs in a job: launcher, job id, node and rank, from the environment.

Read (first match wins for each field; ``WATTPRINT_JOB_ID`` / ``WATTPRINT_NODE`` override):

* torchrun / torch.distributed (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
  ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``TORCHELASTIC_RUN_ID``); Hugging Face accelerate
  (the same variables plus ``ACCELERATE_*``); DeepSpeed's launcher (``CROSS_RANK``,
  ``CROSS_SIZE``, ``LOCAL_SIZE``);
* MPI: Open MPI (``OMPI_COMM_WORLD_*``), MPICH/Intel MPI (``PMI_RANK``, ``PMI_SIZE``,
  ``MPI_LOCALRANKID``), PMIx (``PMIX_RANK``, ``PMIX_NAMESPACE``);
* Slurm (``SLURM_JOB_ID``, ``SLURM_PROCID``, ``SLURM_NODEID``, ``SLURM_LOCALID``,
  ``SLURM_NTASKS``, ``SLURMD_NODENAME``, GPUs from ``SLURM_STEP_GPUS``/``SLURM_JOB_GPUS``);
* Kubernetes (``KUBERNETES_SERVICE_HOST``; the pod name is ``HOSTNAME``; indexed jobs'
  ``JOB_COMPLETION_INDEX``).

Nothing here imports a framework or touches a device.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

_RANK = ("RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK",
         "SLURM_PROCID")
_LOCAL_RANK = ("LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID",
               "MV2_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID")
_WORLD = ("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE",
          "SLURM_NTASKS")
_LOCAL_WORLD = ("LOCAL_WORLD_SIZE", "LOCAL_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE",
                "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE")
_NODE_RANK = ("GROUP_RANK", "NODE_RANK", "CROSS_RANK", "OMPI_COMM_WORLD_NODE_RANK",
              "SLURM_NODEID")
_JOB = ("WATTPRINT_JOB_ID", "SLURM_JOB_ID", "TORCHELASTIC_RUN_ID", "PMIX_NAMESPACE")


@dataclass(frozen=True)
class JobContext:
    """This process's place in a (possibly distributed) job.

    Attributes:
        launcher: ``torchrun``, ``accelerate``, ``deepspeed``, ``mpi``, ``slurm``,
            ``kubernetes`` or ``local``.
        job_id: the job's id shared by every rank (``None`` for a local run).
        node: this machine's name (``SLURMD_NODENAME``, else the host name).
        node_rank: index of the node in the job, when the launcher says.
        rank / local_rank / world_size / local_world_size: as the launcher set them
            (0, 0, 1, 1 when alone).
        gpus: GPU indices the scheduler gave this job on this node (Slurm GRES), if any.
        data_centre: whether the machine is evidently in a data centre (a batch scheduler,
            Kubernetes or a cloud VM), which decides the default PUE.
    """

    launcher: str = "local"
    job_id: str | None = None
    node: str = field(default_factory=socket.gethostname)
    node_rank: int | None = None
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    local_world_size: int = 1
    gpus: tuple[int, ...] | None = None
    data_centre: bool = False

    @property
    def distributed(self) -> bool:
        """More than one process in the job, or a scheduler job id."""
        return self.world_size > 1 or self.job_id is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d = asdict(self)
        d["gpus"] = list(self.gpus) if self.gpus is not None else None
        return d


def _int(env: Mapping[str, str], names: tuple[str, ...]) -> int | None:
    for n in names:
        v = env.get(n, "").strip()
        if v.lstrip("-").isdigit():
            return int(v)
        if n == "SLURM_NTASKS_PER_NODE" and v:  # e.g. "2(x3)"
            head = v.split("(")[0]
            if head.isdigit():
                return int(head)
    return None


def _launcher(env: Mapping[str, str]) -> str:
    if any(k.startswith("ACCELERATE_") for k in env):
        return "accelerate"
    if "CROSS_RANK" in env or "DEEPSPEED_ENV" in env:
        return "deepspeed"
    if "TORCHELASTIC_RUN_ID" in env or ("RANK" in env and "LOCAL_RANK" in env):
        return "torchrun"
    if any(k in env for k in ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK",
                              "MV2_COMM_WORLD_RANK")):
        return "mpi"
    if "SLURM_JOB_ID" in env:
        return "slurm"
    if "KUBERNETES_SERVICE_HOST" in env:
        return "kubernetes"
    return "local"


def slurm_gpus(env: Mapping[str, str]) -> tuple[int, ...] | None:
    """GPU indices from ``SLURM_STEP_GPUS`` or ``SLURM_JOB_GPUS`` (``"0,2"``; ranges
    ``"0-3"`` expanded); ``None`` when unset or not a list of indices."""
    raw = env.get("SLURM_STEP_GPUS") or env.get("SLURM_JOB_GPUS")
    if not raw:
        return None
    out: list[int] = []
    for part in raw.split(","):
        lo, _, hi = part.strip().partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            return None
        out.extend(range(int(lo), int(hi or lo) + 1))
    return tuple(out)


def _job_id(env: Mapping[str, str]) -> str | None:
    for n in _JOB:
        v = env.get(n, "").strip()
        if v and v.lower() != "none":
            if n == "SLURM_JOB_ID" and env.get("SLURM_ARRAY_TASK_ID"):
                return f"{v}_{env['SLURM_ARRAY_TASK_ID']}"
            return v
    if e_addr := env.get("MASTER_ADDR"):  # torch.distributed without a run id
        return f"{e_addr}-{env.get('MASTER_PORT', '')}"
    return None


def in_cloud_vm(dmi_root: str = "/sys/class/dmi/id") -> bool:
    """Whether DMI names a cloud provider (AWS, Google, Azure, Oracle, Alibaba, OpenStack)."""
    text = ""
    for f in ("sys_vendor", "product_name", "bios_vendor", "chassis_asset_tag"):
        try:
            with open(os.path.join(dmi_root, f), encoding="utf-8", errors="replace") as fh:
                text += " " + fh.read().strip().lower()
        except OSError:
            continue
    return any(w in text for w in ("amazon", "google", "microsoft corporation", "oraclecloud",
                                   "alibaba", "openstack", "oracle corporation"))


def detect_job(env: Mapping[str, str] | None = None, *,
               dmi_root: str = "/sys/class/dmi/id") -> JobContext:
    """The :class:`JobContext` of this process (``env``: default ``os.environ``)."""
    e = os.environ if env is None else env
    launcher = _launcher(e)
    rank = _int(e, _RANK) or 0
    world = _int(e, _WORLD) or 1
    local_rank = _int(e, _LOCAL_RANK)
    local_world = _int(e, _LOCAL_WORLD)
    node = e.get("WATTPRINT_NODE") or e.get("SLURMD_NODENAME") or socket.gethostname()
    dc_flag = e.get("WATTPRINT_DATA_CENTRE", "").strip().lower()
    data_centre = (dc_flag in ("1", "true", "yes") or (dc_flag not in ("0", "false", "no") and (
        "SLURM_JOB_ID" in e or "KUBERNETES_SERVICE_HOST" in e or "PBS_JOBID" in e
        or "LSB_JOBID" in e or in_cloud_vm(dmi_root))))
    return JobContext(
        launcher=launcher, job_id=_job_id(e), node=node, node_rank=_int(e, _NODE_RANK),
        rank=rank, local_rank=local_rank if local_rank is not None else 0,
        world_size=world, local_world_size=local_world if local_world is not None else 1,
        gpus=slurm_gpus(e), data_centre=data_centre)
