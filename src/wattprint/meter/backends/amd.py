"""AMD GPUs through ``amdsmi`` (ROCm), where installed.

Energy from ``amdsmi_get_energy_count`` (accumulator × resolution, µJ → J), power from
``amdsmi_get_power_info`` (``current_socket_power`` where present, else the average). The
import is guarded and lazy: without amdsmi the backend is absent with that reason.
"""

from __future__ import annotations

import contextlib
import io
from functools import lru_cache
from typing import Any

from wattprint.errors import CounterError, MeterError, MeterUnavailable
from wattprint.meter.backends.base import (
    AVERAGED_INTEGRAL,
    INSTANT_INTEGRAL,
    Device,
    EnergyBackend,
)

COUNTER_SENSOR = "amdsmi energy counter"


@lru_cache(maxsize=1)
def load_amdsmi() -> Any:
    """Import ``amdsmi`` once (it prints on import; silenced).

    Raises:
        MeterUnavailable: amdsmi is not installed or its library cannot load.
    """
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import amdsmi
    except Exception as exc:  # noqa: BLE001 - amdsmi raises anything when ROCm is absent
        raise MeterUnavailable(f"amdsmi is not available ({type(exc).__name__}: {exc}); "
                               "pip install 'wattprint[amd]' on a ROCm machine") from exc
    return amdsmi


class AmdBackend(EnergyBackend):
    """Every AMD GPU amdsmi sees.

    Args:
        amdsmi: an amdsmi-like module (tests inject a fake); ``None`` imports the real one.
    """

    name = "amd"

    def __init__(self, amdsmi: Any = None) -> None:
        self.smi = amdsmi if amdsmi is not None else load_amdsmi()
        self._handles: dict[str, Any] = {}
        self._devices: list[Device] = []
        try:
            self.smi.amdsmi_init()
            handles = list(self.smi.amdsmi_get_processor_handles())
        except Exception as exc:  # noqa: BLE001 - vendor boundary
            raise MeterUnavailable(f"amdsmi initialisation failed: {exc}") from exc
        if not handles:
            self.close()
            raise MeterUnavailable("no AMD GPU found")
        for i, h in enumerate(handles):
            key = f"amd:{i}"
            self._handles[key] = h
            try:
                name = str(self.smi.amdsmi_get_gpu_asic_info(h).get("market_name", "AMD GPU"))
            except Exception:  # noqa: BLE001
                name = "AMD GPU"
            counter: str | None = COUNTER_SENSOR
            try:
                self.read_counter_j_handle(h)
            except MeterError:
                counter = None
            info = self._power_info(h)
            instant = info is not None and "current_socket_power" in info and \
                isinstance(info["current_socket_power"], int | float)
            self._devices.append(Device(
                key=key, kind="gpu", backend=self.name, name=name, index=i,
                counter_sensor=counter, counter_range_j=None, counter_period_s=0.0,
                poll_counter=counter is not None,  # a driver read: cheap enough per boundary
                power_sensor=None if info is None else (
                    "amdsmi current_socket_power" if instant else "amdsmi average_socket_power"),
                power_method=INSTANT_INTEGRAL if instant else AVERAGED_INTEGRAL))

    def _power_info(self, h: Any) -> dict[str, Any] | None:
        try:
            return dict(self.smi.amdsmi_get_power_info(h))
        except Exception:  # noqa: BLE001 - vendor boundary
            return None

    def read_counter_j_handle(self, h: Any) -> float:
        """Energy counter of a raw handle in J."""
        try:
            e = self.smi.amdsmi_get_energy_count(h)
        except Exception as exc:  # noqa: BLE001 - vendor boundary
            raise CounterError(f"{COUNTER_SENSOR}: {exc}") from exc
        acc = e.get("energy_accumulator", e.get("power"))
        res = e.get("counter_resolution", 1.0)
        if not isinstance(acc, int | float):
            raise CounterError(f"{COUNTER_SENSOR}: no accumulator in {e!r}")
        return float(acc) * float(res) / 1e6

    def devices(self) -> list[Device]:
        """The AMD GPUs."""
        return list(self._devices)

    def read_counter_j(self, device: Device) -> float:
        """Energy counter in J."""
        return self.read_counter_j_handle(self._handles[device.key])

    def read_power_w(self, device: Device) -> float:
        """Socket power in W."""
        info = self._power_info(self._handles[device.key])
        if info is None:
            raise CounterError(f"{device.key}: amdsmi_get_power_info failed")
        for k in ("current_socket_power", "average_socket_power"):
            v = info.get(k)
            if isinstance(v, int | float):
                return float(v)
        raise CounterError(f"{device.key}: no socket power in {info!r}")

    def close(self) -> None:
        """Shut amdsmi down."""
        with contextlib.suppress(Exception):
            self.smi.amdsmi_shut_down()
