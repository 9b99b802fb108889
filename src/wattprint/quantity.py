"""A number with its unit, range and provenance: the atom of every wattprint result."""

from __future__ import annotations

import math
from typing import Any, Literal

from wattprint.record import Record

Basis = Literal["measured", "modelled", "default", "user"]

#: Exact conversion constants (SI inside, familiar units only at the edges).
J_PER_KWH = 3_600_000.0
J_PER_WH = 3_600.0
S_PER_HOUR = 3_600.0
S_PER_DAY = 86_400.0
S_PER_YEAR = 365.0 * 86_400.0


class _Slots:
    """The slots of :class:`Quantity` (a base of it and of :class:`_Unfrozen`)."""

    __slots__ = ("value", "unit", "provenance", "basis", "low", "high")
    value: float
    unit: str
    provenance: str
    basis: Basis
    low: float | None
    high: float | None


class Quantity(_Slots, Record):
    """A value with unit, an optional low-high range and its provenance.

    ``basis`` says how it was obtained: ``measured`` (which sensor is in ``provenance``),
    ``modelled`` (which formula and constants), ``default`` (which source) or ``user``.
    """

    __slots__ = ()
    value: float
    unit: str
    provenance: str
    basis: Basis
    low: float | None
    high: float | None

    def __init__(self, value: float, unit: str, provenance: str, basis: Basis = "modelled",
                 low: float | None = None, high: float | None = None) -> None:
        # The dataclass __init__ and a __post_init__, written out (frozen: slot setters):
        # a scalar estimate builds ~20 quantities. A reversed range is put in order.
        if low is not None and high is not None and low > high:
            low, high = high, low
        _set_value(self, value)  # each slot's own setter: ~40 % faster than object.__setattr__
        _set_unit(self, unit)
        _set_provenance(self, provenance)
        _set_basis(self, basis)
        _set_low(self, low)
        _set_high(self, high)

    @property
    def lo(self) -> float:
        """Low end of the range, or the value when no range is known."""
        return self.value if self.low is None else self.low

    @property
    def hi(self) -> float:
        """High end of the range, or the value when no range is known."""
        return self.value if self.high is None else self.high

    def scaled(self, factor: float, unit: str | None = None, provenance: str | None = None,
               factor_low: float | None = None, factor_high: float | None = None) -> Quantity:
        """Multiply value and range by ``factor`` (and optionally its own range)."""
        v, u, p = self.value * factor, unit or self.unit, provenance or self.provenance
        if factor_low is None and factor_high is None:  # one factor (the common case)
            if self.low is None:
                return quantity(v, u, p, self.basis)
            high = self.value if self.high is None else self.high  # self.hi
            return quantity(v, u, p, self.basis, self.low * factor, high * factor)
        fl = factor if factor_low is None else factor_low
        fh = factor if factor_high is None else factor_high
        return Quantity(v, u, p, self.basis, min(self.lo * fl, self.lo * fh),
                        max(self.hi * fh, self.hi * fl))

    def with_(self, **changes: Any) -> Quantity:
        """A copy with some fields replaced."""
        return self.replace(**changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: value, low, high, unit, provenance, basis."""
        return {
            "value": _clean(self.value),
            "low": _clean(self.lo),
            "high": _clean(self.hi),
            "unit": self.unit,
            "provenance": self.provenance,
            "basis": self.basis,
        }

    def __format__(self, spec: str) -> str:
        spec = spec or ".4g"
        if self.low is None and self.high is None:
            return f"{self.value:{spec}} {self.unit}"
        return f"{self.value:{spec}} [{self.lo:{spec}} – {self.hi:{spec}}] {self.unit}"


#: The slots' setters (frozen: ``__setattr__`` refuses; ``__init__`` writes through these).
_set_value, _set_unit, _set_provenance, _set_basis, _set_low, _set_high = (
    getattr(_Slots, name).__set__ for name in _Slots.__slots__)


class _Unfrozen(_Slots):
    """Quantity's layout with plain slot stores (no frozen ``__setattr__``): what
    :func:`quantity` fills before it turns the object into a :class:`Quantity`."""

    __slots__ = ()


_new = object.__new__


def quantity(value: float, unit: str, provenance: str, basis: Basis = "modelled",
             low: float | None = None, high: float | None = None) -> Quantity:
    """``Quantity(value, unit, provenance, basis, low, high)``, built in half the time (a
    scalar estimate builds ~20): the slots are stored on a :class:`_Unfrozen` object, whose
    class is then set to :class:`Quantity` (the same layout), so the result is an ordinary
    frozen :class:`Quantity`. A reversed range is put in order, as ``Quantity`` does."""
    if low is not None and high is not None and low > high:
        low, high = high, low
    q = _new(_Unfrozen)
    q.value = value
    q.unit = unit
    q.provenance = provenance
    q.basis = basis
    q.low = low
    q.high = high
    q.__class__ = Quantity  # type: ignore[assignment]
    return q  # type: ignore[return-value]


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def add(a: Quantity, b: Quantity, provenance: str, unit: str | None = None) -> Quantity:
    """Sum of two quantities in the same unit; ranges add end to end."""
    basis: Basis = a.basis if a.basis == b.basis else "modelled"
    has_range = a.low is not None or b.low is not None or a.high is not None or b.high is not None
    return Quantity(
        value=a.value + b.value,
        unit=unit or a.unit,
        provenance=provenance,
        basis=basis,
        low=a.lo + b.lo if has_range else None,
        high=a.hi + b.hi if has_range else None,
    )
