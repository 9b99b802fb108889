"""Benchmark: what measuring costs.

1. Slowdown of a CPU-bound numpy job (~20 s by default) under the wattprint ``Meter``
   (default 0.2 s sampling) and under CodeCarbon's ``OfflineEmissionsTracker`` (default
   15 s polling), against the bare job, in one interleaved run: each round runs the three
   configurations in a rotating order, so drifts of the machine hit them alike; the
   slowdown is the median over rounds of (t_config / t_bare - 1).
2. The cost of opening and closing one window (begin + end), with this machine's backends
   and with a fake NVML GPU (software overhead only; on real NVML add two energy-counter
   reads, 2 × 3.9 ms on an H200).

Usage: python bench/bench_meter.py [--seconds 20] [--rounds 3] [--no-codecarbon]
Writes bench/results/meter.json. CodeCarbon is optional (``pip install codecarbon``), never a
wattprint dependency.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # a single-threaded job: the sampler competes
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # for the same cores as the work
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent


def job(iters: int) -> float:
    """CPU-bound numpy work: small matmuls and elementwise math (returns a checksum)."""
    rng = np.random.default_rng(0)
    a = rng.random((160, 160))
    acc = 0.0
    for _ in range(iters):
        b = a @ a
        acc += float(np.tanh(b * 1e-3).sum())
    return acc


def calibrate(seconds: float) -> int:
    """Iterations that take about ``seconds``."""
    n = 50
    while True:
        t = time.perf_counter()
        job(n)
        dt = time.perf_counter() - t
        if dt > 0.5:
            return max(1, int(n * seconds / dt))
        n *= 2


def run_bare(iters: int) -> float:
    t = time.perf_counter()
    job(iters)
    return time.perf_counter() - t


def run_wattprint(iters: int) -> float:
    from wattprint.meter import Meter

    m = Meter()
    m.start()
    t = time.perf_counter()
    with m.window("job"):
        job(iters)
    dt = time.perf_counter() - t
    m.stop()
    return dt


def run_codecarbon(iters: int) -> float:
    from codecarbon import OfflineEmissionsTracker

    tr = OfflineEmissionsTracker(country_iso_code="USA", save_to_file=False,
                                 log_level="error")
    tr.start()
    t = time.perf_counter()
    job(iters)
    dt = time.perf_counter() - t
    tr.stop()
    return dt


def window_cost(n: int = 2000) -> dict[str, Any]:
    from wattprint.meter import Meter
    from wattprint.meter.backends.nvidia import NvidiaBackend
    from wattprint.testing import FakeNvml

    out: dict[str, Any] = {}
    for label, backends in (("this machine's backends", None),
                            ("fake NVML GPU (software only)",
                             [NvidiaBackend(nvml=FakeNvml(1), visible_devices=None)])):
        m = Meter(backends=backends, interval_s=3600)
        m.start()
        for _ in range(50):  # warm up
            m.begin_window("w")
            m.end_window("w")
        m.measurements.clear()
        t = time.perf_counter()
        for i in range(n):
            m.begin_window("w")
            m.end_window("w")
            if i % 500 == 0:
                m.measurements.clear()
        dt = (time.perf_counter() - t) / n
        s = m.sampler
        t = time.perf_counter()
        for _ in range(n):
            s.tick()
        tick = (time.perf_counter() - t) / n
        m.stop()
        out[label] = {"us_per_window": dt * 1e6, "us_per_sampler_tick": tick * 1e6,
                      "sampler_duty_at_0.2s_pct": tick / 0.2 * 100,
                      "devices": [d.key for d in m.devices]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-codecarbon", action="store_true")
    ap.add_argument("--only-costs", action="store_true",
                    help="measure only the window and tick costs (merged into meter.json)")
    args = ap.parse_args()
    if args.only_costs:
        path = HERE / "results" / "meter.json"
        res = json.loads(path.read_text()) if path.exists() else {}
        res["window_cost"] = window_cost()
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(res, indent=1))
        _print_costs(res["window_cost"])
        return
    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    configs = {"bare": run_bare, "wattprint": run_wattprint}
    if not args.no_codecarbon:
        try:
            import codecarbon  # noqa: F401

            configs["codecarbon"] = run_codecarbon
        except ImportError:
            print("codecarbon not installed: skipped", file=sys.stderr)
    iters = calibrate(args.seconds)
    times: dict[str, list[float]] = {k: [] for k in configs}
    names = list(configs)
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for k in order:
            times[k].append(configs[k](iters))
            print(f"round {r + 1}: {k:<10} {times[k][-1]:.3f} s", file=sys.stderr, flush=True)
    slow = {k: statistics.median(t / b - 1 for t, b in zip(times[k], times["bare"],
                                                            strict=True))
            for k in names if k != "bare"}
    bare = times["bare"]
    noise = (max(bare) - min(bare)) / statistics.median(bare) if len(bare) > 1 else None
    wc = window_cost()
    versions = {"numpy": np.__version__}
    with __import__("contextlib").suppress(ImportError):
        import codecarbon

        versions["codecarbon"] = codecarbon.__version__
    res = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "versions": versions,
        "job": {"iterations": iters, "target_s": args.seconds, "rounds": args.rounds},
        "times_s": times,
        "median_slowdown": slow,
        "bare_spread": noise,
        "window_cost": wc,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "meter.json").write_text(json.dumps(res, indent=1))
    print(f"\n{'config':<12}{'median time s':>14}{'slowdown':>12}")
    for k in names:
        s = "" if k == "bare" else f"{slow[k] * 100:+.3f} %"
        print(f"{k:<12}{statistics.median(times[k]):>14.3f}{s:>12}")
    if noise is not None:
        print(f"(spread of the bare runs: {noise * 100:.2f} % of their median)")
    _print_costs(wc)


def _print_costs(wc: dict[str, Any]) -> None:
    print(f"\n{'backends':<32}{'window µs':>10}{'tick µs':>10}{'duty @0.2 s':>13}")
    for k, v in wc.items():
        print(f"{k:<32}{v['us_per_window']:>10.1f}{v['us_per_sampler_tick']:>10.1f}"
              f"{v['sampler_duty_at_0.2s_pct']:>12.3f}%")


if __name__ == "__main__":
    main()
