"""Micro-benchmarks of the local device, run under the meter within a time budget.

CPU (always): numpy matrix products in fp32 and fp64, a memory stream (array copy), idle,
and a call-bound loop of tiny products (per-call overhead).
GPU (when PyTorch with CUDA is installed): idle without and with a CUDA context, matrix
products in fp32 (CUDA cores), tf32, bf16, fp16 and fp8 (``torch._scaled_mm``), a
device-memory copy, and a launch-bound loop of 256×256 bf16 products.

Each benchmark is a small function ``fn(seconds, measure) -> BenchResult``: it prepares and
warms up outside the meter, then runs its timed loop inside ``with measure():`` (a meter
window) for about ``seconds``. :func:`run_benchmarks` shares the user's time budget among
them, attaches the meter's energy to each result and reports progress.

PyTorch is imported lazily and only if installed; tests inject a fake torch-like module at
the boundary (the ``torch`` argument), so no benchmark code needs a GPU to be tested.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

from wattprint.calibrate.bench_result import BenchFn, Benchmark, BenchResult, BenchRun, Measure
from wattprint.calibrate.cpu_bench import cpu_benchmarks
from wattprint.calibrate.gpu_bench import gpu_benchmarks, load_torch
from wattprint.errors import InputError

__all__ = ["DEFAULT_BUDGET_S", "MIN_BUDGET_S", "BenchFn", "BenchResult", "BenchRun",
           "Benchmark", "Measure", "run_benchmarks", "run_device_benchmarks"]

#: Default total time budget of ``calibrate device`` [s] (the issue asks for < 2 minutes).
DEFAULT_BUDGET_S = 90.0
#: Smallest budget accepted [s].
MIN_BUDGET_S = 0.5


# -- runner ---------------------------------------------------------------------------------

Progress = Callable[[str, int, int], None]


def _attach_energy(res: BenchResult, m: Any, gpu_index: int) -> None:
    """Copy the window's energy for the benchmarked device into ``res``."""
    res.window_s = float(m.time.value)
    q = None
    if res.device == "gpu":
        gpus = list(m.gpus)
        pick = [d for d in gpus if d.device.index == gpu_index] or gpus[:1]
        if pick:
            q = pick[0].energy
        else:
            res.note = "no GPU energy sensor (NVML absent): energy not measured"
            return
    else:
        q = m.host_energy
        if q is None or math.isnan(q.value):
            q = m.total_energy
    if q is None or math.isnan(q.value):
        res.note = f"energy not measured: {q.provenance if q is not None else 'no sensor'}"
        return
    res.energy_j = float(q.value)
    res.energy_low_j = float(q.lo)
    res.energy_high_j = float(q.hi)
    res.basis = q.basis
    res.provenance = q.provenance


def run_benchmarks(benchmarks: list[Benchmark], budget_s: float = DEFAULT_BUDGET_S,
                   meter: Any = None, progress: Progress | None = None) -> list[BenchResult]:
    """Run ``benchmarks`` within about ``budget_s`` seconds, each in a meter window.

    Each gets ``weight / Σ weights`` of the budget left after setup (the runner re-shares
    what is left after each one, so a slow setup does not overrun the budget by much).
    ``progress(name, done, total)`` is called before and after each benchmark.

    Raises:
        InputError: a budget under :data:`MIN_BUDGET_S`.
    """
    if not (isinstance(budget_s, int | float) and math.isfinite(budget_s)
            and budget_s >= MIN_BUDGET_S):
        raise InputError(f"time budget must be at least {MIN_BUDGET_S:g} s, got {budget_s!r}")
    from wattprint.meter import Meter

    own = meter is None
    meter = Meter() if own else meter
    results: list[BenchResult] = []
    t_start = time.perf_counter()
    total = len(benchmarks)
    try:
        meter.start()
        for i, b in enumerate(benchmarks):
            if progress:
                progress(b.name, i, total)
            left = budget_s - (time.perf_counter() - t_start)
            weights_left = sum(x.weight for x in benchmarks[i:])
            # ~70 % of a share is the timed loop; the rest covers setup and warm-up.
            seconds = max(0.05, 0.7 * max(left, 0.0) * b.weight / weights_left)
            win = f"calibrate:{b.name}"
            res = b.fn(seconds, functools.partial(meter.window, win))
            m = meter.measurements[-1] if meter.measurements else None
            if m is not None and m.name == win and res.calls + (res.kind == "idle") > 0:
                _attach_energy(res, m, b.gpu_index)
            elif res.note is None:
                res.note = "no meter window recorded"
            results.append(res)
        if progress:
            progress("done", total, total)
    finally:
        if own:
            meter.stop()
    return results


def run_device_benchmarks(budget_s: float = DEFAULT_BUDGET_S, *, meter: Any = None,
                          torch: Any = None, use_gpu: bool | None = None, gpu_index: int = 0,
                          progress: Progress | None = None) -> BenchRun:
    """Benchmark the GPU (if PyTorch+CUDA, or the injected ``torch``) else the CPU.

    Args:
        budget_s: total time budget [s].
        meter: a :class:`~wattprint.meter.Meter` (tests inject one with fake backends).
        torch: a torch-like module (tests); default: import torch if installed.
        use_gpu: force (True) or forbid (False) the GPU path; default: GPU when available.
        gpu_index: which CUDA device.
        progress: ``progress(name, done, total)``.
    """
    from wattprint.meter.backends.cpu_estimate import cpu_model_name

    notes: list[str] = []
    tm = torch
    if use_gpu is not False and tm is None:
        tm = load_torch()
    if use_gpu and tm is None:
        raise InputError("no GPU benchmark possible: PyTorch with CUDA is not installed "
                         "(pip install torch), or no CUDA device is visible")
    t0 = time.perf_counter()
    if tm is not None and use_gpu is not False:
        benches = gpu_benchmarks(tm, gpu_index)
        name = ""  # asked after the no-context idle (the query may open a context)
        device = "gpu"
    else:
        benches = cpu_benchmarks()
        name = cpu_model_name()
        device = "cpu"
        if use_gpu is None:
            notes.append("PyTorch with CUDA not found: benchmarked the CPU (numpy)")
    own = meter is None
    if own:
        from wattprint.meter import Meter

        meter = Meter()
    try:
        results = run_benchmarks(benches, budget_s, meter, progress)
        absent = dict(meter.absent)
    finally:
        if own:
            meter.stop()
    if device == "gpu":
        try:
            name = str(tm.cuda.get_device_name(gpu_index))
        except Exception:  # noqa: BLE001
            name = f"cuda:{gpu_index}"
    return BenchRun(results, device, name, float(budget_s), time.perf_counter() - t0, notes,
                    absent)
