"""``wattprint plan facility``: a cluster as a power plant, across sites and cooling types.

For N accelerators of one kind: IT power = N x (chip power limit + host share per chip), then
the hour-by-hour facility model (:mod:`wattprint.site.facility`) in each candidate site's
typical year and each cooling type gives power at the meter (peak and average), annual energy,
on-site water (annual and per day in the peak month), basin water stress, grid CO2e and the
electricity bill, and "as much electricity as N households".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from wattprint.errors import InputError, UnsupportedError
from wattprint.quantity import J_PER_KWH
from wattprint.site.facility import COOLING_TYPES, cooling_kind, site_facility_year

HOURS_PER_YEAR = 8760.0
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class FacilityOption:
    """One (site, cooling type) for the cluster; powers in W, energy in J, water in L."""

    site: str
    cooling: str
    it_peak_w: float
    meter_peak_w: float
    meter_average_w: float
    annual_energy_j: float
    pue: float
    peak_pue: float
    wue_l_per_kwh: float
    annual_water_l: float
    peak_month: str
    peak_month_water_l_per_day: float
    monthly_pue: list[float]
    monthly_chiller_hours: list[float]
    co2e_g: float
    electricity_usd: float
    water_stress: float | None
    water_stress_category: str
    annual_water_scarcity_l: float | None  # L world-eq (AWARE); None: no factor shipped
    households: float | None
    grid_connection: str
    owner_usd_per_year: float | None = None  # hardware + network + maintenance + building
    feasible: bool = True
    why_not: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (SI units in the names)."""
        return asdict(self)


@dataclass
class FacilityPlan:
    """Every option, the sources behind them and the constraint that removed any."""

    chips: int
    hardware: str
    it_power_w: float
    load: float
    options: list[FacilityOption]
    notes: list[str] = field(default_factory=list)

    def feasible(self) -> list[FacilityOption]:
        """Options that meet the constraints, lowest annual energy first."""
        return sorted((o for o in self.options if o.feasible), key=lambda o: o.annual_energy_j)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"chips": self.chips, "hardware": self.hardware, "it_power_w": self.it_power_w,
                "load": self.load, "options": [o.to_dict() for o in self.options],
                "notes": self.notes}


def grid_connection(peak_w: float) -> str:
    """Rough class of grid connection for a peak demand (W): distribution below 10 MW,
    sub-transmission (69-138 kV) to 100 MW, transmission (>= 230 kV) above (wattprint rule of
    thumb; utilities decide case by case and add redundancy)."""
    mw = peak_w / 1e6
    if mw < 10:
        return f"{mw:.1f} MW, distribution feeder (<= 35 kV)"
    if mw < 100:
        return f"{mw:.0f} MW, sub-transmission (69-138 kV) substation"
    return f"{mw:.0f} MW, transmission (>= 230 kV) substation"


def households_equivalent(annual_energy_j: float, country: str) -> float | None:
    """How many average households of ``country`` use the same electricity in a year, or None
    when no household figure is shipped for that country."""
    from wattprint.catalog.physical import households

    h = households().get(country.upper())
    if h is None:
        return None
    return annual_energy_j / (h.kwh_per_year.value * J_PER_KWH)


def _option(site_id: str, cooling: str, it_w: float, load: float) -> FacilityOption:
    from wattprint.catalog import get_site
    from wattprint.site.formulas import scarcity_weighted_water_l
    from wattprint.site.water_stress import scarcity_factor, water_stress

    site = get_site(site_id)
    fy = site_facility_year(site.id, cooling, load)
    meter_w = fy.facility_w_per_w * it_w  # per hour, W
    energy_j = float(meter_w.sum() * 3600.0)
    water_l_h = fy.water_kg_per_wh * it_w * load  # L per hour
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
    monthly_l = np.array([water_l_h[fy.month == m].sum() for m in range(12)])
    per_day = monthly_l / days
    peak_m = int(per_day.argmax())
    stress = water_stress(site.id, site.country)
    aware = scarcity_factor(site.id, site.country)
    kwh = energy_j / J_PER_KWH
    return FacilityOption(
        site=site.id, cooling=fy.cooling, it_peak_w=it_w * load,
        meter_peak_w=float(meter_w.max()), meter_average_w=float(meter_w.mean()),
        annual_energy_j=energy_j, pue=fy.pue, peak_pue=fy.peak_pue,
        wue_l_per_kwh=fy.wue_l_per_kwh, annual_water_l=float(water_l_h.sum()),
        peak_month=MONTHS[peak_m], peak_month_water_l_per_day=float(per_day[peak_m]),
        monthly_pue=fy.monthly_pue(), monthly_chiller_hours=fy.monthly_chiller_hours(),
        co2e_g=kwh * site.grid_gco2e_per_kwh.value,
        electricity_usd=kwh * site.price_usd_per_kwh.value,
        water_stress=None if stress is None else stress.score,
        water_stress_category="no data" if stress is None else stress.category,
        annual_water_scarcity_l=None if aware is None else float(
            scarcity_weighted_water_l(water_l_h.sum(), aware.value)),
        households=households_equivalent(energy_j, site.country),
        grid_connection=grid_connection(float(meter_w.max())))


def _apply_limits(o: FacilityOption, max_power_w: float | None,
                  max_water_stress: float | None) -> None:
    if max_power_w is not None and o.meter_peak_w > max_power_w:
        o.feasible = False
        o.why_not = (f"peak {o.meter_peak_w / 1e6:.1f} MW at the meter > --max-power "
                     f"{max_power_w / 1e6:g} MW")
    elif max_water_stress is not None and o.annual_water_l > 0:
        if o.water_stress is None:
            o.feasible = False
            o.why_not = "no water-stress figure for this site (--max-water-stress needs one)"
        elif o.water_stress > max_water_stress:
            o.feasible = False
            o.why_not = (f"water stress {o.water_stress:g} ({o.water_stress_category}) > "
                         f"--max-water-stress {max_water_stress:g}")


def plan_facility(chips: int, hardware: str, sites: list[str], coolings: list[str] | None = None,
                  load: float = 1.0, max_power_w: float | None = None,
                  max_water_stress: float | None = None) -> FacilityPlan:
    """Every (site, cooling type) for ``chips`` x ``hardware`` at ``load`` x design IT power.

    ``max_power_w`` (peak at the meter) and ``max_water_stress`` (Aqueduct 0-5, applied to
    options that use water) mark options infeasible with the reason.
    """
    from wattprint.catalog import get_hardware

    if chips < 1:
        raise InputError(f"--chips must be at least 1 (got {chips})")
    if max_water_stress is not None and not 0.0 <= max_water_stress <= 5.0:
        raise InputError("--max-water-stress is an Aqueduct score between 0 and 5")
    if not sites:
        raise UnsupportedError("no candidate site has climate data")
    hw = get_hardware(hardware)
    per_chip = hw.tdp_w.value + hw.host_power_w.value
    it_w = chips * per_chip
    kinds = [cooling_kind(c) for c in (coolings or list(COOLING_TYPES))]
    options = []
    for s in dict.fromkeys(sites):
        for k in dict.fromkeys(kinds):
            o = _option(s, k, it_w, load)
            _apply_limits(o, max_power_w, max_water_stress)
            options.append(o)
    owner = _owner_per_year(hw, chips)
    for o in options:
        o.owner_usd_per_year = owner[0]
    notes = [f"IT power = {chips} x ({hw.tdp_w.value:g} W power limit [{hw.tdp_w.cite()}] + "
             f"{hw.host_power_w.value:g} W host share [{hw.host_power_w.cite()}]) at "
             f"{load:.0%} load; network switches and storage not included",
             "facility constants: data/cooling.toml; climate: data/climate.toml; "
             "water stress: WRI Aqueduct (data/water_stress.toml)",
             "scarcity-weighted water: on-site litres × AWARE 1.2 factor "
             "(data/aware.toml)", owner[1]]
    return FacilityPlan(chips, hw.id, it_w, load, options, notes)


def _owner_per_year(hw: Any, chips: int) -> tuple[float | None, str]:
    """Owner's annual cost of the cluster without electricity (USD/yr) and its provenance:
    owner TCO per billable accelerator-hour x billable hours a year x chips."""
    from wattprint.catalog.defaults import default_value
    from wattprint.site.cost import accelerator_hour_price

    try:
        p = accelerator_hour_price(hw, "owner")
    except UnsupportedError as exc:
        return None, f"owner cost: {exc}"
    util = default_value("embodied", "utilisation").value
    per_year = p.usd * HOURS_PER_YEAR * util * chips
    return per_year, (f"owner cost/yr = {chips} x ${p.usd:.3g}/billable hour x "
                      f"{HOURS_PER_YEAR:g} h x utilisation {util:g} ({p.provenance}); "
                      "electricity is the separate 'M USD elec/yr' column")


def climate_sites() -> list[str]:
    """Every catalog site with shipped climate data (the default candidates)."""
    from wattprint.catalog.physical import station_for_site

    return sorted(station_for_site())
