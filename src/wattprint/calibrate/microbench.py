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

import contextlib
import functools
import importlib.util
import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from wattprint.errors import InputError

Measure = Callable[[], AbstractContextManager[Any]]
BenchFn = Callable[[float, Measure], "BenchResult"]

#: Default total time budget of ``calibrate device`` [s] (the issue asks for < 2 minutes).
DEFAULT_BUDGET_S = 90.0
#: Smallest budget accepted [s].
MIN_BUDGET_S = 0.5


@dataclass
class BenchResult:
    """What one benchmark did and (after the runner) what it cost.

    ``seconds`` is the timed loop's wall time (perf counter, after a synchronise);
    ``flops``/``bytes``/``calls`` the work done in it. The runner fills the energy fields from
    the meter window around the loop: ``energy_j`` (of the benchmarked device: the GPU, or
    CPU + DRAM for CPU benchmarks), its range, ``basis`` (``measured`` or ``modelled`` =
    estimated) and ``provenance`` (the meter's method and sensor).
    """

    name: str
    kind: str  # idle | matmul | copy | stream | launch
    device: str  # cpu | gpu
    precision: str | None = None
    seconds: float = 0.0
    flops: float = 0.0
    bytes: float = 0.0
    calls: int = 0
    shape: str = ""
    what: str = ""
    energy_j: float | None = None
    energy_low_j: float | None = None
    energy_high_j: float | None = None
    window_s: float | None = None
    basis: str | None = None
    provenance: str | None = None
    note: str | None = None
    busy_frac: float | None = None  # idle benchmarks: share of CPU (or GPU) time others used

    @property
    def flops_per_s(self) -> float:
        """Achieved FLOP/s."""
        return self.flops / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_s(self) -> float:
        """Achieved bytes/s."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    @property
    def avg_power_w(self) -> float | None:
        """Average power of the benchmarked device over the window [W]."""
        t = self.window_s or self.seconds
        if self.energy_j is None or not t or math.isnan(self.energy_j):
            return None
        return self.energy_j / t

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the derived rates."""
        d = asdict(self)
        d.update(flops_per_s=self.flops_per_s, bytes_per_s=self.bytes_per_s,
                 avg_power_w=self.avg_power_w)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in d.items()}


@dataclass
class Benchmark:
    """A benchmark to run: its function and its share of the budget."""

    name: str
    fn: BenchFn
    weight: float
    device: str = "cpu"
    gpu_index: int = 0


@dataclass
class BenchRun:
    """All results of a run plus what the machine was."""

    results: list[BenchResult]
    device: str  # cpu | gpu
    device_name: str
    budget_s: float
    elapsed_s: float
    notes: list[str] = field(default_factory=list)
    meter_absent: dict[str, str] = field(default_factory=dict)


# -- timing helpers -------------------------------------------------------------------------

def _timed_loop(step: Callable[[], Any], seconds: float, sync: Callable[[], None],
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


def _warm(step: Callable[[], Any], sync: Callable[[], None], min_s: float = 0.02,
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


def _noop() -> None:
    return None


# -- CPU benchmarks -------------------------------------------------------------------------

def _idle_sleep(seconds: float, measure: Measure) -> tuple[float, float | None]:
    """Sleep ``seconds`` in a window; returns (seconds, busy share of all CPUs meanwhile)."""
    from wattprint.calibrate.idle_check import cpu_busy_share

    with measure(), cpu_busy_share() as busy:
        t0 = time.perf_counter()
        time.sleep(seconds)
        dt = time.perf_counter() - t0
    return dt, busy.value


def cpu_idle(seconds: float, measure: Measure) -> BenchResult:
    """The CPU doing nothing (this process asleep) for ``seconds``."""
    dt, busy = _idle_sleep(seconds, measure)
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
        per = _warm(step, _noop)
        calls, dt = _timed_loop(step, seconds, _noop, per, measure)
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
    per = _warm(step, _noop)
    calls, dt = _timed_loop(step, seconds, _noop, per, measure)
    return BenchResult("cpu_stream", "stream", "cpu", None, dt, bytes=2.0 * nbytes * calls,
                       calls=calls, shape=f"{nbytes // 2 ** 20} MiB",
                       what=f"numpy copy of a {nbytes // 2 ** 20} MiB array; bytes = read + "
                       "written")


def cpu_launch(seconds: float, measure: Measure) -> BenchResult:
    """Tiny 8×8 products back to back: the per-call overhead of the numpy dispatch."""
    a = np.ones((8, 8), dtype=np.float32)

    def step() -> None:
        a @ a
    per = _warm(step, _noop)
    calls, dt = _timed_loop(step, seconds, _noop, per, measure)
    return BenchResult("cpu_launch", "launch", "cpu", "fp32", dt, flops=2.0 * 8 ** 3 * calls,
                       calls=calls, shape="8x8x8",
                       what="8x8 numpy matmuls back to back: call-bound")


def cpu_benchmarks() -> list[Benchmark]:
    """The CPU set, with budget weights."""
    return [Benchmark("cpu_idle", cpu_idle, 0.15), Benchmark("cpu_matmul_fp32",
            cpu_matmul("fp32"), 0.25), Benchmark("cpu_matmul_fp64", cpu_matmul("fp64"), 0.2),
            Benchmark("cpu_stream", cpu_stream, 0.25), Benchmark("cpu_launch", cpu_launch, 0.15),
            Benchmark("cpu_idle_end", cpu_idle_end, 0.08)]


# -- GPU benchmarks (PyTorch + CUDA) ------------------------------------------------------

def load_torch() -> Any | None:
    """``torch`` if installed and CUDA is available, else ``None`` (imports lazily)."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch  # noqa: PLC0415 - optional dependency

    try:
        if not torch.cuda.is_available():
            return None
    except Exception:  # noqa: BLE001 - a broken CUDA install means no GPU benchmarks
        return None
    return torch


GPU_PRECISIONS: tuple[str, ...] = ("bf16", "fp16", "tf32", "fp32", "fp8")


def _sync(torch: Any, dev: str) -> Callable[[], None]:
    def s() -> None:
        torch.cuda.synchronize(dev)
    return s


@contextlib.contextmanager
def _tf32(torch: Any, on: bool) -> Iterator[None]:
    m = torch.backends.cuda.matmul
    old = m.allow_tf32
    m.allow_tf32 = on
    try:
        yield
    finally:
        m.allow_tf32 = old


def gpu_idle(torch: Any, index: int, context: bool) -> BenchFn:
    """The GPU idle, with (``context``) or without a CUDA context held by this process.

    Without a context must run before anything touches the device (it runs first).
    """
    def fn(seconds: float, measure: Measure) -> BenchResult:
        dev = f"cuda:{index}"
        if context:
            torch.zeros(1, device=dev)
            torch.cuda.synchronize(dev)
        dt, _ = _idle_sleep(seconds, measure)
        busy: float | None = None
        if context:
            with contextlib.suppress(Exception):  # needs nvidia-ml-py; GPU busy % now
                busy = float(torch.cuda.utilization(index)) / 100.0
        name = "gpu_idle_with_context" if context else "gpu_idle_no_context"
        what = ("GPU idle with a PyTorch CUDA context open (the floor while a job holds "
                "the GPU)" if context else "GPU idle, no CUDA context opened by this process")
        return BenchResult(name, "idle", "gpu", seconds=dt, what=what, busy_frac=busy)
    return fn


def gpu_matmul(torch: Any, index: int, precision: str, n: int = 8192) -> BenchFn:
    """``n×n @ n×n`` on the GPU at ``precision`` (2n³ FLOPs each).

    fp32 runs on CUDA cores (TF32 off), tf32 is fp32 inputs with TF32 tensor cores, fp8 is
    ``torch._scaled_mm`` on float8_e4m3fn inputs with a bf16 output.
    """
    def fn(seconds: float, measure: Measure) -> BenchResult:
        if not gpu_supports(torch, index, precision):
            return BenchResult(f"gpu_matmul_{precision}", "matmul", "gpu", precision,
                               note=f"skipped: this GPU or PyTorch build has no {precision} "
                               "matrix product")
        dev = f"cuda:{index}"
        sync = _sync(torch, dev)
        size = n
        if precision == "fp32":
            size = min(n, 4096)  # CUDA-core fp32 is ~15× slower; keep one call short
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "tf32": torch.float32,
                 "fp32": torch.float32, "fp8": torch.bfloat16}[precision]
        a = torch.randn(size, size, device=dev, dtype=dtype)
        b = torch.randn(size, size, device=dev, dtype=dtype)
        if precision == "fp8":
            f8 = torch.float8_e4m3fn
            a8 = a.to(f8)
            b8 = b.to(f8).t().contiguous().t()  # column-major second operand
            one = torch.ones((), device=dev, dtype=torch.float32)

            def step() -> Any:
                return torch._scaled_mm(a8, b8, scale_a=one, scale_b=one,
                                        out_dtype=torch.bfloat16)
            what = f"torch._scaled_mm {size}^3, float8_e4m3fn inputs, bf16 output"
        else:
            def step() -> Any:
                return torch.matmul(a, b)
            what = f"torch.matmul {size}^3, {precision}"
        with _tf32(torch, precision == "tf32"):
            per = _warm(step, sync, min_s=0.05, max_calls=64)
            calls, dt = _timed_loop(step, seconds, sync, per, measure)
        return BenchResult(f"gpu_matmul_{precision}", "matmul", "gpu", precision, dt,
                           flops=2.0 * size ** 3 * calls, calls=calls,
                           shape=f"{size}x{size}x{size}", what=what)
    return fn


def gpu_copy(torch: Any, index: int, nbytes: int = 4 * 2 ** 30) -> BenchFn:
    """Device-to-device copy of a buffer (bytes = read + written), ≤ 1/4 of free memory."""
    def fn(seconds: float, measure: Measure) -> BenchResult:
        dev = f"cuda:{index}"
        sync = _sync(torch, dev)
        size = nbytes
        with contextlib.suppress(Exception):
            free, _ = torch.cuda.mem_get_info(dev)
            size = int(min(size, free // 4))
        size = max(size, 2 ** 20)
        src = torch.empty(size, dtype=torch.uint8, device=dev)
        dst = torch.empty(size, dtype=torch.uint8, device=dev)

        def step() -> Any:
            return dst.copy_(src)
        per = _warm(step, sync, min_s=0.05, max_calls=64)
        calls, dt = _timed_loop(step, seconds, sync, per, measure)
        return BenchResult("gpu_copy", "copy", "gpu", None, dt, bytes=2.0 * size * calls,
                           calls=calls, shape=f"{size / 2 ** 30:.3g} GiB",
                           what=f"device-to-device copy of a {size / 2 ** 30:.3g} GiB buffer;"
                           " bytes = read + written")
    return fn


def gpu_launch(torch: Any, index: int, n: int = 256) -> BenchFn:
    """``n×n`` bf16 products back to back: launch-bound, the per-kernel host overhead."""
    def fn(seconds: float, measure: Measure) -> BenchResult:
        dev = f"cuda:{index}"
        sync = _sync(torch, dev)
        a = torch.randn(n, n, device=dev, dtype=torch.bfloat16)

        def step() -> Any:
            return torch.matmul(a, a)
        per = _warm(step, sync)
        calls, dt = _timed_loop(step, seconds, sync, per, measure, batch_max=1000)
        return BenchResult("gpu_launch", "launch", "gpu", "bf16", dt,
                           flops=2.0 * n ** 3 * calls, calls=calls, shape=f"{n}x{n}x{n}",
                           what=f"{n}x{n} bf16 matmuls back to back: launch-bound")
    return fn


def gpu_supports(torch: Any, index: int, precision: str) -> bool:
    """Whether this GPU/PyTorch offers ``precision`` (bf16 needs Ampere, fp8 Hopper/Ada)."""
    try:
        major, minor = torch.cuda.get_device_capability(index)
    except Exception:  # noqa: BLE001
        return precision in ("fp32", "fp16")
    cc = major * 10 + minor
    if precision == "bf16" or precision == "tf32":
        return cc >= 80
    if precision == "fp8":
        return cc >= 89 and hasattr(torch, "float8_e4m3fn") and hasattr(torch, "_scaled_mm")
    return True


def gpu_benchmarks(torch: Any, index: int = 0,
                   precisions: tuple[str, ...] = GPU_PRECISIONS) -> list[Benchmark]:
    """The GPU set for device ``index`` (idle without a context first), with weights."""
    out = [Benchmark("gpu_idle_no_context", gpu_idle(torch, index, False), 0.06, "gpu", index),
           Benchmark("gpu_idle_with_context", gpu_idle(torch, index, True), 0.06, "gpu",
                     index)]
    for p in precisions:  # support is checked when each runs (after the no-context idle)
        w = 0.14 if p == "fp32" else 0.1
        out.append(Benchmark(f"gpu_matmul_{p}", gpu_matmul(torch, index, p), w, "gpu", index))
    out.append(Benchmark("gpu_copy", gpu_copy(torch, index), 0.12, "gpu", index))
    out.append(Benchmark("gpu_launch", gpu_launch(torch, index), 0.08, "gpu", index))
    return out


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
