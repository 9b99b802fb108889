"""Energy backends: one interface (:mod:`.base`), one small module per vendor.

:func:`detect_backends` probes in this order:

1. NVIDIA GPUs through NVML (:mod:`.nvidia`, needs ``nvidia-ml-py``; on Linux without the
   driver's device nodes the library is not even imported);
2. AMD GPUs through amdsmi (:mod:`.amd`, needs ROCm's ``amdsmi``);
3. CPU package and DRAM through Linux RAPL (:mod:`.rapl`);
4. the CPU/RAM estimate from utilisation × TDP (:mod:`.cpu_estimate`), used for the CPU
   whenever RAPL is unavailable (and for RAM when RAPL has no DRAM domain), with the reason.

A backend that cannot be used becomes a :class:`~.base.NullBackend` carrying the reason,
so results say why a device class is missing instead of reporting a silent zero.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from wattprint.errors import MeterError, MeterUnavailable
from wattprint.meter.backends.base import Device, EnergyBackend, NullBackend

__all__ = ["Device", "EnergyBackend", "NullBackend", "detect_backends"]

#: Device nodes without which the vendor library cannot work on Linux (``/dev/dxg``: WSL2).
NVIDIA_NODES = ("/dev/nvidiactl", "/proc/driver/nvidia", "/dev/dxg")
AMD_NODES = ("/dev/kfd", "/sys/class/kfd")


def _no_driver(vendor: str, nodes: tuple[str, ...]) -> str | None:
    """Why the vendor library cannot work here, from the kernel's view, else ``None``.

    Checking a few paths costs microseconds where importing pynvml costs ~15 ms, so a Linux
    machine without the driver skips the import (the reason is kept). Other systems always
    try the library.
    """
    if not sys.platform.startswith("linux") or any(os.path.exists(n) for n in nodes):
        return None
    return f"no {vendor} driver on this machine (none of {', '.join(nodes)} exists)"


def detect_backends(*, nvml: Any = None, amdsmi: Any = None,
                    powercap_root: str | Path | None = None,
                    visible_devices: str | None = None) -> list[EnergyBackend]:
    """Probe every backend (see the module docstring for the order).

    Args:
        nvml: a pynvml-like module to use instead of importing ``pynvml`` (tests).
        amdsmi: an amdsmi-like module to use instead of importing ``amdsmi`` (tests).
        powercap_root: RAPL sysfs root (default ``$WATTPRINT_POWERCAP_ROOT`` or
            ``/sys/class/powercap``).
        visible_devices: a ``CUDA_VISIBLE_DEVICES`` value (default: the environment).

    Returns:
        Working backends and null backends with their reasons, in probe order.
    """
    from wattprint.meter.backends.amd import AmdBackend
    from wattprint.meter.backends.cpu_estimate import CpuEstimateBackend
    from wattprint.meter.backends.nvidia import NvidiaBackend
    from wattprint.meter.backends.rapl import RaplBackend

    out: list[EnergyBackend] = []
    no_driver = _no_driver("NVIDIA", NVIDIA_NODES) if nvml is None else None
    try:
        if no_driver:
            raise MeterUnavailable(no_driver)
        out.append(NvidiaBackend(nvml=nvml, visible_devices=visible_devices))
    except Exception as exc:  # noqa: BLE001 - detection never stops the user's command
        out.append(NullBackend("nvidia", _why(exc)))
    no_driver = _no_driver("AMD GPU", AMD_NODES) if amdsmi is None else None
    try:
        if no_driver:
            raise MeterUnavailable(no_driver)
        out.append(AmdBackend(amdsmi=amdsmi))
    except Exception as exc:  # noqa: BLE001
        out.append(NullBackend("amd", _why(exc)))
    try:
        rapl = RaplBackend(root=powercap_root)
    except Exception as exc:  # noqa: BLE001
        out.append(NullBackend("rapl", _why(exc)))
        out.append(CpuEstimateBackend(f"RAPL unavailable: {_why(exc)}"))
    else:
        out.append(rapl)
        if not rapl.has_dram:
            out.append(CpuEstimateBackend("RAPL has no DRAM domain on this machine",
                                          cpu=False, dram=True))
    return out


def _why(exc: BaseException) -> str:
    """A backend's failure in words: a meter error's own text, else the unexpected
    exception named (a detection bug must not stop the command, nor hide)."""
    if isinstance(exc, MeterError):
        return str(exc)
    return f"detection failed ({type(exc).__name__}: {exc})"
