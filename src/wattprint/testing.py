"""Fakes for testing code that measures energy, without the hardware.

* :class:`FakeNvml`: a pynvml-like module with scripted GPUs (counters that grow, wrap,
  go backwards or raise; power fields present or not). Inject it with
  ``NvidiaBackend(nvml=FakeNvml(...))`` or ``detect_backends(nvml=...)``.
* :func:`make_fake_powercap`: a fake ``/sys/class/powercap`` tree in a temporary
  directory; point ``WATTPRINT_POWERCAP_ROOT`` (or ``RaplBackend(root=...)``) at it.
* :class:`ReplayBackend`: a backend replaying scripted power and counter readings, to test
  a training loop's instrumentation on any machine: ``Meter(backends=[ReplayBackend(...)])``.
* :class:`FakeClock`: a monotonic clock that moves only when told (``Meter(clock=...)``).

These replace the hardware boundary only; everything above it is the real code.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from wattprint.errors import CounterError, MeterError
from wattprint.meter.backends.base import (
    AVERAGED_INTEGRAL,
    INSTANT_INTEGRAL,
    Device,
    DeviceKind,
    EnergyBackend,
)

# -- NVML ----------------------------------------------------------------------------------


class FakeNVMLError(Exception):
    """Stands for ``pynvml.NVMLError``: carries the NVML return code in ``value``."""

    def __init__(self, value: int) -> None:
        super().__init__(f"NVML error {value}")
        self.value = value


@dataclass
class FakeGpu:
    """One scripted GPU of a :class:`FakeNvml`.

    Attributes:
        energy_mj: the counter's current value (mJ); grows by ``step_mj`` on every read
            unless ``counter_script`` has entries.
        counter_script: values (mJ) or exceptions returned by successive counter reads,
            consumed first; then ``energy_mj`` takes over.
        power_w: what power reads return (W); a sequence is stepped through (last repeats).
        has_counter / has_instant / has_power: which NVML calls are supported.
    """

    name: str = "NVIDIA H200"
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    energy_mj: float = 1_000_000.0
    step_mj: float = 0.0
    counter_script: list[float | BaseException] = field(default_factory=list)
    power_w: float | Sequence[float] = 100.0
    has_counter: bool = True
    has_instant: bool = True
    has_power: bool = True
    power_error: BaseException | None = None
    counter_reads: int = 0
    _power_iter: Any = None

    def read_counter(self) -> int:
        self.counter_reads += 1
        if self.counter_script:
            v = self.counter_script.pop(0)
            if isinstance(v, BaseException):
                raise v
            self.energy_mj = float(v)
        else:
            self.energy_mj += self.step_mj
        return int(self.energy_mj)

    def read_power(self) -> float:
        if self.power_error is not None:
            raise self.power_error
        if isinstance(self.power_w, int | float):
            return float(self.power_w)
        if self._power_iter is None:
            seq = list(self.power_w)
            self._power_iter = itertools.chain(seq, itertools.repeat(seq[-1]))
        return float(next(self._power_iter))


class FakeNvml:
    """A pynvml-like module object with scripted GPUs.

    Args:
        gpus: the GPUs (or a count of default ones with distinct UUIDs).
        init_error: an NVML return code that ``nvmlInit`` fails with (e.g.
            ``FakeNvml.NVML_ERROR_LIBRARY_NOT_FOUND``).
    """

    NVMLError = FakeNVMLError
    NVML_SUCCESS = 0
    NVML_ERROR_UNINITIALIZED = 1
    NVML_ERROR_NOT_SUPPORTED = 3
    NVML_ERROR_NO_PERMISSION = 4
    NVML_ERROR_DRIVER_NOT_LOADED = 9
    NVML_ERROR_LIBRARY_NOT_FOUND = 12
    NVML_ERROR_FUNCTION_NOT_FOUND = 13
    NVML_ERROR_GPU_IS_LOST = 15
    NVML_ERROR_UNKNOWN = 999
    NVML_FI_DEV_POWER_INSTANT = 186

    def __init__(self, gpus: Iterable[FakeGpu] | int = 1, init_error: int | None = None) -> None:
        if isinstance(gpus, int):
            gpus = [FakeGpu(uuid=f"GPU-{i:08x}-aaaa-bbbb-cccc-{i:012x}") for i in range(gpus)]
        self.gpus = list(gpus)
        self.init_error = init_error
        self.init_count = 0
        self.shutdown_count = 0

    def _gpu(self, h: Any) -> FakeGpu:
        return self.gpus[int(h)]

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise FakeNVMLError(self.init_error)
        self.init_count += 1

    def nvmlShutdown(self) -> None:
        self.shutdown_count += 1

    def nvmlDeviceGetCount(self) -> int:
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, i: int) -> int:
        return i

    def nvmlDeviceGetName(self, h: Any) -> str:
        return self._gpu(h).name

    def nvmlDeviceGetUUID(self, h: Any) -> str:
        return self._gpu(h).uuid

    def nvmlDeviceGetTotalEnergyConsumption(self, h: Any) -> int:
        g = self._gpu(h)
        if not g.has_counter:
            raise FakeNVMLError(self.NVML_ERROR_NOT_SUPPORTED)
        return g.read_counter()

    def nvmlDeviceGetPowerUsage(self, h: Any) -> int:
        g = self._gpu(h)
        if not g.has_power:
            raise FakeNVMLError(self.NVML_ERROR_NOT_SUPPORTED)
        return int(round(g.read_power() * 1000))

    def nvmlDeviceGetFieldValues(self, h: Any, field_ids: list[int]) -> list[Any]:
        g = self._gpu(h)
        out = []
        for fid in field_ids:
            if fid == self.NVML_FI_DEV_POWER_INSTANT and g.has_instant and g.has_power:
                mw = int(round(g.read_power() * 1000))
                out.append(SimpleNamespace(fieldId=fid, nvmlReturn=0,
                                           value=SimpleNamespace(uiVal=mw)))
            else:
                out.append(SimpleNamespace(fieldId=fid, nvmlReturn=self.NVML_ERROR_NOT_SUPPORTED,
                                           value=SimpleNamespace(uiVal=0)))
        return out


# -- RAPL ----------------------------------------------------------------------------------

DEFAULT_RANGE_UJ = 262_143_328_850


@dataclass
class FakePowercap:
    """A fake powercap tree; ``root`` is the directory to use as the powercap root."""

    root: Path
    zones: dict[str, Path]

    def __fspath__(self) -> str:
        return str(self.root)

    def set_energy(self, name: str, energy_uj: int) -> None:
        """Set the ``energy_uj`` of the zone named ``name`` (``package-0``, ``dram``)."""
        (self.zones[name] / "energy_uj").write_text(f"{int(energy_uj)}\n")

    def energy(self, name: str) -> int:
        """The current ``energy_uj`` of a zone."""
        return int((self.zones[name] / "energy_uj").read_text())


def make_fake_powercap(tmp_path: str | Path,
                       domains: dict[str, int] | Sequence[tuple[str, str, int, int]]
                       | None = None) -> FakePowercap:
    """Build a fake ``/sys/class/powercap`` under ``tmp_path/powercap``.

    Args:
        domains: either ``{name: energy_uj}`` (``package-N`` become ``intel-rapl:N``, other
            names sub-zones of package 0, with the default range) or a sequence of
            ``(zone_dir, name, energy_uj, max_energy_range_uj)``. Default: ``package-0``,
            ``core`` and ``dram``.
    """
    root = Path(tmp_path) / "powercap"
    root.mkdir(parents=True, exist_ok=True)
    if domains is None:
        domains = {"package-0": 1_000_000, "core": 500_000, "dram": 200_000}
    if isinstance(domains, dict):
        spec: list[tuple[str, str, int, int]] = []
        sub = 0
        for name, uj in domains.items():
            if name.startswith("package-"):
                zdir = f"intel-rapl:{name.split('-')[1]}"
            else:
                zdir = f"intel-rapl:0:{sub}"
                sub += 1
            spec.append((zdir, name, uj, DEFAULT_RANGE_UJ))
    else:
        spec = list(domains)
    zones: dict[str, Path] = {}
    for zdir, name, uj, rng in spec:
        z = root / zdir
        z.mkdir(exist_ok=True)
        (z / "name").write_text(f"{name}\n")
        (z / "energy_uj").write_text(f"{int(uj)}\n")
        (z / "max_energy_range_uj").write_text(f"{int(rng)}\n")
        zones[name] = z
    return FakePowercap(root, zones)


# -- replay ------------------------------------------------------------------------------


class ReplayBackend(EnergyBackend):
    """A backend replaying scripted readings.

    Args:
        powers_w: device key → power (W), or a sequence stepped through on each read (the
            last value repeats).
        kinds: device key → ``gpu``/``cpu``/``dram`` (default ``gpu``).
        counters_j: device key → successive raw counter readings (J) or exceptions to
            raise; when exhausted the last value repeats. Devices without an entry have no
            counter.
        counter_range_j: wrap range for the counters (``None``: backwards means reset).
        counter_period_s: counter update period (windows shorter use the power integral).
        averaged: keys whose power is an averaged reading (label ``averaged-power
            integral``).
    """

    name = "replay"

    def __init__(self, powers_w: dict[str, float | Sequence[float]],
                 kinds: dict[str, DeviceKind] | None = None,
                 counters_j: dict[str, Sequence[float | BaseException]] | None = None,
                 counter_range_j: float | None = None, counter_period_s: float = 0.0,
                 averaged: Iterable[str] = ()) -> None:
        kinds = kinds or {}
        counters_j = counters_j or {}
        avg = set(averaged)
        self._power = {k: (itertools.chain(list(v), itertools.repeat(list(v)[-1]))
                           if not isinstance(v, int | float) else itertools.repeat(float(v)))
                       for k, v in powers_w.items()}
        self._counter = {k: list(v) for k, v in counters_j.items()}
        self._last_counter: dict[str, float] = {}
        self.counter_reads: dict[str, int] = dict.fromkeys(counters_j, 0)
        self._devices = [Device(
            key=k, kind=kinds.get(k, "gpu"), backend=self.name, name=f"replay {k}",
            counter_sensor="replayed counter" if k in counters_j else None,
            counter_range_j=counter_range_j, counter_period_s=counter_period_s,
            power_sensor="replayed power",
            power_method=AVERAGED_INTEGRAL if k in avg else INSTANT_INTEGRAL)
            for k in powers_w]

    def devices(self) -> list[Device]:
        """The replayed devices."""
        return list(self._devices)

    def read_counter_j(self, device: Device) -> float:
        """Next scripted counter value (J); scripted exceptions are raised."""
        self.counter_reads[device.key] += 1
        script = self._counter[device.key]
        if script:
            v = script.pop(0)
            if isinstance(v, MeterError):
                raise v
            if isinstance(v, BaseException):
                raise CounterError(f"{device.key}: {v}") from v
            self._last_counter[device.key] = float(v)
        return self._last_counter.get(device.key, 0.0)

    def read_power_w(self, device: Device) -> float:
        """Next scripted power (W)."""
        return float(next(self._power[device.key]))


def cli_call(*args: str) -> tuple[int, str, str]:
    """Run the ``wattprint`` CLI in this process; returns ``(exit code, stdout, stderr)``.

    The same entry point as the installed command (errors → one line and exit 2), with
    ``sys.stdout``/``sys.stderr`` captured.
    """
    import contextlib
    import io

    from wattprint.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main.run(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


# -- time ----------------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock (s) that moves only when told, for exact window arithmetic.

    Inject it with ``Meter(clock=clock)``; ``clock.advance(0.5)`` moves it on.
    """

    def __init__(self, t: float = 0.0) -> None:
        self.t = float(t)

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> float:
        """Move the clock ``dt`` seconds forward; returns the new time (s)."""
        self.t += dt
        return self.t


def install_fake_nvml(nvml: FakeNvml) -> FakeNvml:
    """Make ``import pynvml`` (and the NVIDIA backend) use ``nvml`` in this process, e.g. in a
    subprocess that runs the CLI with fake GPUs. Returns ``nvml``."""
    import sys

    from wattprint.meter import backends
    from wattprint.meter.backends import nvidia

    sys.modules["pynvml"] = nvml  # type: ignore[assignment]
    nvidia.load_pynvml.cache_clear()
    backends.NVIDIA_NODES = ("/",)  # type: ignore[assignment]  # the fake driver is present
    return nvml


def cli_run(*args: str) -> Any:
    """:func:`cli_call` shaped like ``subprocess.run(..., capture_output=True, text=True)``: a
    :class:`subprocess.CompletedProcess` with ``returncode``, ``stdout`` and ``stderr``, for
    tests that used to launch ``python -m wattprint`` (the fast test tier runs in-process)."""
    import subprocess

    code, out, err = cli_call(*args)
    return subprocess.CompletedProcess(["wattprint", *args], code, out, err)
