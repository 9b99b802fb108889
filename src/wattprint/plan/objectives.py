"""What a plan can minimise: the objectives, their metric keys and units."""

from __future__ import annotations

from collections.abc import Callable

#: Objectives: name → (metric key, SI unit, label).
OBJECTIVES: dict[str, tuple[str, str, str]] = {
    "energy": ("facility_energy_j", "J", "facility energy"),
    "co2e": ("total_co2e_g", "gCO2e", "CO2e (operational + embodied)"),
    "water": ("water_l", "L", "water (on-site + off-site)"),
    "cost": ("cost_usd", "USD", "electricity cost"),
    "total-cost": ("total_cost_usd", "USD", "total cost (accelerator-hours + electricity)"),
    "water-scarcity": ("water_scarcity_l", "L world-eq",
                       "scarcity-weighted water (litres × AWARE factor)"),
    "water-stress": ("water_stress", "", "basin water stress of the site (Aqueduct 0-5)"),
}
#: Objectives that sites can lack data for (rows without it are left out, with a note).
SITE_DATA_OBJECTIVES = ("water-scarcity", "water-stress")


def objective_names() -> str:
    """The objective names for an error message: ``energy, co2e, ... or water-stress``."""
    names = list(OBJECTIVES)
    return ", ".join(names[:-1]) + " or " + names[-1]
#: The metrics of the Pareto frontier (total cost is ranked on, not part of the frontier).
METRICS = ("facility_energy_j", "total_co2e_g", "water_l", "cost_usd")

ProgressFn = Callable[[int, int], None]
