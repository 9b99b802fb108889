"""Water physics of the facility model: evaporation, blowdown, drift and humidification.

Every function is vectorised over hours (numpy arrays) and works per J of heat (kg of water per
J), so :mod:`wattprint.site.facility` can scale it by the heat of each hour. The formulas and
their sources are written out in docs/methodology.md section 4.1.

* a wet cooling tower evaporates ``Q_latent / h_fg`` (:func:`evaporation_kg_per_j`), the latent
  share of the heat falling in cold air (:func:`latent_share`); its make-up water is evaporation
  plus blowdown plus drift at the cycles of concentration (:func:`tower_makeup_kg_per_j`);
* a direct evaporative (adiabatic) air cooler evaporates the sensible heat it takes from the
  outside air, ``c_p (T_db - T_air)`` per kg of air (:func:`adiabatic_kg_per_j`);
* an outside-air hall humidifies dry winter air up to the envelope's minimum dew point
  (:func:`humidification_kg_per_j`); its humidifier bleeds water at the cycles of concentration
  like the cooling media (:func:`humidification_makeup_kg_per_j`).
"""

from __future__ import annotations

import numpy as np

from wattprint.errors import InputError
from wattprint.site.climate import FloatArray, saturation_vapour_pressure_pa

#: Specific heat of dry air (J/(kg K)) and sea-level pressure (Pa), for humidification.
CP_AIR_J_PER_KG_K = 1006.0
P_ATM_PA = 101325.0
#: Specific heat of liquid water (J/(kg K)), for the circulating flow of a tower.
CP_WATER_J_PER_KG_K = 4186.0


def latent_heat_j_per_kg(t_c: FloatArray | float) -> FloatArray:
    """Latent heat of vaporisation of water (J/kg) at ``t_c`` degrees C: 2501 - 2.361 T kJ/kg
    (linear fit to the IAPWS-IF97 steam tables, 0-40 degrees C)."""
    return np.asarray((2501.0 - 2.361 * np.asarray(t_c, dtype=float)) * 1e3)


def latent_share(t_db_c: FloatArray, design_share: float) -> FloatArray:
    """Share of the heat a wet cooling tower rejects as latent heat (evaporation): the design
    share at 25 degrees C and above, falling linearly to 0.6 at 0 degrees C (cold air takes more
    heat as sensible heat)."""
    return np.asarray(np.clip(0.6 + (design_share - 0.6) * t_db_c / 25.0, 0.6, design_share))


def evaporation_kg_per_j(heat_latent_w: FloatArray, t_c: FloatArray) -> FloatArray:
    """Water evaporated (kg per J of time-integrated heat): latent heat flow / h_fg(T)."""
    return np.asarray(heat_latent_w / latent_heat_j_per_kg(t_c))


def with_blowdown(evaporated: FloatArray, cycles: float) -> FloatArray:
    """Evaporation plus blowdown at ``cycles`` of concentration: ``E * cycles / (cycles - 1)``."""
    if cycles <= 1.0:
        raise InputError(f"cycles of concentration must exceed 1 (got {cycles})")
    return np.asarray(evaporated * cycles / (cycles - 1.0))


def consumed_kg(withdrawn: FloatArray, cycles: float) -> FloatArray:
    """Water consumed (evaporated) out of ``withdrawn``: cooling water (tower make-up, media)
    and humidifier water both leave at the cycles of concentration, so evaporation is
    ``(CoC - 1) / CoC`` of what is drawn and the blowdown / bleed is discharged (drift, under
    1 % of evaporation, is neglected). ``cycles <= 1``: all consumed."""
    keep = (cycles - 1.0) / cycles if cycles > 1.0 else 1.0
    return np.asarray(withdrawn * keep)


def drift_kg_per_j(heat_w: FloatArray, range_k: float, drift_fraction: float) -> FloatArray:
    """Drift (kg per J): the share ``drift_fraction`` of the circulating water flow, which is
    ``heat / (c_p,water * range)``."""
    return np.asarray(drift_fraction * heat_w / (CP_WATER_J_PER_KG_K * range_k))


def tower_makeup_kg_per_j(heat_w: FloatArray, t_db_c: FloatArray, design_latent: float,
                          cycles: float, range_k: float,
                          drift_fraction: float) -> tuple[FloatArray, FloatArray]:
    """Make-up water of a wet cooling tower rejecting ``heat_w`` (W per W): evaporation
    ``E = heat * latent_share(T_db) / h_fg``, blowdown ``B`` and drift ``D`` with
    ``B + D = E / (cycles - 1)`` (the dissolved solids leave with both), so make-up
    ``M = E + B + D = E * cycles / (cycles - 1)``; blowdown is never below zero (when drift
    alone exceeds it, the tower runs at more cycles). Returns ``(M, E)`` in kg per J."""
    evaporated = evaporation_kg_per_j(heat_w * latent_share(t_db_c, design_latent), t_db_c)
    drift = drift_kg_per_j(heat_w, range_k, drift_fraction)
    blow_and_drift = np.maximum(with_blowdown(evaporated, cycles) - evaporated, drift)
    return np.asarray(evaporated + blow_and_drift), evaporated


def adiabatic_kg_per_j(t_db_c: FloatArray, t_air_c: FloatArray, rise_k: float) -> FloatArray:
    """Water evaporated by a direct evaporative (adiabatic) cooler per J of heat removed from the
    hall: the air flow per J is ``1 / (c_p * rise)`` kg; cooling it from the outdoor dry bulb
    ``t_db_c`` to ``t_air_c`` evaporates ``c_p (t_db - t_air) / h_fg`` kg per kg of air, so
    ``(t_db - t_air) / (rise * h_fg)`` (0 where the media are off, ``t_air >= t_db``)."""
    cooled = np.maximum(np.asarray(t_db_c) - np.asarray(t_air_c), 0.0)
    return np.asarray(cooled / (rise_k * latent_heat_j_per_kg(t_db_c)))


def humidity_ratio(dew_c: FloatArray | float) -> FloatArray:
    """Humidity ratio (kg water per kg dry air) of air with dew point ``dew_c`` at sea level:
    ``0.622 e / (p - e)``."""
    e = saturation_vapour_pressure_pa(dew_c)
    return np.asarray(0.622 * e / (P_ATM_PA - e))


def outside_air_fraction(t_db_c: FloatArray, t_supply_c: float, rise_k: float) -> FloatArray:
    """Share (0-1) of outside air in the supply of an air-side economiser: mixed with return
    air (``supply + rise``) to reach the supply temperature when it is colder
    (``rise / (return - t_db)``), 100 % between supply and return, 0 above the return
    (recirculation through the chiller)."""
    ret = t_supply_c + rise_k
    mix = rise_k / np.maximum(ret - t_db_c, rise_k)
    return np.asarray(np.where(t_db_c < ret, mix, 0.0))


def humidification_kg_per_j(t_db_c: FloatArray, dew_c: FloatArray, t_supply_c: float,
                            rise_k: float, min_dew_c: float) -> FloatArray:
    """Water (kg per J of heat removed) to humidify dry outside air up to the minimum dew
    point: outside-air mass ``f / (cp * rise)`` x ``max(0, w(min_dew) - w(dew))``."""
    f = outside_air_fraction(t_db_c, t_supply_c, rise_k)
    dw = np.maximum(humidity_ratio(min_dew_c) - humidity_ratio(dew_c), 0.0)
    return np.asarray(f * dw / (CP_AIR_J_PER_KG_K * rise_k))


def humidification_makeup_kg_per_j(t_db_c: FloatArray, dew_c: FloatArray, t_supply_c: float,
                                   rise_k: float, min_dew_c: float,
                                   cycles: float) -> FloatArray:
    """Water drawn (kg per J of heat removed) to humidify dry outside air: the water evaporated
    into the air (:func:`humidification_kg_per_j`) plus the bleed that carries its dissolved
    solids away, at ``cycles`` of concentration (:func:`with_blowdown`,
    ``W_h * cycles / (cycles - 1)``). Wetted-media and spray humidifiers that recirculate water
    are bled or drained to limit the minerals left by evaporation (ASHRAE Handbook HVAC Systems
    and Equipment 2012, ch. 22 Humidifiers; ASHRAE Standard 62-1989 section 5.12: recirculating
    humidifiers need frequent blow-down), and in an outside-air hall the same evaporative media
    or mist both cool and humidify, so the water leaves at the cooling water's cycles."""
    return with_blowdown(humidification_kg_per_j(t_db_c, dew_c, t_supply_c, rise_k, min_dew_c),
                         cycles)
