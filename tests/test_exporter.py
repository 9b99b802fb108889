"""``wattprint exporter``: scraped over HTTP on 127.0.0.1, parsed with prometheus-client."""

from __future__ import annotations

import os
import urllib.request

import pytest

from wattprint.meter.backends.nvidia import NvidiaBackend
from wattprint.testing import FakeGpu, FakeNvml, ReplayBackend


def _prom() -> None:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("prometheus-client is needed in CI")
        pytest.skip("prometheus-client not installed")


def _samples(text: str) -> dict[tuple[str, str], float]:
    from prometheus_client.parser import text_string_to_metric_families

    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, s.labels.get("hw_id", ""))] = s.value
            assert s.labels.get("job") == "j1" and s.labels.get("node") == "n1"
    return out


@pytest.mark.slow
def test_scrape_over_http() -> None:
    _prom()
    from wattprint.exporter import FleetCollector, serve

    gpus = FakeNvml([FakeGpu(uuid=f"GPU-{i}", step_mj=1000.0, power_w=250.0)
                     for i in range(8)])
    host = ReplayBackend({"c": 30.0}, kinds={"c": "cpu"})
    col = FleetCollector([NvidiaBackend(nvml=gpus), host], job="j1", node="n1",
                         interval_s=3600)
    col.read_once()
    col.read_once()
    server = serve(col, 0)
    port = server.server_address[1]
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
    finally:
        server.shutdown()
    s = _samples(text.decode())
    gpu_e = [s[("hw_energy_joules_total", f"nvidia:{i}")] for i in range(8)]
    assert all(e == pytest.approx(2.0) for e in gpu_e)  # 1000 mJ per read, 2 reads after the first
    assert s[("hw_power_watts", "nvidia:3")] == 250.0
    assert s[("hw_power_watts", "c")] == 30.0
    total = sum(v for (n, _), v in s.items() if n == "hw_energy_joules_total")
    assert s[("wattprint_co2e_grams_total", "")] > 0
    assert total == pytest.approx(16.0 + s[("hw_energy_joules_total", "c")])
