"""A sourced number's three corners (docs/methodology.md §2, ranges): every device parameter
is evaluated at a central, an optimistic and a pessimistic value, read from a data file's
``{value, low, high}`` in one place."""

from __future__ import annotations

from typing import Any

Tri = tuple[float, float, float]


def tri(q: Any, absent: float | None = None) -> Tri:
    """``(central, low, high)`` of a sourced number ``q`` (a missing end is the central value;
    a 0.0 end is kept, never taken for missing). ``q`` None: ``absent`` at all three."""
    if q is None:
        if absent is None:
            raise ValueError("a sourced number is missing and has no default")
        return (absent, absent, absent)
    lo = q.low if q.low is not None else q.value
    hi = q.high if q.high is not None else q.value
    return (q.value, lo, hi)


def best_first(q: Any) -> Tri:
    """``(central, high, low)`` of an efficiency or rate: the high end is the optimistic
    corner (:func:`tri` reordered)."""
    v, lo, hi = tri(q)
    return (v, hi, lo)
