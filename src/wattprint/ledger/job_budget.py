"""A job-wide budget across nodes: each node's leader shares its energy through the ledger.

In a distributed job (one ``wattprint run`` leader per node, all tagged with the launcher's
job id) whose nodes write to one ledger (``WATTPRINT_DB=postgresql://...``, or one SQLite
file on a shared file system), every ``period_s`` each leader

1. writes its own energy so far into its run (``runs.progress_energy_j``), and
2. reads the rest of the job from the ledger (:func:`~wattprint.ledger.jobs.job_energy_j`:
   finished node runs count their measured total, running ones their last progress),

and hands that to its :class:`~wattprint.meter.budget.BudgetGuard`
(:meth:`~wattprint.meter.budget.BudgetGuard.set_others`), which then compares the job's
total (this node + the others, extrapolated at their recent power) with the budget. Every
leader stops its own command when the job's total would cross it, so the whole job stops
within about one period. The guard's stopping horizon grows by one period (the others are
seen up to one period late).

Nodes that do not share a ledger only see themselves: the record's notes say how many other
node runs were seen.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from wattprint.ledger.jobs import job_energy_j, record_progress
from wattprint.units import plural

#: Bounds of the sharing period (s).
MIN_PERIOD_S, MAX_PERIOD_S = 0.25, 10.0


def sharing_period_s(interval_s: float) -> float:
    """How often a leader shares and reads the job's energy: 5 sampling intervals, within
    0.25–10 s (one UPDATE and one small indexed SELECT per node per period)."""
    return min(max(5 * interval_s, MIN_PERIOD_S), MAX_PERIOD_S)


class JobBudgetSync:
    """Shares this node's energy and reads the job's through the ledger, in a thread.

    Args:
        open_ledger: opens a ledger connection (called in the sharing thread).
        run_id: this node's run.
        job_id: the job's id.
        guard: this node's budget guard.
        period_s: sharing period (s), see :func:`sharing_period_s`.
    """

    def __init__(self, open_ledger: Callable[[], Any], run_id: str, job_id: str, guard: Any,
                 period_s: float) -> None:
        self.open_ledger, self.run_id, self.job_id = open_ledger, run_id, job_id
        self.guard, self.period_s = guard, period_s
        self.errors: list[str] = []
        self.syncs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        guard.horizon_s += period_s
        guard.count_job()  # a job budget from the start: counts the job, says so

    def sync_once(self, ledger: Any) -> None:
        """Write this node's energy so far, read the others', update the guard."""
        record_progress(ledger, self.run_id, self.guard.energy_j, time.time())
        others, runs = job_energy_j(ledger, self.job_id, exclude=self.run_id)
        self.guard.set_others(others, runs)
        self.syncs += 1

    def start(self) -> JobBudgetSync:
        """Start sharing in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="wattprint-job-budget",
                                        daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        ledger = None
        try:
            while True:
                try:
                    if ledger is None:
                        ledger = self.open_ledger()
                    self.sync_once(ledger)
                except Exception as exc:  # noqa: BLE001 - the run goes on; the note says why
                    why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    if why not in self.errors:
                        self.errors.append(why)
                if self._stop.wait(self.period_s):
                    return
        finally:
            if ledger is not None:
                with contextlib.suppress(Exception):
                    ledger.close()

    def stop(self) -> None:
        """Stop sharing (the run's final total is written by its record)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def notes(self) -> list[str]:
        """Notes for the run record."""
        g = self.guard
        out = [f"job budget {g.budget.text} counted over job {self.job_id}: this node and "
               f"{plural(g.other_runs or 0, 'other node run')} seen in the ledger (shared every "
               f"{self.period_s:g} s)"]
        out += [f"job budget: could not share through the ledger: {e}" for e in self.errors]
        return out
