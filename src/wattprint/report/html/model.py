"""The content of one report, independent of how it is drawn (HTML page, dashboard, PDF).

A builder in :mod:`wattprint.report.html.predict` or :mod:`wattprint.report.html.measure`
turns the JSON of a command into a :class:`Report`; :mod:`wattprint.report.html.page` draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from wattprint.quantity import Quantity
from wattprint.report.units import human


@dataclass
class Metric:
    """One headline number with its range and provenance (SI ``value`` in ``unit``)."""

    key: str
    label: str
    value: float
    unit: str
    basis: str = "modelled"
    provenance: str = ""
    low: float | None = None
    high: float | None = None

    def shown(self) -> tuple[str, str]:
        """(value, range) as printed on the page, three significant figures."""
        if self.unit in ("", "%", "chip-h", "FLOP", "requests"):
            lo, hi = (_plain(x, "") if x is not None else "" for x in (self.low, self.high))
            return _plain(self.value, self.unit), "" if lo == hi else f"{lo} – {hi}"
        q = Quantity(self.value, self.unit, self.provenance or "-", "modelled",
                     self.low, self.high)
        val, rng = human(q)
        lo, _, hi = rng.partition(" – ")
        return val, "" if lo == hi else rng


def _plain(x: float, unit: str) -> str:
    if unit == "%":
        return f"{x * 100:.3g} %"
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        text = f"{x:.3g}"
    else:
        text = f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{text} {unit}".strip()


@dataclass
class Assumption:
    """One input the result depends on: name, value as text, and where it comes from."""

    name: str
    value: str
    source: str = ""
    default: bool = False


@dataclass
class Section:
    """A chart (Plotly figure as a plain dict) and/or an HTML table, with a short caption."""

    title: str
    figure: dict[str, Any] | None = None
    table: tuple[list[str], list[list[str]]] | None = None
    caption: str = ""
    fig_id: str = ""


@dataclass
class Report:
    """Everything one report page shows."""

    kind: str
    title: str
    subtitle: str = ""
    assumptions: list[Assumption] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def metric_from(key: str, label: str, q: dict[str, Any] | None) -> Metric | None:
    """A :class:`Metric` from a quantity dict of ``Footprint.to_dict()`` (None when absent)."""
    if not isinstance(q, dict) or q.get("value") is None:
        return None
    v = float(q["value"])
    if math.isnan(v):
        return None
    return Metric(key, label, v, str(q.get("unit", "")), str(q.get("basis", "modelled")),
                  str(q.get("provenance", "")), q.get("low"), q.get("high"))


def quantity_text(q: dict[str, Any] | None) -> str:
    """``value (low – high) unit`` of a quantity dict, or ``—``."""
    m = metric_from("", "", q)
    if m is None:
        return "—"
    val, rng = m.shown()
    return f"{val} ({rng})" if rng and rng != f"{val} – {val}" else val
