"""``CounterGuard``: raw energy counters turned into plausible, monotonic totals.

A backend that reads an energy counter passes each raw reading (J) through its device's
guard, which tells apart, using the device's physics (its highest plausible power × the
time since the previous read, with a margin):

* a **wrap** (RAPL: back to 0 after ``max_energy_range_uj``), possibly **several** between
  two reads: the number of wraps that makes the power closest to the previous step's;
* a **glitch**: a tiny step backwards (≤ :data:`GLITCH_S` × max power); the reading is
  ignored;
* a **reset** (driver reload, counter cleared): a step backwards that no wrap explains; the
  counter is rebased and the step's energy estimated from the previous power;
* an **impossible jump** forwards (more energy than max power × time allows): rejected and
  rebased the same way.

Every rejection is recorded with its monotonic time in :attr:`CounterGuard.anomalies`, so
the meter can say which windows it touched (:meth:`CounterGuard.between`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

#: Allowed energy per step = max power × (elapsed × MARGIN + SLACK_S): sensors update in
#: bursts, so a step may hold a little more than its share.
MARGIN = 1.5
SLACK_S = 0.05
#: A backwards step of at most max power × GLITCH_S is a read glitch, not a reset.
GLITCH_S = 0.01
#: Several wraps are only inferred from a previous step at least this long (s).
MIN_EVIDENCE_S = 0.01
#: Anomalies kept per device (oldest dropped).
MAX_ANOMALIES = 1000


class CounterGuard:
    """Unwraps and checks one device's energy counter.

    Args:
        key: the device key, for messages.
        range_j: the counter wraps to 0 after this many J (``None``: never wraps).
        max_power_w: the highest plausible power of the device (W).
        clock: monotonic clock (s); tests inject one.
        gap: what happens to the energy of a rejected step, in words (for the notes).
    """

    def __init__(self, key: str, range_j: float | None, max_power_w: float,
                 clock: Callable[[], float] = time.monotonic,
                 gap: str = "the step's energy estimated from the previous power") -> None:
        self.key = key
        self.range_j = range_j if range_j and range_j > 0 else None
        self.max_power_w = max_power_w
        self.clock = clock
        self.gap = gap
        self.total = 0.0
        self.last_raw: float | None = None
        self.last_t: float | None = None
        self.last_power_w: float | None = None
        self.last_dt = 0.0
        self.anomalies: list[tuple[float, str]] = []

    def _note(self, t: float, text: str) -> None:
        self.anomalies.append((t, f"{self.key}: {text}"))
        del self.anomalies[:-MAX_ANOMALIES]

    def between(self, t0: float, t1: float) -> list[str]:
        """Anomalies recorded in ``[t0, t1]`` (monotonic s)."""
        return [a for t, a in self.anomalies if t0 <= t <= t1]

    def update(self, raw_j: float) -> float:
        """Feed one raw reading (J); returns the guarded running total (J)."""
        t = self.clock()
        if self.last_raw is None or self.last_t is None:
            self.last_raw, self.last_t = raw_j, t
            return self.total
        dt = max(t - self.last_t, 0.0)
        allowed = self.max_power_w * (dt * MARGIN + SLACK_S)
        step = self._step(raw_j - self.last_raw, dt, allowed, t)
        if step is None:  # a glitch: ignore this reading entirely
            return self.total
        self.total += step
        if dt > 0:
            self.last_power_w, self.last_dt = step / dt, dt
        self.last_raw, self.last_t = raw_j, t
        return self.total

    def _estimate(self, dt: float) -> float:
        return (self.last_power_w or 0.0) * dt

    def _step(self, step: float, dt: float, allowed: float, t: float) -> float | None:
        if 0 <= step <= allowed:
            return self._unwrap(step, dt, allowed, t, wrapped=False)
        if step > allowed:
            self._note(t, f"impossible counter jump of +{step:.6g} J in {dt:.3g} s (more than "
                          f"{self.max_power_w:g} W allows); rejected, {self.gap}")
            return self._estimate(dt)
        if self.range_j is not None:
            wrapped = self._unwrap(step + self.range_j, dt, allowed, t, wrapped=True)
            if wrapped is not None:
                return wrapped
        if -step <= self.max_power_w * GLITCH_S:
            self._note(t, f"counter stepped back by {-step:.6g} J (a read glitch); reading "
                          "ignored")
            return None
        self._note(t, f"counter went backwards by {-step:.6g} J, which no wrap explains (a "
                      f"reset); {self.gap}")
        return self._estimate(dt)

    def _unwrap(self, once: float, dt: float, allowed: float, t: float, *,
                wrapped: bool) -> float | None:
        """The most plausible energy of a step (``once``: its energy with the fewest wraps,
        0 or 1), adding whole wraps when the previous power says the counter went round
        more often; ``None`` when even ``once`` is implausible."""
        rng = self.range_j
        if rng is None:
            return once
        if once > allowed:
            return None
        extra = int((allowed - once) // rng)
        if extra == 0 or self.last_power_w is None or min(dt, self.last_dt) < MIN_EVIDENCE_S:
            return once  # the only reading, or no steady power to judge by
        expected = self._estimate(dt)
        k = min(range(extra + 1), key=lambda n: abs(once + n * rng - expected))
        if k:
            self._note(t, f"counter wrapped {k + int(wrapped)} times in {dt:.3g} s (count "
                          "chosen from the previous power)")
        return once + k * rng


def finite_nonnegative(value: float, what: str) -> float:
    """``value`` if finite and ≥ 0, else :class:`ValueError` naming ``what``."""
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{what} is {value!r}, not a finite non-negative number")
    return value
