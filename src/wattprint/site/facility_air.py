"""Air-side physics of outside-air halls and the power chain's part-load losses.

Small named functions used by :mod:`wattprint.site.facility` (written out in
docs/methodology.md section 4.1, constants and sources in ``data/cooling.toml``):

* the supply air of an outside-air hall floats up to the warmest inlet the IT allows
  (:func:`floating_supply_c`) before mechanical trim starts (:func:`trim_share`);
* warmer supply air needs more of it: servers hold their components' temperature, so the exhaust
  stays near the design return and the air volume per W of heat grows as the supply-to-return
  difference shrinks (:func:`air_flow_ratio`); fan power follows the fan affinity law, the cube
  of the flow (:func:`fan_power_ratio`);
* outside air more humid than the envelope's maximum dew point cannot be brought in: the hall
  closes its dampers and recirculates through the DX / chiller coil (:func:`outside_air_allowed`,
  :func:`recirculate`), whose COP is a share of the Carnot COP (:func:`chiller_cop`);
* a UPS loses a fixed no-load share of its rating plus a share proportional to the load plus an
  I^2 R share (:func:`ups_efficiency_at_load`); a facility without a central UPS (batteries at
  the server or rack) loses a fixed small share instead (:func:`ups_stage_efficiency`).

Every function is vectorised over hours (numpy arrays).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from wattprint.errors import InputError
from wattprint.site.climate import FloatArray

if TYPE_CHECKING:
    from wattprint.catalog.physical import Common

KELVIN = 273.15
#: Evaporator below the supply temperature for direct-expansion / chiller trim (K).
EVAPORATOR_DROP_K = 8.0



def floating_supply_c(t_air_c: FloatArray, supply_c: float, supply_max_c: float) -> FloatArray:
    """Supply-air temperature (degrees C) of an outside-air hall whose air (after mixing or the
    evaporative media) is ``t_air_c``: the set point ``supply_c`` when the air is colder (mixed
    with return air up to it), the air itself up to ``supply_max_c`` (the warmest inlet the IT
    allows), and ``supply_max_c`` above (the trim coil takes the rest)."""
    return np.asarray(np.clip(t_air_c, supply_c, max(supply_max_c, supply_c)))


def trim_share(t_air_c: FloatArray, supply_c: float, supply_max_c: float,
               rise_k: float) -> FloatArray:
    """Share (0-1) of the heat the mechanical (DX / chiller) trim coil takes when the outside
    air is ``t_air_c``: 0 up to the floating limit ``supply_max_c``, 1 at the design return
    (``supply_c + rise_k``), linear between (the coil cools the air from ``t_air`` down to the
    limit; outside air warmer than the return cannot cool at all)."""
    top = max(supply_max_c, supply_c)
    span = max(supply_c + rise_k - top, 1e-6)
    return np.asarray(np.clip((np.asarray(t_air_c) - top) / span, 0.0, 1.0))


def air_flow_ratio(t_supply_c: FloatArray, supply_c: float, rise_k: float) -> FloatArray:
    """Air volume per W of heat relative to the design (1 at the set point ``supply_c``): the
    IT exhaust stays near the design return ``supply_c + rise_k`` (servers speed their fans to
    hold their components' temperature), so the flow that carries one W is
    ``rise / (supply + rise - t_supply)``; at most 4 (a supply within 1/4 of the rise of the
    return)."""
    gap = np.maximum(supply_c + rise_k - np.asarray(t_supply_c), rise_k / 4.0)
    return np.asarray(rise_k / gap)


def fan_power_ratio(flow_ratio: FloatArray | float, min_flow: float) -> FloatArray:
    """Fan power relative to the design point for a flow of ``flow_ratio`` x the design flow:
    the fan affinity law (power ~ speed^3 ~ flow^3 at fixed system curve), the flow never below
    the fans' minimum ``min_flow`` (variable-speed drives have a minimum speed)."""
    return np.asarray(np.maximum(np.asarray(flow_ratio, dtype=float), min_flow) ** 3)


def outside_air_allowed(dew_c: FloatArray, max_dew_c: float) -> FloatArray:
    """True for the hours whose outdoor dew point is at or below the envelope's maximum
    ``max_dew_c``: only then can an outside-air hall bring the air in (neither mixing nor
    evaporation removes moisture); above it the hall recirculates through its trim coil."""
    return np.asarray(np.asarray(dew_c) <= max_dew_c)


def ups_efficiency_at_load(load: float, no_load: float, proportional: float,
                           square: float, rating_share: float = 1.0) -> float:
    """UPS efficiency (0-1) at an IT load of ``load`` x design power, the UPS rated at
    ``1 / rating_share`` x design power (0.5 for 2N redundancy): with ``x = load * rating_share``
    the UPS output as a share of its rating, losses are ``no_load + proportional * x +
    square * x^2`` (shares of the rating), efficiency ``x / (x + losses)``."""
    if not 0.0 < load <= 1.0 or not 0.0 < rating_share <= 1.0:
        raise InputError(f"UPS load and rating share must be in (0, 1] (got {load}, "
                         f"{rating_share})")
    x = load * rating_share
    return x / (x + no_load + proportional * x + square * x * x)


def ups_stage_efficiency(load: float, c: Common) -> float:
    """Efficiency (0-1) of the backup-power stage at ``load`` x design IT power: a central
    double-conversion UPS (``central_ups`` = 1) on its part-load curve
    (:func:`ups_efficiency_at_load`, rated ``1 / ups_rating_share`` x design power), or, for a
    facility without one (``central_ups`` = 0: batteries at the server or rack, standby),
    ``distributed_ups_efficiency`` at any load."""
    if c.central_ups.value < 0.5:
        return float(c.distributed_ups_efficiency.value)
    return ups_efficiency_at_load(load, c.ups_no_load_loss.value, c.ups_proportional_loss.value,
                                  c.ups_square_loss.value, c.ups_rating_share.value)


def chiller_cop(t_evap_c: FloatArray | float, t_cond_c: FloatArray | float,
                carnot_fraction: float, max_cop: float) -> FloatArray:
    """Coefficient of performance of a vapour-compression chiller (W of heat per W of work):
    ``carnot_fraction * T_evap / (T_cond - T_evap)`` (kelvin), capped at ``max_cop``; the lift
    is floored at 1 K."""
    lift = np.maximum(np.asarray(t_cond_c, dtype=float) - np.asarray(t_evap_c, dtype=float), 1.0)
    cop = carnot_fraction * (np.asarray(t_evap_c, dtype=float) + KELVIN) / lift
    return np.asarray(np.minimum(cop, max_cop))


def trim_cop(c: Common, t_db_c: FloatArray) -> FloatArray:
    """COP of an outside-air hall's air-cooled DX / chiller trim coil when the outdoor dry bulb
    is ``t_db_c``: :func:`chiller_cop` between an evaporator ``EVAPORATOR_DROP_K`` below the
    supply set point and a condenser ``air_condenser_approach_k`` above the dry bulb."""
    return chiller_cop(c.supply_air_c.value - EVAPORATOR_DROP_K,
                       t_db_c + c.air_condenser_approach_k.value,
                       c.carnot_fraction.value, c.max_cop.value)


def recirculate(c: Common, t_db_c: FloatArray, dew_c: FloatArray, chiller: FloatArray,
                water: FloatArray,
                flow: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """An outside-air hall's chiller work, water and air flow (W/W, kg/J, ratio per hour) once
    the hours whose dew point is above the envelope's maximum are taken out
    (:func:`outside_air_allowed`): dampers closed, the trim coil takes all the heat of the
    recirculated air (condensing at dry bulb + approach), no media water, design air flow."""
    ok = outside_air_allowed(dew_c, c.max_dew_point_c.value)
    cop = trim_cop(c, t_db_c)
    return (np.asarray(np.where(ok, chiller, 1.0 / cop)), np.asarray(np.where(ok, water, 0.0)),
            np.asarray(np.where(ok, flow, 1.0)))
