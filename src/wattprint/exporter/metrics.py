"""Fleet metrics for Prometheus: per-device energy counters and power, CO2e and water.

Names follow the OpenTelemetry hardware semantic conventions where they apply
(``hw.energy`` → ``hw_energy_joules_total``, ``hw.power`` → ``hw_power_watts``, attributes
``hw.id``/``hw.type``/``hw.name`` → labels ``hw_id``, ``hw_type``, ``hw_name``), plus
``wattprint_co2e_grams_total`` and ``wattprint_water_litres_total`` per node; every series has
``job`` and ``node`` labels (:mod:`wattprint.meter.launcher`).

A background thread reads every device each ``interval_s`` (energy counter where the device
has one, else power integrated over time), so a scrape only formats cached numbers: it never
waits for a device (an NVML counter read costs ~4 ms per GPU). A device that cannot be read
is left out of the energy series and counted in ``wattprint_device_read_errors_total``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wattprint.meter.budget import site_g_per_j
from wattprint.meter.counters import CounterTracker
from wattprint.numbers import J_PER_KWH

_TYPE = {"gpu": "gpu", "cpu": "cpu", "dram": "memory"}


@dataclass
class _DeviceState:
    device: Any
    backend: Any
    energy_j: float = 0.0
    power_w: float = math.nan
    tracker: CounterTracker | None = None  # the counter's running total (wraps, resets)
    last_t: float | None = None
    errors: int = 0


@dataclass(frozen=True)
class DeviceReading:
    """One device's cached numbers: ``energy_j`` since the collector started (J),
    ``power_w`` (W, NaN when the device has no power sensor) and failed reads."""

    hw_id: str
    hw_type: str
    hw_name: str
    energy_j: float
    power_w: float
    errors: int


class FleetCollector:
    """A prometheus-client collector over wattprint backends.

    Args:
        backends: energy backends (default: detected).
        job / node: label values (default: from the launcher's environment).
        site: site for CO2e and water (default: local machine or the default site).
        interval_s: device read period (s).
    """

    def __init__(self, backends: list[Any] | None = None, *, job: str | None = None,
                 node: str | None = None, site: str | None = None,
                 interval_s: float = 1.0) -> None:
        from wattprint.meter.launcher import detect_job
        from wattprint.meter.placement import measured_site

        if backends is None:
            from wattprint.meter.backends import detect_backends

            backends = detect_backends()
        ctx = detect_job()
        self.job = job or ctx.job_id or "local"
        self.node = node or ctx.node
        factors, _ = measured_site(site, ctx)
        self.g_per_j = site_g_per_j(factors)
        self.l_per_j = (factors.wue_l_per_kwh.value + factors.pue.value
                        * factors.water_l_per_kwh.value) / J_PER_KWH
        self.interval_s = interval_s
        self.states = [_DeviceState(d, b) for b in backends for d in b.devices()]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.read_once()

    def read_once(self) -> None:
        """Read every device now (the background thread calls this every interval)."""
        now = time.monotonic()
        for s in self.states:
            try:
                self._read(s, now)
            except Exception:  # noqa: BLE001 - a failing device is counted, not fatal
                s.errors += 1

    def _read(self, s: _DeviceState, now: float) -> None:
        d, b = s.device, s.backend
        p = b.read_power_w(d) if d.power_sensor else math.nan
        if d.has_counter:
            c = b.read_counter_j(d)
            if s.tracker is None:
                s.tracker = CounterTracker(d.counter_range_j)
            total = s.tracker.update(c)  # the meter's own rule: a wrap adds, a reset adds 0
            with self._lock:
                s.energy_j = total
                s.power_w = p
        else:
            with self._lock:
                if s.last_t is not None and not math.isnan(p):
                    prev = s.power_w if not math.isnan(s.power_w) else p
                    s.energy_j += 0.5 * (prev + p) * (now - s.last_t)
                s.power_w = p
        s.last_t = now

    def start(self) -> FleetCollector:
        """Start the background reader."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="wattprint-exporter",
                                            daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.read_once()

    def stop(self) -> None:
        """Stop the background reader."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def snapshot(self) -> tuple[list[DeviceReading], float, float]:
        """The cached numbers, consistent with each other: per-device readings, and the
        node's CO2e (g) and water (L) of their summed energy (both exporters read this)."""
        with self._lock:
            rows = [DeviceReading(s.device.key, _TYPE.get(s.device.kind, s.device.kind),
                                  s.device.name, s.energy_j, s.power_w, s.errors)
                    for s in self.states]
        total = sum(r.energy_j for r in rows)
        return rows, total * self.g_per_j, total * self.l_per_j

    def collect(self) -> Iterator[Any]:
        """Metric families for prometheus-client (called on every scrape)."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        labels = ["hw_id", "hw_type", "hw_name", "job", "node"]
        energy = CounterMetricFamily("hw_energy_joules", "Energy consumed by the device (J), "
                                     "OpenTelemetry hw.energy", labels=labels)
        power = GaugeMetricFamily("hw_power_watts", "Instantaneous power of the device (W), "
                                  "OpenTelemetry hw.power", labels=labels)
        errs = CounterMetricFamily("wattprint_device_read_errors", "Failed device reads",
                                   labels=labels)
        rows, co2e_g, water_l = self.snapshot()
        for r in rows:
            lv = [r.hw_id, r.hw_type, r.hw_name, self.job, self.node]
            energy.add_metric(lv, r.energy_j)
            if not math.isnan(r.power_w):
                power.add_metric(lv, r.power_w)
            errs.add_metric(lv, r.errors)
        node = ["job", "node"]
        co2 = CounterMetricFamily("wattprint_co2e_grams", "Operational CO2e of the node's "
                                  "measured energy (g): energy × PUE × grid", labels=node)
        co2.add_metric([self.job, self.node], co2e_g)
        water = CounterMetricFamily("wattprint_water_litres", "Water of the node's measured "
                                    "energy (L): on-site WUE + off-site intensity",
                                    labels=node)
        water.add_metric([self.job, self.node], water_l)
        yield from (energy, power, errs, co2, water)
