"""The site chain on arrays: many device configurations × many regions at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wattprint.catalog.schema import Site
from wattprint.quantity import J_PER_KWH
from wattprint.site import formulas as sf
from wattprint.site.chain import SiteFactors, resolve_site


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
    aware: np.ndarray  # AWARE m3 world-eq per m3; NaN where no factor is shipped
    stress: np.ndarray  # Aqueduct baseline water stress 0-5; NaN where none is shipped

    @classmethod
    def build(cls, sites: Sequence[Site], pue: float | None = None) -> SiteArrays:
        """Resolve each site (``pue`` overrides every site's PUE)."""
        from wattprint.site.water_stress import water_stress

        fs = [resolve_site(s, pue=pue) for s in sites]
        stress = [water_stress(s.id, s.country) for s in sites]
        return cls(fs, [s.cooling for s in sites],
                   np.array([f.pue.value for f in fs]),
                   np.array([f.wue_l_per_kwh.value for f in fs]),
                   np.array([f.water_l_per_kwh.value for f in fs]),
                   np.array([f.grid_gco2e_per_kwh.value for f in fs]),
                   np.array([f.price_usd_per_kwh.value for f in fs]),
                   np.array([np.nan if f.aware_cf is None else f.aware_cf.value for f in fs]),
                   np.array([np.nan if t is None else t.score for t in stress]))


def site_chain(accel_j: Any, host_j: Any, embodied_g: Any, s: SiteArrays) -> dict[str, Any]:
    """Apply the site formulas; the last axis of the result is the region."""
    acc = np.asarray(accel_j)[..., None]
    host = np.asarray(host_j)[..., None]
    it = sf.it_energy_j(acc, host)
    fac = sf.facility_energy_j(it, s.pue)
    co2 = sf.operational_co2e_g(fac, s.grid)
    emb = np.asarray(embodied_g)[..., None]
    water = sf.water_l(it, fac, s.wue, s.water)
    return {"accelerator_energy_j": np.broadcast_to(acc, fac.shape),
            "it_energy_j": np.broadcast_to(it, fac.shape), "facility_energy_j": fac,
            "co2e_g": co2,
            "embodied_co2e_g": np.broadcast_to(emb, fac.shape), "total_co2e_g": co2 + emb,
            "water_l": water,
            "water_scarcity_l": sf.scarcity_weighted_water_l(water, s.aware),
            "water_stress": np.broadcast_to(s.stress, fac.shape),
            "water_onsite_l": np.broadcast_to(it / J_PER_KWH * s.wue, fac.shape),
            "cost_usd": sf.energy_cost_usd(fac, s.price)}
