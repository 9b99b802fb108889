"""The planner: sweeps over the engine (:mod:`wattprint.engine`) ranked by an objective.

- :mod:`~wattprint.plan.serving` ``plan_inference``, :mod:`~wattprint.plan.training`
  ``plan_training``: vectorised sweeps, constraints, ranking, Pareto frontier;
- :mod:`~wattprint.plan.siting` (regions, start hour), :mod:`~wattprint.plan.edge` (phone vs
  cloud), :mod:`~wattprint.plan.budget` (right-size), :mod:`~wattprint.plan.lifecycle`;
- :mod:`~wattprint.plan.parsing` (budgets, durations, SLOs), :mod:`~wattprint.plan.space`,
  :mod:`~wattprint.plan.constraints`, :mod:`~wattprint.plan.pareto`,
  :mod:`~wattprint.plan.results` (the typed :class:`PlanResult`).

Every plan returns a dataclass (``PlanResult``, ``RegionComparison``, ``StartHourPlan``,
``EdgeVsCloud``, ``LifecyclePlan``, ``RightSizePlan``, ``FacilityPlan``) with ``to_dict()``
for JSON; rendering is in :mod:`wattprint.report` (``plan_tables``, ``plan_views``).

Submodules are imported on use (numpy is loaded only by a sweep).
"""
