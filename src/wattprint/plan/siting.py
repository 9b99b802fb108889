"""Where and when: the same workload across regions, and the best start hour of a job.

Regions: the workload's accelerator and host energy do not depend on the site, so each region
applies its own PUE, WUE, off-site water intensity, grid intensity and price through the site
formulas (``site/formulas.py``) on arrays. Time: a job of constant power ``P`` for ``d`` hours
started at hour ``h`` of a 24-hour profile ``I`` emits ``P · ∫_h^{h+d} I(t) dt`` (the profile
repeats every day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wattprint.catalog.schema import Site
from wattprint.engine import SiteArrays, site_chain
from wattprint.errors import InputError
from wattprint.footprint import Footprint
from wattprint.plan.data import HourlyProfile
from wattprint.plan.objectives import OBJECTIVES, objective_names
from wattprint.plan.site_limits import check_limits, limit_rows
from wattprint.plan.space import resolve_regions
from wattprint.quantity import J_PER_KWH, Quantity

#: The site chain written out (``RegionComparison.formulas``).
FORMULAS = ("facility = (accelerator + host) × PUE; CO2e = facility kWh × grid + embodied; "
            "water = IT kWh × WUE + facility kWh × off-site; cost = facility kWh × price")


@dataclass
class RegionVerdict:
    """The winning region on the objective: ``best`` (a :class:`Quantity`, provenance the
    reason) and its margins against the runner-up, the median and the worst region."""

    winner: str
    objective: str
    best: Quantity
    worst: str
    worst_value: float
    median_value: float
    runner_up: str | None = None
    runner_up_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready verdict (margins in the objective's unit and in %)."""
        v = self.best.value
        out: dict[str, Any] = {
            "winner": self.winner, "objective": self.objective, "unit": self.best.unit,
            "value": v, "worst": self.worst, "worst_value": self.worst_value,
            "saving_vs_worst": self.worst_value - v,
            "saving_vs_worst_pct": _pct_saved(v, self.worst_value),
            "median_value": self.median_value,
            "saving_vs_median_pct": _pct_saved(v, self.median_value)}
        if self.runner_up is not None and self.runner_up_value is not None:
            out.update(runner_up=self.runner_up,
                       saving_vs_runner_up=self.runner_up_value - v,
                       saving_vs_runner_up_pct=_pct_saved(v, self.runner_up_value))
        out["why"] = self.best.provenance
        return out


@dataclass
class RegionComparison:
    """One workload in each candidate region, ranked by ``objective``: ``rows`` (per region:
    site factors, facility energy, CO2e, water, cost, provenance), the ``excluded`` regions
    with the reason, the verdict, the inputs and the formulas."""

    objective: str
    rows: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    verdict: RegionVerdict
    inputs: dict[str, Any]
    formulas: str = FORMULAS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        return {"objective": self.objective, "rows": self.rows, "excluded": self.excluded,
                "verdict": self.verdict.to_dict(), "inputs": self.inputs,
                "formulas": self.formulas}


@dataclass
class StartHourPlan:
    """The CO2e of a deferrable job for each start hour of a 24-hour profile, the best and
    worst hour and the savings; ``best`` is a :class:`Quantity` whose provenance is the
    formula and the profile."""

    profile: HourlyProfile
    duration_h: float
    energy_kwh: float
    co2e_g_by_start_hour: list[float]
    best_hour: int
    worst_hour: int
    now_hour: int | None = None
    profile_source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def power_kw(self) -> float:
        """Average power of the job [kW]."""
        return self.energy_kwh / self.duration_h

    @property
    def best(self) -> Quantity:
        """CO2e of the job started at the best hour."""
        return Quantity(self.co2e_g_by_start_hour[self.best_hour], "gCO2e",
                        f"{START_FORMULA}; profile {self.profile.name}")

    @property
    def no_difference(self) -> bool:
        """A flat profile (or a job covering whole days) has no better hour."""
        g = self.co2e_g_by_start_hour
        return bool(g[self.worst_hour] - g[self.best_hour]
                    <= FLAT_TOLERANCE * max(float(g[self.worst_hour]), 1e-300))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result (``now_*`` only with a start hour to compare against)."""
        g = self.co2e_g_by_start_hour
        best, worst = g[self.best_hour], g[self.worst_hour]
        mean = float(np.mean(g))
        out: dict[str, Any] = {
            "profile": self.profile.to_dict(), "duration_h": self.duration_h,
            "energy_kwh": self.energy_kwh, "power_kw": self.power_kw,
            "co2e_g_by_start_hour": g, "best_hour": self.best_hour, "best_co2e_g": best,
            "worst_hour": self.worst_hour, "no_difference": self.no_difference,
            "worst_co2e_g": worst, "average_start_co2e_g": mean,
            "saving_vs_average_g": mean - best,
            "saving_vs_average_pct": _pct_saved(best, mean),
            "saving_vs_worst_g": worst - best,
            "saving_vs_worst_pct": _pct_saved(best, worst),
            "formula": START_FORMULA}
        if self.now_hour is not None:
            now = g[self.now_hour]
            out.update(now_hour=self.now_hour, now_co2e_g=now, saving_vs_now_g=now - best,
                       saving_vs_now_pct=_pct_saved(best, now))
        if self.notes:
            out["note"] = "; ".join(self.notes)
        if self.profile_source is not None:
            out["profile_source"] = self.profile_source
        return out


def _drop_missing(rows: list[dict[str, Any]], excluded: list[dict[str, Any]], key: str,
                  label: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Leave out (and list) regions without data for the objective (NaN), never rank them."""
    def has(r: dict[str, Any]) -> bool:
        return r[key] is not None and bool(np.isfinite(r[key]))

    keep = [r for r in rows if has(r)]
    gone = [{**r, "why_not": f"no {label} data for this site"} for r in rows if not has(r)]
    if not keep:
        raise InputError(f"no candidate region has {label} data")
    keep.sort(key=lambda r: r[key])
    return keep, excluded + gone


def _driver(best: dict[str, Any], objective: str) -> str:
    """What makes the winning region win on ``objective`` (its site factors)."""
    if objective == "energy":
        return f"PUE {best['pue']:g}"
    if objective == "co2e":
        return f"grid {best['grid_gco2e_per_kwh']:g} gCO2e/kWh, PUE {best['pue']:g}"
    if objective == "water":
        return (f"on-site WUE {best['wue_l_per_kwh']:g} L/kWh + off-site "
                f"{best['offsite_water_l_per_kwh']:g} L/kWh × PUE {best['pue']:g}")
    if objective == "water-scarcity":
        return f"AWARE factor {best['aware_cf']:g} × {best['water_l']:.3g} L"
    if objective == "water-stress":
        return f"Aqueduct score {best['water_stress']:g}"
    return f"${best['price_usd_per_kwh']:g}/kWh × PUE {best['pue']:g}"


def compare_regions(accelerator_energy_j: float, host_energy_j: float, embodied_co2e_g: float,
                    regions: Sequence[Site] | Sequence[str] | str | None = None, *,
                    objective: str = "co2e", pue: float | None = None,
                    peak_it_power_w: float | None = None, max_power_w: float | None = None,
                    max_water_stress: float | None = None) -> RegionComparison:
    """Footprint of one workload in each region, ranked by ``objective``, with the margins.

    Returns ``rows`` (per region: PUE, cooling, grid, price, WUE, facility energy, CO2e,
    on-site and off-site water, cost), the ``winner`` and how much it saves against the
    runner-up, the median and the worst region.
    """
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose {objective_names()}")
    if objective == "total-cost":
        raise InputError("across regions the accelerator-hours cost the same: rank by "
                         "--objective cost (electricity), the part that changes")
    for v, what in ((accelerator_energy_j, "accelerator energy"), (host_energy_j, "host energy"),
                    (embodied_co2e_g, "embodied CO2e")):
        if not np.isfinite(v) or v < 0:
            raise InputError(f"{what} must be a finite number ≥ 0, got {v:g}")
    sites = list(regions) if regions and not isinstance(regions, str) and isinstance(
        list(regions)[0], Site) else resolve_regions(regions, cloud_only=False)  # type: ignore
    s = SiteArrays.build(sites, pue=pue)  # type: ignore[arg-type]
    m = site_chain(np.array(accelerator_energy_j), np.array(host_energy_j),
                   np.array(embodied_co2e_g), s)
    key, unit, label = OBJECTIVES[objective]
    vals = np.asarray(m[key]).reshape(-1)
    order = np.argsort(vals, kind="stable")
    rows = []
    for i in order:
        f = s.sites[i]
        rows.append({
            "region": f.site_id, "name": f.site_name, "cooling": s.cooling[i],
            "pue": f.pue.value, "grid_gco2e_per_kwh": f.grid_gco2e_per_kwh.value,
            "wue_l_per_kwh": f.wue_l_per_kwh.value,
            "offsite_water_l_per_kwh": f.water_l_per_kwh.value,
            "price_usd_per_kwh": f.price_usd_per_kwh.value,
            **{k: float(np.asarray(m[k]).reshape(-1)[i]) for k in
               ("facility_energy_j", "co2e_g", "embodied_co2e_g", "total_co2e_g", "water_l",
                "water_onsite_l", "water_scarcity_l", "water_stress", "cost_usd")},
            "aware_cf": float(s.aware[i]),
            "provenance": f.to_dict(),
        })
    for r in rows:
        r["water_offsite_l"] = r["water_l"] - r["water_onsite_l"]
    check_limits(max_power_w, max_water_stress)
    rows, excluded = limit_rows(rows, peak_it_power_w, max_power_w, max_water_stress)
    rows, excluded = _drop_missing(rows, excluded, key, label)
    best = rows[0]
    worst = rows[-1]
    median = float(np.median(np.array([r[key] for r in rows])))
    pct_worst = _pct_saved(best[key], worst[key])
    why = (f"{best['region']} has the lowest {label} ({_driver(best, objective)}): "
           f"{pct_worst:.0f} % below the worst region ({worst['region']}) and "
           f"{_pct_saved(best[key], median):.0f} % below the median")
    verdict = RegionVerdict(best["region"], objective, Quantity(best[key], unit, why),
                            worst["region"], worst[key], median,
                            rows[1]["region"] if len(rows) > 1 else None,
                            rows[1][key] if len(rows) > 1 else None)
    return RegionComparison(objective, rows, excluded, verdict,
                            {"accelerator_energy_j": accelerator_energy_j,
                             "host_energy_j": host_energy_j,
                             "embodied_co2e_g": embodied_co2e_g, "pue_override": pue})


def compare_footprint(fp: Footprint, regions: Sequence[str] | str | None = None, *,
                      objective: str = "co2e", max_power_w: float | None = None,
                      max_water_stress: float | None = None) -> RegionComparison:
    """:func:`compare_regions` for an engine footprint (its accelerator, host, embodied);
    its rated IT power is chips x (power limit + host share) of its hardware."""
    from wattprint.catalog import get_hardware

    peak_it = None
    if fp.inputs.get("hardware") and fp.inputs.get("chips"):
        hw = get_hardware(str(fp.inputs["hardware"]))
        peak_it = float(fp.inputs["chips"]) * (hw.tdp_w.value + hw.host_power_w.value)
    out = compare_regions(fp["accelerator_energy"].value, fp["host_energy"].value,
                          fp["embodied_co2e"].value, regions, objective=objective,
                          peak_it_power_w=peak_it, max_power_w=max_power_w,
                          max_water_stress=max_water_stress)
    out.inputs["workload"] = fp.inputs
    return out


def _pct_saved(best: float, other: float) -> float:
    return (other - best) / other * 100.0 if other > 0 else 0.0


def window_integrals(profile: np.ndarray, duration_h: float) -> np.ndarray:
    """``∫_h^{h+d} I(t) dt`` for each start hour ``h`` = 0..23 [gCO2e/kWh · h].

    ``I`` is piecewise constant per hour and repeats daily, so with the cumulative integral
    ``F(x) = ⌊x/24⌋ · ΣI + C(x mod 24)`` (``C`` linear within each hour) the window is
    ``F(h + d) − F(h)``.
    """
    prof = np.asarray(profile, dtype=float)
    if prof.shape != (24,):
        raise InputError("an hourly profile needs 24 values")
    if not np.isfinite(duration_h) or duration_h <= 0:
        raise InputError(f"duration must be > 0, got {duration_h:g} h")
    cum = np.concatenate([[0.0], np.cumsum(prof)])
    day = cum[-1]

    def F(x: np.ndarray) -> np.ndarray:
        days = np.floor(x / 24.0)
        rem = x - days * 24.0
        h = np.minimum(np.floor(rem).astype(int), 23)
        return days * day + cum[h] + (rem - h) * prof[h]

    starts = np.arange(24, dtype=float)
    return F(starts + duration_h) - F(starts)


#: Start hours whose CO2e differ by at most this fraction are "no difference".
FLAT_TOLERANCE = 1e-3
#: The start-hour formula (``StartHourPlan`` JSON ``formula``).
START_FORMULA = ("co2e(h) = P · ∫_h^{h+d} I(t) dt, P = energy / d, I the hourly profile "
                 "repeated daily (window_integrals)")


def best_start_hour(profile: HourlyProfile, duration_h: float, energy_kwh: float,
                    now_hour: int | None = None) -> StartHourPlan:
    """Best start hour for a deferrable job of ``energy_kwh`` spread evenly over
    ``duration_h`` hours, and what it saves against starting now, a random hour and the worst.
    """
    if not np.isfinite(energy_kwh) or energy_kwh <= 0:
        raise InputError(f"energy must be > 0, got {energy_kwh:g} kWh")
    if now_hour is not None and not 0 <= now_hour <= 23:
        raise InputError(f"--now must be an hour 0-23, got {now_hour}")
    if not np.isfinite(duration_h) or duration_h <= 0:
        raise InputError(f"duration must be > 0, got {duration_h:g} h")
    g = (energy_kwh / duration_h) * window_integrals(profile.values, duration_h)
    notes = []
    if duration_h >= 24:
        notes.append("a job of a day or more covers every hour; shifting its start only moves "
                     "the partial day")
    return StartHourPlan(profile, duration_h, energy_kwh, [float(v) for v in g],
                         int(np.argmin(g)), int(np.argmax(g)), now_hour, notes=notes)


def energy_kwh_from_j(j: float) -> float:
    """J → kWh."""
    return j / J_PER_KWH
