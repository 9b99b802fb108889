"""Issue #11 costs: training callbacks per step, exporter scrape with 8 GPUs.

    python bench/bench_fleet.py          # writes bench/results/fleet.json

* callbacks: the HF ``EnergyCallback`` driven the way the Trainer drives it (``on_step_end``
  every step, ``on_log`` every ``logging_steps``), the Lightning and Keras callbacks likewise,
  on a meter over 8 fake NVML GPUs (each boundary reads 8 counters); per step = total / steps
  (window boundaries amortised over the log interval). Goal ≤ 1 ms per step.
* exporter: one HTTP scrape of ``/metrics`` on 127.0.0.1 with 8 fake GPUs + host. Goal ≤ 10 ms.
* OpenTelemetry: one collection of the same numbers through the SDK's
  ``InMemoryMetricReader`` (what a periodic OTLP export collects before sending).
"""

from __future__ import annotations

import json
import os
import statistics
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("KERAS_BACKEND", "torch")

from wattprint.meter import Meter  # noqa: E402
from wattprint.meter.backends.nvidia import NvidiaBackend  # noqa: E402
from wattprint.testing import FakeGpu, FakeNvml, ReplayBackend  # noqa: E402


def backends() -> list:  # type: ignore[type-arg]
    gpus = FakeNvml([FakeGpu(uuid=f"GPU-{i}", step_mj=500.0, power_w=300.0) for i in range(8)])
    return [NvidiaBackend(nvml=gpus), ReplayBackend({"c": 40.0}, kinds={"c": "cpu"})]


def bench_hf(steps: int = 20000, logging_steps: int = 50) -> float:
    from wattprint.integrations.hf import EnergyCallback

    cb = EnergyCallback(Meter(backends(), interval_s=0.2), ledger=False)
    args = SimpleNamespace(per_device_train_batch_size=8, gradient_accumulation_steps=1)
    state = SimpleNamespace(num_input_tokens_seen=0, global_step=0, log_history=[])
    cb.on_train_begin(args, state, None)
    t0 = time.perf_counter()
    for i in range(1, steps + 1):
        state.global_step = i
        cb.on_step_end(args, state, None)
        if i % logging_steps == 0:
            cb.on_log(args, state, None, logs={"loss": 1.0})
    dt = time.perf_counter() - t0
    cb.tracker.finish()
    return dt / steps * 1e3


def bench_lightning(steps: int = 20000, every: int = 50) -> float:
    from wattprint.integrations.lightning import EnergyCallback

    cb = EnergyCallback(Meter(backends(), interval_s=0.2), ledger=False,
                        log_every_n_steps=every)
    trainer = SimpleNamespace(loggers=[], global_step=0, log_every_n_steps=every)
    cb.on_fit_start(trainer, None)
    import torch

    batch = (torch.zeros(8, 4), torch.zeros(8, 1))
    t0 = time.perf_counter()
    for i in range(1, steps + 1):
        trainer.global_step = i
        cb.on_train_batch_end(trainer, None, None, batch, i)
    dt = time.perf_counter() - t0
    cb.tracker.finish()
    return dt / steps * 1e3


def bench_keras(steps: int = 20000, per_epoch: int = 1000) -> float:
    from wattprint.integrations.keras import EnergyCallback

    cb = EnergyCallback(Meter(backends(), interval_s=0.2), ledger=False, batch_size=8)
    cb.on_train_begin()
    t0 = time.perf_counter()
    for e in range(steps // per_epoch):
        cb.on_epoch_begin(e)
        for b in range(per_epoch):
            cb.on_train_batch_end(b, {})
        cb.on_epoch_end(e, {})
    dt = time.perf_counter() - t0
    cb.on_train_end()
    return dt / steps * 1e3


def bench_scrape(n: int = 200) -> dict[str, float]:
    from wattprint.exporter import FleetCollector, serve

    col = FleetCollector(backends(), job="bench", node="n0", interval_s=3600)
    server = serve(col, 0)
    url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        urllib.request.urlopen(url, timeout=10).read()
        times.append((time.perf_counter() - t0) * 1e3)
    server.shutdown()
    return {"median_ms": statistics.median(times), "max_ms": max(times),
            "p95_ms": sorted(times)[int(0.95 * n)]}


def bench_otel(n: int = 200) -> dict[str, float]:
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from wattprint.exporter import FleetCollector
    from wattprint.exporter.otel import OtelBridge

    col = FleetCollector(backends(), job="bench", node="n0", interval_s=3600)
    reader = InMemoryMetricReader()
    bridge = OtelBridge(col, [reader])
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        reader.get_metrics_data()
        times.append((time.perf_counter() - t0) * 1e3)
    bridge.shutdown()
    return {"median_ms": statistics.median(times), "max_ms": max(times),
            "p95_ms": sorted(times)[int(0.95 * n)]}


def main() -> None:
    out = {"callback_ms_per_step": {"hf": bench_hf(), "lightning": bench_lightning(),
                                    "keras": bench_keras()},
           "exporter_scrape_8_gpus": bench_scrape(),
           "otel_collect_8_gpus": bench_otel()}
    path = Path(__file__).parent / "results" / "fleet.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
