"""Accelerator-hours in the planner's money: ``total_cost_usd = hardware_usd + cost_usd``.

``cost_usd`` stays the electricity bill (facility kWh x site price); ``hardware_usd`` is the
accelerator-hours of a configuration x the price of one (owner TCO or a cloud price,
:mod:`wattprint.site.cost`). Hardware with no shipped price gets NaN and, when the objective is
``total-cost``, fails the "priced" constraint with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from wattprint.catalog.schema import Hardware
from wattprint.errors import UnsupportedError
from wattprint.plan.constraints import Constraint


def price_per_hour(hws: Sequence[Hardware], pricing: str) -> tuple[np.ndarray, list[str]]:
    """USD per accelerator-hour per hardware (NaN where unpriced) and one note per price."""
    from wattprint.site.cost import accelerator_hour_price

    cache: dict[str, float] = {}
    notes: list[str] = []
    unpriced: list[str] = []
    for hw in hws:
        if hw.id in cache:
            continue
        try:
            p = accelerator_hour_price(hw, pricing)
        except UnsupportedError:
            cache[hw.id] = np.nan
            unpriced.append(hw.id)
            continue
        cache[hw.id] = p.usd
        notes.append(f"{hw.id}: ${p.usd:.3g}/accelerator-hour ({p.provenance})")
    if unpriced:
        notes.append(f"no {pricing} price shipped for {', '.join(unpriced)}: their "
                     "hardware_usd and total_cost_usd are unknown (null in --json), never 0")
    return np.array([cache[hw.id] for hw in hws], dtype=float), notes


def add_hardware_cost(metrics: dict[str, Any], accel_hours: np.ndarray,
                      prices: np.ndarray) -> None:
    """Put ``hardware_usd`` and ``total_cost_usd`` into ``metrics`` (region = last axis);
    ``accel_hours`` has the hardware axis first."""
    shape = (-1,) + (1,) * (accel_hours.ndim - 1)
    hw = (accel_hours * prices.reshape(shape))[..., None]
    elec = metrics["cost_usd"]
    metrics["hardware_usd"] = np.broadcast_to(hw, elec.shape)
    metrics["total_cost_usd"] = elec + hw


def priced_constraint(prices: np.ndarray, ndim: int, pricing: str) -> Constraint:
    """Only hardware with a ``pricing`` price (hardware axis first, ``ndim`` axes in all)."""
    ok = np.isfinite(prices).reshape((-1,) + (1,) * (ndim - 1))
    return Constraint("priced", f"a {pricing} accelerator-hour price is shipped "
                      "(data/prices.toml)", ok)
