"""CPU and RAM power *estimated* from utilisation, for machines without RAPL (VMs, CI).

Models (stated, so every figure can be checked):

* CPU: ``P = TDP × (0.1 + 0.9 × u)`` with ``u`` the whole-machine CPU utilisation (psutil,
  0-1) over the sampling interval: an idle floor of 10 % of TDP plus a part linear in load
  (the shape of CodeCarbon's machine model without its cube). TDP comes from the wattprint
  catalog when the CPU model (``/proc/cpuinfo`` "model name") matches an entry, else
  :data:`DEFAULT_W_PER_CORE` W per physical core (an assumption, labelled as such).
* RAM: ``P = 0.375 W/GB × used RAM (GB)`` (3/8 W per GB, the rule of eco2AI and Green
  Algorithms).

Results carry basis ``modelled``, the label ``estimate from utilisation × TDP`` and a
range of ±50 % (an assumption: TDP-based models are off by tens of percent).
"""

from __future__ import annotations

import platform
from pathlib import Path

import psutil

from wattprint.errors import DataError, UnknownNameError
from wattprint.meter.backends.base import ESTIMATE, Device, EnergyBackend

DEFAULT_W_PER_CORE = 10.0
IDLE_FRACTION = 0.1
RAM_W_PER_GB = 0.375
#: Relative range attached to estimates (assumption).
ESTIMATE_LOW, ESTIMATE_HIGH = 0.5, 1.5


def cpu_model_name() -> str:
    """The CPU model string (``/proc/cpuinfo`` "model name", else ``platform.processor()``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_tdp_w(model: str | None = None, cores: int | None = None) -> tuple[float, str]:
    """The CPU's TDP in W and where it came from.

    Looks ``model`` up in the wattprint catalog (``kind == "cpu"``); otherwise assumes
    :data:`DEFAULT_W_PER_CORE` W per physical core.
    """
    model = model or cpu_model_name()
    try:
        from wattprint.catalog import get_hardware

        hw = get_hardware(model)
        if hw.kind == "cpu":
            return float(hw.tdp_w.value), f"TDP of {hw.id} from the wattprint catalog"
    except (ImportError, UnknownNameError, DataError):
        pass  # only the lookup is optional: unknown CPU, or no catalog in this build
    n = cores or psutil.cpu_count(logical=False) or psutil.cpu_count() or 1
    return (DEFAULT_W_PER_CORE * n,
            f"assumed {DEFAULT_W_PER_CORE:g} W per physical core × {n} cores "
            f"({model!r} not in the catalog)")


class CpuEstimateBackend(EnergyBackend):
    """Estimated CPU and/or RAM power from psutil utilisation.

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
        if cpu:
            self._devices.append(Device(
                key="estimate:cpu", kind="cpu", backend=self.name, name=cpu_model_name(),
                power_sensor=f"psutil CPU utilisation × {self.tdp_w:g} W TDP "
                             f"(P = TDP × ({IDLE_FRACTION:g} + {1 - IDLE_FRACTION:g} × load); "
                             f"{self.tdp_source})",
                power_method=ESTIMATE, power_kind="interval", basis="modelled", boundary_read=False,
                note=reason))
            psutil.cpu_percent(interval=None)  # prime: the next call covers the interval
        if dram:
            self._devices.append(Device(
                key="estimate:dram", kind="dram", backend=self.name, name="RAM",
                power_sensor=f"{RAM_W_PER_GB:g} W/GB × used RAM (eco2AI / Green Algorithms "
                             "rule)",
                power_method=ESTIMATE, power_kind="interval", basis="modelled", boundary_read=False,
                note=reason))

    def devices(self) -> list[Device]:
        """The estimated CPU and RAM."""
        return list(self._devices)

    def read_power_w(self, device: Device) -> float:
        """Modelled power in W over the interval since the previous read."""
        if device.key == "estimate:cpu":
            load = min(max(psutil.cpu_percent(interval=None) / 100.0, 0.0), 1.0)
            return self.tdp_w * (IDLE_FRACTION + (1 - IDLE_FRACTION) * load)
        used_gb = psutil.virtual_memory().used / 1e9
        return RAM_W_PER_GB * used_gb
