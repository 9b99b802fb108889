"""``wattprint run``: run a command, measure its energy, store it in the ledger, print a summary.

Library code is imported inside the command function so that ``wattprint --help`` stays
fast. The command's process and signals are :class:`~wattprint.cli.run_child.MeasuredChild`;
the summary is drawn by :func:`wattprint.report.run_views.print_run` (on stderr, like
``time``, so the measured command's stdout stays clean; ``--json`` writes one JSON object on
the last line of stdout). ``history``, ``show`` and ``export`` are in
:mod:`wattprint.cli.history_cmds`.
"""

from __future__ import annotations

import contextlib
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

RUN_HELP = """Run a command, measure its energy, store it in the ledger and print a summary.

Example: wattprint run --site fra -- python train.py --epochs 3

Everything after `--` is the command. SIGINT/SIGTERM/SIGHUP are forwarded to it; wattprint
exits with its exit code (128+N if it was killed by signal N). A killed run keeps its record,
marked incomplete.
"""

#: Bounds of ``--interval`` (s): below 1 ms the sampler would only measure itself.
MIN_INTERVAL_S = 0.001
MAX_INTERVAL_S = 3600.0


def register(app: typer.Typer) -> None:
    """Add ``run`` to ``app``."""
    app.command("run", help=RUN_HELP, context_settings={
        "allow_extra_args": True, "ignore_unknown_options": True})(run_cmd)


def _check_run_args(argv: list[str], interval: float, grace: float) -> None:
    from wattprint.errors import InputError

    if not argv:
        raise InputError("missing command after `--` (usage: wattprint run [OPTIONS] -- CMD "
                         "ARGS...)")
    if not (math.isfinite(interval) and MIN_INTERVAL_S <= interval <= MAX_INTERVAL_S):
        raise InputError(f"--interval must be between {MIN_INTERVAL_S:g} and "
                         f"{MAX_INTERVAL_S:g} s, got {interval:g}")
    if not (math.isfinite(grace) and 0 <= grace <= 86400):
        raise InputError(f"--grace must be between 0 and 86400 s, got {grace:g}")


def _store(rec: Any, **kw: Any) -> dict[str, Any]:
    """Store the run (ledger, else fallback file); say on stderr where it went if not in
    the ledger. Returns ``{"db", "stored", "fallback_file"}`` for the report."""
    from wattprint.report.run_views import energy_text

    fallback = rec.finish(**kw)
    where: dict[str, Any] = {"db": str(rec.path), "stored": rec.stored,
                             "fallback_file": str(fallback) if fallback else None}
    if not rec.stored:
        why = "; ".join(rec.problems) or "unknown error"
        m = kw.get("measurement")
        energy = energy_text(m.total_energy.value) if m is not None else "n/a"
        msg = f"wattprint: warning: run {rec.run_id} (exit code {kw.get('exit_code')}, " \
              f"energy {energy}) could not be stored in ledger {rec.path} ({why}); "
        if fallback is not None:
            msg += (f"saved it to {fallback} instead (put it back with `wattprint ledger "
                    f"import {fallback}`)")
        else:
            msg += "no fallback file could be written either: the summary below is all " \
                   "that remains"
        with contextlib.suppress(OSError):
            sys.stderr.write(msg + "\n")
            sys.stderr.flush()
    return where


@dataclass
class _Run:
    """One measured run: the command, its recorder and meter, and what watches it."""

    argv: list[str]
    child: Any  # MeasuredChild
    rec: Any  # RunRecorder
    meter: Any
    guard: Any
    factors: Any
    site_notes: list[str]
    json_out: bool
    steps: Any = None
    job_budget: Any = None
    notes: list[str] = field(default_factory=list)


def _start(run: _Run, pattern: Any) -> int | None:
    """Start the command with its step marks; None, or the exit code when it could not
    start (the run is stored as incomplete)."""
    from wattprint.cli.run_extras import ChildSteps

    try:
        run.child.check_not_signalled()  # stopped before it could start: do not start it
        run.steps = ChildSteps(run.meter, run.rec, run.rec.run_id, pattern,
                               run.guard.on_step if run.guard is not None else None)
        run.child.start(run.steps.popen_kwargs())
        run.steps.started(run.child.process)
        run.child.started()
    except OSError as exc:
        code: int = run.child.not_started_code()
        m = run.meter.end_window("run", complete=False)
        run.meter.stop()
        _store(run.rec, complete=False, exit_code=code, measurement=m, footprint=None,
               notes=[f"could not start the command: {exc}"])
        sys.stderr.write(f"wattprint: error: cannot run {run.argv[0]!r}: "
                         f"{exc.strerror or exc}\n")
        return code
    return None


def _finish(run: _Run, rc: int) -> int:
    """The command ended with ``rc``: close the window, store and report the run."""
    from wattprint.errors import WattprintError
    from wattprint.report.run_views import print_run

    code = 128 - rc if rc < 0 else rc
    child = run.child
    complete = rc >= 0 and not child.received and not child.budget_stop
    notes: list[str] = [*child.budget_stop, *run.site_notes, *run.steps.finish()]
    if run.job_budget is not None:
        run.job_budget.stop()
        notes += run.job_budget.notes()
    if run.guard is not None:
        notes += run.guard.notes
    notes += child.notes(rc)
    m = run.meter.end_window("run", complete=complete)
    run.meter.stop()
    fp = None
    try:
        fp = m.to_footprint(site=run.factors)
        if run.guard is not None:  # the budget, its projection and prediction, in the record
            fp.details["budget"] = run.guard.to_dict()
    except WattprintError as exc:
        notes.append(f"footprint not computed: {exc}")
    where = _store(run.rec, complete=complete, exit_code=code, measurement=m, footprint=fp,
                   notes=notes)
    with contextlib.suppress(OSError):
        print_run(run.rec.run_id, run.argv, code, complete, m, fp, notes, run.json_out, where)
    return code


def _close(run: _Run, backends: Any, lease: Any) -> None:
    """Release everything, whatever happened: budget thread, step reader, timers, meter,
    backends, node lease, signal handlers, recorder."""
    if run.job_budget is not None:
        run.job_budget.stop()
    if run.steps is not None:
        with contextlib.suppress(Exception):
            run.steps.finish()
    run.child.cancel()
    with contextlib.suppress(Exception):
        run.meter.stop()
    for b in backends or []:
        b.close()
    if lease is not None:
        lease.release()
    run.child.restore_handlers()
    run.rec.close()


def run_cmd(
    ctx: typer.Context,
    command: list[str] = typer.Argument(None, help="The command and its arguments (after --).",
                                        show_default=False),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object (last line of "
                                  "stdout) instead of a table."),
    site: str = typer.Option(None, "--site", help="Site for CO2e, water and cost (default "
                             "world)."),
    db: Path = typer.Option(None, "--db", help="Ledger file (default $WATTPRINT_DB or the user "
                            "data directory)."),
    interval_text: str = typer.Option("0.2s", "--interval",
                                      help="Power sampling interval (0.2, 200ms, 1s)."),
    step_regex: str = typer.Option(None, "--step-regex", help="Regular expression: each "
                                   "output line of the command matching it ends a training "
                                   "step (for `calibrate extrapolate`). Or call "
                                   "wattprint.step() in the script."),
    grace: float = typer.Option(10.0, "--grace", help="After forwarding a signal, wait this "
                                "long (s) for the command to end, then SIGKILL it."),
    budget: str = typer.Option(None, "--budget", help="Energy (5kWh, 500Wh, 2MJ: measured "
                               "device energy, before PUE) or CO2e (2kgCO2e, 300g: with the "
                               "site's PUE and grid) budget for the run."),
    on_exceed: str = typer.Option("warn", "--on-exceed", help="warn: one warning line, never "
                                  "stop; stop: SIGTERM the command (SIGKILL after --grace) "
                                  "before the budget is crossed."),
    total_steps: str = typer.Option(None, "--total-steps", help="The run's number of steps "
                                    "(100000, 100k, 1e5): with step marks, the total is "
                                    "projected from the first steps and a projection over "
                                    "--budget warns early."),
    workload: str = typer.Option(None, "--workload", help="What the command will do, as "
                                 "`wattprint estimate` arguments, e.g. \"train --model "
                                 "llama-3.1-8b --tokens 1e9 --hardware h100\": predicted "
                                 "before it starts; over --budget it warns, or with "
                                 "--on-exceed stop it is not started (exit 2)."),
    budget_scope: str = typer.Option("job", "--budget-scope", help="job: in a distributed "
                                     "job the budget counts every node (shared through the "
                                     "ledger: WATTPRINT_DB=postgresql://... or a shared "
                                     "file); node: this node only."),
) -> int:
    from wattprint.cli.run_budget import BUDGET_SCOPES, make_guard, start_job_budget
    from wattprint.cli.run_child import MeasuredChild
    from wattprint.cli.run_extras import compile_step_regex, lead_node_or_exec, tag_job
    from wattprint.errors import InputError
    from wattprint.ledger.recorder import RunRecorder
    from wattprint.meter import Meter
    from wattprint.meter.launcher import detect_job
    from wattprint.meter.placement import measured_site

    argv = [*(command or []), *ctx.args]
    from wattprint.numbers import parse_duration, parse_number

    interval = parse_duration(interval_text, "--interval")
    _check_run_args(argv, interval, grace)
    pattern = compile_step_regex(step_regex)
    job = detect_job()
    factors, site_notes = measured_site(site, job)  # bad --site fails before anything runs
    child = MeasuredChild(argv, grace)
    steps = None if total_steps is None else int(parse_number(total_steps, "--total-steps",
                                                              integer=True))
    guard = make_guard(budget, on_exceed, steps, factors, grace + 2 * interval,
                       child.stop_for_budget, workload=workload)
    if budget_scope not in BUDGET_SCOPES:
        raise InputError(f"--budget-scope must be job or node, got {budget_scope!r}")
    lease, backends = lead_node_or_exec(job, argv)  # non-leader ranks exec the command
    rec = RunRecorder(db, argv, site=factors.site_id, interval_s=interval)
    if job.distributed:
        tag_job(rec, job)
    meter = Meter(backends, site=factors.site_id, interval_s=interval, sink=rec.sink,
                  budget=guard, node_leader=False)  # elected above: lead_node_or_exec
    run = _Run(argv, child, rec, meter, guard, factors, site_notes, json_out)
    child.install_handlers()
    try:
        meter.start()
        meter.begin_window("run")
        run.job_budget = start_job_budget(guard, rec, job, budget_scope, interval)
        code = _start(run, pattern)
        if code is not None:
            return code
        return _finish(run, child.wait())
    finally:
        _close(run, backends, lease)
