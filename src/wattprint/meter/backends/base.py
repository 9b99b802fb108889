"""The one interface every energy backend implements, and the null object for absent ones.

A backend owns the devices of one vendor library or sensor family (NVML GPUs, AMD GPUs,
RAPL domains, the CPU/RAM estimate). It only *reads*: energy counters (J, raw, as the
sensor reports them) and power (W). Wrap-around, resets, integration and fallbacks are
the meter's job (:mod:`wattprint.meter.meter`), so every backend stays small.

Vendor errors are translated at this boundary into :class:`~wattprint.errors.MeterError`
subclasses; nothing above a backend ever sees ``pynvml.NVMLError`` or ``OSError``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from wattprint.errors import MeterUnavailable

DeviceKind = Literal["gpu", "cpu", "dram"]
PowerKind = Literal["instant", "interval"]

#: Provenance labels (exact strings, used in results and in the ledger).
COUNTER = "counter"
INSTANT_INTEGRAL = "instant-power integral"
AVERAGED_INTEGRAL = "averaged-power integral"
ESTIMATE = "estimate from utilisation × TDP"
METHODS: tuple[str, ...] = (COUNTER, INSTANT_INTEGRAL, AVERAGED_INTEGRAL, ESTIMATE)


@dataclass(frozen=True)
class Device:
    """One measurable device (a GPU, a CPU package, a DRAM domain, or an estimated CPU).

    Attributes:
        key: unique id within a meter, e.g. ``nvidia:0``, ``rapl:package-0``, ``estimate:cpu``.
        kind: ``gpu``, ``cpu`` or ``dram``; GPUs count as accelerator energy, the rest as host.
        backend: name of the backend that reads it.
        name: model name as the vendor reports it (``NVIDIA H200``) or the RAPL domain name.
        index: vendor index (NVML index, RAPL package number) or ``None``.
        uuid: vendor UUID where there is one.
        counter_sensor: name of the energy counter (``NVML total-energy counter``), or
            ``None`` when the device has no counter.
        counter_range_j: the counter wraps to zero after this many joules (RAPL's
            ``max_energy_range_uj``); ``None`` when it does not wrap, so a backwards step
            means a reset.
        counter_period_s: how often the counter updates (s); windows shorter than this use
            the power integral instead.
        poll_counter: the counter is cheap to read (RAPL sysfs, amdsmi), so it is read on
            every sampler tick (catching wraps, deriving power where there is no power
            reading) and at window boundaries; expensive counters (NVML, 3.9 ms a read) are
            read only by the sampler thread, every ``counter_interval_s``, never on a
            window's path.
        power_sensor: what ``read_power_w`` reads, in words, or ``None`` when the device has
            no power reading (with ``poll_counter`` the sampler derives power from counter
            steps instead, as for RAPL).
        power_method: the provenance label of the power integral for this device
            (``instant-power integral``, ``averaged-power integral`` or ``estimate from
            utilisation × TDP``).
        power_kind: ``instant`` (a point reading: trapezoid integration) or ``interval`` (the
            mean since the previous read: rectangle integration).
        basis: ``measured`` for sensors, ``modelled`` for estimates.
        boundary_read: the power (or polled counter) reading costs microseconds, so a window
            boundary takes one (``False`` for the utilisation estimate, which parses
            ``/proc``: its power is held from the last sampler tick instead).
        note: anything the user should know about this device (e.g. the TDP source).
    """

    key: str
    kind: DeviceKind
    backend: str
    name: str
    index: int | None = None
    uuid: str | None = None
    counter_sensor: str | None = None
    counter_range_j: float | None = None
    counter_period_s: float = 0.0
    poll_counter: bool = False
    power_sensor: str | None = None
    power_method: str = INSTANT_INTEGRAL
    power_kind: PowerKind = "instant"
    basis: Literal["measured", "modelled"] = "measured"
    boundary_read: bool = True
    note: str | None = None

    @property
    def has_counter(self) -> bool:
        """Whether the device has an energy counter."""
        return self.counter_sensor is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "key": self.key, "kind": self.kind, "backend": self.backend, "name": self.name,
            "index": self.index, "uuid": self.uuid, "counter_sensor": self.counter_sensor,
            "power_sensor": self.power_sensor, "power_method": self.power_method,
            "basis": self.basis, "note": self.note,
        }


class EnergyBackend(ABC):
    """A vendor's devices behind one small interface.

    Subclasses set ``name`` and implement :meth:`devices` and :meth:`read_power_w`; those
    with energy counters also implement :meth:`read_counter_j`. Reads raise only
    :class:`~wattprint.errors.MeterError` subclasses.
    """

    name: str = "backend"
    #: Why this backend measures nothing (set on null backends), else ``None``.
    reason: str | None = None

    @abstractmethod
    def devices(self) -> list[Device]:
        """The devices this backend reads (empty for a null backend)."""

    @property
    def supports_counter(self) -> bool:
        """Whether any device of this backend has an energy counter."""
        return any(d.has_counter for d in self.devices())

    def read_counter_j(self, device: Device) -> float:
        """Raw energy counter of ``device`` in joules (may wrap or reset).

        Raises:
            MeterUnavailable: the device has no counter.
            CounterError: the read failed.
        """
        raise MeterUnavailable(f"{device.key} has no energy counter")

    @abstractmethod
    def read_power_w(self, device: Device) -> float:
        """Power of ``device`` in watts (instantaneous or interval mean, see ``power_kind``).

        Devices without a power reading (``power_sensor is None``) are never asked.
        """

    def use_clock(self, clock: Callable[[], float]) -> None:  # noqa: B027 - optional hook
        """Time plausibility checks with ``clock`` (the meter's, monotonic s). Default:
        nothing is timed."""

    def anomalies(self, device: Device, t0: float, t1: float) -> list[str]:
        """Readings of ``device`` rejected, reinterpreted or failed between monotonic times
        ``t0`` and ``t1`` (s), in words; the meter adds them to the window's notes.
        Default: none recorded."""
        return []

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release vendor handles (default: nothing to release)."""


class NullBackend(EnergyBackend):
    """An absent backend: no devices, and the reason they are absent.

    The meter keeps null backends so that every result can say *why* a device class was not
    measured (library missing, permission denied, no device, ...), never a silent zero.
    """

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def devices(self) -> list[Device]:
        """No devices."""
        return []

    def read_power_w(self, device: Device) -> float:
        """Never called: a null backend has no devices."""
        raise MeterUnavailable(f"{self.name}: {self.reason}")

    def __repr__(self) -> str:
        return f"NullBackend({self.name!r}, {self.reason!r})"
