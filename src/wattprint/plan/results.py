"""A ranked plan: typed result, ranking with reasons, the frontier."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.constraints import Constraint
from wattprint.plan.objectives import (
    METRICS,
    OBJECTIVES,
    SITE_DATA_OBJECTIVES,
    objective_names,
)
from wattprint.plan.pareto import pareto_mask, skyline_candidates
from wattprint.units import plural


@dataclass
class PlanResult:
    """A ranked plan: top entries with reasons, the frontier, constraints and provenance."""

    kind: str
    objective: str
    inputs: dict[str, Any]
    space: dict[str, Any]
    constraints: list[Constraint]
    ranked: list[dict[str, Any]]
    frontier: list[dict[str, Any]]
    n_configs: int
    n_feasible: int
    elapsed_s: float
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)

    @property
    def configs_per_s(self) -> float:
        """Sweep throughput."""
        return self.n_configs / self.elapsed_s if self.elapsed_s > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        return {"kind": self.kind, "objective": self.objective, "inputs": self.inputs,
                "space": self.space, "n_configs": self.n_configs,
                "n_feasible": self.n_feasible,
                "constraints": [c.to_dict() for c in self.constraints],
                "ranked": self.ranked, "frontier": self.frontier, "notes": self.notes,
                "provenance": self.provenance,
                "timing": {"elapsed_s": self.elapsed_s, "configs_per_s": self.configs_per_s}}


def _pct(a: float, b: float) -> float:
    return (a - b) / b * 100.0 if b else 0.0


def _why(rows: list[dict[str, Any]], i: int, objective: str, per: str) -> str:
    """Why row ``i`` ranks where it does: the margin on the objective, the trade-offs against
    #1, and the numbers that drive it."""
    key, unit, label = OBJECTIVES[objective]
    row = rows[i]
    parts = []
    if i == 0:
        if len(rows) > 1 and rows[1][key] > 0:
            gap = -_pct(row[key], rows[1][key])
            if gap < 0.05:
                ahead = [f"{-_pct(row[k], rows[1][k]):.0f} % less {lab.split(' (')[0]}"
                         for o, (k, _, lab) in OBJECTIVES.items()
                         if o != objective and row[k] < rows[1][k] * 0.995]
                parts.append(f"lowest {label}, tied with #2" + (
                    f"; wins the tie on {', '.join(ahead)}" if ahead else ""))
            else:
                parts.append(f"lowest {label}: {gap:.1f} % below #2")
        else:
            parts.append(f"lowest {label}")
    else:
        parts.append(f"+{_pct(row[key], rows[0][key]):.1f} % {label} vs #1")
        better = [f"{-_pct(row[k], rows[0][k]):.0f} % less {lab.split(' (')[0]}"
                  for o, (k, _, lab) in OBJECTIVES.items()
                  if o != objective and row[k] < rows[0][k] * 0.995]
        if better:
            parts.append("but " + ", ".join(better))
    parts.append(row.get("drivers", ""))
    return "; ".join(p for p in parts if p)


def _drop_missing(alive: np.ndarray, values: np.ndarray, objective: str,
                  notes: list[str]) -> np.ndarray:
    """Feasible configurations that have data for ``objective`` (sites can lack an AWARE or
    Aqueduct figure); the others are left out with a note, never ranked as zero."""
    has = np.isfinite(np.broadcast_to(values, alive.shape))
    lost = int(np.count_nonzero(alive & ~has))
    if lost:
        notes.append(f"{plural(lost, 'feasible configuration')} left out: their region has no "
                     f"{objective} data")
    out = alive & has
    if not out.any():
        raise UnsupportedError(f"no feasible configuration has {objective} data for its region")
    return out


def finish(kind: str, objective: str, inputs: dict[str, Any], space: dict[str, Any],
            constraints: list[Constraint], metrics: dict[str, np.ndarray], alive: np.ndarray,
            describe: Callable[..., dict[str, Any]], top: int, t0: float,
            n_configs: int, per: str, notes: list[str], frontier_max: int = 50,
            skyline: tuple[np.ndarray, np.ndarray] | None = None) -> PlanResult:
    """Rank the feasible configurations by ``objective``, explain the top ``top``, and
    compute the Pareto frontier (over the ``skyline`` candidates where given)."""
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose {objective_names()}")
    shape = alive.shape
    key = OBJECTIVES[objective][0]
    if objective in SITE_DATA_OBJECTIVES:
        alive = _drop_missing(alive, metrics[key], objective, notes)
    flat = {m: metrics[m].reshape(-1) for m in (*METRICS, key)}
    flat_idx = np.flatnonzero(alive.reshape(-1))
    obj = flat[key][flat_idx]
    # top N: everything within rounding of the N-th best, then ties broken by the others
    if flat_idx.size > top:
        thr = np.partition(obj, top - 1)[top - 1]
        cand = flat_idx[obj <= thr * (1.0 + 1e-9)]
    else:
        cand = flat_idx
    c_obj = flat[key][cand]
    scale = 10.0 ** np.floor(np.log10(np.abs(c_obj) + 1e-300))
    obj_r = np.round(c_obj / scale, 9) * scale
    others = [m for m in ("facility_energy_j", "total_co2e_g", "cost_usd", "water_l")
              if m != key]
    order = np.lexsort(tuple(flat[m][cand] for m in reversed(others)) + (obj_r,))
    top_idx = cand[order[:top]]
    # frontier over the four objectives
    pool = skyline_candidates(alive, *skyline) if skyline is not None else flat_idx
    costs = np.stack([flat[m][pool] for m in METRICS], axis=1)
    pmask = pareto_mask(costs)
    front_all = pool[pmask]
    elapsed = time.perf_counter() - t0
    ranked = [describe(np.unravel_index(int(j), shape)) for j in top_idx]
    front_sorted = front_all[np.argsort(flat[key][front_all], kind="stable")][:frontier_max]
    front_set = set(int(j) for j in front_all)
    for j, row in zip(top_idx, ranked, strict=True):
        row["pareto"] = int(j) in front_set
    for i, row in enumerate(ranked):
        row["rank"] = i + 1
        row["why"] = _why(ranked, i, objective, per)
    frontier = [describe(np.unravel_index(int(j), shape), light=True) for j in front_sorted]
    if front_all.size > frontier_max:
        notes.append(f"frontier has {front_all.size} members; the {frontier_max} best by "
                     f"{objective} are listed")
    return PlanResult(kind, objective, inputs, space, constraints, ranked, frontier, n_configs,
                      int(flat_idx.size), elapsed, notes)
