"""Extrapolate the first steps of a measured training run to the whole run, with a range.

Input: a ledger run whose windows are its steps (one window per step, e.g. ``step``, or
``step 1``, ``step 2`` ...). Method:

1. the step windows are the windows of the chosen name (default: the most frequent name
   once trailing numbers are stripped);
2. warm-up: leading steps slower than 1.25 × the median of the later half (compilation,
   allocator growth, autotuning) are set aside (at most a third; or ``warmup`` given);
3. the steady rate (time and energy per step) is the mean over the remaining ``m`` steps,
   with sample standard deviation ``s``;
4. total = measured so far (every step, warm-up included) + ``R`` remaining steps × mean;
5. range (≈95 %): ``± 2·sqrt(R·s² + R²·s²/m)`` (step-to-step noise of the remaining steps,
   plus the uncertainty of the mean), plus ``R · |mean of the later half − mean of the
   earlier half|`` when the rate drifts, plus the meter's own range on the measured part
   (e.g. ±50 % for CPU estimates) scaled to the whole.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from wattprint.errors import InputError
from wattprint.units import plural

WARMUP_FACTOR = 1.25
_NUM = re.compile(r"[\s_:#\-]*\d+$")


def _base(name: str) -> str:
    return _NUM.sub("", name) or name


@dataclass
class Extrapolation:
    """Whole-run time and energy from its first steps."""

    run_id: str
    window: str
    steps_measured: int
    warmup_steps: int
    total_steps: int
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"run": self.run_id, "window": self.window,
                "steps_measured": self.steps_measured, "warmup_steps": self.warmup_steps,
                "total_steps": self.total_steps, **self.figures, "notes": self.notes}


def detect_warmup(times: list[float]) -> int:
    """Leading steps slower than :data:`WARMUP_FACTOR` × the later half's median."""
    n = len(times)
    if n < 3:
        return 0
    ref = statistics.median(times[n // 2:])
    k = 0
    while k < n // 3 and times[k] > WARMUP_FACTOR * ref:
        k += 1
    return k


def _rel_range(w: dict[str, Any], col: str) -> tuple[float, float]:
    """The meter's relative range of a window's energy (1, 1 when none recorded)."""
    m = w.get("measurement") or {}
    key = {"accelerator_energy_j": "accelerator_energy",
           "total_energy_j": "total_energy"}.get(col)
    q = m.get(key) if key else None
    if not isinstance(q, dict):
        return 1.0, 1.0
    v, lo, hi = q.get("value"), q.get("low"), q.get("high")
    if not v or lo is None or hi is None:
        return 1.0, 1.0
    return float(lo) / float(v), float(hi) / float(v)


def _step_windows(windows: list[dict[str, Any]], window: str | None, run_id: str
                  ) -> tuple[str, list[dict[str, Any]]]:
    """The step windows' name and rows with a time (default name: the most frequent base)."""
    if window is None:
        counts = Counter(_base(str(w.get("name", ""))) for w in windows)
        if not counts:
            raise InputError(f"run {run_id} has no windows: record one window per step "
                             "(meter.window('step')) to extrapolate")
        window, _ = counts.most_common(1)[0]
        steps = [w for w in windows if _base(str(w.get("name", ""))) == window]
    else:
        steps = [w for w in windows if w.get("name") == window
                 or _base(str(w.get("name", ""))) == window]
    return window, [w for w in steps if w.get("time_s") is not None]


def _columns(steps: list[dict[str, Any]]) -> list[str]:
    """The figures to extrapolate: time, and each energy every step window has (> 0)."""
    cols = ["time_s"]
    for col in ("accelerator_energy_j", "total_energy_j"):
        vals = [w.get(col) for w in steps]
        if all(a is not None and a > 0 for a in vals):
            cols.append(col)
    return cols


def _extrapolate_figure(vals: list[float], k: int, remaining: int) -> dict[str, float]:
    """One figure (time or energy per step) extrapolated over ``remaining`` steps (no meter
    range): measured + remaining × steady mean, ± noise, mean uncertainty and drift."""
    steady = vals[k:]
    m = len(steady)
    mean = statistics.fmean(steady)
    sd = statistics.stdev(steady) if m > 1 else 0.0
    half = m // 2
    drift = abs(statistics.fmean(steady[half:]) - statistics.fmean(steady[:half])) \
        if half >= 1 else 0.0
    done = sum(vals)
    value = done + remaining * mean
    spread = 2.0 * math.sqrt(remaining * sd ** 2 + remaining ** 2 * sd ** 2 / m) + \
        remaining * drift
    return {"value": value, "low": value - spread, "high": value + spread,
            "measured": done, "per_step": mean, "per_step_sd": sd,
            "per_step_drift": drift, "warmup_extra": sum(vals[:k]) - k * mean}


def extrapolate_windows(windows: list[dict[str, Any]], total_steps: int, *,
                        run_id: str = "", window: str | None = None,
                        warmup: int | None = None) -> Extrapolation:
    """Extrapolate step windows (ledger rows) to ``total_steps`` steps.

    Raises:
        InputError: fewer than two step windows, or more measured steps than the total.
    """
    if not isinstance(total_steps, int) or total_steps < 1:
        raise InputError(f"--total-steps must be a positive integer, got {total_steps!r}")
    window, steps = _step_windows(windows, window, run_id)
    n = len(steps)
    if n < 2:
        raise InputError(f"run {run_id} has {plural(n, 'window')} named {window!r}: need at "
                         "least 2 step windows to extrapolate (see --window)")
    if n > total_steps:
        raise InputError(f"--total-steps {total_steps} is less than the {n} steps measured")
    times = [float(w["time_s"]) for w in steps]
    k = detect_warmup(times) if warmup is None else int(warmup)
    if not 0 <= k <= n - 2:
        raise InputError(f"warm-up of {k} steps leaves fewer than 2 of the {n} measured steps")
    notes: list[str] = []
    if any(not w.get("complete", True) for w in steps):
        notes.append("some step windows are incomplete (cut short)")
    ex = Extrapolation(run_id, window, n, k, total_steps, notes=notes)
    remaining = total_steps - n
    for col in _columns(steps):
        fig = _extrapolate_figure([float(w[col]) for w in steps], k, remaining)
        if col != "time_s":
            rlo, rhi = _rel_range(steps[0], col)
            fig["low"], fig["high"] = fig["low"] * rlo, fig["high"] * rhi
        fig["low"] = max(fig["low"], fig["measured"])
        ex.figures[col] = fig
    if k:
        notes.append(f"first {plural(k, 'step')} treated as warm-up: counted once, not "
                     "extrapolated")
    if remaining == 0:
        notes.append("every step was measured: the total is the measurement")
    return ex


def extrapolate_run(ledger: Any, run: str, total_steps: int, *, window: str | None = None,
                    warmup: int | None = None) -> Extrapolation:
    """Extrapolate a ledger run (id or prefix) to ``total_steps`` steps."""
    row = ledger.run(run)
    ex = extrapolate_windows(ledger.windows(row["id"]), total_steps, run_id=row["id"],
                             window=window, warmup=warmup)
    if row.get("state") not in (None, "complete"):
        ex.notes.append(f"run is {row.get('state')}: extrapolated from the steps it recorded")
    return ex
