"""``Measurement``: what one window measured, with a provenance for every figure."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wattprint.meter.backends.base import Device
from wattprint.quantity import Quantity

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware
    from wattprint.footprint import Footprint
    from wattprint.site.chain import SiteFactors


@dataclass(frozen=True)
class DeviceEnergy:
    """Energy of one device over one window.

    Attributes:
        device: the device.
        energy: J; ``basis`` measured (counter, power integrals) or modelled (estimate);
            ``provenance`` starts with the method label and names the sensor and the
            reason for any fallback. NaN when nothing could be read (explained in
            ``reason``; excluded from the totals).
        method: one of ``counter``, ``instant-power integral``, ``averaged-power
            integral``, ``estimate from utilisation × TDP``, or ``unavailable``.
        reason: why the preferred method was not used (``None`` when it was).
        samples: sampler readings of this device inside the window.
        peak_power_w: highest sampled power (W) in the window, ``None`` if none.
    """

    device: Device
    energy: Quantity
    method: str
    reason: str | None = None
    samples: int = 0
    peak_power_w: float | None = None

    @property
    def ok(self) -> bool:
        """Whether the energy is a number (not NaN)."""
        return not math.isnan(self.energy.value)

    def average_power_w(self, time_s: float) -> float | None:
        """Mean power (W) over a window of ``time_s`` seconds."""
        return self.energy.value / time_s if self.ok and time_s > 0 else None

    def to_dict(self, time_s: float | None = None) -> dict[str, Any]:
        """JSON-ready form (NaN becomes ``null``)."""
        d = self.device.to_dict()
        d.update(energy=self.energy.to_dict(), method=self.method, reason=self.reason,
                 samples=self.samples, peak_power_w=_num(self.peak_power_w),
                 average_power_w=_num(self.average_power_w(time_s) if time_s else None))
        return d


@dataclass
class Measurement:
    """What one window measured.

    Attributes:
        name: the window's name.
        started_at / ended_at: Unix times (s).
        time: wall-clock duration (s, monotonic clock).
        devices: per-device energies, in detection order.
        accelerator_energy: sum of GPU energies (J); an explained 0 J when no GPU exists.
        host_energy: CPU + DRAM energy (J), RAPL or estimate.
        total_energy: accelerator + host (J).
        average_power: total energy / time (W).
        peak_power: highest sampled total power (W).
        absent: backend name → why it measures nothing.
        notes: fallbacks and warnings in plain words.
        complete: ``False`` when the window was cut short (an exception, a killed run).
        synced: frameworks synchronised at the boundaries (``torch``, ``jax``, ``cupy``).
        site: site name to use by default in :meth:`to_footprint`.
    """

    name: str
    started_at: float
    ended_at: float
    time: Quantity
    devices: list[DeviceEnergy]
    accelerator_energy: Quantity
    host_energy: Quantity
    total_energy: Quantity
    average_power: Quantity
    peak_power: Quantity
    absent: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    complete: bool = True
    synced: list[str] = field(default_factory=list)
    site: str | None = None

    def device(self, key: str) -> DeviceEnergy:
        """The entry of one device by key (``nvidia:0``, ``rapl:package-0`` ...)."""
        for d in self.devices:
            if d.device.key == key:
                return d
        raise KeyError(key)

    @property
    def gpus(self) -> list[DeviceEnergy]:
        """The GPU entries."""
        return [d for d in self.devices if d.device.kind == "gpu"]

    def __str__(self) -> str:
        """A readable summary: time, energy per device with its method, totals, notes."""
        def q(x: Quantity) -> str:
            return f"{x.value:.4g} {x.unit} ({x.basis})"

        lines = [f"window {self.name!r}: {q(self.time)}"
                 + ("" if self.complete else ", cut short")]
        lines += [f"  {d.device.key}: {q(d.energy)}, {d.method}" for d in self.devices]
        lines += [f"  accelerators {q(self.accelerator_energy)}, host {q(self.host_energy)}, "
                  f"total {q(self.total_energy)}, average {q(self.average_power)}"]
        lines += [f"  not measured: {k}: {v}" for k, v in self.absent.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``json.dumps``-able; NaN becomes ``null``)."""
        t = self.time.value
        return {
            "name": self.name,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "complete": self.complete,
            "time": self.time.to_dict(),
            "accelerator_energy": self.accelerator_energy.to_dict(),
            "host_energy": self.host_energy.to_dict(),
            "total_energy": self.total_energy.to_dict(),
            "average_power": self.average_power.to_dict(),
            "peak_power": self.peak_power.to_dict(),
            "devices": [d.to_dict(t) for d in self.devices],
            "absent": dict(self.absent),
            "notes": list(self.notes),
            "synced": list(self.synced),
        }

    def to_footprint(self, site: str | SiteFactors | None = None, pue: float | None = None,
                     hardware: Hardware | None = None, **site_overrides: float) -> Footprint:
        """The same :class:`~wattprint.footprint.Footprint` as an estimate.

        Args:
            site: site name or resolved factors (default: the meter's site, else ``world``
                with PUE 1.0 on a machine outside a data centre, see
                :mod:`wattprint.meter.placement`).
            pue: PUE override (≥ 1).
            hardware: the accelerator, for embodied carbon; default: the first GPU's name
                looked up in the catalog, else none (embodied not included, noted).
            **site_overrides: other :func:`~wattprint.site.chain.resolve_site` overrides
                (``grid_gco2e_per_kwh``, ``price_usd_per_kwh``, ``wue_l_per_kwh``).
        """
        from wattprint.site.chain import SiteFactors, build_footprint, resolve_site

        notes = list(self.notes)
        if isinstance(site, SiteFactors):
            sf = site
        elif site or self.site or pue is not None or site_overrides:
            sf = resolve_site(site or self.site, pue=pue, **site_overrides)
        else:  # no site named: a local machine has no data-centre overhead
            from wattprint.meter.placement import measured_site

            sf, local = measured_site(None)
            notes += local
        gpus = self.gpus
        if hardware is None and gpus:
            hardware = _lookup_hardware(gpus[0].device.name)
            if hardware is None:
                notes.append(f"GPU {gpus[0].device.name!r} not in the catalog: embodied "
                             "carbon not included")
        return build_footprint(
            kind="measurement", time=self.time, chips=len(gpus),
            accelerator_energy=self.accelerator_energy, host_energy=self.host_energy,
            hardware=hardware, site=sf,
            details={"measurement": self.to_dict()},
            inputs={"window": self.name, "site": sf.site_id, "pue": pue},
            notes=notes)


class LazyMeasurement(Measurement):
    """A :class:`Measurement` computed on first access to any of its figures.

    Closing a window only records its boundary marks (microseconds); the quantities, with
    their provenance strings, are built from them the first time anything but ``name``,
    ``complete`` or ``site`` is read, then kept.

    Args:
        name / complete / site: as in :class:`Measurement` (known at once).
        build: returns the full measurement (called at most once).
    """

    def __init__(self, name: str, complete: bool, site: str | None,
                 build: Callable[[], Measurement]) -> None:  # noqa: D107
        self.__dict__["_build"] = build
        self.name, self.complete, self.site = name, complete, site

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        build = self.__dict__.pop("_build", None)
        if build is None:
            raise AttributeError(attr)
        self.__dict__.update(build().__dict__)
        return getattr(self, attr)


def _lookup_hardware(name: str) -> Hardware | None:
    try:
        from wattprint.catalog import get_hardware
        from wattprint.errors import DataError, UnknownNameError

        try:
            hw = get_hardware(name)
        except (UnknownNameError, DataError):
            return None
        return hw if hw.kind != "cpu" else None
    except ImportError:
        return None


def _num(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)
