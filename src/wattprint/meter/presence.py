"""Is a GPU visible to this process even though no backend could read it?

A machine with an NVIDIA or AMD GPU whose library is missing, whose driver refuses NVML, or
whose GPU is otherwise unreadable must not report "0 J measured" for its accelerators: the
meter reports them as *not measured*, with the reason. This module only looks at the
kernel's view (no vendor library):

* NVIDIA: ``/proc/driver/nvidia/gpus/*`` (one directory per GPU) or ``/dev/nvidia<N>``;
* AMD: ``/sys/class/kfd/kfd/topology/nodes/*/gpu_id`` with a non-zero id, or ``/dev/kfd``
  together with ``/dev/dri/renderD*``.

``CUDA_VISIBLE_DEVICES`` (NVIDIA) or ``ROCR_VISIBLE_DEVICES``/``HIP_VISIBLE_DEVICES`` (AMD)
set to ``""`` or ``-1`` hides the vendor's GPUs. The root is ``$WATTPRINT_DEVICE_ROOT`` (tests
point it at a fake tree) or ``/``.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_ROOT = "WATTPRINT_DEVICE_ROOT"


def _hidden(*names: str) -> bool:
    for n in names:
        v = os.environ.get(n)
        if v is not None and v.strip() in ("", "-1"):
            return True
    return False


def _count_nvidia(root: Path) -> int:
    gpus = root / "proc/driver/nvidia/gpus"
    if gpus.is_dir():
        n = sum(1 for _ in gpus.iterdir())
        if n:
            return n
    dev = root / "dev"
    if not dev.is_dir():
        return 0
    return sum(1 for p in dev.glob("nvidia[0-9]*") if p.name[6:].isdigit())


def _count_amd(root: Path) -> int:
    nodes = root / "sys/class/kfd/kfd/topology/nodes"
    n = 0
    if nodes.is_dir():
        for node in nodes.iterdir():
            try:
                if int((node / "gpu_id").read_text().strip() or "0") != 0:
                    n += 1
            except (OSError, ValueError):
                continue
    return n


def visible_gpus(root: str | Path | None = None) -> dict[str, int]:
    """Vendor → number of GPUs the kernel shows to this process (vendors with none omitted).

    Args:
        root: filesystem root to look under (default ``$WATTPRINT_DEVICE_ROOT`` or ``/``).
    """
    base = Path(root if root is not None else os.environ.get(ENV_ROOT) or "/")
    out: dict[str, int] = {}
    if not _hidden("CUDA_VISIBLE_DEVICES") and (n := _count_nvidia(base)):
        out["nvidia"] = n
    if not _hidden("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES") and (n := _count_amd(base)):
        out["amd"] = n
    return out


def unmeasured_gpus(absent: dict[str, str], root: str | Path | None = None) -> list[str]:
    """Reasons for GPUs that are visible but that no backend measures.

    Args:
        absent: backend name → why it measures nothing (``Meter.absent``).
        root: see :func:`visible_gpus`.

    Returns:
        One line per vendor with visible GPUs whose backend is absent, e.g.
        ``"1 NVIDIA GPU visible but not measured: nvidia-ml-py is not installed"``.
    """
    out: list[str] = []
    for vendor, n in visible_gpus(root).items():
        if vendor in absent:
            label = "NVIDIA" if vendor == "nvidia" else "AMD"
            out.append(f"{n} {label} GPU{'s' if n > 1 else ''} visible but not measured: "
                       f"{absent[vendor]}")
    return out
