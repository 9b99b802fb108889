"""The data centre as a power plant: IT load -> power at the meter and water, hour by hour.

For every hour of a typical year (:mod:`wattprint.site.climate`) and one cooling type
(``data/cooling.toml``):

* heat to remove ``Q = IT / eta_ups`` (IT power plus UPS losses, W);
* cooling power = fans and pumps ``f_fan * Q`` + chiller work ``m * Q / COP`` where ``m`` is
  the share of the heat that free cooling (outside air, evaporation, tower water, dry coolers)
  cannot take at that hour's dry-bulb / wet-bulb temperature, and ``COP`` a fraction of the
  Carnot COP between the evaporator and the condenser (:func:`chiller_cop`);
* facility power ``P = (IT / eta_ups + cooling + fixed) / eta_transformer``, fixed loads at a
  share of design IT power;
* water (:mod:`wattprint.site.water`) = tower make-up (heat rejected incl. fans, pumps, fixed
  loads and chiller work x latent share / latent heat, plus blowdown and drift at the cycles of
  concentration), adiabatic evaporation above the set point, and humidification of dry outside
  air (plus the humidifier's bleed at the same cycles of concentration).

Every function is vectorised over hours (numpy arrays) and documented in docs/methodology.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from wattprint.errors import InputError, UnsupportedError
from wattprint.quantity import J_PER_KWH
from wattprint.site.climate import FloatArray, TypicalYear
from wattprint.site.facility_air import (
    air_flow_ratio,
    chiller_cop,
    fan_power_ratio,
    floating_supply_c,
    recirculate,
    trim_cop,
    trim_share,
    ups_stage_efficiency,
)
from wattprint.site.water import (
    adiabatic_kg_per_j,
    consumed_kg,
    humidification_makeup_kg_per_j,
    tower_makeup_kg_per_j,
    with_blowdown,
)

if TYPE_CHECKING:
    from wattprint.catalog.physical import Common

COOLING_TYPES: tuple[str, ...] = ("air-economiser", "evaporative", "chiller-tower", "liquid-dry",
                                  "liquid-hybrid", "liquid-tower")
#: Chilled-water temperature rise across the cooling coils (K); wattprint assumption.
CHW_RISE_K = 6.0
#: Cooling types that bring outside air into the hall (and so humidify it in dry winters).
OUTSIDE_AIR_TYPES = ("air-economiser", "evaporative")
#: Outdoor dry bulb (degrees C) below which a building needs heat: the 65 F base of heating
#: degree days (NOAA / ASHRAE); reused data-centre heat is counted only in those hours.
HEATING_BASE_C = 18.3


def mechanical_share(t_free_c: FloatArray, t_supply_c: float, rise_k: float) -> FloatArray:
    """Share (0-1) of the heat a chiller must take when free cooling delivers ``t_free_c`` and
    the load needs ``t_supply_c`` with a return ``rise_k`` warmer: 0 at or below the supply,
    1 at or above the return, linear in between (partial economiser)."""
    return np.asarray(np.clip((t_free_c - t_supply_c) / rise_k, 0.0, 1.0))


def reuse_share(t_db_c: FloatArray, annual_share: float) -> FloatArray:
    """Share of the loop's heat reused for building heating each hour: the facility's published
    annual share spread over the hours colder than the heating base (:data:`HEATING_BASE_C`),
    0 in warmer hours, at most 1."""
    cold = np.asarray(t_db_c) < HEATING_BASE_C
    if annual_share <= 0.0 or not cold.any():
        return np.zeros_like(np.asarray(t_db_c, dtype=float))
    return np.asarray(np.where(cold, min(annual_share * cold.size / cold.sum(), 1.0), 0.0))


def series_dry_share(t_db_c: FloatArray, t_in_c: FloatArray, supply_c: float, rise_k: float,
                     approach_k: float) -> FloatArray:
    """Share of a liquid loop's heat (0-1) that a dry cooler upstream of the tower takes: it
    cools the loop water entering at ``t_in_c`` down to at best ``t_db + approach`` and never
    below the supply, ``clip((t_in - max(t_db + approach, supply)) / rise, 0, 1)``."""
    floor = np.maximum(np.asarray(t_db_c) + approach_k, supply_c)
    return np.asarray(np.clip((np.asarray(t_in_c) - floor) / rise_k, 0.0, 1.0))


# --------------------------------------------------------------------------- cooling types
# Each kernel takes the constants, the hourly dry and wet bulb and ``internal``: the heat of
# fans, pumps and fixed loads that ends up in the cooling medium (W per W of IT heat). It returns
# the chiller work and the water (kg per J), both per W of IT heat, and the air flow per W of
# heat relative to the design (:func:`~wattprint.site.facility_air.air_flow_ratio`; 1 for the
# water-side types).

#: chiller work (W/W), water (kg/J), air flow ratio, each hour
Kernel = tuple[FloatArray, FloatArray, FloatArray]


def _ones(t: FloatArray) -> FloatArray:
    return np.ones_like(np.asarray(t, dtype=float))



def _air_economiser(c: Common, t_db: FloatArray, _t_wb: FloatArray,
                    _internal: float) -> Kernel:
    s, rise, top = c.supply_air_c.value, c.air_rise_k.value, c.supply_air_max_c.value
    m = trim_share(t_db, s, top, rise)
    cop = trim_cop(c, t_db)
    flow = air_flow_ratio(floating_supply_c(t_db, s, top), s, rise)
    return np.asarray(m / cop), np.zeros_like(t_db), flow


def _evaporative(c: Common, t_db: FloatArray, t_wb: FloatArray,
                 internal: float) -> Kernel:
    s, rise, top = c.supply_air_c.value, c.air_rise_k.value, c.supply_air_max_c.value
    t_out = t_db - c.evaporative_effectiveness.value * (t_db - t_wb)
    use_air = t_out < s + rise  # outside air still cools below the return: run the media
    wet = use_air & (t_db > c.evaporative_setpoint_c.value)
    t_air = np.where(wet, np.maximum(t_out, s), t_db)
    m = np.where(use_air, trim_share(t_air, s, top, rise), 1.0)
    cop = trim_cop(c, t_db)
    water = with_blowdown(adiabatic_kg_per_j(t_db, t_air, rise) * (1.0 + internal),
                          c.cycles_of_concentration.value)
    flow = np.where(use_air, air_flow_ratio(floating_supply_c(t_air, s, top), s, rise), 1.0)
    return np.asarray(m / cop), water, np.asarray(flow)


def _tower_water(c: Common, heat_w: FloatArray, t_db: FloatArray) -> FloatArray:
    makeup, _ = tower_makeup_kg_per_j(heat_w, t_db, c.latent_share.value,
                                      c.cycles_of_concentration.value, c.tower_range_k.value,
                                      c.drift_fraction.value)
    return makeup


def _chiller_tower(c: Common, t_db: FloatArray, t_wb: FloatArray,
                   internal: float) -> Kernel:
    t_tower = t_wb + c.tower_approach_k.value
    chw = c.chilled_water_c.value
    m = mechanical_share(t_tower + c.hx_approach_k.value, chw, CHW_RISE_K)
    cop = chiller_cop(chw - 2.0, t_tower + c.tower_condenser_rise_k.value,
                      c.carnot_fraction.value, c.max_cop.value)
    chiller_w = (1.0 + internal) * m / cop
    # the tower rejects the IT heat, the fans', pumps' and fixed loads' heat and the chiller work
    return np.asarray(chiller_w), _tower_water(c, 1.0 + internal + chiller_w, t_db), _ones(t_db)


def _liquid_dry(c: Common, t_db: FloatArray, t_wb: FloatArray,
                internal: float) -> Kernel:
    share = c.liquid_capture.value
    t_dry = t_db + c.dry_cooler_approach_k.value
    supply = c.liquid_supply_c.value
    m = mechanical_share(t_dry, supply, c.liquid_rise_k.value)
    cop = chiller_cop(supply - 2.0, t_db + c.air_condenser_approach_k.value,
                      c.carnot_fraction.value, c.max_cop.value)
    air_chiller, _, _ = _air_economiser(c, t_db, t_wb, internal)
    return (np.asarray(share * m / cop + (1.0 - share) * air_chiller), np.zeros_like(t_db),
            _ones(t_db))


def _liquid_loop(c: Common, t_db: FloatArray, t_wb: FloatArray, internal: float,
                 dry_cooler: bool) -> Kernel:
    """Warm-water liquid cooling: the loop's heat is first reused for building heating (cold
    hours, published share), then a dry cooler in series takes what it can
    (:func:`series_dry_share`; none without one), an evaporative tower the rest (chiller only
    when even the tower water is warmer than the supply)."""
    share, supply, rise = c.liquid_capture.value, c.liquid_supply_c.value, c.liquid_rise_k.value
    reuse = reuse_share(t_db, c.heat_reuse_share.value)
    dry = (series_dry_share(t_db, supply + rise * (1.0 - reuse), supply, rise,
                            c.dry_cooler_approach_k.value) if dry_cooler
           else np.zeros_like(t_db))
    wet = np.clip(1.0 - reuse - dry, 0.0, 1.0)
    t_tower = t_wb + c.tower_approach_k.value
    m = wet * mechanical_share(t_tower, supply, rise)
    cop = chiller_cop(supply - 2.0, t_tower + c.tower_condenser_rise_k.value,
                      c.carnot_fraction.value, c.max_cop.value)
    loop = share * (1.0 + internal)
    chiller_w = loop * m / cop
    water = _tower_water(c, loop * wet + chiller_w, t_db)
    air_chiller, _, _ = _air_economiser(c, t_db, t_wb, internal)
    return np.asarray(chiller_w + (1.0 - share) * air_chiller), water, _ones(t_db)


def _liquid_hybrid(c: Common, t_db: FloatArray, t_wb: FloatArray,
                   internal: float) -> Kernel:
    return _liquid_loop(c, t_db, t_wb, internal, dry_cooler=True)


def _liquid_tower(c: Common, t_db: FloatArray, t_wb: FloatArray,
                  internal: float) -> Kernel:
    return _liquid_loop(c, t_db, t_wb, internal, dry_cooler=False)


_KERNELS: dict[str, Callable[[Common, FloatArray, FloatArray, float], Kernel]] = {
    "air-economiser": _air_economiser,
    "evaporative": _evaporative,
    "chiller-tower": _chiller_tower,
    "liquid-dry": _liquid_dry,
    "liquid-hybrid": _liquid_hybrid,
    "liquid-tower": _liquid_tower,
}


def cooling_kind(name: str) -> str:
    """Canonical cooling-type id (InputError listing the choices otherwise)."""
    key = name.strip().lower().replace("_", "-")
    aliases = {"air": "air-economiser", "economiser": "air-economiser",
               "economizer": "air-economiser", "adiabatic": "evaporative",
               "tower": "chiller-tower", "chiller": "chiller-tower", "liquid": "liquid-dry",
               "dlc": "liquid-dry", "hybrid": "liquid-hybrid"}
    key = aliases.get(key, key)
    if key not in _KERNELS:
        raise InputError(f"unknown cooling type {name!r}; choose from {', '.join(COOLING_TYPES)}")
    return key


# --------------------------------------------------------------------------- the facility


@dataclass(frozen=True)
class FacilityYear:
    """Hourly facility power and water per W of design IT power over a typical year."""

    site: str
    cooling: str
    load: float  # IT load as a share of design power
    facility_w_per_w: FloatArray  # facility power per W of design IT power, each hour
    it_w_per_w: float  # = load
    water_kg_per_wh: FloatArray  # on-site water (kg = L) per Wh of IT energy, each hour
    chiller_share: FloatArray  # chiller work per W of heat (0 when free cooling)
    month: FloatArray
    provenance: str
    sources: list[str] = field(default_factory=list)
    #: the humidification part of ``water_kg_per_wh`` (kg per Wh of IT energy, bleed
    #: included), each hour
    humidify_kg_per_wh: FloatArray | None = None
    #: cycles of concentration of the evaporative water (blowdown / bleed), for consumption
    cycles: float = 0.0

    @property
    def pue(self) -> float:
        """Annual (energy-weighted) PUE."""
        return float(self.facility_w_per_w.sum() / (self.it_w_per_w * self.facility_w_per_w.size))

    @property
    def peak_pue(self) -> float:
        """The hottest hour's PUE (sizes the grid connection)."""
        return float(self.facility_w_per_w.max() / self.it_w_per_w)

    @property
    def wue_l_per_kwh(self) -> float:
        """Annual on-site water use effectiveness (L per kWh of IT energy)."""
        return float(self.water_kg_per_wh.mean() * 1e3)

    def _monthly_means(self, values: np.ndarray) -> list[float]:
        """Mean of ``values`` (one per hour) in each month, January first."""
        return [float(values[self.month == m].mean()) for m in range(12)]

    def monthly_pue(self) -> list[float]:
        """PUE of each month (January first)."""
        return [v / self.it_w_per_w for v in self._monthly_means(self.facility_w_per_w)]

    def monthly_wue(self) -> list[float]:
        """WUE (L per kWh of IT energy) of each month."""
        return [v * 1e3 for v in self._monthly_means(self.water_kg_per_wh)]

    @property
    def wue_consumed_l_per_kwh(self) -> float:
        """Annual water *consumed* (evaporated: withdrawal minus the blowdown discharged) per kWh
        of IT energy (:func:`consumed_kg`); what operators that report consumption publish."""
        return float(consumed_kg(self.water_kg_per_wh, self.cycles).mean() * 1e3)

    def humidification_share(self) -> float:
        """Share (0-1) of the year's water used to humidify dry outside air."""
        total = float(self.water_kg_per_wh.sum())
        if self.humidify_kg_per_wh is None or total <= 0.0:
            return 0.0
        return float(self.humidify_kg_per_wh.sum()) / total

    def monthly_chiller_hours(self) -> list[float]:
        """Share of each month's hours in which a chiller runs."""
        return self._monthly_means(self.chiller_share > 0)


def with_design(c: Common, design: dict[str, float] | None) -> Common:
    """``c`` with some constants replaced by a facility's published design values (e.g. the
    liquid supply temperature or measured cycles of concentration); InputError for an unknown
    name."""
    if not design:
        return c
    update = {}
    for name, value in design.items():
        old = getattr(c, name, None)
        if old is None:
            raise InputError(f"unknown facility design constant {name!r}")
        update[name] = old.model_copy(update={"value": float(value), "low": None, "high": None,
                                              "note": "site design value"})
    return c.model_copy(update=update)


def _chain_sources(c: Common) -> list[str]:
    """Citations of the power-chain constants :func:`~wattprint.site.facility_air.
    ups_stage_efficiency` used: the UPS part-load curve (or the distributed batteries) and
    the PDU transformers."""
    if c.central_ups.value < 0.5:
        ups = [c.distributed_ups_efficiency]
    else:
        ups = [c.ups_no_load_loss, c.ups_proportional_loss, c.ups_square_loss,
               c.ups_rating_share]
    return [q.cite() for q in (*ups, c.pdu_efficiency)]


def facility_year(air: TypicalYear, cooling: str, load: float = 1.0,
                  site: str = "", min_dew_point_c: float | None = None,
                  design: dict[str, float] | None = None) -> FacilityYear:
    """Hour-by-hour facility power and water for ``cooling`` in the climate ``air`` at an IT
    load of ``load`` x design power (see the module docstring for the formulas). Outside-air
    types also humidify dry air up to ``min_dew_point_c`` (default: cooling.toml
    ``min_dew_point_c``, the current ASHRAE recommended envelope)."""
    from wattprint.catalog.physical import cooling_data

    if not 0.0 < load <= 1.0:
        raise InputError(f"IT load must be in (0, 1] of design power (got {load})")
    kind = cooling_kind(cooling)
    data = cooling_data()
    c = with_design(data.common, design)
    ctype = next((t for t in data.cooling if t.id == kind), None)
    if ctype is None:
        raise UnsupportedError(f"cooling.toml has no [[cooling]] entry {kind!r}")
    heat = load / ups_stage_efficiency(load, c)
    design_heat = 1.0 / ups_stage_efficiency(1.0, c)
    internal = ctype.fan_fraction.value + c.fixed_fraction.value / heat
    chiller_w_per_w, water_kg_per_j, flow = _KERNELS[kind](c, air.dry_bulb_c, air.wet_bulb_c,
                                                           internal)
    humid_kg_per_j = np.zeros_like(water_kg_per_j)
    if kind in OUTSIDE_AIR_TYPES and air.dew_point_c is not None:
        chiller_w_per_w, water_kg_per_j, flow = recirculate(
            c, air.dry_bulb_c, air.dew_point_c, chiller_w_per_w, water_kg_per_j, flow)
        min_dew = c.min_dew_point_c.value if min_dew_point_c is None else min_dew_point_c
        humid_kg_per_j = humidification_makeup_kg_per_j(
            air.dry_bulb_c, air.dew_point_c, c.supply_air_c.value, c.air_rise_k.value, min_dew,
            c.cycles_of_concentration.value)
    fans_w = ctype.fan_fraction.value * design_heat * fan_power_ratio(
        flow * heat / design_heat, c.fan_min_flow_ratio.value)
    cooling_w = fans_w + heat * chiller_w_per_w
    facility = ((heat / c.pdu_efficiency.value + cooling_w + c.fixed_fraction.value)
                / c.transformer_efficiency.value)
    per_wh_it = heat / load * 3600.0  # kg per J of heat -> kg per Wh of IT energy
    prov = (f"facility model ({kind}): P = (IT/eta_ups(load)/eta_pdu + fans + chiller + "
            f"fixed)/eta_tx, "
            f"water = evaporation/h_fg + blowdown and drift (+ winter humidification of "
            f"outside air and its bleed); {air.provenance}"
            + (f"; site design values {design}" if design else ""))
    return FacilityYear(site or air.station, kind, load, np.asarray(facility), load,
                        np.asarray((water_kg_per_j + humid_kg_per_j) * per_wh_it),
                        np.asarray(chiller_w_per_w), air.month.astype(float), prov,
                        [ctype.fan_fraction.cite(), *_chain_sources(c),
                         c.transformer_efficiency.cite(), c.cycles_of_concentration.cite()],
                        np.asarray(humid_kg_per_j * per_wh_it),
                        c.cycles_of_concentration.value)


def site_facility_year(site_id: str, cooling: str, load: float = 1.0,
                       min_dew_point_c: float | None = None,
                       design: dict[str, float] | None = None) -> FacilityYear:
    """:func:`facility_year` in the typical year of the climate station standing for a site
    (``design``: published design values of the facility, :func:`with_design`)."""
    from wattprint.site.climate import station_of, typical_year

    station = station_of(site_id)
    if station is None:
        from wattprint.catalog.physical import station_for_site

        raise UnsupportedError(f"no climate data for site {site_id!r}; sites with climate "
                               f"data: {', '.join(sorted(station_for_site()))}")
    return facility_year(typical_year(station), cooling, load, site=site_id,
                         min_dew_point_c=min_dew_point_c, design=design)


def annual_it_energy_j(it_power_w: float, load: float = 1.0) -> float:
    """IT energy of a year (J) at ``load`` x ``it_power_w`` for 8,760 hours."""
    return it_power_w * load * 8760.0 * 3600.0


def kwh(j: float) -> float:
    """J -> kWh."""
    return j / J_PER_KWH
