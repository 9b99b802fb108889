"""Human-readable units for SI quantities (J → kWh/MWh, g → kg/t, L → m³, s → h/days, USD)."""

from __future__ import annotations

from wattprint.quantity import J_PER_KWH, S_PER_DAY, S_PER_HOUR, S_PER_YEAR, Quantity

#: Time units → s: the one table every duration, period and rate option reads.
TIME_UNITS: dict[str, float] = {
    "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "min": 60.0, "minute": 60.0, "minutes": 60.0, "h": S_PER_HOUR, "hr": S_PER_HOUR,
    "hour": S_PER_HOUR, "hours": S_PER_HOUR, "d": S_PER_DAY, "day": S_PER_DAY,
    "days": S_PER_DAY, "week": 7 * S_PER_DAY, "weeks": 7 * S_PER_DAY,
    "month": S_PER_YEAR / 12, "months": S_PER_YEAR / 12, "mo": S_PER_YEAR / 12,
    "y": S_PER_YEAR, "yr": S_PER_YEAR, "year": S_PER_YEAR, "years": S_PER_YEAR,
    "a": S_PER_YEAR,
}

_ENERGY = ((J_PER_KWH * 1e6, "GWh"), (J_PER_KWH * 1e3, "MWh"), (J_PER_KWH, "kWh"),
           (3600.0, "Wh"), (1.0, "J"))
_MASS = ((1e6, "t"), (1e3, "kg"), (1.0, "g"), (1e-3, "mg"))
_WATER = ((1e3, "m³"), (1.0, "L"), (1e-3, "mL"))
_TIME = ((86400.0 * 365, "years"), (86400.0, "days"), (3600.0, "h"), (60.0, "min"), (1.0, "s"),
         (1e-3, "ms"), (1e-6, "µs"))
_SCALES = {"J": _ENERGY, "gCO2e": _MASS, "L": _WATER, "s": _TIME}
_LABEL = {"gCO2e": "CO2e"}


def pick_scale(value: float, unit: str) -> tuple[float, str]:
    """The (divisor, unit label) that shows ``value`` between 1 and 1000 where possible."""
    scales = _SCALES.get(unit)
    if not scales:
        return 1.0, unit
    v = abs(value)
    for div, name in scales:
        if v >= div:
            return div, name + (" " + _LABEL[unit] if unit in _LABEL else "")
    div, name = scales[-1]
    return div, name + (" " + _LABEL[unit] if unit in _LABEL else "")


def fmt(x: float) -> str:
    """Three significant figures, no scientific notation for everyday magnitudes."""
    if x == 0:
        return "0"
    a = abs(x)
    if 0.01 <= a < 1e6:
        return f"{x:.3g}" if a < 1000 else f"{x:,.0f}"
    return f"{x:.3g}"


def fmt_usd(x: float) -> str:
    """Money to three significant figures: $0.000219, $5.55, $56.7k, $1.23M."""
    a = abs(x)
    sign = "-" if x < 0 else ""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{sign}${a / div:.3g}{suffix}"
    return f"{sign}${a:.3g}" if a else "$0"


def human(q: Quantity) -> tuple[str, str]:
    """(value, range) strings of a quantity in a readable unit (three significant figures)."""
    if q.unit == "USD":
        rng = "" if q.low is None and q.high is None else f"{fmt_usd(q.lo)} – {fmt_usd(q.hi)}"
        return fmt_usd(q.value), rng
    div, label = pick_scale(q.value, q.unit)
    val = f"{fmt(q.value / div)} {label}".strip()
    if q.low is None and q.high is None:
        return val, ""
    return val, f"{fmt(q.lo / div)} – {fmt(q.hi / div)}"
