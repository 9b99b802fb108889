"""Compatibility names for the planner's sweeps (split by concern; see :mod:`wattprint.plan`).

New code imports from the concern's own module (``plan.serving``, ``plan.training``,
``plan.parsing``, ``plan.space``, ``plan.constraints``, ``plan.pareto``, ``plan.results``) or
from :mod:`wattprint.engine`.
"""

from __future__ import annotations

from wattprint.engine import (
    InferenceGrid,
    SiteArrays,
    TrainingGrid,
    evaluate_inference_grid,
    evaluate_training_grid,
    site_chain,
    stack_params,
    stack_works,
)
from wattprint.plan.constraints import Constraint, apply_constraints
from wattprint.plan.objectives import METRICS, OBJECTIVES, ProgressFn
from wattprint.plan.pareto import pareto_mask, skyline_candidates
from wattprint.plan.parsing import Budget, parse_budget, parse_duration, parse_latency_slo
from wattprint.plan.results import PlanResult
from wattprint.plan.serving import best_serving, plan_inference
from wattprint.plan.space import (
    ceil_div,
    default_hardware,
    int_list,
    resolve_hardware_list,
    resolve_regions,
)
from wattprint.plan.training import plan_training

__all__ = ["METRICS", "OBJECTIVES", "Budget", "Constraint", "InferenceGrid", "PlanResult",
           "ProgressFn", "SiteArrays", "TrainingGrid", "apply_constraints", "best_serving",
           "ceil_div", "default_hardware", "evaluate_inference_grid", "evaluate_training_grid",
           "int_list", "parse_budget", "parse_duration", "parse_latency_slo", "pareto_mask",
           "plan_inference", "plan_training", "resolve_hardware_list", "resolve_regions",
           "site_chain", "skyline_candidates", "stack_params", "stack_works"]
