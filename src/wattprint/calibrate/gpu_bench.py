"""GPU micro-benchmarks (PyTorch + CUDA, imported lazily): idle without and with a context,
matrix products per precision, a device-memory copy and a launch-bound loop.

``torch`` is an argument everywhere, so tests inject a fake torch-like module."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterator
from typing import Any

from wattprint.calibrate.bench_result import BenchFn, Benchmark, BenchResult, Measure
from wattprint.calibrate.bench_timing import idle_sleep, timed_loop, warm_up


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
        dt, _ = idle_sleep(seconds, measure)
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
            per = warm_up(step, sync, min_s=0.05, max_calls=64)
            calls, dt = timed_loop(step, seconds, sync, per, measure)
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
        per = warm_up(step, sync, min_s=0.05, max_calls=64)
        calls, dt = timed_loop(step, seconds, sync, per, measure)
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
        per = warm_up(step, sync)
        calls, dt = timed_loop(step, seconds, sync, per, measure, batch_max=1000)
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
