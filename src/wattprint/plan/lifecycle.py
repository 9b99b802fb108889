"""Training plus serving over time: when cumulative serving overtakes training, and totals.

Serving is a constant daily footprint ``s`` (the serving plan's facility energy, CO2e with
embodied, water per day), training a one-off ``T``. Cumulative serving after ``t`` days is
``s · t``, so it overtakes training on day ``t* = T / s`` (closed form), and the lifecycle total
at ``t`` days is ``T + s · t``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wattprint.errors import InputError
from wattprint.plan.serving import plan_inference
from wattprint.quantity import S_PER_DAY, Quantity
from wattprint.workload.demand import Demand
from wattprint.workload.model_spec import ModelSpec

#: (lifecycle name, training footprint quantity, serving row key, unit)
METRICS = (("energy", "facility_energy", "facility_energy_j", "J"),
           ("co2e", "total_co2e", "total_co2e_g", "gCO2e"),
           ("water", "water", "water_l", "L"),
           ("cost", "cost", "cost_usd", "USD"))


@dataclass
class LifecycleRow:
    """One metric over the lifecycle: training once (a :class:`Quantity` with its range and
    provenance from the engine), serving per day, the crossover day and the totals."""

    metric: str
    training: Quantity
    serving_per_day: float
    days: float

    @property
    def unit(self) -> str:
        """SI unit of every number in the row."""
        return self.training.unit

    @property
    def crossover_day(self) -> float | None:
        """The day cumulative serving equals training (None: serving is zero or unknown)."""
        if not math.isfinite(self.training.value + self.serving_per_day):
            return None
        return crossover_day(self.training.value, self.serving_per_day)

    @property
    def serving_at_days(self) -> float:
        """Serving over the whole period."""
        return self.serving_per_day * self.days

    @property
    def total_at_days(self) -> float:
        """Training plus serving over the period."""
        return self.training.value + self.serving_at_days

    @property
    def serving_share_at_days(self) -> float:
        """Serving's share of the total (0 when the total is 0; NaN when unknown)."""
        total = self.total_at_days
        if self.metric == "total-cost":
            return self.serving_at_days / total if total > 0 else math.nan
        return self.serving_at_days / total if total > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row (``training`` as its value, its provenance alongside)."""
        return {"metric": self.metric, "unit": self.unit, "training": self.training.value,
                "serving_per_day": self.serving_per_day, "crossover_day": self.crossover_day,
                "serving_at_days": self.serving_at_days, "total_at_days": self.total_at_days,
                "serving_share_at_days": self.serving_share_at_days,
                "training_provenance": self.training.provenance}


@dataclass
class LifecyclePlan:
    """Train once, serve for ``days``: the rows per metric, the curve and the notes."""

    model: str
    days: float
    demand: dict[str, Any]
    training: dict[str, Any]
    serving: dict[str, Any]
    rows: list[LifecycleRow]
    formula: str
    notes: list[str] = field(default_factory=list)

    def row(self, metric: str) -> LifecycleRow:
        """The row of ``metric`` (energy, co2e, water, cost, total-cost)."""
        for r in self.rows:
            if r.metric == metric:
                return r
        raise KeyError(metric)

    @property
    def curve(self) -> list[dict[str, float]]:
        """Cumulative totals at 21 evenly spaced days from 0 to ``days``."""
        step = max(self.days / 20.0, 1e-9)
        return [{"day": d, **{r.metric: r.training.value + r.serving_per_day * d
                              for r in self.rows}}
                for d in [i * step for i in range(21)]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        return {"model": self.model, "days": self.days, "demand": self.demand,
                "training": self.training, "serving": self.serving,
                "rows": [r.to_dict() for r in self.rows], "curve": self.curve,
                "formula": self.formula, "notes": self.notes}


def crossover_day(training_total: float, serving_per_day: float) -> float | None:
    """``T / s``: the day cumulative serving equals training (None if serving is zero)."""
    if serving_per_day <= 0:
        return None
    return training_total / serving_per_day


def lifecycle(model: str | ModelSpec | Path, training_tokens: float, demand: Demand,
              days: float, *, train_hardware: str = "h100", train_chips: int = 1024,
              train_precision: str = "bf16", train_region: str | None = None,
              serve_hardware: str | None = None, serve_chips: str | None = None,
              serve_precision: str | None = None, serve_batch: str | None = None,
              serve_region: str | None = None, stack: str | None = None,
              objective: str = "energy", profile: str | None = None,
              pricing: str = "owner") -> LifecyclePlan:
    """Train once, then serve ``demand`` for ``days`` days.

    The serving configuration is the best one (by ``objective``) of the planner's sweep over
    the given (or default) hardware, chips, precision and batch at ``serve_region``
    (default: the world-average site). Embodied carbon is included on both sides.
    """
    from wattprint.engine import estimate_training, resolve_model

    if not days > 0:
        raise InputError(f"--days must be > 0, got {days:g}")
    spec = resolve_model(model)
    train = estimate_training(spec, train_hardware, tokens=training_tokens, chips=train_chips,
                              precision=train_precision, site=train_region, profile=profile)
    serve = plan_inference(spec, demand, hardware=serve_hardware, chips=serve_chips,
                           precisions=serve_precision, batches=serve_batch,
                           regions=serve_region or "world", stack=stack, objective=objective,
                           top=1, profile=profile, pricing=pricing).ranked[0]
    rows = [LifecycleRow(name, train[tq].with_(unit=unit), serve[sk], days)
            for name, tq, sk, unit in METRICS]
    total_cost = _total_cost_row(train, serve, days, pricing)
    cost_note = ("total-cost row: accelerator-hours at the "
                 f"{pricing} price + electricity ({total_cost.training.provenance})")
    if math.isfinite(total_cost.training.value) and math.isfinite(total_cost.serving_per_day):
        rows.append(total_cost)
    else:
        cost_note = (f"no total-cost row: no {pricing} accelerator-hour price for the training "
                     f"or serving hardware (data/prices.toml); {total_cost.training.provenance}")
    return LifecyclePlan(
        model=spec.name, days=days, demand=demand.to_dict(),
        training={"hardware": train.inputs["hardware"], "chips": train.inputs["chips"],
                  "precision": train.inputs["precision"], "site": train.inputs["site"],
                  "tokens": training_tokens, "time_s": train["time"].value,
                  "footprint": train.to_dict()},
        serving=serve, rows=rows,
        formula="crossover day t* = training / serving per day; total(t) = training + "
                "serving per day × t",
        notes=["serving per day from the planner's best configuration "
               f"({serve['replicas']} × {serve['chips']} {serve['hardware']}, "
               f"{serve['precision']}, batch {serve['batch']}, {serve['region']})",
               "embodied carbon: training chips amortised over the run "
               "(estimate_training); serving replicas reserved full time", cost_note])


def _total_cost_row(train: Any, serve: dict[str, Any], days: float,
                    pricing: str) -> LifecycleRow:
    """Accelerator-hours (``pricing``) + electricity, training and serving; NaN (and said so)
    where the hardware has no price."""
    from wattprint.catalog import get_hardware
    from wattprint.errors import UnsupportedError
    from wattprint.site.cost import accelerator_hour_price

    hours = train.inputs["chips"] * train["time"].value / 3600.0
    try:
        price = accelerator_hour_price(get_hardware(str(train.inputs["hardware"])), pricing)
        t_hw, prov = hours * price.usd, price.provenance
    except UnsupportedError as exc:
        t_hw, prov = math.nan, str(exc)
    training = Quantity(t_hw + train["cost"].value, "USD",
                        f"{hours:.4g} accelerator-hours x {pricing} price ({prov}) "
                        "+ electricity", basis="modelled")
    return LifecycleRow("total-cost", training, float(serve.get("total_cost_usd", math.nan)),
                        days)


def days_in_seconds(days: float) -> float:
    """Days → seconds."""
    return days * S_PER_DAY
