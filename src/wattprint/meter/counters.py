"""Energy counters: wraps and resets, and counter-corrected energy between two reads.

See :mod:`wattprint.meter.sampler` and docs/meter.md for how the sampler uses them.
"""

from __future__ import annotations

#: A counter/integral ratio outside this range is implausible (the instant-power integral
#: was within -5 %..+8 % of the counter on an H200, the averaged one within -9 %..+55 %):
#: integrals are then left unscaled.
PLAUSIBLE_RATIO = (0.5, 2.0)


class CounterTracker:
    """Turns a raw energy counter (J) into a monotonic total (J).

    A backwards step is a wrap when the counter has a known range (``range_j``, RAPL's
    ``max_energy_range_uj``): the increment is ``raw + range - last``. Without a range
    (NVML's 64-bit counter) a backwards step is a reset (driver reload): the increment of
    that step is unknown, counted as zero, and :attr:`resets` goes up so the meter can fall
    back to the power integral for the windows it spans. A total never decreases.
    """

    __slots__ = ("range_j", "last_raw", "total", "resets")

    def __init__(self, range_j: float | None) -> None:
        self.range_j = range_j
        self.last_raw: float | None = None
        self.total = 0.0
        self.resets = 0

    def update(self, raw_j: float) -> float:
        """Feed one raw reading (J); returns the running total (J)."""
        if self.last_raw is not None:
            step = raw_j - self.last_raw
            if step < 0:
                if self.range_j:
                    step += self.range_j
                if step < 0 or not self.range_j:
                    self.resets += 1
                    step = 0.0
            self.total += step
        self.last_raw = raw_j
        return self.total


def apportioned_energy_j(c0_j: float, c1_j: float, e0_j: float, e1_j: float,
                        e_j: float) -> float:
    """Counter-corrected energy [J] at a point between two reads of an energy counter.

    ``C0 + (C1 − C0) × clamp((E − E0) / (E1 − E0), 0, 1)``: the counter at the first read
    (``c0_j``) plus the counter's increment shared out along the power integral, whose
    values at the reads are ``e0_j`` < ``e1_j`` and at the point ``e_j`` (all J,
    cumulative).
    """
    share = (e_j - e0_j) / (e1_j - e0_j)
    return c0_j + (c1_j - c0_j) * min(max(share, 0.0), 1.0)


def provisional_energy_j(c_j: float, e_c_j: float, e_j: float, ratio: float) -> float:
    """Counter-corrected energy [J] at a point after the latest counter read, until the next
    read: ``C + k × (E − E_C)``, the counter ``c_j`` at that read plus the power integral
    since (``e_j − e_c_j``, J) scaled by the counter/integral ratio ``k`` seen so far."""
    return c_j + ratio * (e_j - e_c_j)
