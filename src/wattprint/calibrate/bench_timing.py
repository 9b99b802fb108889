"""Timing helpers of the micro-benchmarks: warm-up, and a timed loop inside a meter window."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from wattprint.calibrate.bench_result import Measure


def timed_loop(step: Callable[[], Any], seconds: float, sync: Callable[[], None],
                per_iter_s: float, measure: Measure, batch_max: int = 1_000_000
                ) -> tuple[int, float]:
    """Run ``step`` about ``seconds`` long inside ``measure()``; returns (calls, seconds).

    The number of calls is set from ``per_iter_s`` (measured in warm-up) and issued in
    batches, so the clock is read rarely and asynchronous devices stay busy.
    """
    n_total = max(1, int(seconds / max(per_iter_s, 1e-9)))
    batch = max(1, min(n_total, batch_max, int(0.1 / max(per_iter_s, 1e-9)) or 1))
    calls = 0
    with measure():
        sync()
        t0 = time.perf_counter()
        deadline = t0 + seconds
        while True:
            for _ in range(batch):
                step()
            calls += batch
            if calls >= n_total or time.perf_counter() >= deadline:
                break
        sync()
        dt = time.perf_counter() - t0
    return calls, dt


def warm_up(step: Callable[[], Any], sync: Callable[[], None], min_s: float = 0.02,
          max_calls: int = 1000) -> float:
    """Warm up ``step`` and return its time per call [s]."""
    step()
    sync()
    n, t0 = 0, time.perf_counter()
    while n < max_calls:
        step()
        n += 1
        if n & (n - 1) == 0:  # check the clock at powers of two
            sync()
            if time.perf_counter() - t0 >= min_s:
                break
    sync()
    return (time.perf_counter() - t0) / max(n, 1)


def no_sync() -> None:
    return None


def idle_sleep(seconds: float, measure: Measure) -> tuple[float, float | None]:
    """Sleep ``seconds`` in a window; returns (seconds, busy share of all CPUs meanwhile)."""
    from wattprint.calibrate.idle_check import cpu_busy_share

    with measure(), cpu_busy_share() as busy:
        t0 = time.perf_counter()
        time.sleep(seconds)
        dt = time.perf_counter() - t0
    return dt, busy.value
