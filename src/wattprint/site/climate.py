"""Outdoor air for the facility model: psychrometrics and a typical hourly year per site.

The climate data are monthly normals per weather station (``data/climate.toml``): mean daily
maximum and minimum dry bulb and mean relative humidity. :func:`typical_year` turns them into
8,760 hourly dry-bulb and wet-bulb temperatures: each day follows a sinusoid between its minimum
(03:00) and maximum (15:00), with the month's dew point held constant over the day (absolute
humidity varies little within a day while relative humidity does). The days of a month are not
all alike: each is shifted by ``z_d * sigma`` (:func:`day_shifts_k`), ``z_d`` the mean of its
equal-probability slice of a standard normal distribution, so the month keeps its mean daily
maximum and minimum while its hot afternoons (which drive evaporative cooling and chillers) and
cold nights are represented.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from wattprint.errors import UnsupportedError

FloatArray = npt.NDArray[np.float64]

#: Days per month of a typical (non-leap) year.
DAYS_IN_MONTH: tuple[int, ...] = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
HOURS_PER_YEAR = 8760
#: Hour of the daily maximum and minimum of the typical day (local solar time).
HOUR_OF_MAX = 15.0

# Magnus coefficients over water (Alduchov & Eskridge 1996, J. Appl. Meteor. 35, 601-609).
_MAGNUS_A = 17.625
_MAGNUS_B_C = 243.04
_MAGNUS_E0_PA = 610.94


def saturation_vapour_pressure_pa(t_c: FloatArray | float) -> FloatArray:
    """Saturation vapour pressure over water (Pa) at ``t_c`` (degrees C), Magnus form."""
    t = np.asarray(t_c, dtype=float)
    return np.asarray(_MAGNUS_E0_PA * np.exp(_MAGNUS_A * t / (t + _MAGNUS_B_C)))


def dew_point_c(t_c: FloatArray | float, rh_pct: FloatArray | float) -> FloatArray:
    """Dew point (degrees C) of air at ``t_c`` (degrees C) and ``rh_pct`` (percent), Magnus."""
    t = np.asarray(t_c, dtype=float)
    rh = np.clip(np.asarray(rh_pct, dtype=float), 0.1, 100.0)
    g = np.log(rh / 100.0) + _MAGNUS_A * t / (t + _MAGNUS_B_C)
    return np.asarray(_MAGNUS_B_C * g / (_MAGNUS_A - g))


def relative_humidity_pct(t_c: FloatArray | float, dew_c: FloatArray | float) -> FloatArray:
    """Relative humidity (percent, at most 100) of air at ``t_c`` with dew point ``dew_c``."""
    rh = 100.0 * saturation_vapour_pressure_pa(dew_c) / saturation_vapour_pressure_pa(t_c)
    return np.asarray(np.minimum(rh, 100.0))


def wet_bulb_c(t_c: FloatArray | float, rh_pct: FloatArray | float) -> FloatArray:
    """Wet-bulb temperature (degrees C) from dry bulb (degrees C) and RH (percent).

    Stull (2011), "Wet-bulb temperature from relative humidity and air temperature", J. Appl.
    Meteor. Climatol. 50, 2267-2269: an empirical fit at sea-level pressure, within about 1 K
    for RH 5-99 % and -20 to 50 degrees C. Inputs are clipped to that range; the result never
    exceeds the dry bulb.
    """
    t = np.clip(np.asarray(t_c, dtype=float), -20.0, 50.0)
    rh = np.clip(np.asarray(rh_pct, dtype=float), 5.0, 99.0)
    tw = (t * np.arctan(0.151977 * np.sqrt(rh + 8.313659)) + np.arctan(t + rh)
          - np.arctan(rh - 1.676331)
          + 0.00391838 * rh ** 1.5 * np.arctan(0.023101 * rh) - 4.686035)
    return np.asarray(np.minimum(tw, np.asarray(t_c, dtype=float)))


@dataclass(frozen=True)
class TypicalYear:
    """Hourly outdoor air of a typical year at one station (8,760 hours, January first)."""

    station: str
    dry_bulb_c: FloatArray
    wet_bulb_c: FloatArray
    month: npt.NDArray[np.int64]  # 0-11 for each hour
    provenance: str
    dew_point_c: FloatArray | None = None  # hourly dew point (degrees C), when known


def typical_day_c(tmin_c: float, tmax_c: float) -> FloatArray:
    """24 hourly dry-bulb values (degrees C) of a typical day: a cosine between the mean daily
    minimum (at 03:00) and maximum (at 15:00)."""
    hours = np.arange(24, dtype=float) + 0.5
    mean = 0.5 * (tmin_c + tmax_c)
    amp = 0.5 * (tmax_c - tmin_c)
    return np.asarray(mean + amp * np.cos(2.0 * np.pi * (hours - HOUR_OF_MAX) / 24.0))


#: Stride that interleaves a month's warm and cool days (coprime with 28, 30 and 31).
_DAY_STRIDE = 11


def day_shifts_k(days: int, sigma_k: float) -> FloatArray:
    """Day-to-day temperature shifts (K) of the ``days`` days of a month: ``sigma_k`` x the mean
    of each day's equal-probability slice of a standard normal distribution
    (``days * (phi(a_d) - phi(b_d))`` between the slice's quantiles ``a_d``, ``b_d``), so they
    sum to zero; interleaved so warm and cool days alternate over the month."""
    nd = NormalDist()
    edges = [-np.inf] + [nd.inv_cdf(d / days) for d in range(1, days)] + [np.inf]
    pdf = [0.0 if np.isinf(e) else nd.pdf(e) for e in edges]
    z = np.array([days * (pdf[d] - pdf[d + 1]) for d in range(days)])
    order = (np.arange(days) * _DAY_STRIDE) % days
    return np.asarray(sigma_k * z[order])


def day_to_day_sd_k() -> float:
    """Standard deviation (K) of a day's temperature about its month's normal (cooling.toml
    ``day_to_day_sd_k``)."""
    from wattprint.catalog.physical import cooling_data

    return float(cooling_data().common.day_to_day_sd_k.value)


def typical_year(station_id: str, sigma_k: float | None = None) -> TypicalYear:
    """The hourly typical year of a climate station (see the module docstring); ``sigma_k``
    is the day-to-day spread (K; default :func:`day_to_day_sd_k`, 0 = every day of a month
    alike)."""
    from wattprint.catalog.physical import stations

    st = stations().get(station_id)
    if st is None:
        raise UnsupportedError(f"no climate station {station_id!r} in climate.toml")
    sigma = day_to_day_sd_k() if sigma_k is None else sigma_k
    db_parts, wb_parts, month_parts, dew_parts = [], [], [], []
    for m, days in enumerate(DAYS_IN_MONTH):
        if st.tmax_c[m] < st.tmin_c[m]:
            raise UnsupportedError(f"climate station {st.id!r}: month {m + 1} has max < min")
        base = typical_day_c(st.tmin_c[m], st.tmax_c[m])
        db = (base[None, :] + day_shifts_k(days, sigma)[:, None]).ravel()
        dew = float(dew_point_c(0.5 * (st.tmin_c[m] + st.tmax_c[m]), st.rh_pct[m]))
        db_parts.append(db)
        wb_parts.append(wet_bulb_c(db, relative_humidity_pct(db, dew)))
        month_parts.append(np.full(24 * days, m, dtype=np.int64))
        dew_parts.append(np.minimum(np.full(24 * days, dew), db))
    prov = (f"typical year from monthly normals of {st.name} (day-to-day spread "
            f"{sigma:.1f} K): temperature {st.temperature.cite()}; humidity "
            f"{st.humidity.cite()}")
    return TypicalYear(st.id, np.concatenate(db_parts), np.concatenate(wb_parts),
                       np.concatenate(month_parts), prov, np.concatenate(dew_parts))


def station_of(site_id: str) -> str | None:
    """The climate station standing for a catalog site, or None when none is shipped."""
    from wattprint.catalog.physical import station_for_site

    return station_for_site().get(site_id)
