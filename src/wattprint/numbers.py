"""Parse the numbers people type: ``2e12``, ``2T``, ``15.6T``, ``500MWh``, ``100t``."""

from __future__ import annotations

import math
import re
from functools import cache

from wattprint.errors import InputError
from wattprint.quantity import J_PER_KWH

#: Energy units → J (exact: 1 kWh = 3.6 MJ). Used by every option that takes an energy.
ENERGY_UNITS: dict[str, float] = {
    "kWh": J_PER_KWH, "MWh": J_PER_KWH * 1e3, "GWh": J_PER_KWH * 1e6, "TWh": J_PER_KWH * 1e9,
    "Wh": J_PER_KWH / 1e3, "TJ": 1e12, "GJ": 1e9, "MJ": 1e6, "kJ": 1e3, "J": 1.0,
}
#: CO2e mass units → g. Used by every option that takes a carbon amount.
CO2E_UNITS: dict[str, float] = {
    "t": 1e6, "kt": 1e9, "Mt": 1e12, "kg": 1e3, "g": 1.0, "tCO2e": 1e6, "ktCO2e": 1e9,
    "MtCO2e": 1e12, "kgCO2e": 1e3, "gCO2e": 1.0, "tCO2": 1e6, "kgCO2": 1e3,
}

#: Largest number any option takes (1e30: above 10⁹ years of world energy in J, any FLOP
#: count or token count); beyond it products overflow to infinity.
MAX_INPUT = 1e30

_SUFFIX = {
    "": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1e9, "T": 1e12,
    "P": 1e15, "E": 1e18,
}
#: Lowercase ``m`` is refused: people mean million (``1m tokens``) far more often than
#: milli, and a silent factor of 10⁹ is worse than an error.
AMBIGUOUS_M = ("'m' is ambiguous (milli or million?): write M for a million (1M = 1e6) or a "
               "decimal for a thousandth (0.001)")


@cache
def _number_pattern() -> re.Pattern[str]:
    """A number and its suffix letters (compiled on first parse, not at import)."""
    return re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_number(text: str | float | int, what: str = "number", *, positive: bool = True,
                 allow_zero: bool = False, integer: bool = False) -> float:
    """Parse ``text`` such as ``2e12``, ``2T``, ``15.6T`` or ``3k`` into a float.

    Suffixes: k/K=1e3, M=1e6, G or B=1e9, T=1e12, P=1e15, E=1e18. A lowercase ``m`` is an
    error (:data:`AMBIGUOUS_M`): wattprint never guesses between milli and million.
    Raises :class:`InputError` (one line) for NaN, infinity, non-positive values (unless allowed)
    and unknown suffixes.
    """
    if isinstance(text, bool):
        raise InputError(f"{what}: expected a number, got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        m = _number_pattern().match(str(text))
        if not m:
            raise InputError(f"{what}: cannot read {text!r} as a number (e.g. 2e12, 2T, 15.6T)")
        mantissa, suffix = m.groups()
        if suffix == "m":
            raise InputError(f"{what}: {AMBIGUOUS_M}, got {text!r}")
        if suffix not in _SUFFIX:
            raise InputError(f"{what}: unknown suffix {suffix!r} in {text!r} (use k, M, G/B, T, P)")
        value = float(mantissa) * _SUFFIX[suffix]
    return check_number(value, what, positive=positive, allow_zero=allow_zero, integer=integer)


def check_number(value: float, what: str, *, positive: bool = True, allow_zero: bool = False,
                 integer: bool = False) -> float:
    """Validate an already-numeric value with the same rules as :func:`parse_number`."""
    if math.isnan(value) or math.isinf(value):
        raise InputError(f"{what}: must be a finite number, got {value}")
    if abs(value) > MAX_INPUT:
        raise InputError(f"{what}: {value:g} is beyond any physical quantity wattprint "
                         f"computes (at most {MAX_INPUT:g})")
    if positive and (value < 0 or (value == 0 and not allow_zero)):
        raise InputError(f"{what}: must be {'≥' if allow_zero else '>'} 0, got {value:g}")
    if integer and value != int(value):
        raise InputError(f"{what}: must be a whole number, got {value:g}")
    return value




#: Examples in a duration error.
DURATION_EXAMPLES = "e.g. 500ms, 5s, 10min, 6h, 30days, 1week"


def parse_duration(text: str | float, what: str) -> float:
    """A duration people type → seconds (finite, > 0): ``500ms``, ``0.2s``, ``10m`` or
    ``10min`` (minutes), ``6 h``, ``30days``, ``1week``; a bare number is seconds.

    The one duration parser of every option (``--duration``, ``--deadline``, ``--interval``,
    ``--window``, latency SLOs). Units are :data:`wattprint.units.TIME_UNITS`; ``m`` is a
    minute here (a duration has no "million" to confuse it with).

    Raises:
        InputError: one line naming ``what``: not a duration, unknown unit, ≤ 0, NaN,
            infinite or beyond :data:`MAX_INPUT`.
    """
    from wattprint.units import TIME_UNITS

    if isinstance(text, bool):
        raise InputError(f"{what}: expected a duration, got {text!r}")
    if isinstance(text, int | float):
        return check_number(float(text), what)
    m = _number_pattern().match(str(text).replace("µ", "u"))
    if not m:
        raise InputError(f"{what}: cannot read {text!r} as a duration ({DURATION_EXAMPLES})")
    mantissa, unit = m.groups()
    unit = unit or "s"
    unit = "min" if unit == "m" else unit
    if unit not in TIME_UNITS:
        raise InputError(f"{what}: unknown time unit {unit!r} in {text!r} ({DURATION_EXAMPLES})")
    return check_number(check_number(float(mantissa), what) * TIME_UNITS[unit], what)


def parse_with_unit(text: str, what: str, units: dict[str, float]) -> float:
    """Parse ``500MWh`` / ``100t`` / ``2.5m3`` with a table of unit → SI factor.

    ``units`` maps a unit spelling (case-sensitive, e.g. ``"kWh"``) to its SI factor. A bare
    number is taken in the first unit listed.
    """
    t = str(text).strip().replace(" ", "")
    for unit in sorted(units, key=len, reverse=True):
        if unit and t.endswith(unit):
            value = parse_number(t[: -len(unit)] or "nan", what)
            return value * units[unit]
    m = _number_pattern().match(t)
    if m and m.group(2) not in _SUFFIX and m.group(2) != "m":  # '2mwh': a unit, not a suffix
        raise InputError(f"{what}: unknown unit {m.group(2)!r} in {text!r} (case-sensitive: "
                         f"{', '.join(units)})")
    first = next(iter(units))
    return parse_number(t, what) * units[first]
