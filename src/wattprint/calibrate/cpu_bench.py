"""CPU micro-benchmarks (numpy): idle, fp32/fp64 matrix products, a memory stream and a
call-bound loop of tiny products. Each is ``fn(seconds, measure) -> BenchResult``."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from wattprint.calibrate.bench_result import BenchFn, Benchmark, BenchResult, Measure
from wattprint.calibrate.bench_timing import idle_sleep, no_sync, timed_loop, warm_up


def cpu_idle(seconds: float, measure: Measure) -> BenchResult:
    """The CPU doing nothing (this process asleep) for ``seconds``."""
    dt, busy = idle_sleep(seconds, measure)
    return BenchResult("cpu_idle", "idle", "cpu", seconds=dt,
                       what="process asleep: the floor of this machine", busy_frac=busy)


def cpu_idle_end(seconds: float, measure: Measure) -> BenchResult:
    """The idle window repeated at the end (its spread from the first flags a busy machine)."""
    r = cpu_idle(seconds, measure)
    r.name, r.what = "cpu_idle_end", "process asleep again after the benchmarks (repeat)"
    return r


def _cpu_matmul_size(dtype: Any, seconds: float) -> int:
    """Largest n in {128 .. 2048} whose product takes ≤ 1/20 of ``seconds``."""
    n = 128
    while n < 2048:
        a = np.ones((n * 2, n * 2), dtype=dtype)
        t0 = time.perf_counter()
        a @ a
        if time.perf_counter() - t0 > seconds / 20:
            break
        n *= 2
    return n


def cpu_matmul(precision: str) -> BenchFn:
    """numpy matrix product ``n×n @ n×n`` in ``fp32`` or ``fp64`` (2n³ FLOPs each)."""
    dtype = {"fp32": np.float32, "fp64": np.float64}[precision]

    def fn(seconds: float, measure: Measure) -> BenchResult:
        n = _cpu_matmul_size(dtype, seconds)
        rng = np.random.default_rng(0)
        a = rng.standard_normal((n, n)).astype(dtype)
        b = rng.standard_normal((n, n)).astype(dtype)
        out = np.empty((n, n), dtype=dtype)

        def step() -> None:
            np.matmul(a, b, out=out)
        per = warm_up(step, no_sync)
        calls, dt = timed_loop(step, seconds, no_sync, per, measure)
        return BenchResult(f"cpu_matmul_{precision}", "matmul", "cpu", precision, dt,
                           flops=2.0 * n ** 3 * calls, calls=calls, shape=f"{n}x{n}x{n}",
                           what=f"numpy matmul {n}^3 {precision}")
    return fn


def cpu_stream(seconds: float, measure: Measure, nbytes: int = 64 * 2 ** 20) -> BenchResult:
    """Copy a 64 MiB array into another (bytes = read + written), repeatedly."""
    n = nbytes // 8
    src = np.ones(n, dtype=np.float64)
    dst = np.empty_like(src)

    def step() -> None:
        np.copyto(dst, src)
    per = warm_up(step, no_sync)
    calls, dt = timed_loop(step, seconds, no_sync, per, measure)
    return BenchResult("cpu_stream", "stream", "cpu", None, dt, bytes=2.0 * nbytes * calls,
                       calls=calls, shape=f"{nbytes // 2 ** 20} MiB",
                       what=f"numpy copy of a {nbytes // 2 ** 20} MiB array; bytes = read + "
                       "written")


def cpu_launch(seconds: float, measure: Measure) -> BenchResult:
    """Tiny 8×8 products back to back: the per-call overhead of the numpy dispatch."""
    a = np.ones((8, 8), dtype=np.float32)

    def step() -> None:
        a @ a
    per = warm_up(step, no_sync)
    calls, dt = timed_loop(step, seconds, no_sync, per, measure)
    return BenchResult("cpu_launch", "launch", "cpu", "fp32", dt, flops=2.0 * 8 ** 3 * calls,
                       calls=calls, shape="8x8x8",
                       what="8x8 numpy matmuls back to back: call-bound")


def cpu_benchmarks() -> list[Benchmark]:
    """The CPU set, with budget weights."""
    return [Benchmark("cpu_idle", cpu_idle, 0.15), Benchmark("cpu_matmul_fp32",
            cpu_matmul("fp32"), 0.25), Benchmark("cpu_matmul_fp64", cpu_matmul("fp64"), 0.2),
            Benchmark("cpu_stream", cpu_stream, 0.25), Benchmark("cpu_launch", cpu_launch, 0.15),
            Benchmark("cpu_idle_end", cpu_idle_end, 0.08)]
