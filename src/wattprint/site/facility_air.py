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
  closes its dampers and recirculates through the DX / chiller coil (:func:`outside_air_allowed`);
* a UPS loses a fixed no-load share of its rating plus a share proportional to the load plus an
  I^2 R share (:func:`ups_efficiency_at_load`).

Every function is vectorised over hours (numpy arrays).
"""

from __future__ import annotations

import numpy as np

from wattprint.errors import InputError
from wattprint.site.climate import FloatArray


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
