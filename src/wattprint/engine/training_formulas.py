"""Array-native training formulas shared by :func:`wattprint.engine.estimate_training` and the
planner's training sweep (:mod:`wattprint.engine.training_grid`); docs/methodology.md §2.5."""

from __future__ import annotations

from typing import Any

from wattprint.arrays import maximum, minimum


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
