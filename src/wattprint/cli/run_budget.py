"""``wattprint run --budget``: build the budget guard for a run (see
:mod:`wattprint.meter.budget`); the projection reuses
:func:`wattprint.calibrate.extrapolate.extrapolate_windows`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wattprint.errors import InputError
from wattprint.meter.budget import ON_EXCEED, BudgetGuard, parse_budget, site_g_per_j


def make_guard(budget: str | None, on_exceed: str, total_steps: int | None, factors: Any,
               horizon_s: float, on_stop: Callable[[str], None],
               clock: Callable[[], float] | None = None,
               workload: str | None = None) -> BudgetGuard | None:
    """The guard for ``--budget`` (``None`` without one); ``horizon_s`` is how long the
    command may take to stop (s: grace period plus a sampling interval);
    ``clock`` is the sampler's monotonic clock (default ``time.monotonic``). With
    ``--workload`` the run is predicted first (:mod:`wattprint.meter.prediction`).

    Raises:
        InputError: a bad ``--budget``, ``--on-exceed``, ``--total-steps`` or
            ``--workload``.
        BudgetRefused: the prediction is over the budget under ``--on-exceed stop``.
    """
    if on_exceed not in ON_EXCEED:
        raise InputError(f"--on-exceed must be warn or stop, got {on_exceed!r}")
    if total_steps is not None and total_steps < 1:
        raise InputError(f"--total-steps must be a positive integer, got {total_steps}")
    if budget is None:
        if workload is not None:
            raise InputError("--workload is used with --budget (to predict the run against "
                             "it before it starts)")
        if total_steps is not None:
            raise InputError("--total-steps is used with --budget (to project the run's "
                             "total from its first steps)")
        if on_exceed == "stop":  # the user expects a guard: there is none without a budget
            raise InputError("--on-exceed stop is used with --budget (without one nothing "
                             "would ever be stopped)")
        return None
    b = parse_budget(budget)
    projector = None
    if total_steps is not None:
        n = total_steps

        def projector(rows: list[dict[str, Any]]) -> float | None:
            from wattprint.calibrate.extrapolate import extrapolate_windows

            if len(rows) > n:
                return None
            ex = extrapolate_windows(rows, n, window="step")
            fig = ex.figures.get("total_energy_j")
            return None if fig is None else float(fig["value"])

    import time

    guard = BudgetGuard(b, clock or time.monotonic, on_exceed=on_exceed,
                        g_per_j=site_g_per_j(factors), horizon_s=horizon_s,
                        projector=projector, on_stop=on_stop)
    if workload is not None:
        from wattprint.meter.prediction import parse_workload, predict_for_budget

        guard.predict(predict_for_budget(parse_workload(workload), b.kind, guard.g_per_j))
    return guard


BUDGET_SCOPES = ("job", "node")


def start_job_budget(guard: BudgetGuard | None, rec: Any, job: Any, scope: str,
                     interval_s: float) -> Any:
    """In a distributed job with ``--budget-scope job`` (the default), count the budget over
    the whole job through the ledger (:mod:`wattprint.ledger.job_budget`); returns the
    started sharing thread, or ``None`` (no budget, not distributed, ``node`` scope, or no
    ledger for this run).

    Raises:
        InputError: an unknown scope.
    """
    if scope not in BUDGET_SCOPES:
        raise InputError(f"--budget-scope must be job or node, got {scope!r}")
    if guard is None or scope != "job" or not job.distributed or job.job_id is None \
            or rec.ledger is None:
        return None
    from wattprint.ledger import Ledger
    from wattprint.ledger.job_budget import JobBudgetSync, sharing_period_s

    path = rec.path
    return JobBudgetSync(lambda: Ledger(path), rec.run_id, job.job_id, guard,
                         sharing_period_s(interval_s)).start()
