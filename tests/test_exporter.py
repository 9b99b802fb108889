"""``wattprint exporter``: scraped over HTTP on 127.0.0.1, parsed with prometheus-client."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from _needs import need_modules, unavailable
from wattprint.meter.backends.nvidia import NvidiaBackend
from wattprint.testing import FakeGpu, FakeNvml, ReplayBackend


def _prom() -> None:
    need_modules("prometheus_client")


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


PUSHGATEWAY = "/usr/bin/prometheus-pushgateway"


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[str]:
    """A real Prometheus Pushgateway (Debian's prometheus-pushgateway) on 127.0.0.1."""
    exe = shutil.which("prometheus-pushgateway") or (PUSHGATEWAY if os.path.exists(PUSHGATEWAY)
                                                     else None)
    if exe is None:
        unavailable("prometheus-pushgateway", "apt-get install prometheus-pushgateway")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([exe, f"--web.listen-address=127.0.0.1:{port}",
                             "--persistence.file="], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"127.0.0.1:{port}"
    try:
        for _ in range(200):  # wait until it answers (at most ~20 s)
            try:
                urllib.request.urlopen(f"http://{url}/-/ready", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"prometheus-pushgateway exited with {proc.returncode}")
                time.sleep(0.1)
        else:
            pytest.fail("prometheus-pushgateway did not become ready")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_push_to_a_real_pushgateway(pushgateway: str) -> None:
    _prom()
    from wattprint.exporter import FleetCollector, push

    gpus = FakeNvml([FakeGpu(uuid=f"GPU-{i}", step_mj=1000.0, power_w=250.0)
                     for i in range(2)])
    col = FleetCollector([NvidiaBackend(nvml=gpus)], job="j1", node="n1", interval_s=3600)
    col.read_once()
    col.read_once()
    push(col, pushgateway)
    text = urllib.request.urlopen(f"http://{pushgateway}/metrics", timeout=10).read().decode()
    from prometheus_client.parser import text_string_to_metric_families

    got = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.labels.get("node") == "n1":
                got[(s.name, s.labels.get("hw_id", ""))] = (s.value, s.labels)
    value, labels = got[("hw_energy_joules_total", "nvidia:1")]
    assert value == pytest.approx(2.0)
    # grouped by the wattprint job and node: the gateway keeps both labels as pushed
    assert labels["job"] == "j1" and labels["node"] == "n1"
    assert got[("hw_power_watts", "nvidia:0")][0] == 250.0
    assert got[("wattprint_co2e_grams_total", "")][0] > 0
