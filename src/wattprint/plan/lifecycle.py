"""Training plus serving over time: when cumulative serving overtakes training, and totals.

Serving is a constant daily footprint ``s`` (the serving plan's facility energy, CO2e with
embodied, water per day), training a one-off ``T``. Cumulative serving after ``t`` days is
``s · t``, so it overtakes training on day ``t* = T / s`` (closed form), and the lifecycle total
at ``t`` days is ``T + s · t``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from wattprint.errors import InputError
from wattprint.plan.serving import plan_inference
from wattprint.quantity import S_PER_DAY
from wattprint.workload.demand import Demand
from wattprint.workload.model_spec import ModelSpec

#: (lifecycle name, training footprint quantity, serving row key, unit)
METRICS = (("energy", "facility_energy", "facility_energy_j", "J"),
           ("co2e", "total_co2e", "total_co2e_g", "gCO2e"),
           ("water", "water", "water_l", "L"),
           ("cost", "cost", "cost_usd", "USD"))


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
              pricing: str = "owner") -> dict[str, Any]:
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
    rows = []
    for name, tq, sk, unit in METRICS:
        t_val = train[tq].value
        s_val = serve[sk]
        cross = crossover_day(t_val, s_val)
        rows.append({"metric": name, "unit": unit, "training": t_val,
                     "serving_per_day": s_val, "crossover_day": cross,
                     "serving_at_days": s_val * days, "total_at_days": t_val + s_val * days,
                     "serving_share_at_days": s_val * days / (t_val + s_val * days)
                     if t_val + s_val * days > 0 else 0.0,
                     "training_provenance": train[tq].provenance})
    total_cost = _total_cost_row(train, serve, days, pricing)
    cost_note = (f"total-cost row: accelerator-hours at the {pricing} price + electricity "
                 f"({total_cost['training_provenance']})")
    if math.isfinite(total_cost["training"]) and math.isfinite(total_cost["serving_per_day"]):
        rows.append(total_cost)
    else:
        cost_note = (f"no total-cost row: no {pricing} accelerator-hour price for the training "
                     f"or serving hardware (data/prices.toml); {total_cost['training_provenance']}")
    step = max(days / 20.0, 1e-9)
    curve = [{"day": d, **{r["metric"]: r["training"] + r["serving_per_day"] * d for r in rows}}
             for d in [i * step for i in range(21)]]
    return {"model": spec.name, "days": days, "demand": demand.to_dict(),
            "training": {"hardware": train.inputs["hardware"], "chips": train.inputs["chips"],
                         "precision": train.inputs["precision"], "site": train.inputs["site"],
                         "tokens": training_tokens, "time_s": train["time"].value,
                         "footprint": train.to_dict()},
            "serving": serve, "rows": rows, "curve": curve,
            "formula": "crossover day t* = training / serving per day; total(t) = training + "
                       "serving per day × t",
            "notes": ["serving per day from the planner's best configuration "
                      f"({serve['replicas']} × {serve['chips']} {serve['hardware']}, "
                      f"{serve['precision']}, batch {serve['batch']}, {serve['region']})",
                      "embodied carbon: training chips amortised over the run "
                      "(estimate_training); serving replicas reserved full time", cost_note]}


def _total_cost_row(train: Any, serve: dict[str, Any], days: float,
                    pricing: str) -> dict[str, Any]:
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
    t_val = t_hw + train["cost"].value
    s_val = float(serve.get("total_cost_usd", math.nan))
    cross = crossover_day(t_val, s_val) if math.isfinite(t_val + s_val) else None
    total = t_val + s_val * days
    return {"metric": "total-cost", "unit": "USD", "training": t_val, "serving_per_day": s_val,
            "crossover_day": cross, "serving_at_days": s_val * days, "total_at_days": total,
            "serving_share_at_days": s_val * days / total if total > 0 else math.nan,
            "training_provenance": f"{hours:.4g} accelerator-hours x {pricing} price ({prov}) "
                                   "+ electricity"}


def days_in_seconds(days: float) -> float:
    """Days → seconds."""
    return days * S_PER_DAY
