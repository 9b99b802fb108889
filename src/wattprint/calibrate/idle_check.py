"""Was the machine idle while ``calibrate device`` measured its idle power?

A profile whose "idle" was measured on a busy machine makes every energy per FLOP and byte
wrong (they are (power − idle) / rate). Checks, each with its threshold:

1. other processes' CPU use during an idle window (share of all CPU time, from
   ``psutil.cpu_times``) ≤ :data:`MAX_CPU_BUSY`; GPU utilisation during the GPU idle
   window ≤ :data:`MAX_GPU_BUSY`;
2. repeats agree: the CPU idle is measured at the start and again at the end; their
   powers differ by ≤ :data:`MAX_IDLE_SPREAD`;
3. load is visible: the busiest benchmark draws ≥ :data:`MIN_LOAD_OVER_IDLE` × idle power.

A machine that fails any check is flagged; the CLI then refuses to save the profile unless
``--force`` (the profile then carries the flags).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

#: Largest share of all CPU time other processes may use during an idle window.
MAX_CPU_BUSY = 0.10
#: Largest GPU utilisation during the GPU idle window.
MAX_GPU_BUSY = 0.05
#: Largest relative difference between the two CPU idle measurements.
MAX_IDLE_SPREAD = 0.15
#: The busiest benchmark must draw at least this multiple of the idle power.
MIN_LOAD_OVER_IDLE = 1.10

IDLE_REPEAT = "cpu_idle_end"


@dataclass
class Busy:
    """Filled when a :func:`cpu_busy_share` block ends: share of CPU time used (0..1)."""

    value: float | None = None


@contextmanager
def cpu_busy_share() -> Iterator[Busy]:
    """Measure the share of all CPUs' time that *other* processes used in the block."""
    out = Busy()
    try:
        import psutil

        me = psutil.Process()
        t0, c0 = psutil.cpu_times(), me.cpu_times()
    except Exception:  # noqa: BLE001 - no psutil data: the check is skipped
        yield out
        return
    yield out
    try:
        t1, c1 = psutil.cpu_times(), me.cpu_times()
    except Exception:  # noqa: BLE001
        return
    total = sum(t1) - sum(t0)
    idle = (t1.idle - t0.idle) + (getattr(t1, "iowait", 0.0) - getattr(t0, "iowait", 0.0))
    own = (c1.user - c0.user) + (c1.system - c0.system)
    if total > 0:
        out.value = min(max((total - idle - own) / total, 0.0), 1.0)


def _power(r: Any) -> float | None:
    p = r.avg_power_w
    return p if p is not None and p > 0 else None


def idle_problems(results: Sequence[Any]) -> list[str]:
    """Why the idle measurement cannot be trusted (empty when the machine looked idle).

    Args:
        results: :class:`~wattprint.calibrate.microbench.BenchResult` list of one run.
    """
    out: list[str] = []
    by = {r.name: r for r in results}
    for r in results:
        if r.kind != "idle" or r.busy_frac is None:
            continue
        gpu = r.device == "gpu" and r.name == "gpu_idle_with_context"
        limit = MAX_GPU_BUSY if gpu else MAX_CPU_BUSY
        if r.busy_frac > limit:
            what = "GPU utilisation" if gpu else "CPU time used by other processes"
            out.append(f"{r.name}: {what} was {r.busy_frac:.0%} during the idle window "
                       f"(at most {limit:.0%} allowed)")
    a, b = by.get("cpu_idle"), by.get(IDLE_REPEAT)
    pa, pb = (_power(a), _power(b)) if a and b else (None, None)
    if pa and pb and abs(pa - pb) / min(pa, pb) > MAX_IDLE_SPREAD:
        out.append(f"idle power changed from {pa:.4g} W to {pb:.4g} W between the first and "
                   f"the repeated idle window (more than {MAX_IDLE_SPREAD:.0%} apart)")
    idle_r = by.get("gpu_idle_with_context") or by.get("cpu_idle")
    idle = _power(idle_r) if idle_r else None
    loads = [p for r in results if r.kind in ("matmul", "copy", "stream")
             and r.device == (idle_r.device if idle_r else "cpu") and (p := _power(r))]
    if idle and loads and max(loads) < MIN_LOAD_OVER_IDLE * idle:
        out.append(f"idle power {idle:.4g} W is within {MIN_LOAD_OVER_IDLE - 1:.0%} of the "
                   f"busiest benchmark's {max(loads):.4g} W: the machine was not idle (or the "
                   "sensor does not see the load)")
    return out


def flag_not_idle(profile: Any, run: Any) -> list[str]:
    """Run :func:`idle_problems` on a benchmark run and record them in the profile's fit
    (``fit.idle_check`` = ``passed`` or ``failed``, problems in ``fit.notes``)."""
    problems = idle_problems(run.results)
    profile.fit["idle_check"] = "failed" if problems else "passed"
    if problems:
        profile.fit.setdefault("notes", []).extend(
            f"NOT IDLE: {p}; energies per FLOP and byte are unreliable" for p in problems)
    return problems
