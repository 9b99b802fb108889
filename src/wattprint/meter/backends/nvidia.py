"""NVIDIA GPUs through NVML (``nvidia-ml-py``, imported as ``pynvml``).

* Energy: ``nvmlDeviceGetTotalEnergyConsumption`` (mJ since the driver loaded, 64-bit, so it
  never wraps; it can go *backwards* when the driver reloads). A read costs about 3.9 ms on
  an H200, so the meter reads it only at window boundaries, never in the sampler loop.
* Power: the instantaneous field ``NVML_FI_DEV_POWER_INSTANT`` via
  ``nvmlDeviceGetFieldValues`` (3.5 µs) where supported, else ``nvmlDeviceGetPowerUsage``
  (1 µs, but a ~1 s moving average: integrating it is off by up to +55 % on bursty work).
* Devices: every GPU NVML sees, restricted to ``CUDA_VISIBLE_DEVICES`` (indices, UUIDs with
  or without the ``GPU-`` prefix, unique UUID prefixes). MIG instances are not supported:
  NVML reports energy per physical GPU, so a MIG slice cannot be measured on its own.

``pynvml`` is imported lazily (:func:`load_pynvml`, cached); tests inject a fake module
(:class:`wattprint.testing.FakeNvml`) with ``NvidiaBackend(nvml=...)``.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from wattprint.errors import (
    CounterError,
    MeterError,
    MeterPermissionDenied,
    MeterUnavailable,
)
from wattprint.meter.backends.base import (
    AVERAGED_INTEGRAL,
    INSTANT_INTEGRAL,
    Device,
    EnergyBackend,
)
from wattprint.meter.backends.guard import CounterGuard

COUNTER_SENSOR = "NVML total-energy counter"
INSTANT_SENSOR = "NVML_FI_DEV_POWER_INSTANT"
AVERAGED_SENSOR = "nvmlDeviceGetPowerUsage (~1 s average)"
#: The energy counter moved about ten times a second on an H200 (reference notes).
COUNTER_PERIOD_S = 0.1
#: Highest plausible GPU power (W) when NVML gives no power limit: above any GPU board
#: (1.4 kW for GB300-class parts in 2025).
DEFAULT_MAX_W = 2000.0
INSTALL_HINT = "pip install nvidia-ml-py (a wattprint dependency: reinstall wattprint)"


@lru_cache(maxsize=1)
def load_pynvml() -> Any:
    """Import ``pynvml`` once (cached).

    Raises:
        MeterUnavailable: nvidia-ml-py is not installed.
    """
    try:
        import pynvml
    except ImportError as exc:
        raise MeterUnavailable(f"nvidia-ml-py is not installed ({INSTALL_HINT})") from exc
    return pynvml


def translate_nvml_error(nvml: Any, exc: BaseException, what: str) -> MeterError:
    """Map an ``NVMLError`` onto wattprint's meter errors (the vendor boundary)."""
    code = getattr(exc, "value", None)

    def c(name: str) -> object:
        return getattr(nvml, name, object())

    text = f"{what}: {exc}"
    if code == c("NVML_ERROR_NO_PERMISSION"):
        return MeterPermissionDenied(f"{text} (NVML denied access; run as a user allowed to "
                                     "query the GPU, e.g. in the video group, or as root)")
    if code in (c("NVML_ERROR_LIBRARY_NOT_FOUND"), c("NVML_ERROR_DRIVER_NOT_LOADED")):
        return MeterUnavailable(f"{text} (no NVIDIA driver on this machine)")
    if code in (c("NVML_ERROR_NOT_SUPPORTED"), c("NVML_ERROR_FUNCTION_NOT_FOUND")):
        return MeterUnavailable(f"{text} (not supported by this GPU or driver)")
    return CounterError(text)


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def select_visible(spec: str | None, uuids: list[str]) -> tuple[list[int], list[str]]:
    """NVML indices selected by a ``CUDA_VISIBLE_DEVICES`` value, in CUDA order.

    Follows CUDA's rules: comma-separated indices or UUIDs (``GPU-`` prefix optional, a
    unique prefix is enough); parsing stops at the first invalid entry; an empty value or
    ``-1`` hides every GPU. ``None`` (unset) selects all.

    Returns:
        (indices, notes): the NVML indices and notes on anything ignored.

    Raises:
        MeterUnavailable: the value names MIG instances (``MIG-...``), which are not
            supported.
    """
    if spec is None:
        return list(range(len(uuids))), []
    notes: list[str] = []
    out: list[int] = []
    for raw in spec.split(","):
        entry = raw.strip()
        if entry.upper().startswith("MIG-"):
            raise MeterUnavailable(
                f"CUDA_VISIBLE_DEVICES names a MIG instance ({entry}): MIG is not supported "
                "by the wattprint meter (NVML reports energy per physical GPU, not per MIG "
                "slice); GPU energy not measured")
        idx: int | None = None
        if entry.lstrip("-").isdigit():
            n = int(entry)
            if 0 <= n < len(uuids):
                idx = n
        elif entry:
            want = entry.lower().removeprefix("gpu-")
            hits = [i for i, u in enumerate(uuids)
                    if u.lower().removeprefix("gpu-").startswith(want)]
            if len(hits) == 1:
                idx = hits[0]
        if idx is None:
            if entry not in ("", "-1"):
                notes.append(f"CUDA_VISIBLE_DEVICES entry {entry!r} matches no GPU; as CUDA "
                             "does, it and every later entry are ignored")
            break
        if idx not in out:
            out.append(idx)
    return out, notes


class NvidiaBackend(EnergyBackend):
    """Every visible NVIDIA GPU, read through NVML.

    Args:
        nvml: a pynvml-like module (tests inject :class:`wattprint.testing.FakeNvml`);
            ``None`` imports the real one.
        visible_devices: a ``CUDA_VISIBLE_DEVICES`` value; ``None`` reads the environment.

    Raises:
        MeterUnavailable: no library, no driver, no visible GPU, or MIG requested.
        MeterPermissionDenied: NVML refused access.
    """

    name = "nvidia"

    def __init__(self, nvml: Any = None, visible_devices: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.nvml = nvml if nvml is not None else load_pynvml()
        self._clock = clock
        self._guards: dict[str, CounterGuard] = {}
        self._failures: dict[str, list[tuple[float, str]]] = {}
        self.notes: list[str] = []
        self._handles: dict[str, Any] = {}
        self._devices: list[Device] = []
        self._initialised = False
        spec = visible_devices if visible_devices is not None else os.environ.get(
            "CUDA_VISIBLE_DEVICES")
        try:
            self.nvml.nvmlInit()
            self._initialised = True
            count = int(self.nvml.nvmlDeviceGetCount())
            handles = [self.nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            uuids = [_text(self.nvml.nvmlDeviceGetUUID(h)) for h in handles]
            names = [_text(self.nvml.nvmlDeviceGetName(h)) for h in handles]
        except self.nvml.NVMLError as exc:
            self.close()
            raise translate_nvml_error(self.nvml, exc, "NVML initialisation") from exc
        indices, notes = select_visible(spec, uuids)
        self.notes.extend(notes)
        if not indices:
            self.close()
            why = "no NVIDIA GPU found" if count == 0 else \
                f"CUDA_VISIBLE_DEVICES={spec!r} hides every GPU"
            raise MeterUnavailable(why)
        for i in indices:
            self._devices.append(self._probe_device(i, handles[i], names[i], uuids[i]))

    def _probe_device(self, i: int, h: Any, name: str, uuid: str) -> Device:
        nv = self.nvml
        key = f"nvidia:{i}"
        self._handles[key] = h
        notes: list[str] = []
        counter: str | None = COUNTER_SENSOR
        try:
            nv.nvmlDeviceGetTotalEnergyConsumption(h)
        except nv.NVMLError as exc:
            counter = None
            notes.append(f"no total-energy counter ({translate_nvml_error(nv, exc, 'probe')}); "
                         "energy is integrated from sampled power")
        power_sensor: str | None = INSTANT_SENSOR
        method = INSTANT_INTEGRAL
        try:
            self._read_instant(h)
        except MeterError as exc:
            try:
                nv.nvmlDeviceGetPowerUsage(h)
                power_sensor, method = AVERAGED_SENSOR, AVERAGED_INTEGRAL
                notes.append(f"instantaneous power field unavailable ({exc}); using the "
                             "~1 s averaged power reading, which lags bursty work")
            except nv.NVMLError as exc2:
                power_sensor = None
                notes.append(f"no power reading ({translate_nvml_error(nv, exc2, 'probe')})")
        if counter is None and power_sensor is None:
            notes.append("neither energy counter nor power reading: this GPU cannot be "
                         "measured")
        return Device(key=key, kind="gpu", backend=self.name, name=name, index=i, uuid=uuid,
                      counter_sensor=counter, counter_range_j=None,
                      counter_period_s=COUNTER_PERIOD_S, poll_counter=False,
                      power_sensor=power_sensor, power_method=method, power_kind="instant",
                      note="; ".join(notes) or None)

    def _read_instant(self, h: Any) -> float:
        nv = self.nvml
        fid = getattr(nv, "NVML_FI_DEV_POWER_INSTANT", 186)
        try:
            vals = nv.nvmlDeviceGetFieldValues(h, [fid])
        except nv.NVMLError as exc:
            raise translate_nvml_error(nv, exc, INSTANT_SENSOR) from exc
        v = vals[0]
        if int(v.nvmlReturn) != 0:
            raise MeterUnavailable(f"{INSTANT_SENSOR} returned NVML error {int(v.nvmlReturn)}")
        return float(v.value.uiVal) / 1000.0

    def devices(self) -> list[Device]:
        """The visible GPUs, in ``CUDA_VISIBLE_DEVICES`` order."""
        return list(self._devices)

    def _guard(self, device: Device) -> CounterGuard:
        g = self._guards.get(device.key)
        if g is None:
            g = self._guards[device.key] = CounterGuard(
                device.key, None, self._max_power_w(device), self._clock,
                gap="the counter's delta is unusable: the window uses the power integral")
        return g

    def _max_power_w(self, device: Device) -> float:
        """Highest plausible power (W): twice the GPU's highest power limit, else
        :data:`DEFAULT_MAX_W`."""
        nv, h = self.nvml, self._handles[device.key]
        for call in ("nvmlDeviceGetPowerManagementLimitConstraints",
                     "nvmlDeviceGetEnforcedPowerLimit"):
            fn = getattr(nv, call, None)
            if fn is None:
                continue
            try:
                v = fn(h)
                mw = max(v) if isinstance(v, list | tuple) else v
                if math.isfinite(float(mw)) and 0 < float(mw) < 1e8:
                    return 2.0 * float(mw) / 1e3
            except (nv.NVMLError, TypeError, ValueError):
                continue
        return DEFAULT_MAX_W

    def read_counter_j(self, device: Device) -> float:
        """Total energy in J (NVML reports mJ; ~3.9 ms a read), checked by the device's
        :class:`~wattprint.meter.backends.guard.CounterGuard`.

        Raises:
            CounterError: the read failed, or the step was implausible (a reset, a jump
                beyond the power limit): the window then falls back to the power integral,
                with this as the reason.
        """
        nv = self.nvml
        try:
            raw = float(nv.nvmlDeviceGetTotalEnergyConsumption(self._handles[device.key]))
        except nv.NVMLError as exc:
            raise translate_nvml_error(nv, exc, f"{device.key} {COUNTER_SENSOR}") from exc
        if not (math.isfinite(raw) and raw >= 0):
            raise CounterError(f"{device.key} {COUNTER_SENSOR} returned {raw!r}")
        g = self._guard(device)
        seen = len(g.anomalies)
        total = g.update(raw / 1e3)
        if len(g.anomalies) > seen:
            raise CounterError(g.anomalies[-1][1])
        return total

    def read_power_w(self, device: Device) -> float:
        """Instantaneous power in W (or the ~1 s average where the field is unsupported).

        Raises:
            MeterError: the read failed, or returned a value outside ``[0, max plausible
                power]`` (e.g. NVML's 4,294,967 W "invalid" value); either is recorded and
                reported in the window's notes.
        """
        nv = self.nvml
        h = self._handles[device.key]
        try:
            if device.power_sensor == INSTANT_SENSOR:
                p = self._read_instant(h)
            else:
                try:
                    p = float(nv.nvmlDeviceGetPowerUsage(h)) / 1e3
                except nv.NVMLError as exc:
                    raise translate_nvml_error(nv, exc, f"{device.key} power") from exc
            limit = self._guard(device).max_power_w
            if not (math.isfinite(p) and 0 <= p <= limit):
                raise CounterError(f"{device.key}: implausible power reading {p:.6g} W "
                                   f"(outside 0-{limit:g} W); sample rejected")
        except MeterError as exc:
            self._failures.setdefault(device.key, []).append((self._clock(), str(exc)))
            del self._failures[device.key][:-1000]
            raise
        return p

    def use_clock(self, clock: Callable[[], float]) -> None:
        """Time the plausibility checks with ``clock`` (the meter's)."""
        self._clock = clock
        for g in self._guards.values():
            g.clock = clock

    def anomalies(self, device: Device, t0: float, t1: float) -> list[str]:
        """Failed or rejected power reads and counter anomalies between ``t0`` and ``t1``
        (monotonic s), each failed-read message once with its count."""
        fails = [m for t, m in self._failures.get(device.key, []) if t0 <= t <= t1]
        out = [f"{device.key}: {n} power read{'s' if n > 1 else ''} failed or rejected "
               f"({m})" for m, n in Counter(fails).items()]
        g = self._guards.get(device.key)
        return out + (g.between(t0, t1) if g is not None else [])

    def close(self) -> None:
        """Shut NVML down (once)."""
        if self._initialised:
            self._initialised = False
            with contextlib.suppress(self.nvml.NVMLError):
                self.nvml.nvmlShutdown()
