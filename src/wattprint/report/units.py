"""Human-readable units; moved to :mod:`wattprint.units` (re-exported here)."""

from __future__ import annotations

from wattprint.units import fmt, fmt_usd, human, pick_scale

__all__ = ["fmt", "fmt_usd", "human", "pick_scale"]
