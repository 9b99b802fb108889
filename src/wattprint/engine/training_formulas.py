"""Array-native training formulas shared by :func:`wattprint.engine.estimate_training` and the
planner's training sweep (:mod:`wattprint.engine.training_grid`); docs/methodology.md §2.5."""

from __future__ import annotations

from typing import Any

from wattprint.arrays import maximum, minimum, where
from wattprint.device.execute import COLLECTIVE_LATENCY_S
from wattprint.device.roofline import allreduce_time_s

#: Share of data-parallel gradient all-reduce not hidden behind the backward pass.
EXPOSED_GRAD_COMM = 0.2


def gradient_allreduce_s(params_total: Any, layers: Any, chips: Any, link_bps: Any) -> Any:
    """Exposed time of one step's data-parallel gradient all-reduce (bf16 gradients) [s]:
    ``EXPOSED_GRAD_COMM · (allreduce(2 B × params, chips) + 2 · layers · latency)``; 0 on
    one chip."""
    t = EXPOSED_GRAD_COMM * (allreduce_time_s(params_total * 2.0, chips * 1.0, link_bps)
                             + 2 * layers * COLLECTIVE_LATENCY_S)
    return where(chips > 1, t, 0.0)


def power_capped_wall_s(step_s: Any, comm_s: Any, steps: Any, dynamic_j: Any, budget_w: Any,
                        chips: Any) -> Any:
    """Wall time of a run [s]: ``(step + exposed comm) × steps``, but at least the time the
    dynamic energy ``dynamic_j`` needs at the power budget ``(TDP − idle) × chips``."""
    return maximum((step_s + comm_s) * steps, dynamic_j / (budget_w * chips))


def training_energy_j(wall_s: Any, dynamic_j: Any, idle_w: Any, tdp_w: Any,
                      chips: Any) -> Any:
    """Accelerator energy of a run [J]: ``idle × chips × t + min(E_dyn, (TDP − idle) ×
    chips × t)`` (a job cannot draw more than the power limit)."""
    budget = tdp_w - idle_w
    return idle_w * chips * wall_s + minimum(dynamic_j, budget * chips * wall_s)
