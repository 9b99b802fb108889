"""Siting limits shared by the planners: power at the meter and basin water stress.

* ``--max-power``: the rated peak of a configuration at the meter, ``n_chips x (power limit +
  host share) x PUE`` (W), must not exceed the limit (a grid connection is sized on peak, not
  average, power).
* ``--max-water-stress``: a region whose data centres use water on site (WUE > 0) must have a
  WRI Aqueduct baseline water stress score (0-5) at or below the limit; a region with no score
  fails with that reason (never silently passes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from wattprint.catalog.schema import Hardware
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.constraints import Constraint
from wattprint.site.water_stress import water_stress


def check_limits(max_power_w: float | None, max_water_stress: float | None) -> None:
    """Validate the two limits (one-line InputError)."""
    if max_power_w is not None and not (np.isfinite(max_power_w) and max_power_w > 0):
        raise InputError(f"--max-power must be > 0, got {max_power_w:g} W")
    if max_water_stress is not None and not 0.0 <= max_water_stress <= 5.0:
        raise InputError("--max-water-stress is a WRI Aqueduct score between 0 and 5")


def per_chip_power_w(hws: Sequence[Hardware]) -> np.ndarray:
    """Rated power per accelerator with its host share (W), one value per hardware."""
    return np.array([h.tdp_w.value + h.host_power_w.value for h in hws], dtype=float)


def sweep_limits(per_chip_w: np.ndarray, n_chips: np.ndarray, sites: Any,
                 max_power_w: float | None, max_water_stress: float | None
                 ) -> list[Constraint]:
    """The limit constraints of a sweep: ``per_chip_w`` has the hardware axis first,
    ``n_chips`` the sweep shape without the region axis; ``sites`` is the engine's
    ``SiteArrays`` (region = last axis)."""
    check_limits(max_power_w, max_water_stress)
    out = []
    if max_power_w is not None:
        shape = (-1,) + (1,) * (n_chips.ndim - 1)
        peak_it = n_chips * per_chip_w.reshape(shape)
        out.append(power_constraint(peak_it[..., None] * sites.pue, max_power_w))
    if max_water_stress is not None:
        out.append(stress_constraint(sites.stress, sites.wue, max_water_stress))
    return out


def power_constraint(peak_w: np.ndarray, limit_w: float) -> Constraint:
    """``peak_w`` (any shape broadcasting to the sweep) ≤ ``limit_w``."""
    return Constraint("max power", f"peak power at the meter ≤ {limit_w / 1e6:g} MW",
                      peak_w <= limit_w, peak_w / 1e6, limit_w / 1e6, "MW")


def stress_constraint(scores: np.ndarray, wue: np.ndarray, limit: float) -> Constraint:
    """Regions that use water on site need an Aqueduct score ≤ ``limit`` (last axis)."""
    ok = (wue <= 0) | (np.nan_to_num(scores, nan=99.0) <= limit)
    return Constraint("max water stress", f"water stress (WRI Aqueduct) ≤ {limit:g} where "
                      "water is used on site", ok, np.nan_to_num(scores, nan=5.0), limit,
                      "(Aqueduct 0-5)")


def limit_rows(rows: list[dict[str, Any]], peak_it_w: float | None,
               max_power_w: float | None, max_water_stress: float | None
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Annotate region rows with water stress and peak power; split kept / excluded (each
    excluded row gets ``why_not``). Raises when every row is excluded."""
    from wattprint.catalog import get_site

    kept, excluded = [], []
    for r in rows:
        site = get_site(r["region"])
        st = water_stress(site.id, site.country)
        r["water_stress"] = None if st is None else st.score
        r["water_stress_category"] = "no data" if st is None else st.category
        r["peak_power_w"] = None if peak_it_w is None else peak_it_w * r["pue"]
        why = None
        if max_power_w is not None:
            if peak_it_w is None:
                raise InputError("--max-power needs a workload with chips and hardware (not "
                                 "--energy alone) to know its power")
            if r["peak_power_w"] > max_power_w:
                why = (f"peak {r['peak_power_w'] / 1e6:.3g} MW > --max-power "
                       f"{max_power_w / 1e6:g} MW")
        if why is None and max_water_stress is not None and r["wue_l_per_kwh"] > 0:
            if st is None:
                why = "no water-stress figure (--max-water-stress needs one)"
            elif st.score > max_water_stress:
                why = f"water stress {st.score:g} ({st.category}) > {max_water_stress:g}"
        if why:
            r["why_not"] = why
            excluded.append(r)
        else:
            kept.append(r)
    if not kept:
        raise UnsupportedError("no region meets the limits: " + "; ".join(
            f"{r['region']}: {r['why_not']}" for r in excluded[:5]))
    return kept, excluded
