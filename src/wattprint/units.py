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


def fmt_count(x: float) -> str:
    """A count to three significant figures, large ones with a k, M, G, T, P or E suffix:
    ``300``, ``1.28 M``, ``15 T`` (the suffixes the number options accept)."""
    a = abs(x)
    for div, suffix in ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M")):
        if a >= div:
            return f"{x / div:.3g} {suffix}"
    return f"{x:,.0f}" if a >= 1000 and x == int(x) else f"{x:.4g}"


def plural(count: float, noun: str, text: str | None = None) -> str:
    """``count`` and ``noun``, the noun plural unless the count shows as one:
    ``plural(1, "year")`` is ``"1 year"``, ``plural(2, "hour")`` ``"2 hours"``,
    ``plural(3, "second of audio")`` ``"3 seconds of audio"``. ``text`` is how the count is
    shown (default: ``f"{count:g}"``); the noun agrees with that text."""
    shown = f"{count:g}" if text is None else text
    if shown.strip() in ("1", "1.0", "one", "-1"):
        return f"{shown} {noun}"
    head, sep, tail = noun.partition(" of ")
    words = head.split(" ")
    words[-1] += "es" if words[-1].endswith(("s", "x", "ch", "sh")) else "s"
    return f"{shown} {' '.join(words)}{sep}{tail}"


def _singular_time(label: str, shown: str) -> str:
    """``1 days`` → ``1 day``; ``1 years`` → ``1 year`` (the other labels are symbols)."""
    return label[:-1] if shown == "1" and label in ("days", "years") else label


def human(q: Quantity) -> tuple[str, str]:
    """(value, range) strings of a quantity in a readable unit (three significant figures)."""
    if q.unit == "USD":
        rng = "" if q.low is None and q.high is None else f"{fmt_usd(q.lo)} – {fmt_usd(q.hi)}"
        return fmt_usd(q.value), rng
    div, label = pick_scale(q.value, q.unit)
    shown = fmt(q.value / div)
    val = f"{shown} {_singular_time(label, shown)}".strip()
    if q.low is None and q.high is None:
        return val, ""
    return val, f"{fmt(q.lo / div)} – {fmt(q.hi / div)}"
