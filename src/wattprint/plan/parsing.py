"""Parse the planner's inputs: budgets, durations, latency SLOs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wattprint.errors import InputError
from wattprint.numbers import CO2E_UNITS, ENERGY_UNITS, parse_duration, parse_number
from wattprint.plan.objectives import OBJECTIVES
from wattprint.units import TIME_UNITS

_BUDGET_UNITS: dict[str, tuple[str, float]] = {
    **{u: ("energy", f) for u, f in ENERGY_UNITS.items()},
    **{u: ("co2e", f) for u, f in CO2E_UNITS.items()},
    "m3": ("water", 1e3), "m³": ("water", 1e3), "ML": ("water", 1e6), "kL": ("water", 1e3),
    "L": ("water", 1.0), "l": ("water", 1.0),
    "MUSD": ("cost", 1e6), "kUSD": ("cost", 1e3), "USD": ("cost", 1.0), "usd": ("cost", 1.0),
    "$": ("cost", 1.0),
}


@dataclass(frozen=True)
class Budget:
    """An upper bound on one metric: ``limit`` SI units per ``period_s`` (None: a total)."""

    metric: str  # energy | co2e | water | cost
    limit: float
    period_s: float | None
    text: str

    def limit_per(self, period_s: float) -> float:
        """The limit per ``period_s`` seconds (budgets per year become per day, etc.)."""
        if self.period_s is None:
            return self.limit
        return self.limit / self.period_s * period_s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"metric": self.metric, "limit": self.limit,
                "unit": OBJECTIVES[self.metric][1], "period_s": self.period_s,
                "text": self.text}


def parse_budget(text: str) -> Budget:
    """Parse ``500kWh/day``, ``100t/year``, ``5m3/day``, ``$200/day``, ``500MWh`` (a total)."""
    raw = str(text).strip()
    if not raw:
        raise InputError("budget: empty (e.g. 500kWh/day, 100t/year, 5m3/day, 200USD/day)")
    amount, _, per = raw.replace(" ", "").partition("/")
    per = per.strip().lower()
    if per.startswith("per"):
        per = per[3:]
    period: float | None = None
    if per:
        key = per.rstrip("s") if per not in ("s",) else per
        if key not in TIME_UNITS:
            raise InputError(f"budget {raw!r}: unknown period {per!r} (use day, week, month, "
                             "year)")
        period = TIME_UNITS[key]
    if amount.startswith("$"):
        amount = amount[1:] + "USD"
    for unit in sorted(_BUDGET_UNITS, key=len, reverse=True):
        if amount.endswith(unit) and amount[: -len(unit)]:
            metric, factor = _BUDGET_UNITS[unit]
            num = amount[: -len(unit)]
            if num.startswith("-"):
                raise InputError(f"budget {raw!r}: must be > 0")
            value = parse_number(num, f"budget {raw!r}")
            return Budget(metric, value * factor, period, raw)
    raise InputError(f"budget {raw!r}: give a number and a unit: kWh/MWh/GWh (energy), "
                     "g/kg/t (CO2e), L/m3 (water) or USD/$ (cost), optionally /day or /year")




def parse_latency_slo(text: str | None, ttft: str | None = None, tpot: str | None = None
                      ) -> tuple[float | None, float | None]:
    """``ttft=500ms,tpot=50ms`` (and/or the separate options) → (TTFT, TPOT) seconds."""
    out: dict[str, float] = {}
    if text:
        for part in str(text).split(","):
            if not part.strip():
                continue
            key, sep, val = part.partition("=")
            key = key.strip().lower()
            if not sep or key not in ("ttft", "tpot"):
                raise InputError(f"latency SLO {text!r}: use ttft=500ms,tpot=50ms")
            out[key] = parse_duration(val.strip(), f"latency SLO {key}")
    if ttft is not None:
        out["ttft"] = parse_duration(ttft, "--ttft")
    if tpot is not None:
        out["tpot"] = parse_duration(tpot, "--tpot")
    return out.get("ttft"), out.get("tpot")
