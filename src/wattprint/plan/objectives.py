"""What a plan can minimise: the objectives, their metric keys and units."""

from __future__ import annotations

from collections.abc import Callable

#: Objectives: name → (metric key, SI unit, label).
OBJECTIVES: dict[str, tuple[str, str, str]] = {
    "energy": ("facility_energy_j", "J", "facility energy"),
    "co2e": ("total_co2e_g", "gCO2e", "CO2e (operational + embodied)"),
    "water": ("water_l", "L", "water (on-site + off-site)"),
    "cost": ("cost_usd", "USD", "electricity cost"),
}
METRICS = tuple(v[0] for v in OBJECTIVES.values())

ProgressFn = Callable[[int, int], None]
