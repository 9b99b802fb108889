"""``Footprint``: the one result type for estimates and measurements alike."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

from wattprint.quantity import Quantity
from wattprint.record import Record, field

#: Quantities every footprint carries, in display order (the CLI's JSON contract).
CORE_QUANTITIES: tuple[str, ...] = (
    "time",
    "chip_hours",
    "accelerator_energy",
    "host_energy",
    "it_energy",
    "facility_energy",
    "co2e",
    "embodied_co2e",
    "total_co2e",
    "water",
    "cost",
)


class Footprint(Record, frozen=False):
    """Energy at the wall, carbon, water and money of one piece of work.

    ``quantities`` maps names (``time``, ``accelerator_energy``, ``it_energy``,
    ``facility_energy``, ``co2e``, ``embodied_co2e``, ``water``, ``cost``, ...) to
    :class:`~wattprint.quantity.Quantity` objects in SI units (J, s, g, L, USD).
    ``details`` holds every intermediate of the model (FLOPs, bytes, regime, factors) so a
    report can explain each number; ``notes`` lists fallbacks and warnings in plain words.
    """

    kind: Literal["estimate", "measurement"]
    quantities: dict[str, Quantity]
    details: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __init__(self, kind: Literal["estimate", "measurement"], quantities: dict[str, Quantity],
                 details: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None,
                 notes: list[str] | None = None) -> None:
        self.kind = kind
        self.quantities = quantities
        self.details = {} if details is None else details
        self.inputs = {} if inputs is None else inputs
        self.notes = [] if notes is None else notes
        self.__post_init__()

    @classmethod
    def with_details_of(cls, kind: Literal["estimate", "measurement"],
                        quantities: dict[str, Quantity],
                        details_of: Callable[[], dict[str, Any]],
                        inputs: dict[str, Any] | None = None,
                        notes: list[str] | None = None) -> Footprint:
        """A footprint whose ``details`` dict is built by ``details_of()`` on first access
        (then kept): the same footprint as ``Footprint(kind, quantities, details_of(), ...)``,
        but an estimate whose caller reads only the quantities does not build its details
        (a tenth of a scalar estimate). ``details_of`` must only read values that do not
        change (frozen records, cached entries)."""
        fp = cls.__new__(cls)
        fp.kind = kind
        fp.quantities = quantities
        fp.__dict__["_details_of"] = details_of
        fp.inputs = {} if inputs is None else inputs
        fp.notes = [] if notes is None else notes
        fp.__post_init__()
        return fp

    def __post_init__(self) -> None:
        if self.kind == "estimate":
            check_physical(self.quantities)

    def __getitem__(self, name: str) -> Quantity:
        return self.quantities[name]

    def __contains__(self, name: object) -> bool:
        return name in self.quantities

    def __getattr__(self, name: str) -> Quantity:
        # Only called for missing attributes: ``details`` not built yet (with_details_of),
        # and the notebook convenience fp.co2e, fp.water ...
        d = self.__dict__
        if name == "details" and "_details_of" in d:
            details = d["details"] = d.pop("_details_of")()
            return details
        q = d.get("quantities")
        if q is not None and name in q:
            return q[name]
        raise AttributeError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: each quantity at top level, plus kind, inputs, details, notes."""
        out: dict[str, Any] = {"kind": self.kind}
        for name, q in self.quantities.items():
            out[name] = q.to_dict()
        out["inputs"] = _jsonable(self.inputs)
        out["details"] = _jsonable(self.details)
        out["notes"] = list(self.notes)
        return out


def check_physical(quantities: dict[str, Quantity]) -> None:
    """Refuse an estimate with an impossible number: any value or range end that is NaN or
    infinite (the inputs overflowed, e.g. ``--mfu 1e-300``), or negative (every quantity of a
    footprint is a physical amount or a price).

    Raises:
        InputError: names the first offending quantity (the inputs are out of range).
    """
    inf = math.inf
    for name, q in quantities.items():
        v, lo, hi = q.value, q.low, q.high
        # finite and not negative (NaN fails both comparisons), or absent: one test each
        if (v is None or 0.0 <= v < inf) and (lo is None or 0.0 <= lo < inf) and \
                (hi is None or 0.0 <= hi < inf):
            continue
        _refuse(name, q)


def _refuse(name: str, q: Quantity) -> None:
    """Raise the :class:`InputError` of :func:`check_physical` for quantity ``name``."""
    from wattprint.errors import InputError

    for which, v in (("value", q.value), ("low", q.low), ("high", q.high)):
        if v is None or 0.0 <= v < math.inf:
            continue
        if not math.isfinite(v):
            raise InputError(f"{name} {which} is {'infinite' if math.isinf(v) else 'NaN'}"
                             ": the inputs are out of the range wattprint can compute "
                             "(check very large or very small numbers)")
        if v < 0:
            raise InputError(f"{name} {which} is negative ({v:.3g} {q.unit}): the inputs "
                             "are not physical (check negative or tiny numbers)")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Quantity):
        return obj.to_dict()
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float | int | str | bool) or obj is None:
        return obj
    if hasattr(obj, "item"):  # numpy scalar
        return obj.item()
    return str(obj)
