"""CPU and RAM power *estimated* from utilisation, for machines without RAPL (VMs, CI).

Models (stated, so every figure can be checked):

* CPU: ``P = TDP × (0.1 + 0.9 × u)`` with ``u`` the whole-machine CPU utilisation (0-1) over
  the sampling interval: an idle floor of 10 % of TDP plus a part linear in load (the shape
  of CodeCarbon's machine model without its cube). TDP comes from the wattprint catalog when
  the CPU model (``/proc/cpuinfo`` "model name") matches an entry (through the generated
  :mod:`.cpu_tdp_index`, so the catalog is never loaded here), else
  :data:`DEFAULT_W_PER_CORE` W per physical core (an assumption, labelled as such).
* RAM: ``P = 0.375 W/GB × used RAM (GB)`` (3/8 W per GB, the rule of eco2AI and Green
  Algorithms), used RAM = ``MemTotal − MemAvailable``.

On Linux, utilisation and memory come from one line of ``/proc/stat`` and two of
``/proc/meminfo``, read by the sampler thread (never at a window boundary); elsewhere psutil
(imported on first use).

Results carry basis ``modelled``, the label ``estimate from utilisation × TDP`` and a
range of ±50 % (an assumption: TDP-based models are off by tens of percent).
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import sys
from functools import lru_cache
from typing import Any

from wattprint.errors import CounterError
from wattprint.meter.backends.base import ESTIMATE, Device, EnergyBackend

DEFAULT_W_PER_CORE = 10.0
IDLE_FRACTION = 0.1
RAM_W_PER_GB = 0.375
#: Relative range attached to estimates (assumption).
ESTIMATE_LOW, ESTIMATE_HIGH = 0.5, 1.5
_LINUX = sys.platform.startswith("linux")
_SEP = re.compile(r"[\s_]+")
_MARKS = re.compile(r"\((?:r|tm|c)\)")
_PREFIXES = ("amd-", "intel-")


@lru_cache(maxsize=1)
def _cpuinfo() -> tuple[str | None, int | None]:
    """(model name, physical cores) from ``/proc/cpuinfo`` (``None`` where unknown)."""
    model: str | None = None
    cores: set[tuple[str, str]] = set()
    phys = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                if key == "model name" and model is None:
                    model = value.strip()
                elif key == "physical id":
                    phys = value.strip()
                elif key == "core id":
                    cores.add((phys, value.strip()))
    except OSError:
        pass
    return model, len(cores) or None


def cpu_model_name() -> str:
    """The CPU model string (``/proc/cpuinfo`` "model name", else ``platform.processor()``)."""
    return _cpuinfo()[0] or platform.processor() or "unknown CPU"


def physical_cores() -> int:
    """Physical CPU cores (``/proc/cpuinfo`` core ids, else psutil, else logical CPUs)."""
    n = _cpuinfo()[1]
    if n is None and not _LINUX:
        n = _psutil().cpu_count(logical=False)
    return n or os.cpu_count() or 1


def catalog_cpu(model: str) -> tuple[str, float, str, int] | None:
    """(catalog id, TDP W, source, year) of a CPU model name, or ``None`` if not catalogued.

    Matches like :func:`wattprint.catalog.get_hardware` (case, spaces, ``(R)``/``(TM)``
    marks and vendor prefixes ignored), through the generated index.
    """
    from wattprint.meter.backends.cpu_tdp_index import CPU_NAMES, CPU_TDP

    key = _SEP.sub("-", model.strip().lower())
    keys = [key, _SEP.sub("-", _MARKS.sub("", key.replace("-", " ")).strip())]
    keys += [k[len(p):] for k in list(keys) for p in _PREFIXES
             if k.startswith(p) and len(k) > len(p)]
    for k in keys:
        hid = CPU_NAMES.get(k)
        if hid is not None:
            return (hid, *CPU_TDP[hid])
    return None


def cpu_tdp_w(model: str | None = None, cores: int | None = None) -> tuple[float, str]:
    """The CPU's TDP in W and where it came from.

    Looks ``model`` up in the wattprint catalog (``kind == "cpu"``, via the generated
    index); otherwise assumes :data:`DEFAULT_W_PER_CORE` W per physical core.
    """
    model = model or cpu_model_name()
    hit = catalog_cpu(model)
    if hit is not None:
        hid, tdp, source, year = hit
        return tdp, f"TDP of {hid} from the wattprint catalog ({source}, {year})"
    n = cores or physical_cores()
    return (DEFAULT_W_PER_CORE * n,
            f"assumed {DEFAULT_W_PER_CORE:g} W per physical core × {n} cores "
            f"({model!r} not in the catalog)")


def _psutil() -> Any:
    import psutil

    return psutil


class _ProcReader:
    """Machine CPU utilisation and used RAM, from /proc on Linux, else psutil."""

    def __init__(self) -> None:
        self._last: tuple[int, int] | None = None
        self._load = 0.0

    @staticmethod
    def _cpu_times() -> tuple[int, int]:
        """(busy, total) jiffies of all CPUs since boot (``/proc/stat``)."""
        with open("/proc/stat", "rb") as fh:
            f = [int(x) for x in fh.readline().split()[1:9]]
        idle = f[3] + f[4]  # idle + iowait; guest time is already inside user/nice
        total = sum(f)
        return total - idle, total

    def cpu_load(self) -> float:
        """Utilisation 0-1 since the previous call (the first call primes and returns 0;
        a call within the same kernel tick repeats the last value)."""
        if not _LINUX:
            return float(_psutil().cpu_percent(interval=None)) / 100.0
        busy, total = self._cpu_times()
        last = self._last
        if last is None or total > last[1]:  # else no tick of the kernel's clock yet
            self._last = (busy, total)
            if last is not None:
                self._load = (busy - last[0]) / (total - last[1])
        return self._load

    @staticmethod
    def used_ram_bytes() -> float:
        """Used RAM in bytes: ``MemTotal − MemAvailable`` (``/proc/meminfo``)."""
        if not _LINUX:
            return float(_psutil().virtual_memory().used)
        got: dict[bytes, int] = {}
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith((b"MemTotal:", b"MemAvailable:")):
                    got[line.split(b":")[0]] = int(line.split()[1]) * 1024
                    if len(got) == 2:
                        break
        return float(got[b"MemTotal"] - got[b"MemAvailable"])


class CpuEstimateBackend(EnergyBackend):
    """Estimated CPU and/or RAM power from machine utilisation.

    Args:
        reason: why the estimate is used (e.g. "RAPL permission denied: ..."), recorded in
            every result.
        cpu: include the CPU estimate.
        dram: include the RAM estimate.
        tdp_w: the CPU TDP in W (``None``: catalog lookup or the per-core default).
    """

    name = "estimate"

    def __init__(self, reason: str, *, cpu: bool = True, dram: bool = True,
                 tdp_w: float | None = None) -> None:
        self.fallback_reason = reason
        if tdp_w is None:
            self.tdp_w, self.tdp_source = cpu_tdp_w()
        else:
            self.tdp_w, self.tdp_source = float(tdp_w), "TDP given by the user"
        self._devices: list[Device] = []
        self._proc = _ProcReader()
        if cpu:
            self._devices.append(Device(
                key="estimate:cpu", kind="cpu", backend=self.name, name=cpu_model_name(),
                power_sensor=f"machine CPU utilisation × {self.tdp_w:g} W TDP "
                             f"(P = TDP × ({IDLE_FRACTION:g} + {1 - IDLE_FRACTION:g} × load); "
                             f"{self.tdp_source})",
                power_method=ESTIMATE, power_kind="interval", basis="modelled",
                boundary_read=False, note=reason))
            with contextlib.suppress(OSError, ValueError, IndexError):
                self._proc.cpu_load()  # prime: the next call covers the interval
        if dram:
            self._devices.append(Device(
                key="estimate:dram", kind="dram", backend=self.name, name="RAM",
                power_sensor=f"{RAM_W_PER_GB:g} W/GB × used RAM (MemTotal − MemAvailable; "
                             "eco2AI / Green Algorithms rule)",
                power_method=ESTIMATE, power_kind="interval", basis="modelled",
                boundary_read=False, note=reason))

    def devices(self) -> list[Device]:
        """The estimated CPU and RAM."""
        return list(self._devices)

    def read_power_w(self, device: Device) -> float:
        """Modelled power in W over the interval since the previous read.

        Raises:
            CounterError: /proc (or psutil) could not be read.
        """
        try:
            if device.key == "estimate:cpu":
                load = min(max(self._proc.cpu_load(), 0.0), 1.0)
                return self.tdp_w * (IDLE_FRACTION + (1 - IDLE_FRACTION) * load)
            return RAM_W_PER_GB * self._proc.used_ram_bytes() / 1e9
        except (OSError, ValueError, IndexError, KeyError) as exc:
            raise CounterError(f"{device.key}: cannot read utilisation ({exc})") from exc
