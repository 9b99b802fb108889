"""The OpenTelemetry exporter against the real SDK: its InMemoryMetricReader, and its OTLP HTTP
exporter posting to a receiver on 127.0.0.1 that decodes the request with opentelemetry-proto."""

from __future__ import annotations

import http.server
import os
import threading
from typing import Any

import pytest

from _needs import need_modules
from wattprint.meter.backends.nvidia import NvidiaBackend
from wattprint.testing import FakeGpu, FakeNvml, ReplayBackend


def _sdk() -> None:
    need_modules("opentelemetry.exporter.otlp.proto.http", "opentelemetry.sdk.metrics",
                 hint="pip install 'wattprint[otel]'")


def _collector() -> Any:
    from wattprint.exporter import FleetCollector

    gpus = FakeNvml([FakeGpu(uuid=f"GPU-{i}", step_mj=1000.0, power_w=250.0)
                     for i in range(2)])
    host = ReplayBackend({"c": 30.0}, kinds={"c": "cpu"})
    col = FleetCollector([NvidiaBackend(nvml=gpus), host], job="j1", node="n1",
                         interval_s=3600, site="fra")
    col.read_once()
    col.read_once()
    return col


def _points(metrics_data: Any) -> dict[tuple[str, str], tuple[float, dict[str, Any], str]]:
    out = {}
    for rm in metrics_data.resource_metrics:
        assert rm.resource.attributes["host.name"] == "n1"
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                for p in m.data.data_points:
                    out[(m.name, str(p.attributes.get("hw.id", "")))] = (
                        p.value, dict(p.attributes), m.unit)
    return out


def test_in_memory_reader_semantic_names() -> None:
    _sdk()
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from wattprint.exporter.otel import OtelBridge

    col = _collector()
    reader = InMemoryMetricReader()
    bridge = OtelBridge(col, [reader])
    try:
        pts = _points(reader.get_metrics_data())
    finally:
        bridge.shutdown()
    value, attrs, unit = pts[("hw.energy", "nvidia:1")]
    assert value == pytest.approx(2.0) and unit == "J"  # 1000 mJ a read, 2 reads after the 1st
    assert attrs == {"hw.id": "nvidia:1", "hw.type": "gpu", "hw.name": attrs["hw.name"],
                     "job": "j1", "node": "n1"}
    assert pts[("hw.power", "nvidia:0")][0] == 250.0 and pts[("hw.power", "c")][2] == "W"
    assert pts[("hw.power", "c")][1]["hw.type"] == "cpu"
    assert pts[("hw.errors", "nvidia:0")][0] == 0
    rows, co2e_g, water_l = col.snapshot()  # the same numbers as the Prometheus exporter
    assert pts[("wattprint.co2e", "")][0] == pytest.approx(co2e_g) and co2e_g > 0
    assert pts[("wattprint.water", "")][0] == pytest.approx(water_l)
    assert pts[("wattprint.co2e", "")][1] == {"job": "j1", "node": "n1"}
    total = sum(v for (n, _), (v, _, _) in pts.items() if n == "hw.energy")
    assert total == pytest.approx(sum(r.energy_j for r in rows))


class _Receiver(http.server.BaseHTTPRequestHandler):
    bodies: list[bytes] = []
    arrived = threading.Event()  # set by each export (and by the CLI test when it exits)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        n = int(self.headers.get("Content-Length", 0))
        type(self).bodies.append(self.rfile.read(n))
        type(self).arrived.set()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.slow
def test_otlp_http_export() -> None:
    _sdk()
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    from wattprint.exporter.otel import OtelBridge, otlp_reader

    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/metrics"
    bridge = OtelBridge(_collector(), [otlp_reader(url, interval_s=3600)])
    try:
        assert bridge.flush()
    finally:
        bridge.shutdown()
        server.shutdown()
    req = ExportMetricsServiceRequest()
    req.ParseFromString(_Receiver.bodies[0])
    got = {}
    for rm in req.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                for p in getattr(m, kind).data_points:
                    attrs = {a.key: a.value.string_value for a in p.attributes}
                    got[(m.name, attrs.get("hw.id", ""))] = (p.as_double or p.as_int, m.unit,
                                                            attrs)
    assert got[("hw.energy", "nvidia:0")][:2] == (pytest.approx(2.0), "J")
    assert got[("hw.power", "nvidia:1")][:2] == (250.0, "W")
    assert got[("hw.energy", "c")][2]["job"] == "j1"
    assert got[("wattprint.co2e", "")][0] > 0


def test_otlp_endpoint_and_bad_url() -> None:
    from wattprint.errors import InputError
    from wattprint.exporter.otel import otlp_endpoint

    assert otlp_endpoint("http://127.0.0.1:4318") == "http://127.0.0.1:4318/v1/metrics"
    assert otlp_endpoint("https://otel.example/v1/metrics") == "https://otel.example/v1/metrics"
    with pytest.raises(InputError, match="http"):
        otlp_endpoint("127.0.0.1:4318")


@pytest.mark.slow
def test_exporter_cli_exports_otlp(tmp_path: Any) -> None:
    """``wattprint exporter --otlp URL``: the CLI's periodic OTLP export reaches a receiver."""
    _sdk()
    import signal
    import socket
    import subprocess
    import sys

    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
        ExportMetricsServiceRequest,
    )

    _Receiver.bodies = []
    _Receiver.arrived.clear()
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="-1",
               WATTPRINT_POWERCAP_ROOT=str(tmp_path / "none"))
    proc = subprocess.Popen([sys.executable, "-m", "wattprint", "exporter", "--port", str(port),
                             "--job", "cli-job", "--interval", "0.2", "--otlp",
                             f"http://127.0.0.1:{server.server_address[1]}"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    threading.Thread(target=lambda: (proc.wait(), _Receiver.arrived.set()), daemon=True).start()
    try:
        _Receiver.arrived.wait(30)  # the first export comes one interval after start
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        server.shutdown()
    assert _Receiver.bodies, err
    req = ExportMetricsServiceRequest()
    req.ParseFromString(_Receiver.bodies[0])
    names = {m.name for rm in req.resource_metrics for sm in rm.scope_metrics
             for m in sm.metrics}
    assert {"wattprint.co2e", "wattprint.water"} <= names
    jobs = {a.value.string_value for rm in req.resource_metrics for sm in rm.scope_metrics
            for m in sm.metrics if m.name == "wattprint.co2e"
            for p in m.sum.data_points for a in p.attributes if a.key == "job"}
    assert jobs == {"cli-job"}
