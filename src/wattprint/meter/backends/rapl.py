"""CPU package and DRAM energy through Linux RAPL (powercap sysfs).

Reads ``<root>/intel-rapl:*/{name,energy_uj,max_energy_range_uj}`` where ``<root>`` is
``/sys/class/powercap`` or ``$WATTPRINT_POWERCAP_ROOT`` (tests, containers with a bind
mount). Domains named ``package-N`` count as CPU, ``dram`` as DRAM; ``core``/``uncore``
are inside the package and ``psys`` overlaps everything, so they are skipped.

The counters wrap at ``max_energy_range_uj`` (a few hundred kJ: minutes at full load), and
are cheap to read (a sysfs file), so the sampler reads them on every tick: that catches
each wrap and gives a power timeline. Since Linux 5.10 ``energy_uj`` is readable by root
only; the error says how to fix it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from wattprint.errors import CounterError, MeterPermissionDenied, MeterUnavailable
from wattprint.meter.backends.base import INSTANT_INTEGRAL, Device, DeviceKind, EnergyBackend

ENV_ROOT = "WATTPRINT_POWERCAP_ROOT"
DEFAULT_ROOT = "/sys/class/powercap"
COUNTER_SENSOR = "RAPL energy_uj"
PERMISSION_FIX = ("RAPL energy counters are readable by root only; fix with "
                  "`sudo chmod -R a+r /sys/class/powercap/intel-rapl` (until reboot) or run "
                  "as root")


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
                 read_text: Callable[[Path], str] | None = None) -> None:
        self.root = Path(root) if root is not None else powercap_root()
        self._read = read_text or _read_text
        self._paths: dict[str, Path] = {}
        self._devices: list[Device] = []
        zones = sorted({p.resolve(): p for p in self.root.glob("intel-rapl:*")}.values(),
                       key=lambda p: p.name)
        for z in zones:
            try:
                name = self._read(z / "name").strip()
            except OSError:
                continue
            kind: DeviceKind
            if name.startswith("package-"):
                kind, key = "cpu", f"rapl:{name}"
            elif name == "dram":
                kind, key = "dram", f"rapl:dram-{z.name.split(':')[1]}"
            else:
                continue
            energy = z / "energy_uj"
            try:
                self._read(energy)
                rng = float(self._read(z / "max_energy_range_uj").strip()) / 1e6
            except PermissionError as exc:
                raise MeterPermissionDenied(f"cannot read {energy}: {PERMISSION_FIX}") from exc
            except (OSError, ValueError) as exc:
                raise MeterUnavailable(f"RAPL zone {z} unreadable: {exc}") from exc
            self._paths[key] = energy
            self._devices.append(Device(
                key=key, kind=kind, backend=self.name, name=f"RAPL {name}",
                index=int(z.name.split(":")[1]), counter_sensor=COUNTER_SENSOR,
                counter_range_j=rng if rng > 0 else None, counter_period_s=0.0,
                poll_counter=True, power_sensor=None, power_method=INSTANT_INTEGRAL,
                power_kind="interval"))
        if not self._devices:
            raise MeterUnavailable(f"no RAPL package or DRAM zone under {self.root}")

    def devices(self) -> list[Device]:
        """Package and DRAM domains."""
        return list(self._devices)

    @property
    def has_dram(self) -> bool:
        """Whether a DRAM domain exists (many client CPUs and AMD lack one)."""
        return any(d.kind == "dram" for d in self._devices)

    def read_counter_j(self, device: Device) -> float:
        """The domain's ``energy_uj`` in J (wraps at ``max_energy_range_uj``)."""
        path = self._paths[device.key]
        try:
            return float(self._read(path).strip()) / 1e6
        except PermissionError as exc:
            raise MeterPermissionDenied(f"cannot read {path}: {PERMISSION_FIX}") from exc
        except (OSError, ValueError) as exc:
            raise CounterError(f"{device.key}: cannot read {path}: {exc}") from exc

    def read_power_w(self, device: Device) -> float:
        """RAPL has no power reading; the meter derives power from counter steps."""
        raise MeterUnavailable("RAPL power is derived from the energy counter")
