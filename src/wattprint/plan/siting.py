"""Where and when: the same workload across regions, and the best start hour of a job.

Regions: the workload's accelerator and host energy do not depend on the site, so each region
applies its own PUE, WUE, off-site water intensity, grid intensity and price through the site
formulas (``site/formulas.py``) on arrays. Time: a job of constant power ``P`` for ``d`` hours
started at hour ``h`` of a 24-hour profile ``I`` emits ``P · ∫_h^{h+d} I(t) dt`` (the profile
repeats every day).
"""

from __future__ import annotations

from collections.abc import Sequence
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
from wattprint.quantity import J_PER_KWH


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
                    max_water_stress: float | None = None) -> dict[str, Any]:
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
    vals = np.array([r[key] for r in rows])
    best = rows[0]
    worst = rows[-1]
    median = float(np.median(vals))
    verdict = {"winner": best["region"], "objective": objective, "unit": unit,
               "value": best[key], "worst": worst["region"], "worst_value": worst[key],
               "saving_vs_worst": worst[key] - best[key],
               "saving_vs_worst_pct": _pct_saved(best[key], worst[key]),
               "median_value": median,
               "saving_vs_median_pct": _pct_saved(best[key], median)}
    if len(rows) > 1:
        verdict.update(runner_up=rows[1]["region"],
                       saving_vs_runner_up=rows[1][key] - best[key],
                       saving_vs_runner_up_pct=_pct_saved(best[key], rows[1][key]))
    verdict["why"] = (f"{best['region']} has the lowest {label} ({_driver(best, objective)}): "
                      f"{verdict['saving_vs_worst_pct']:.0f} % below the worst region "
                      f"({worst['region']}) and {verdict['saving_vs_median_pct']:.0f} % below "
                      "the median")
    return {"objective": objective, "rows": rows, "excluded": excluded, "verdict": verdict,
            "inputs": {"accelerator_energy_j": accelerator_energy_j,
                       "host_energy_j": host_energy_j, "embodied_co2e_g": embodied_co2e_g,
                       "pue_override": pue},
            "formulas": "facility = (accelerator + host) × PUE; CO2e = facility kWh × grid + "
                        "embodied; water = IT kWh × WUE + facility kWh × off-site; cost = "
                        "facility kWh × price"}


def compare_footprint(fp: Footprint, regions: Sequence[str] | str | None = None, *,
                      objective: str = "co2e", max_power_w: float | None = None,
                      max_water_stress: float | None = None) -> dict[str, Any]:
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
    out["inputs"]["workload"] = fp.inputs
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


def best_start_hour(profile: HourlyProfile, duration_h: float, energy_kwh: float,
                    now_hour: int | None = None) -> dict[str, Any]:
    """Best start hour for a deferrable job of ``energy_kwh`` spread evenly over
    ``duration_h`` hours, and what it saves against starting now, a random hour and the worst.
    """
    if not np.isfinite(energy_kwh) or energy_kwh <= 0:
        raise InputError(f"energy must be > 0, got {energy_kwh:g} kWh")
    if now_hour is not None and not 0 <= now_hour <= 23:
        raise InputError(f"--now must be an hour 0-23, got {now_hour}")
    if not np.isfinite(duration_h) or duration_h <= 0:
        raise InputError(f"duration must be > 0, got {duration_h:g} h")
    power_kw = energy_kwh / duration_h
    g = power_kw * window_integrals(profile.values, duration_h)  # gCO2e per start hour
    best = int(np.argmin(g))
    worst = int(np.argmax(g))
    mean = float(g.mean())
    out: dict[str, Any] = {
        "profile": profile.to_dict(), "duration_h": duration_h, "energy_kwh": energy_kwh,
        "power_kw": power_kw, "co2e_g_by_start_hour": [float(v) for v in g],
        "best_hour": best, "best_co2e_g": float(g[best]), "worst_hour": worst,
        # a flat profile (or a job covering whole days) has no better hour: say so
        "no_difference": bool(g[worst] - g[best] <= FLAT_TOLERANCE * max(float(g[worst]),
                                                                         1e-300)),
        "worst_co2e_g": float(g[worst]), "average_start_co2e_g": mean,
        "saving_vs_average_g": mean - float(g[best]),
        "saving_vs_average_pct": _pct_saved(float(g[best]), mean),
        "saving_vs_worst_g": float(g[worst] - g[best]),
        "saving_vs_worst_pct": _pct_saved(float(g[best]), float(g[worst])),
        "formula": "co2e(h) = P · ∫_h^{h+d} I(t) dt, P = energy / d, I the hourly profile "
                   "repeated daily (window_integrals)",
    }
    if now_hour is not None:
        out["now_hour"] = now_hour
        out["now_co2e_g"] = float(g[now_hour])
        out["saving_vs_now_g"] = float(g[now_hour] - g[best])
        out["saving_vs_now_pct"] = _pct_saved(float(g[best]), float(g[now_hour]))
    if duration_h >= 24:
        out["note"] = ("a job of a day or more covers every hour; shifting its start only moves "
                       "the partial day")
    return out


def energy_kwh_from_j(j: float) -> float:
    """J → kWh."""
    return j / J_PER_KWH
