"""OpenTelemetry metrics for this node's devices: the same numbers as the Prometheus exporter.

Instruments follow the OpenTelemetry hardware semantic conventions where they apply:

* ``hw.energy`` — asynchronous counter, unit ``J``, energy of the device since the collector
  started (cumulative);
* ``hw.power`` — asynchronous gauge, unit ``W`` (left out for a device without a power
  sensor: never a made-up zero);
* ``hw.errors`` — asynchronous counter, unit ``{error}``, failed device reads
  (``error.type`` = ``read``);
* ``wattprint.co2e`` (``g``) and ``wattprint.water`` (``L``) — asynchronous counters per node:
  the node's measured energy × PUE × grid intensity, and × (on-site WUE + off-site water).

Device series carry ``hw.id``, ``hw.type`` (``gpu``, ``cpu``, ``memory``), ``hw.name``, and
every series carries ``job`` and ``node`` (the labels of the Prometheus exporter); the
resource carries ``service.name`` = ``wattprint`` and ``host.name`` = the node.

Needs the ``otel`` extra (``opentelemetry-sdk``; ``opentelemetry-exporter-otlp-proto-http``
to send OTLP over HTTP). The callbacks only read the :class:`FleetCollector`'s cached numbers,
so a collection never waits for a device.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from wattprint.exporter.metrics import FleetCollector

INSTRUMENTS = ("hw.energy", "hw.power", "hw.errors", "wattprint.co2e", "wattprint.water")


class OtelBridge:
    """Observable instruments on an OpenTelemetry ``MeterProvider`` fed by ``collector``.

    Args:
        collector: the started (or read) :class:`FleetCollector`.
        readers: OpenTelemetry metric readers (e.g. ``InMemoryMetricReader``, or a
            ``PeriodicExportingMetricReader`` around an exporter; see :func:`otlp_reader`).
    """

    def __init__(self, collector: FleetCollector, readers: Iterable[Any]) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.resources import Resource

        self.collector = collector
        resource = Resource.create({"service.name": "wattprint", "host.name": collector.node})
        self.provider = MeterProvider(metric_readers=list(readers), resource=resource,
                                      shutdown_on_exit=False)
        meter = self.provider.get_meter("wattprint.exporter")
        meter.create_observable_counter("hw.energy", [self._energy], unit="J",
                                        description="Energy consumed by the device")
        meter.create_observable_gauge("hw.power", [self._power], unit="W",
                                      description="Instantaneous power of the device")
        meter.create_observable_counter("hw.errors", [self._errors], unit="{error}",
                                        description="Failed reads of the device")
        meter.create_observable_counter("wattprint.co2e", [self._co2e], unit="g",
                                        description="Operational CO2e of the node's measured "
                                        "energy: energy x PUE x grid intensity")
        meter.create_observable_counter("wattprint.water", [self._water], unit="L",
                                        description="Water of the node's measured energy: "
                                        "on-site WUE + off-site intensity")

    def _node(self) -> dict[str, str]:
        return {"job": self.collector.job, "node": self.collector.node}

    def _device_obs(self, field: str, options: Any) -> list[Any]:
        from opentelemetry.metrics import Observation

        rows, _, _ = self.collector.snapshot()
        out = []
        for r in rows:
            v = float(getattr(r, field))
            if math.isnan(v):
                continue
            attrs = {"hw.id": r.hw_id, "hw.type": r.hw_type, "hw.name": r.hw_name,
                     **self._node()}
            if field == "errors":
                attrs["error.type"] = "read"
            out.append(Observation(v, attrs))
        return out

    def _energy(self, options: Any) -> list[Any]:
        return self._device_obs("energy_j", options)

    def _power(self, options: Any) -> list[Any]:
        return self._device_obs("power_w", options)

    def _errors(self, options: Any) -> list[Any]:
        return self._device_obs("errors", options)

    def _co2e(self, options: Any) -> list[Any]:
        from opentelemetry.metrics import Observation

        return [Observation(self.collector.snapshot()[1], self._node())]

    def _water(self, options: Any) -> list[Any]:
        from opentelemetry.metrics import Observation

        return [Observation(self.collector.snapshot()[2], self._node())]

    def flush(self, timeout_ms: float = 10_000) -> bool:
        """Export now through every periodic reader; whether all succeeded."""
        return bool(self.provider.force_flush(timeout_millis=timeout_ms))

    def shutdown(self) -> None:
        """Flush and stop the readers."""
        self.provider.shutdown()


def otlp_reader(endpoint: str, interval_s: float = 10.0) -> Any:
    """A reader exporting OTLP over HTTP (protobuf) to ``endpoint`` (e.g.
    ``http://127.0.0.1:4318/v1/metrics``) every ``interval_s`` seconds, cumulative."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    return PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=endpoint, timeout=10),
                                         export_interval_millis=interval_s * 1000)


def otlp_endpoint(url: str) -> str:
    """``url`` with the OTLP metrics path ``/v1/metrics`` added when it has no path.

    Raises:
        InputError: not an http(s) URL.
    """
    from urllib.parse import urlsplit

    from wattprint.errors import InputError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"--otlp {url!r}: expected an http(s) URL such as "
                         "http://127.0.0.1:4318")
    return url if parts.path not in ("", "/") else url.rstrip("/") + "/v1/metrics"


def start_otlp(collector: FleetCollector, url: str, interval_s: float) -> OtelBridge:
    """Export ``collector``'s metrics over OTLP/HTTP to ``url`` every ``interval_s`` s.

    Raises:
        InputError: a bad URL, or the ``otel`` extra is not installed.
    """
    from wattprint.errors import InputError

    endpoint = otlp_endpoint(url)
    try:
        reader = otlp_reader(endpoint, interval_s)
    except ImportError as exc:
        raise InputError("--otlp needs OpenTelemetry: pip install 'wattprint[otel]'") from exc
    return OtelBridge(collector, [reader])
