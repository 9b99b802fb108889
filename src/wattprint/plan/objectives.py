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
}
#: The metrics of the Pareto frontier (total cost is ranked on, not part of the frontier).
METRICS = ("facility_energy_j", "total_co2e_g", "water_l", "cost_usd")

ProgressFn = Callable[[int, int], None]
