"""Vectorised serving and training sweeps, the Pareto frontier and empty-set attribution.

The device model is the engine's (``device/roofline.py`` formulas on numpy arrays, the same
steps as :func:`wattprint.device.execute._evaluate` at the central corner); the FLOPs and bytes
come from ``workload/phases.py`` once per (precision, batch); the site chain uses
``site/formulas.py`` on arrays. A configuration evaluated here gives the same per-batch numbers
as :func:`wattprint.estimate.estimate_inference` (tests check 1e-6 relative).

Serving model (docs/planning.md §Serving): a replica is ``chips`` × one hardware running static
batches of ``batch`` requests; one batch-cycle is a prefill plus ``output − 1`` decode steps,
taking ``T`` seconds and ``E`` joules of accelerator energy. For a demand of ``λ`` requests/s:

    replicas R = max(1, ⌈λ·T / batch⌉)
    cycles/day = λ · 86 400 / batch
    accelerator J/day = cycles · E + P_idle · chips · (R · 86 400 − cycles · T)
    host J/day = P_host · chips · R · 86 400
    embodied g/day = E_emb · chips · R · 86 400 / lifetime      (reserved full time)

and the site chain turns IT energy into facility energy, CO2e, water and cost.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wattprint.catalog.schema import Hardware, Site
from wattprint.device import roofline as r
from wattprint.device.execute import COLLECTIVE_LATENCY_S, DeviceParams
from wattprint.device.profile import Profile, load_profile
from wattprint.device.stacks import Stack, get_stack
from wattprint.errors import InputError, UnsupportedError
from wattprint.numbers import CO2E_UNITS, ENERGY_UNITS, parse_number
from wattprint.plan.data import sweep_default
from wattprint.plan.demand import Demand
from wattprint.quantity import J_PER_KWH, S_PER_DAY, S_PER_YEAR
from wattprint.site import formulas as sf
from wattprint.site.chain import SiteFactors, resolve_site
from wattprint.site.defaults import default_value
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import Work, decode_work, prefill_work, train_step_work
from wattprint.workload.precision import PrecisionPlan, precision_plan

#: Objectives: name → (metric key, SI unit, label).
OBJECTIVES: dict[str, tuple[str, str, str]] = {
    "energy": ("facility_energy_j", "J", "facility energy"),
    "co2e": ("total_co2e_g", "gCO2e", "CO2e (operational + embodied)"),
    "water": ("water_l", "L", "water (on-site + off-site)"),
    "cost": ("cost_usd", "USD", "electricity cost"),
}
METRICS = tuple(v[0] for v in OBJECTIVES.values())

ProgressFn = Callable[[int, int], None]

# --------------------------------------------------------------------------- parsing

_BUDGET_UNITS: dict[str, tuple[str, float]] = {
    **{u: ("energy", f) for u, f in ENERGY_UNITS.items()},
    **{u: ("co2e", f) for u, f in CO2E_UNITS.items()},
    "m3": ("water", 1e3), "m³": ("water", 1e3), "ML": ("water", 1e6), "kL": ("water", 1e3),
    "L": ("water", 1.0), "l": ("water", 1.0),
    "MUSD": ("cost", 1e6), "kUSD": ("cost", 1e3), "USD": ("cost", 1.0), "usd": ("cost", 1.0),
    "$": ("cost", 1.0),
}
_PERIODS = {"s": 1.0, "h": 3600.0, "hour": 3600.0, "d": S_PER_DAY, "day": S_PER_DAY,
            "week": 7 * S_PER_DAY, "month": S_PER_YEAR / 12, "mo": S_PER_YEAR / 12,
            "y": S_PER_YEAR, "yr": S_PER_YEAR, "year": S_PER_YEAR, "a": S_PER_YEAR}


@dataclass(frozen=True)
class Budget:
    """An upper bound on one metric: ``limit`` SI units per ``period_s`` (None: a total)."""

    metric: str  # energy | co2e | water | cost
    limit: float
    period_s: float | None
    text: str

    def limit_per(self, period_s: float) -> float:
        """The limit per ``period_s`` seconds (budgets per year become per day, etc.)."""
        if self.period_s is None:
            return self.limit
        return self.limit / self.period_s * period_s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"metric": self.metric, "limit": self.limit,
                "unit": OBJECTIVES[self.metric][1], "period_s": self.period_s,
                "text": self.text}


def parse_budget(text: str) -> Budget:
    """Parse ``500kWh/day``, ``100t/year``, ``5m3/day``, ``$200/day``, ``500MWh`` (a total)."""
    raw = str(text).strip()
    if not raw:
        raise InputError("budget: empty (e.g. 500kWh/day, 100t/year, 5m3/day, 200USD/day)")
    amount, _, per = raw.replace(" ", "").partition("/")
    per = per.strip().lower()
    if per.startswith("per"):
        per = per[3:]
    period: float | None = None
    if per:
        key = per.rstrip("s") if per not in ("s",) else per
        if key not in _PERIODS:
            raise InputError(f"budget {raw!r}: unknown period {per!r} (use day, week, month, "
                             "year)")
        period = _PERIODS[key]
    if amount.startswith("$"):
        amount = amount[1:] + "USD"
    for unit in sorted(_BUDGET_UNITS, key=len, reverse=True):
        if amount.endswith(unit) and amount[: -len(unit)]:
            metric, factor = _BUDGET_UNITS[unit]
            num = amount[: -len(unit)]
            if num.startswith("-"):
                raise InputError(f"budget {raw!r}: must be > 0")
            value = parse_number(num, f"budget {raw!r}")
            return Budget(metric, value * factor, period, raw)
    raise InputError(f"budget {raw!r}: give a number and a unit: kWh/MWh/GWh (energy), "
                     "g/kg/t (CO2e), L/m3 (water) or USD/$ (cost), optionally /day or /year")


_TIME_UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "min": 60.0,
               "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0, "d": S_PER_DAY,
               "day": S_PER_DAY, "days": S_PER_DAY, "week": 7 * S_PER_DAY,
               "weeks": 7 * S_PER_DAY, "month": S_PER_YEAR / 12, "months": S_PER_YEAR / 12,
               "y": S_PER_YEAR, "year": S_PER_YEAR, "years": S_PER_YEAR}


def parse_duration(text: str | float, what: str) -> float:
    """``500ms``, ``0.2s``, ``30 days``, ``6h`` → seconds (a bare number is seconds)."""
    if isinstance(text, int | float):
        return parse_number(float(text), what)
    m = re.match(r"^\s*([-+0-9.eE]+)\s*([a-zµ]*)\s*$", str(text))
    if not m:
        raise InputError(f"{what}: cannot read {text!r} as a duration (e.g. 500ms, 6h, 30days)")
    num, unit = m.groups()
    if unit and unit not in _TIME_UNITS:
        raise InputError(f"{what}: unknown time unit {unit!r} (use ms, s, min, h, days, "
                         "weeks, months, years)")
    return parse_number(num, what) * _TIME_UNITS.get(unit or "s", 1.0)


def parse_latency_slo(text: str | None, ttft: str | None = None, tpot: str | None = None
                      ) -> tuple[float | None, float | None]:
    """``ttft=500ms,tpot=50ms`` (and/or the separate options) → (TTFT, TPOT) seconds."""
    out: dict[str, float] = {}
    if text:
        for part in str(text).split(","):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            key = key.strip().lower()
            if not sep or key not in ("ttft", "tpot"):
                raise InputError(f"latency SLO {text!r}: use ttft=500ms,tpot=50ms")
            out[key] = parse_duration(val.strip(), f"latency SLO {key}")
    if ttft is not None:
        out["ttft"] = parse_duration(ttft, "--ttft")
    if tpot is not None:
        out["tpot"] = parse_duration(tpot, "--tpot")
    return out.get("ttft"), out.get("tpot")


# --------------------------------------------------------------------------- space


def default_hardware() -> list[Hardware]:
    """Every datacenter entry of the hardware catalog."""
    from wattprint.catalog import hardware_catalog

    return [h for h in hardware_catalog().values() if h.segment == "datacenter"]


def resolve_hardware_list(names: Sequence[str] | str | None) -> list[Hardware]:
    """Hardware by names (``a,b`` or a list); ``None``/``all`` → all datacenter hardware."""
    from wattprint.catalog import get_hardware

    items = _split(names)
    if not items or items == ["all"]:
        return default_hardware()
    out: list[Hardware] = []
    for n in items:
        h = get_hardware(n)
        if h not in out:
            out.append(h)
    return out


def resolve_regions(names: Sequence[str] | str | None, *, cloud_only: bool = True
                    ) -> list[Site]:
    """Sites by names; ``None`` → the default list (planning.toml); ``all`` → every cloud
    region (every site if ``cloud_only`` is false)."""
    from wattprint.catalog import get_site, site_catalog

    items = _split(names)
    if not items:
        items = list(sweep_default("regions"))
    if items == ["all"]:
        return [s for s in site_catalog().values()
                if not cloud_only or s.kind == "cloud-region"]
    out: list[Site] = []
    for n in items:
        s = get_site(n)
        if s not in out:
            out.append(s)
    return out


def _split(names: Sequence[str] | str | None) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    out: list[str] = []
    for n in names:
        out.extend(x.strip() for x in str(n).split(",") if x.strip())
    return out


def int_list(values: Sequence[int | str] | str | None, what: str, default: Sequence[int]
             ) -> list[int]:
    """Positive integers from ``1,2,4``, ``1-256`` (a range) or a list; ``None`` → default."""
    items = _split([str(v) for v in values] if isinstance(values, list | tuple)
                   else values)  # type: ignore[arg-type]
    if not items:
        return [int(v) for v in default]
    out: list[int] = []
    for it in items:
        lo, sep, hi = it.partition("-") if not it.startswith("-") else ("", "", it)
        if sep and lo and hi:  # a range: 1-256 → every integer from 1 to 256
            a = int(parse_number(lo, what, integer=True))
            b = int(parse_number(hi, what, integer=True))
            if b < a or b - a > 100_000:
                raise InputError(f"{what}: bad range {it!r}")
            out.extend(range(a, b + 1))
            continue
        v = parse_number(it, what, integer=True)
        out.append(int(v))
    return sorted(set(out))


# --------------------------------------------------------------------------- device arrays

class _AllPositive(np.ndarray):
    """An array whose truth value is "every element is true".

    The engine's :func:`~wattprint.device.execute._evaluate` guards the all-reduce with
    ``if chips > 1 and comm_bytes > 0``; the planner's communication volumes are arrays that
    are positive everywhere, and this lets that guard see them as one positive volume.
    """

    def __bool__(self) -> bool:
        return bool(np.all(np.asarray(self)))


def stack_works(works: Sequence[Sequence[Work]], rows: np.ndarray) -> Work:
    """One :class:`Work` whose fields are arrays of shape (len(rows), columns).

    ``works`` is a table (precision × batch, say); ``rows`` picks a table row per combination.
    Fields constant over the whole table stay scalars (``passes``, ``gemm_k`` ...), as the
    engine's truth tests on them need.
    """
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Work):
        if f.name == "phase":
            out[f.name] = works[0][0].phase
            continue
        vals = np.array([[float(getattr(w, f.name)) for w in row] for row in works])
        out[f.name] = float(vals.flat[0]) if np.all(vals == vals.flat[0]) else vals[rows]
    return Work(**out)


def stack_params(params: Sequence[DeviceParams]) -> DeviceParams:
    """One :class:`DeviceParams` whose numbers are column arrays (one row per combination)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(DeviceParams):
        vals = [getattr(p, f.name) for p in params]
        v0 = vals[0]
        if isinstance(v0, bool):
            if any(v != v0 for v in vals):
                raise UnsupportedError(f"cannot sweep devices with mixed {f.name}")
            out[f.name] = v0
        elif isinstance(v0, tuple):
            out[f.name] = tuple(np.array([float(v[i]) for v in vals])[:, None]
                                for i in range(len(v0)))
        elif isinstance(v0, int | float):
            out[f.name] = np.array([float(v) for v in vals])[:, None]
        else:  # names and provenance: not used by the arithmetic
            out[f.name] = v0
    return DeviceParams(**out)


def engine_eval(work: Work, params: DeviceParams, chips: int, comm_bytes: Any = 0.0,
                comm_calls: float = 0.0, exposed_comm: float = 1.0) -> dict[str, np.ndarray]:
    """The engine's own device model (:func:`wattprint.device.execute._evaluate`, central
    corner) evaluated on arrays: ``work`` and ``params`` carry arrays, ``chips`` is one count.
    """
    from wattprint.device.execute import _evaluate

    cb = comm_bytes
    if isinstance(comm_bytes, np.ndarray):
        if not np.all(comm_bytes > 0):
            raise UnsupportedError("communication volumes must be all positive or all zero")
        cb = np.asarray(comm_bytes, dtype=float).view(_AllPositive)
    out = _evaluate(work, params, int(chips), cb, comm_calls, 0, exposed_comm)
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def _traffic(stack: Stack) -> Any:
    from wattprint.estimate import _traffic as tr

    return tr(stack)


def _profile_for(profile: str | Profile | None) -> Profile | None:
    if profile is None:
        return None
    return profile if isinstance(profile, Profile) else load_profile(str(profile))


def _profile_on(prof: Profile | None, hw: Hardware) -> Profile | None:
    """A calibration profile applies to the hardware it was measured on (or to all if it
    names none)."""
    if prof is None or not prof.hardware:
        return prof
    return prof if prof.hardware.lower() in (hw.id, *hw.aliases) else None


def _device_params(hw: Hardware, stack: Stack, plan: PrecisionPlan, chips: int,
                   prof: Profile | None) -> DeviceParams:
    """The engine's parameters (with a calibration profile where it applies)."""
    from wattprint.estimate import _params

    return _params(hw, stack, plan, chips, _profile_on(prof, hw))[0]


@dataclass
class SiteArrays:
    """Site factors of the regions as arrays (central values) with their provenance."""

    sites: list[SiteFactors]
    cooling: list[str]
    pue: np.ndarray
    wue: np.ndarray
    water: np.ndarray
    grid: np.ndarray
    price: np.ndarray

    @classmethod
    def build(cls, sites: Sequence[Site], pue: float | None = None) -> SiteArrays:
        """Resolve each site (``pue`` overrides every site's PUE)."""
        fs = [resolve_site(s, pue=pue) for s in sites]
        return cls(fs, [s.cooling for s in sites],
                   np.array([f.pue.value for f in fs]),
                   np.array([f.wue_l_per_kwh.value for f in fs]),
                   np.array([f.water_l_per_kwh.value for f in fs]),
                   np.array([f.grid_gco2e_per_kwh.value for f in fs]),
                   np.array([f.price_usd_per_kwh.value for f in fs]))


def site_chain(accel_j: Any, host_j: Any, embodied_g: Any, s: SiteArrays) -> dict[str, Any]:
    """Apply the site formulas; the last axis of the result is the region."""
    acc = np.asarray(accel_j)[..., None]
    host = np.asarray(host_j)[..., None]
    it = sf.it_energy_j(acc, host)
    fac = sf.facility_energy_j(it, s.pue)
    co2 = sf.operational_co2e_g(fac, s.grid)
    emb = np.asarray(embodied_g)[..., None]
    return {"accelerator_energy_j": np.broadcast_to(acc, fac.shape),
            "it_energy_j": np.broadcast_to(it, fac.shape), "facility_energy_j": fac,
            "co2e_g": co2,
            "embodied_co2e_g": np.broadcast_to(emb, fac.shape), "total_co2e_g": co2 + emb,
            "water_l": sf.water_l(it, fac, s.wue, s.water),
            "water_onsite_l": np.broadcast_to(it / J_PER_KWH * s.wue, fac.shape),
            "cost_usd": sf.energy_cost_usd(fac, s.price)}


# --------------------------------------------------------------------------- constraints


@dataclass
class Constraint:
    """One filter of the sweep: which configurations pass, and the value it tests."""

    name: str
    text: str
    ok: np.ndarray
    value: np.ndarray | None = None
    limit: float | None = None
    unit: str = ""
    passed: int = 0  # after this and every earlier constraint
    alone: int = 0  # this constraint alone

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (without the arrays)."""
        return {"name": self.name, "text": self.text, "limit": self.limit, "unit": self.unit,
                "passed_cumulative": self.passed, "passed_alone": self.alone}


def apply_constraints(constraints: list[Constraint], shape: tuple[int, ...]) -> np.ndarray:
    """AND the constraints in order, recording counts; raise if the feasible set is empty.

    The error names the first constraint that emptied the set, the best value of its metric
    among the configurations that passed the earlier ones, and says when constraints that are
    each satisfiable alone contradict each other.
    """
    alive = np.ones(shape, dtype=bool)
    total = int(np.prod(shape))
    for c in constraints:
        ok = np.broadcast_to(c.ok, shape)
        before = alive
        alive = alive & ok
        c.passed = int(alive.sum())
        c.alone = int(ok.sum())
        if c.passed == 0:
            n_before = int(before.sum())
            msg = f"no configuration meets every constraint: {c.text} emptied the set"
            if c.value is not None and n_before:
                vals = np.broadcast_to(c.value, shape)[before]
                best = float(np.nanmin(vals))
                earlier = _names(constraints, c)
                among = (f"the {n_before:,} configurations that passed {earlier}" if earlier
                         else f"all {n_before:,} configurations")
                msg += (f" (best among {among}: {_fmt(best, c.unit)}, limit "
                        f"{_fmt(c.limit or 0.0, c.unit)})")
            elif n_before == 0:
                msg += " (nothing passed the earlier constraints)"
            if c.alone > 0 and n_before > 0:
                msg += f"; {c.alone:,} of {total:,} configurations meet it alone, so the " \
                       "constraints contradict each other: relax one"
            elif c.alone == 0:
                msg += f"; no configuration of the {total:,} swept meets it at all"
            raise UnsupportedError(msg)
    return alive


def _names(cs: list[Constraint], upto: Constraint) -> str:
    names = [c.name for c in cs[: cs.index(upto)]]
    return ", ".join(names)


def _fmt(v: float, unit: str) -> str:
    from wattprint.quantity import Quantity
    from wattprint.report.units import human

    if unit in ("J", "gCO2e", "L", "s", "USD"):
        return human(Quantity(v, unit, ""))[0]
    return f"{v:.4g} {unit}".strip()


# --------------------------------------------------------------------------- Pareto


def pareto_mask(costs: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``costs`` (minimise every column).

    A row is dominated if another row is ≤ in every column and < in one. Of identical rows one
    is kept. Rows are visited in order of their normalised sum, so each pass removes most of
    the rest; cost is O(n · frontier size).
    """
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    scale = np.where(np.ptp(costs, axis=0) > 0, np.ptp(costs, axis=0), 1.0)
    order = np.argsort(((costs - costs.min(axis=0)) / scale).sum(axis=1), kind="stable")
    c = costs[order]
    idx = np.arange(n)
    i = 0
    while i < len(c):
        keep = np.any(c < c[i], axis=1)
        keep[i] = True
        # rows equal to c[i] before i were already kept; keep the earlier duplicate only
        idx = idx[keep]
        c = c[keep]
        i = int(np.sum(keep[:i])) + 1
    mask = np.zeros(n, dtype=bool)
    mask[order[idx]] = True
    return mask


# --------------------------------------------------------------------------- results


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


def skyline_candidates(alive: np.ndarray, it_j: np.ndarray, embodied_g: np.ndarray
                       ) -> np.ndarray:
    """Flat indices of the configurations that can be on the 4-objective frontier.

    ``alive`` has the region as its last axis; ``it_j`` and ``embodied_g`` are per device
    configuration (every axis but the last). Within one region facility energy, water and
    cost are IT energy times positive site constants and CO2e is IT energy times a constant
    plus embodied CO2e, so a configuration dominated in (IT energy, embodied) by another in
    the same region is dominated in all four objectives. Only each region's 2-D skyline can
    be Pareto-optimal: sort once by (IT, embodied), keep rows whose embodied is below the
    running minimum of the feasible rows before them.
    """
    G = alive.shape[-1]
    a = alive.reshape(-1, G)
    it = np.broadcast_to(it_j, alive.shape[:-1]).reshape(-1)
    emb = np.broadcast_to(embodied_g, alive.shape[:-1]).reshape(-1)
    order = np.lexsort((emb, it))
    ao = a[order]
    eo = emb[order][:, None]
    vals = np.where(ao, eo, np.inf)
    runmin = np.minimum.accumulate(vals, axis=0)
    prev = np.vstack([np.full((1, G), np.inf), runmin[:-1]])
    keep = ao & (eo < prev)
    rows, cols = np.nonzero(keep)
    return order[rows] * G + cols


def _finish(kind: str, objective: str, inputs: dict[str, Any], space: dict[str, Any],
            constraints: list[Constraint], metrics: dict[str, np.ndarray], alive: np.ndarray,
            describe: Callable[..., dict[str, Any]], top: int, t0: float,
            n_configs: int, per: str, notes: list[str], frontier_max: int = 50,
            skyline: tuple[np.ndarray, np.ndarray] | None = None) -> PlanResult:
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose energy, co2e, water or cost")
    shape = alive.shape
    key = OBJECTIVES[objective][0]
    flat = {m: metrics[m].reshape(-1) for m in METRICS}
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


# --------------------------------------------------------------------------- serving


@dataclass
class InferenceGrid:
    """Every serving configuration's numbers, shape (combo, chips, batch[, region])."""

    spec: ModelSpec
    demand: Demand
    combos: list[tuple[Hardware, PrecisionPlan]]
    chips: np.ndarray
    batches: np.ndarray
    sites: SiteArrays
    stack: Stack
    dev: dict[str, np.ndarray]
    day: dict[str, np.ndarray]
    skipped: list[str]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(combos, chips, batches, regions)."""
        return (len(self.combos), self.chips.size, self.batches.size, len(self.sites.sites))

    @property
    def n_configs(self) -> int:
        """Configurations evaluated (including those that do not fit)."""
        return int(np.prod(self.shape))


def _combos(hardware: Sequence[Hardware], precisions: Sequence[str], stack: Stack,
            kv_cache: str | None, trainable: bool = False
            ) -> tuple[list[tuple[Hardware, PrecisionPlan]], list[str]]:
    from wattprint.device.coefficients import coefficients_for
    from wattprint.device.execute import device_params

    out, skipped = [], []
    for hw in hardware:
        for name in precisions:
            plan = precision_plan(name, kv_cache)
            if trainable and not plan.trainable:
                skipped.append(f"{hw.id} {plan.name}: training in {plan.name} is not modelled")
                continue
            try:
                device_params(hw, coefficients_for(hw), stack, plan, 1)
            except UnsupportedError as exc:
                skipped.append(str(exc))
                continue
            out.append((hw, plan))
    return out, skipped


def evaluate_inference_grid(spec: ModelSpec, demand: Demand, hardware: Sequence[Hardware],
                            precisions: Sequence[str], chips: Sequence[int],
                            batches: Sequence[int], sites: SiteArrays, *,
                            stack: str | Stack = "vllm", kv_cache: str | None = None,
                            profile: str | Profile | None = None,
                            progress: ProgressFn | None = None) -> InferenceGrid:
    """Evaluate every hardware × precision × chips × batch (× region) serving configuration."""
    from wattprint.estimate import USABLE_MEMORY, inference_memory_bytes

    st = get_stack(stack)
    prof = _profile_for(profile)
    combos, skipped = _combos(hardware, precisions, st, kv_cache)
    if not combos:
        raise UnsupportedError("no hardware × precision pair to sweep: " + "; ".join(skipped[:3]))
    c_arr = np.asarray(sorted(set(int(c) for c in chips)), dtype=float)
    b_arr = np.asarray(sorted(set(int(b) for b in batches)), dtype=float)
    p_in, o_out = demand.prompt_tokens, demand.output_tokens
    steps = o_out - 1
    mean_ctx = p_in + o_out / 2.0
    traffic = _traffic(st)
    plans = list(dict.fromkeys(pl for _, pl in combos))
    pidx = np.array([plans.index(pl) for _, pl in combos])
    pre_tab = [[prefill_work(spec, pl, traffic, b, p_in) for b in b_arr] for pl in plans]
    dec_tab = [[decode_work(spec, pl, traffic, b, mean_ctx, steps=max(steps, 0))
                for b in b_arr] for pl in plans] if steps > 0 else None
    act = np.array([pl.act_bytes for pl in plans])[pidx][:, None]
    ar = 2.0 * spec.layers
    # memory held: a continuous-batching engine holds sequences at staggered lengths (P + N/2)
    ctx_held = p_in + (o_out / 2.0 if getattr(st, "continuous_batching", False) else o_out)
    mem_need = np.array([[inference_memory_bytes(spec, pl, b, ctx_held) for b in b_arr]
                         for pl in plans])[pidx][:, None, :]
    n = c_arr[None, :, None]
    bb = b_arr[None, None, :]
    K = len(combos)
    chunk = max(1, min(K, 24))
    parts: list[dict[str, np.ndarray]] = []
    done = 0
    for start in range(0, K, chunk):
        sl = slice(start, min(K, start + chunk))
        rows = pidx[sl]
        pre_w = stack_works(pre_tab, rows)
        dec_w = stack_works(dec_tab, rows) if dec_tab is not None else None
        cols: dict[str, list[np.ndarray]] = {}
        for c in c_arr:
            params = stack_params([_device_params(hw, st, pl, int(c), prof)
                                   for hw, pl in combos[sl]])
            pre = engine_eval(pre_w, params, int(c), ar * b_arr[None, :] * p_in * spec.hidden
                              * act[sl], ar)
            shape = pre["t"].shape
            got = {"t_prefill": pre["t"], "e_prefill": pre["e"],
                   "idle_w": np.broadcast_to(params.idle_w[0], shape)}
            if dec_w is not None:
                dec = engine_eval(dec_w, params, int(c), ar * b_arr[None, :] * spec.hidden
                                  * act[sl] * steps, ar * steps)
                got.update(t_decode=dec["t"], e_decode=dec["e"],
                           decode_memory_share=np.broadcast_to(
                               (dec["t_memory"] + dec["t_elementwise"])
                               / np.maximum(dec["t_uncapped"], 1e-300), shape))
            else:
                z = np.zeros(shape)
                got.update(t_decode=z, e_decode=z, decode_memory_share=z)
            for k, v in got.items():
                cols.setdefault(k, []).append(np.broadcast_to(v, shape))
        parts.append({k: np.stack(v, axis=1) for k, v in cols.items()})  # (k, C, B)
        done = min(K, start + chunk)
        if progress is not None:
            progress(done, K)
    dev: dict[str, np.ndarray] = {k: np.concatenate([q[k] for q in parts], axis=0)
                                  for k in parts[0]}
    mem = np.array([hw.memory_bytes.value for hw, _ in combos])[:, None, None]
    dev["mem_have"] = np.broadcast_to(mem * n * USABLE_MEMORY, dev["t_prefill"].shape)
    dev["mem_need"] = np.broadcast_to(mem_need, dev["t_prefill"].shape)
    dev["cycle_s"] = dev["t_prefill"] + dev["t_decode"]
    dev["cycle_j"] = dev["e_prefill"] + dev["e_decode"]
    dev["ttft_s"], dev["tpot_s"] = _latency_arrays(dev, steps, bb,
                                                   getattr(st, "continuous_batching", False))
    host_w = np.array([hw.host_power_w.value for hw, _ in combos])[:, None, None]
    emb_chip = np.array([hw.embodied_co2e_g.value + hw.host_embodied_co2e_g.value
                         for hw, _ in combos])[:, None, None]
    # per batch-cycle (comparable with estimate_inference for one batch)
    dev["host_cycle_j"] = sf.host_energy_j(host_w, n, dev["cycle_s"])
    lam = demand.requests_per_s
    cycles = lam * S_PER_DAY / bb
    busy = cycles * dev["cycle_s"]
    replicas = np.maximum(1.0, np.ceil(lam * dev["cycle_s"] / bb - 1e-9))
    dev["replicas"] = replicas
    dev["utilisation"] = busy / (replicas * S_PER_DAY)
    dev["fill_ok"] = (lam * dev["cycle_s"] >= bb) | (bb == 1)
    accel_day = cycles * dev["cycle_j"] + dev["idle_w"] * n * (replicas * S_PER_DAY - busy)
    host_day = sf.host_energy_j(host_w, n * replicas, S_PER_DAY)
    life = default_value("embodied", "lifetime_s").value
    emb_day = sf.embodied_co2e_g(emb_chip, n * replicas, S_PER_DAY, life, 1.0)
    day = site_chain(accel_day, host_day, emb_day, sites)
    day["host_energy_j"] = np.broadcast_to(np.asarray(host_day)[..., None],
                                           day["facility_energy_j"].shape)
    return InferenceGrid(spec, demand, combos, c_arr, b_arr, sites, st, dev, day, skipped)


def _latency_arrays(dev: dict[str, np.ndarray], steps: int, batch: np.ndarray,
                    continuous: bool) -> tuple[np.ndarray, np.ndarray]:
    """TTFT and TPOT arrays through the engine's own :func:`wattprint.estimate._latencies`."""
    from types import SimpleNamespace

    from wattprint.estimate import _latencies

    shape = dev["t_prefill"].shape
    ttft = np.empty(shape)
    tpot = np.empty(shape)
    for j, b in enumerate(np.asarray(batch).reshape(-1)):  # the engine takes one batch size
        pre = SimpleNamespace(time_s=dev["t_prefill"][..., j], time_low_s=0.0, time_high_s=0.0,
                              regime="")
        dec = SimpleNamespace(time_s=dev["t_decode"][..., j], time_low_s=0.0,
                              time_high_s=0.0, regime="") if steps > 0 else None
        a, o = _latencies(pre, dec, steps, int(b), continuous)  # type: ignore[arg-type]
        ttft[..., j] = a.value
        tpot[..., j] = o.value
    return ttft, tpot


def plan_inference(model: str | ModelSpec | Path, demand: Demand, *,
                   hardware: Sequence[str] | str | None = None,
                   precisions: Sequence[str] | str | None = None,
                   chips: Sequence[int] | str | None = None,
                   batches: Sequence[int] | str | None = None,
                   regions: Sequence[str] | str | None = None, stack: str = "vllm",
                   ttft_s: float | None = None, tpot_s: float | None = None,
                   budgets: Sequence[Budget] = (), objective: str = "energy", top: int = 5,
                   kv_cache: str | None = None, profile: str | Profile | None = None,
                   pue: float | None = None, progress: ProgressFn | None = None,
                   verify: bool = True) -> PlanResult:
    """Sweep serving configurations for ``demand``; rank feasible ones by ``objective``.

    Constraints, in order: fits in memory, the demand fills the batch (Little's law),
    time to first token ≤ ``ttft_s``, time per output token ≤ ``tpot_s``, then each budget
    (per day; per-year budgets are divided by 365). Raises :class:`UnsupportedError` naming
    the constraint that emptied the set.
    """
    from wattprint.estimate import resolve_model

    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose energy, co2e, water or cost")
    for v, what in ((ttft_s, "TTFT SLO"), (tpot_s, "TPOT SLO")):
        if v is not None and not v > 0:
            raise InputError(f"{what} must be > 0, got {v:g}")
    if top < 1:
        raise InputError(f"--top must be ≥ 1, got {top}")
    spec = resolve_model(model)
    hws = resolve_hardware_list(hardware)
    precs = _split(precisions) or list(sweep_default("precisions"))
    ch = int_list(chips, "chips", sweep_default("chips"))
    bs = int_list(batches, "batch", sweep_default("batches"))
    sites = SiteArrays.build(resolve_regions(regions), pue=pue)
    for b in budgets:
        if b.period_s is None:
            raise InputError(f"serving budget {b.text!r} needs a period: /day or /year")
    g = evaluate_inference_grid(spec, demand, hws, precs, ch, bs, sites, stack=stack,
                                kv_cache=kv_cache, profile=profile, progress=progress)
    K, C, B, G = g.shape
    d = g.dev
    cons = [Constraint("memory", "fits in memory (weights + KV cache + 10 %)",
                       (d["mem_need"] <= d["mem_have"])[..., None],
                       (d["mem_need"] / d["mem_have"])[..., None], 1.0, "× usable memory"),
            Constraint("batch fill", "the demand keeps the batch full (λ·T_cycle ≥ batch)",
                       d["fill_ok"][..., None])]
    if ttft_s is not None:
        cons.append(Constraint("ttft", f"time to first token ≤ {_fmt(ttft_s, 's')}",
                               (d["ttft_s"] <= ttft_s)[..., None], d["ttft_s"][..., None],
                               ttft_s, "s"))
    if tpot_s is not None:
        cons.append(Constraint("tpot", f"time per output token ≤ {_fmt(tpot_s, 's')}",
                               (d["tpot_s"] <= tpot_s)[..., None], d["tpot_s"][..., None],
                               tpot_s, "s"))
    day = g.day
    for b in budgets:
        key, unit, label = OBJECTIVES[b.metric]
        lim = b.limit_per(S_PER_DAY)
        cons.append(Constraint(f"budget {b.metric}", f"budget {b.text} ({label} ≤ "
                               f"{_fmt(lim, unit)}/day)", day[key] <= lim, day[key], lim, unit))
    alive = apply_constraints(cons, (K, C, B, G))
    stack_id = g.stack.id

    def describe(ix: tuple[int, ...], light: bool = False) -> dict[str, Any]:
        k, c, b, s = (int(v) for v in ix)
        hw, pl = g.combos[k]
        sfac = sites.sites[s]
        row: dict[str, Any] = {
            "hardware": hw.id, "chips": int(g.chips[c]), "precision": pl.name,
            "batch": int(g.batches[b]), "region": sfac.site_id, "stack": stack_id,
            "replicas": int(d["replicas"][k, c, b]),
            "utilisation": float(d["utilisation"][k, c, b]),
            "ttft_s": float(d["ttft_s"][k, c, b]), "tpot_s": float(d["tpot_s"][k, c, b]),
            "cycle_s": float(d["cycle_s"][k, c, b]),
            "memory_gb": float(d["mem_need"][k, c, b] / 1e9),
        }
        for m in ("accelerator_energy_j", "host_energy_j", "it_energy_j", "facility_energy_j",
                  "co2e_g", "embodied_co2e_g", "total_co2e_g", "water_l", "water_onsite_l",
                  "cost_usd"):
            row[m] = float(day[m][k, c, b, s])
        row["per"] = "day"
        row["facility_energy_per_request_j"] = row["facility_energy_j"] / demand.requests_per_day
        if light:
            return row
        share = float(d["decode_memory_share"][k, c, b])
        row["drivers"] = (
            f"{row['facility_energy_per_request_j']:.3g} J/request at the wall; "
            f"{row['replicas']} replica(s) of {row['chips']} × {hw.id} {pl.name} at batch "
            f"{row['batch']}, {row['utilisation'] * 100:.0f} % busy; decode "
            f"{'memory' if share >= 0.5 else 'compute/overhead'}-bound; {sfac.site_id}: PUE "
            f"{sfac.pue.value:g}, {sfac.grid_gco2e_per_kwh.value:g} gCO2e/kWh, "
            f"${sfac.price_usd_per_kwh.value:g}/kWh")
        row["provenance"] = {
            "site": sfac.to_dict(),
            "hardware": f"{hw.id}: memory {hw.memory_bytes.cite()}; bandwidth "
                        f"{hw.memory_bandwidth_bps.cite()}; host {hw.host_power_w.cite()}; "
                        f"embodied {hw.embodied_co2e_g.cite()}",
            "model": spec.source,
        }
        if verify:
            row["check"] = _check_inference(spec, hw, pl, row, demand, stack_id, sfac,
                                            profile, kv_cache, g, k, c, b, s)
        return row

    inputs = {"model": spec.name, "demand": demand.to_dict(), "objective": objective,
              "ttft_slo_s": ttft_s, "tpot_slo_s": tpot_s,
              "budgets": [b.to_dict() for b in budgets], "stack": stack_id,
              "kv_cache": kv_cache, "profile": str(profile) if profile else None}
    space = {"hardware": sorted({h.id for h, _ in g.combos}),
             "precisions": sorted({p.name for _, p in g.combos}),
             "chips": [int(c) for c in g.chips], "batches": [int(b) for b in g.batches],
             "regions": [s.site_id for s in sites.sites], "stack": [stack_id],
             "hardware_precision_pairs": K, "skipped_pairs": g.skipped}
    notes = [
        "serving model: static batches; replicas = ⌈λ·T_cycle/batch⌉; idle replicas draw "
        "idle power, hosts are on all day; TTFT excludes queueing (docs/planning.md)",
        "cost is electricity only (no hardware rental)",
    ]
    res = _finish("plan-infer", objective, inputs, space, cons, day, alive, describe, top, t0,
                  g.n_configs, "day", notes,
                  skyline=(day["it_energy_j"][..., 0], day["embodied_co2e_g"][..., 0]))
    res.provenance = {
        "device_model": "the engine's wattprint.device.execute._evaluate (central corner) "
                        "on arrays via plan.sweep.engine_eval",
        "workload": "wattprint.workload.phases prefill_work/decode_work per precision × batch",
        "site": "wattprint.site.formulas (facility = IT × PUE; CO2e = kWh × grid; water = "
                "IT kWh × WUE + facility kWh × off-site; cost = kWh × price)",
        "embodied_lifetime": default_value("embodied", "lifetime_s").cite(),
    }
    return res


def _check_inference(spec: ModelSpec, hw: Hardware, pl: PrecisionPlan, row: dict[str, Any],
                     demand: Demand, stack_id: str, sfac: SiteFactors, profile: Any,
                     kv_cache: str | None, g: InferenceGrid, k: int, c: int, b: int, s: int
                     ) -> dict[str, Any]:
    """Re-run one configuration through ``estimate_inference`` (one batch) and compare."""
    from wattprint.estimate import estimate_inference

    use = _profile_on(_profile_for(profile), hw)
    fp = estimate_inference(spec, hw, batch=row["batch"], prompt_tokens=demand.prompt_tokens,
                            output_tokens=demand.output_tokens, precision=pl.name,
                            kv_cache=kv_cache, chips=row["chips"], stack=stack_id, site=sfac,
                            profile=use)
    ours = float(g.dev["cycle_j"][k, c, b])
    theirs = fp["accelerator_energy"].value
    dec = fp.details.get("decode") or {}
    return {"estimate_inference_accelerator_energy_per_batch_j": theirs,
            "sweep_accelerator_energy_per_batch_j": ours,
            "relative_difference": abs(ours - theirs) / theirs if theirs else 0.0,
            "prefill_regime": fp.details["prefill"]["regime"],
            "decode_regime": dec.get("regime"),
            "accelerator_energy_provenance": fp["accelerator_energy"].provenance}


# --------------------------------------------------------------------------- training


@dataclass
class TrainingGrid:
    """Every training configuration's numbers, shape (combo, chips[, region])."""

    spec: ModelSpec
    tokens: float
    combos: list[tuple[Hardware, PrecisionPlan]]
    chips: np.ndarray
    sites: SiteArrays
    dev: dict[str, np.ndarray]
    tot: dict[str, np.ndarray]
    skipped: list[str]
    stacks: list[str]

    @property
    def shape(self) -> tuple[int, int, int]:
        """(combos, chips, regions)."""
        return (len(self.combos), self.chips.size, len(self.sites.sites))


def evaluate_training_grid(spec: ModelSpec, tokens: float, hardware: Sequence[Hardware],
                           precisions: Sequence[str], chips: Sequence[int], sites: SiteArrays,
                           *, batch: int = 8, seq_len: int = 2048, recompute: bool = False,
                           stack: str | None = None, profile: str | Profile | None = None,
                           progress: ProgressFn | None = None) -> TrainingGrid:
    """Evaluate hardware × precision × chips (× region) for a run of ``tokens`` tokens.

    Mirrors :func:`wattprint.estimate.estimate_training` (roofline time of one step per chip,
    exposed gradient all-reduce, power cap, energy capped at TDP) on arrays.
    """
    from wattprint.estimate import EXPOSED_GRAD_COMM, USABLE_MEMORY, training_memory_bytes

    prof = _profile_for(profile)
    c_arr = np.asarray(sorted(set(int(c) for c in chips)), dtype=float)
    st_multi = get_stack(stack or "megatron")
    st_one = get_stack(stack or "eager")
    combos, skipped = _combos(hardware, precisions, st_multi, None, trainable=True)
    if not combos:
        raise UnsupportedError("no hardware × precision pair to sweep: " + "; ".join(skipped[:3]))
    plans = list(dict.fromkeys(pl for _, pl in combos))
    pidx = np.array([plans.index(pl) for _, pl in combos])
    stacks = [st_one, st_multi]
    tables = {st.id: [[train_step_work(spec, pl, _traffic(st), batch, seq_len, recompute)]
                      for pl in plans] for st in stacks}
    K = len(combos)
    cols: dict[str, list[np.ndarray]] = {}
    for j, c in enumerate(c_arr):
        st = st_one if c == 1 else st_multi
        work = stack_works(tables[st.id], pidx)
        if c > 1:  # optimizer state sharded over data-parallel chips, as estimate_training
            work = dataclasses.replace(work, optimizer_bytes=work.optimizer_bytes / c)
        params = stack_params([_device_params(hw, st, pl, int(c), prof) for hw, pl in combos])
        out = engine_eval(work, params, 1)
        shape = (K, 1)
        for k, v in (("t", out["t"]), ("e_dyn", out["e_dyn"]), ("flops", work.flops),
                     ("link_bps", params.link_bps), ("idle_w", params.idle_w[0]),
                     ("tdp_w", params.tdp_w), ("peak_flops", params.peak_flops)):
            cols.setdefault(k, []).append(np.broadcast_to(np.asarray(v, dtype=float)
                                                          .reshape(-1, 1)
                                                          if np.ndim(v) else v, shape))
        if progress is not None:
            progress(j + 1, len(c_arr))
    p = {k: np.concatenate(v, axis=1) for k, v in cols.items()}  # (K, C)
    step = {"t": p["t"], "e_dyn": p["e_dyn"]}
    step_flops = p["flops"]
    n = c_arr[None, :]
    grad_bytes = spec.params_total * 2.0
    comm_t = np.where(n > 1, EXPOSED_GRAD_COMM * (r.allreduce_time_s(grad_bytes, n,
                                                                     p["link_bps"])
                                                  + 2 * spec.layers * COLLECTIVE_LATENCY_S),
                      0.0)
    tokens_per_step = batch * seq_len * n
    steps = tokens / tokens_per_step
    dyn = step["e_dyn"] * steps * n
    budget = p["tdp_w"] - p["idle_w"]
    wall = (step["t"] + comm_t) * steps
    cap_time = dyn / (budget * n)
    wall = np.maximum(wall, cap_time)
    accel = p["idle_w"] * n * wall + np.minimum(dyn, budget * n * wall)
    host_w = np.array([hw.host_power_w.value for hw, _ in combos])[:, None]
    emb_chip = np.array([hw.embodied_co2e_g.value + hw.host_embodied_co2e_g.value
                         for hw, _ in combos])[:, None]
    host = sf.host_energy_j(host_w, n, wall)
    life = default_value("embodied", "lifetime_s").value
    util = default_value("embodied", "utilisation").value
    emb = sf.embodied_co2e_g(emb_chip, n, wall, life, util)
    mem = np.array([hw.memory_bytes.value for hw, _ in combos])[:, None] * USABLE_MEMORY
    dev = {"time_s": wall, "accelerator_energy_j": accel, "flops": step_flops * steps * n,
           "mem_need": training_memory_bytes(spec, 1) / n + 0 * wall, "mem_have": mem + 0 * wall,
           "comm_s_per_step": comm_t + 0 * wall, "step_s": step["t"],
           "mfu": step_flops * steps * n / (n * wall) / p["peak_flops"]}
    tot = site_chain(accel, host, emb, sites)
    tot["host_energy_j"] = np.broadcast_to(np.asarray(host)[..., None],
                                           tot["facility_energy_j"].shape)
    return TrainingGrid(spec, tokens, combos, c_arr, sites, dev, tot, skipped,
                        [st_one.id, st_multi.id])


def plan_training(model: str | ModelSpec | Path, tokens: float, *,
                  hardware: Sequence[str] | str | None = None,
                  precisions: Sequence[str] | str | None = None,
                  chips: Sequence[int] | str | None = None,
                  regions: Sequence[str] | str | None = None,
                  deadline_s: float | None = None, budgets: Sequence[Budget] = (),
                  objective: str = "energy", top: int = 5, batch: int = 8,
                  seq_len: int = 2048, profile: str | Profile | None = None,
                  pue: float | None = None, progress: ProgressFn | None = None,
                  verify: bool = True) -> PlanResult:
    """Sweep hardware × chips × precision × region for a training run; rank by ``objective``.

    Constraints: weights + Adam state (16 B/parameter, ZeRO-3 sharded) fit, time ≤
    ``deadline_s``, and each budget (totals for the run).
    """
    from wattprint.estimate import resolve_model

    t0 = time.perf_counter()
    tokens = parse_number(tokens, "training tokens")
    if deadline_s is not None and not deadline_s > 0:
        raise InputError(f"deadline must be > 0, got {deadline_s:g}")
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose energy, co2e, water or cost")
    spec = resolve_model(model)
    hws = resolve_hardware_list(hardware)
    precs = _split(precisions) or list(sweep_default("train_precisions"))
    ch = int_list(chips, "chips", sweep_default("train_chips"))
    sites = SiteArrays.build(resolve_regions(regions), pue=pue)
    g = evaluate_training_grid(spec, tokens, hws, precs, ch, sites, batch=batch,
                               seq_len=seq_len, profile=profile, progress=progress)
    K, C, G = g.shape
    d, tot = g.dev, g.tot
    cons = [Constraint("memory", "weights + Adam state fit (16 B/parameter sharded over the "
                       "chips)", (d["mem_need"] <= d["mem_have"])[..., None],
                       (d["mem_need"] / d["mem_have"])[..., None], 1.0, "× usable memory")]
    if deadline_s is not None:
        cons.append(Constraint("deadline", f"time to train ≤ {_fmt(deadline_s, 's')}",
                               (d["time_s"] <= deadline_s)[..., None], d["time_s"][..., None],
                               deadline_s, "s"))
    for b in budgets:
        if b.period_s is not None:
            raise InputError(f"training budget {b.text!r} is a total for the run: drop the "
                             "'/period'")
        key, unit, label = OBJECTIVES[b.metric]
        cons.append(Constraint(f"budget {b.metric}", f"budget {b.text} ({label} ≤ "
                               f"{_fmt(b.limit, unit)})", tot[key] <= b.limit, tot[key],
                               b.limit, unit))
    alive = apply_constraints(cons, (K, C, G))

    def describe(ix: tuple[int, ...], light: bool = False) -> dict[str, Any]:
        k, c, s = (int(v) for v in ix)
        hw, pl = g.combos[k]
        sfac = sites.sites[s]
        n_chips = int(g.chips[c])
        row: dict[str, Any] = {"hardware": hw.id, "chips": n_chips, "precision": pl.name,
                               "region": sfac.site_id,
                               "stack": g.stacks[1 if n_chips > 1 else 0],
                               "time_s": float(d["time_s"][k, c]),
                               "mfu": float(d["mfu"][k, c]),
                               "flops": float(d["flops"][k, c]),
                               "memory_per_chip_gb": float(d["mem_need"][k, c] / 1e9)}
        for m in ("accelerator_energy_j", "host_energy_j", "it_energy_j", "facility_energy_j",
                  "co2e_g", "embodied_co2e_g", "total_co2e_g", "water_l", "water_onsite_l",
                  "cost_usd"):
            row[m] = float(tot[m][k, c, s])
        row["per"] = "run"
        if light:
            return row
        row["drivers"] = (f"{n_chips} × {hw.id} {pl.name}: {row['time_s'] / 86400:.3g} days at "
                          f"{row['mfu'] * 100:.0f} % MFU; {sfac.site_id}: PUE "
                          f"{sfac.pue.value:g}, {sfac.grid_gco2e_per_kwh.value:g} gCO2e/kWh")
        row["provenance"] = {"site": sfac.to_dict(), "model": spec.source}
        if verify:
            from wattprint.estimate import estimate_training

            fp = estimate_training(spec, hw, tokens=tokens, chips=n_chips, precision=pl.name,
                                   batch=batch, seq_len=seq_len, site=sfac,
                                   profile=_profile_on(_profile_for(profile), hw))
            theirs = fp["facility_energy"].value
            row["check"] = {"estimate_training_facility_energy_j": theirs,
                            "relative_difference": abs(row["facility_energy_j"] - theirs)
                            / theirs if theirs else 0.0,
                            "regime": fp.details["regime"],
                            "accelerator_energy_provenance":
                                fp["accelerator_energy"].provenance}
        return row

    inputs = {"model": spec.name, "tokens": tokens, "objective": objective,
              "deadline_s": deadline_s, "budgets": [b.to_dict() for b in budgets],
              "batch_per_chip": batch, "seq_len": seq_len}
    space = {"hardware": sorted({h.id for h, _ in g.combos}),
             "precisions": sorted({p.name for _, p in g.combos}),
             "chips": [int(c) for c in g.chips], "regions": [s.site_id for s in sites.sites],
             "stack": g.stacks, "hardware_precision_pairs": K, "skipped_pairs": g.skipped}
    notes = ["training time: roofline of one step per chip × steps + exposed gradient "
             "all-reduce, as estimate_training; memory check counts weights and Adam state only"]
    res = _finish("plan-train", objective, inputs, space, cons, tot, alive, describe, top, t0,
                  K * C * G, "run", notes,
                  skyline=(tot["it_energy_j"][..., 0], tot["embodied_co2e_g"][..., 0]))
    res.provenance = {"device_model": "plan.sweep.evaluate_training_grid (= estimate_training "
                                      "on arrays)",
                      "embodied": f"{default_value('embodied', 'lifetime_s').cite()}; "
                                  f"{default_value('embodied', 'utilisation').cite()}"}
    return res


def best_serving(spec: ModelSpec, demand: Demand, **kwargs: Any) -> dict[str, Any]:
    """The best serving configuration (top of :func:`plan_inference`)."""
    res = plan_inference(spec, demand, top=1, **kwargs)
    return res.ranked[0]


def ceil_div(a: float, b: float) -> int:
    """⌈a / b⌉ for positive numbers."""
    return int(math.ceil(a / b - 1e-12))
