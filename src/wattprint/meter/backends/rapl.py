"""CPU package and DRAM energy through Linux RAPL (powercap sysfs).

Reads ``<root>/intel-rapl:*/{name,energy_uj,max_energy_range_uj}`` where ``<root>`` is
``/sys/class/powercap`` or ``$WATTPRINT_POWERCAP_ROOT`` (tests, containers with a bind
mount). Domains named ``package-N`` count as CPU, ``dram`` as DRAM; ``core``/``uncore``
are inside the package and ``psys`` overlaps everything, so they are skipped.

The counters wrap at ``max_energy_range_uj`` (a few hundred kJ: minutes at full load), and
are cheap to read (a sysfs file), so the sampler reads them on every tick: that catches
each wrap and gives a power timeline. Since Linux 5.10 ``energy_uj`` is readable by root
only; the error says how to fix it.

Readings are checked: ``energy_uj`` must be a plain non-negative integer within the range
(``nan``, ``inf``, ``-5``, ``1.5e6`` are read errors), and every step goes through a
:class:`~wattprint.meter.backends.guard.CounterGuard` bounded by the package's power limits
(twice the highest ``constraint_*_max_power_uw``/``constraint_*_power_limit_uw``, else
:data:`DEFAULT_MAX_W`): wraps (even several), glitches, resets and impossible jumps are
told apart and each rejection is reported in the window's notes. A malformed zone (a
non-numeric index, a symlink loop, a non-ASCII name) is skipped with a note, never an
exception that would stop ``wattprint run``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from wattprint.errors import CounterError, MeterPermissionDenied, MeterUnavailable
from wattprint.meter.backends.base import INSTANT_INTEGRAL, Device, DeviceKind, EnergyBackend
from wattprint.meter.backends.guard import CounterGuard

ENV_ROOT = "WATTPRINT_POWERCAP_ROOT"
DEFAULT_ROOT = "/sys/class/powercap"
COUNTER_SENSOR = "RAPL energy_uj"
PERMISSION_FIX = ("RAPL energy counters are readable by root only; fix with "
                  "`sudo chmod -R a+r /sys/class/powercap/intel-rapl` (until reboot) or run "
                  "as root")


#: Highest plausible power (W) when a zone declares no power limit: above any server CPU
#: package (~500 W in 2025) or DRAM domain, with room to spare.
DEFAULT_MAX_W = {"cpu": 1000.0, "dram": 500.0}
_UINT = re.compile(r"^\d{1,20}$")
_ZONE = re.compile(r"^intel-rapl:(\d+)(?::(\d+))?$")


def parse_uj(text: str, what: str) -> float:
    """A sysfs microjoule counter as J: a plain non-negative integer, else ``ValueError``."""
    t = text.strip()
    if not _UINT.match(t):
        raise ValueError(f"{what} holds {t[:40]!r}, not a non-negative integer")
    return int(t) / 1e6


def powercap_root() -> Path:
    """The powercap sysfs root: ``$WATTPRINT_POWERCAP_ROOT`` or ``/sys/class/powercap``."""
    return Path(os.environ.get(ENV_ROOT) or DEFAULT_ROOT)


def _read_text(path: Path) -> str:
    with open(path, encoding="ascii") as fh:
        return fh.read()


class RaplBackend(EnergyBackend):
    """RAPL package and DRAM domains.

    Args:
        root: the powercap directory; ``None`` uses :func:`powercap_root`.
        read_text: the file reader (the hardware boundary; tests may inject one that raises
            ``PermissionError`` even when run as root).

    Raises:
        MeterUnavailable: no RAPL zone under ``root``.
        MeterPermissionDenied: zones exist but ``energy_uj`` cannot be read.
    """

    name = "rapl"

    def __init__(self, root: str | Path | None = None,
                 read_text: Callable[[Path], str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.root = Path(root) if root is not None else powercap_root()
        self._read = read_text or _read_text
        self._clock = clock
        self._paths: dict[str, Path] = {}
        self._range_uj: dict[str, float] = {}
        self._guards: dict[str, CounterGuard] = {}
        self._devices: list[Device] = []
        self.notes: list[str] = []
        for z in self._zones():
            try:
                self._probe_zone(z)
            except MeterPermissionDenied:
                raise
            except (OSError, ValueError, RuntimeError, MeterUnavailable) as exc:
                self.notes.append(f"RAPL zone {z.name} skipped: {exc}")
        if not self._devices:
            why = f"; {'; '.join(self.notes)}" if self.notes else ""
            raise MeterUnavailable(f"no RAPL package or DRAM zone under {self.root}{why}")

    def _zones(self) -> list[Path]:
        """Zone directories, one per real zone (symlinked duplicates and loops dropped)."""
        seen: dict[Path, Path] = {}
        try:
            found = sorted(self.root.glob("intel-rapl:*"), key=lambda p: p.name)
        except OSError as exc:
            self.notes.append(f"cannot list {self.root}: {exc}")
            return []
        for p in found:
            if not _ZONE.match(p.name):
                self.notes.append(f"RAPL zone {p.name!r} skipped: not intel-rapl:N[:M]")
                continue
            try:
                real = p.resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                self.notes.append(f"RAPL zone {p.name} skipped: {exc}")
                continue
            seen.setdefault(real, p)
        return list(seen.values())

    def _probe_zone(self, z: Path) -> None:
        name = self._read(z / "name").strip()
        kind: DeviceKind
        index = int(z.name.split(":")[1])
        if name.startswith("package-"):
            kind, key = "cpu", f"rapl:{name}"
        elif name == "dram":
            kind, key = "dram", f"rapl:dram-{index}"
        else:
            return
        if key in self._paths:
            raise ValueError(f"a second zone named {name!r}")
        energy = z / "energy_uj"
        try:
            rng = parse_uj(self._read(z / "max_energy_range_uj"), "max_energy_range_uj")
            parse_uj(self._read(energy), "energy_uj")
        except PermissionError as exc:
            raise MeterPermissionDenied(f"cannot read {energy}: {PERMISSION_FIX}") from exc
        max_w, basis = self._max_power_w(z, kind)
        self._paths[key] = energy
        self._range_uj[key] = rng * 1e6
        self._guards[key] = CounterGuard(key, rng if rng > 0 else None, max_w, self._clock)
        self._devices.append(Device(
            key=key, kind=kind, backend=self.name, name=f"RAPL {name}",
            index=index, counter_sensor=COUNTER_SENSOR,
            counter_range_j=rng if rng > 0 else None, counter_period_s=0.0,
            poll_counter=True, power_sensor=None, power_method=INSTANT_INTEGRAL,
            power_kind="interval", note=f"readings bounded by {max_w:g} W ({basis})"))

    def _max_power_w(self, z: Path, kind: DeviceKind) -> tuple[float, str]:
        """Highest plausible power of a zone (W) and where it comes from."""
        best = 0.0
        for f in sorted(z.glob("constraint_*_*power*_uw")):
            try:
                best = max(best, parse_uj(self._read(f), f.name))  # µW → W, as µJ → J
            except (OSError, ValueError):
                continue
        if best > 0:
            return 2.0 * best, "twice the zone's highest power limit"
        return DEFAULT_MAX_W[kind], "default bound: the zone declares no power limit"

    def devices(self) -> list[Device]:
        """Package and DRAM domains."""
        return list(self._devices)

    @property
    def has_dram(self) -> bool:
        """Whether a DRAM domain exists (many client CPUs and AMD lack one)."""
        return any(d.kind == "dram" for d in self._devices)

    def read_counter_j(self, device: Device) -> float:
        """The domain's energy in J, unwrapped and checked (monotonic; see the module doc).

        Raises:
            CounterError: unreadable, or not a plain integer within the counter's range.
        """
        path = self._paths[device.key]
        try:
            raw = self._read(path)
            uj = parse_uj(raw, f"{path}") * 1e6
        except PermissionError as exc:
            raise MeterPermissionDenied(f"cannot read {path}: {PERMISSION_FIX}") from exc
        except (OSError, ValueError) as exc:
            raise CounterError(f"{device.key}: cannot read {path}: {exc}") from exc
        rng = self._range_uj.get(device.key) or 0
        if rng and uj > rng:
            raise CounterError(f"{device.key}: energy_uj {uj:.0f} is above its range "
                               f"max_energy_range_uj {rng:.0f}; reading rejected")
        return self._guards[device.key].update(uj / 1e6)

    def use_clock(self, clock: Callable[[], float]) -> None:
        """Time the plausibility checks with ``clock`` (the meter's)."""
        self._clock = clock
        for g in self._guards.values():
            g.clock = clock

    def anomalies(self, device: Device, t0: float, t1: float) -> list[str]:
        """Counter readings rejected or reinterpreted between monotonic ``t0`` and ``t1``."""
        g = self._guards.get(device.key)
        return g.between(t0, t1) if g is not None else []

    def read_power_w(self, device: Device) -> float:
        """RAPL has no power reading; the meter derives power from counter steps."""
        raise MeterUnavailable("RAPL power is derived from the energy counter")
