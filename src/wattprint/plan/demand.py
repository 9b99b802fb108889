"""Serving demand; moved to :mod:`wattprint.workload.demand` (re-exported here)."""

from __future__ import annotations

from wattprint.workload.demand import Demand, parse_demand

__all__ = ["Demand", "parse_demand"]
