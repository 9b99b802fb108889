"""Constraints of a sweep and the attribution of an empty feasible set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from wattprint.errors import UnsupportedError
from wattprint.quantity import Quantity
from wattprint.units import human


@dataclass
class Constraint:
    """One filter of the sweep: which configurations pass, and the value it tests."""

    name: str
    text: str
    ok: np.ndarray
    value: np.ndarray | None = None
    limit: float | None = None
    unit: str = ""
    passed: int = 0  # after this and every earlier constraint
    alone: int = 0  # this constraint alone

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (without the arrays)."""
        return {"name": self.name, "text": self.text, "limit": self.limit, "unit": self.unit,
                "passed_cumulative": self.passed, "passed_alone": self.alone}


def apply_constraints(constraints: list[Constraint], shape: tuple[int, ...]) -> np.ndarray:
    """AND the constraints in order, recording counts; raise if the feasible set is empty.

    The error names the first constraint that emptied the set, the best value of its metric
    among the configurations that passed the earlier ones, and says when constraints that are
    each satisfiable alone contradict each other.
    """
    alive = np.ones(shape, dtype=bool)
    total = int(np.prod(shape))
    for c in constraints:
        ok = np.broadcast_to(c.ok, shape)
        before = alive
        alive = alive & ok
        c.passed = int(alive.sum())
        c.alone = int(ok.sum())
        if c.passed == 0:
            n_before = int(before.sum())
            msg = f"no configuration meets every constraint: {c.text} emptied the set"
            if c.value is not None and n_before:
                vals = np.broadcast_to(c.value, shape)[before]
                best = float(np.nanmin(vals))
                earlier = _names(constraints, c)
                among = (f"the {n_before:,} configurations that passed {earlier}" if earlier
                         else f"all {n_before:,} configurations")
                msg += (f" (best among {among}: {fmt_limit(best, c.unit)}, limit "
                        f"{fmt_limit(c.limit or 0.0, c.unit)})")
            elif n_before == 0:
                msg += " (nothing passed the earlier constraints)"
            if c.alone > 0 and n_before > 0:
                msg += f"; {c.alone:,} of {total:,} configurations meet it alone, so the " \
                       "constraints contradict each other: relax one"
            elif c.alone == 0:
                msg += f"; no configuration of the {total:,} swept meets it at all"
            raise UnsupportedError(msg)
    return alive


def _names(cs: list[Constraint], upto: Constraint) -> str:
    names = [c.name for c in cs[: cs.index(upto)]]
    return ", ".join(names)


def fmt_limit(v: float, unit: str) -> str:
    """A limit or value in a readable unit (``500 ms``, ``2 MWh``)."""
    if unit in ("J", "gCO2e", "L", "s", "USD"):
        return human(Quantity(v, unit, ""))[0]
    return f"{v:.4g} {unit}".strip()
