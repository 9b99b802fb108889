"""``wattprint run``, ``history``, ``show`` and ``export``: measure commands, read the ledger.

Library code is imported inside the command functions so that ``wattprint --help`` stays
fast. Human summaries go to stderr (like ``time``) so the measured command's stdout stays
clean; ``--json`` writes one JSON object on the last line of stdout.
"""


import contextlib
import csv
import io
import math
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import typer

RUN_HELP = """Run a command, measure its energy, store it in the ledger and print a summary.

Example: wattprint run --site fra -- python train.py --epochs 3

Everything after `--` is the command. SIGINT/SIGTERM/SIGHUP are forwarded to it; wattprint
exits with its exit code (128+N if it was killed by signal N). A killed run keeps its record,
marked incomplete.
"""


def register(app: typer.Typer) -> None:
    """Add ``run``, ``history``, ``show`` and ``export`` to ``app``."""
    app.command("run", help=RUN_HELP, context_settings={
        "allow_extra_args": True, "ignore_unknown_options": True})(run_cmd)
    app.command("history", help="List recent measured runs (newest first).\n\nExample: "
                "wattprint history --since 2026-01-01 --command-contains train")(history_cmd)
    app.command("show", help="Show one run (devices, windows, power timeline) or one "
                "distributed job (its node records merged).\n\nExample: wattprint show "
                "3f2a9c")(show_cmd)
    app.command("export", help="Export runs (or, with --samples, power samples) as CSV or "
                "JSON.\n\nExample: wattprint export --format csv -o runs.csv")(export_cmd)


# -- helpers ------------------------------------------------------------------------------

def _dumps(x: Any, indent: int | None = None) -> str:
    from wattprint.report.tables import dumps_json

    return dumps_json(x, indent=indent)


def _energy(j: float | None) -> str:
    if j is None or (isinstance(j, float) and math.isnan(j)):
        return "n/a"
    from wattprint.quantity import Quantity
    from wattprint.units import human

    return human(Quantity(j, "J", ""))[0]


def _num(x: Any, unit: str = "", fmt: str = ".3g") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:{fmt}}{(' ' + unit) if unit else ''}"


def _when(t: float | None) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux ask for SIGTERM if wattprint itself dies (even by
    SIGKILL), so a killed meter never leaves an unmeasured orphan running."""
    if sys.platform != "linux":
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _in_terminal_foreground() -> bool:
    """Whether this process group owns the controlling terminal (then Ctrl-C already
    reached the child through the process group, and forwarding SIGINT would double it)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def _open_ledger(db: Path | None, *, create: bool) -> Any:
    """Open the ledger; read-only when ``create`` is false (history/show/export)."""
    from wattprint.ledger import Ledger

    return Ledger(db, create=create, readonly=not create)


def _warn(ledger: Any) -> None:
    """Print the ledger's read warnings (a damaged page skipped ...) on stderr."""
    for w in dict.fromkeys(ledger.warnings):
        sys.stderr.write(f"wattprint: warning: {w}\n")


#: Characters that make a spreadsheet read a CSV cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(v: Any) -> Any:
    """A CSV cell that no spreadsheet evaluates: text starting like a formula gets a
    leading apostrophe (numbers are left as they are)."""
    if isinstance(v, list | dict):
        v = _dumps(v)
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    return v


# -- run ----------------------------------------------------------------------------------

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
    interval: float = typer.Option(0.2, "--interval", help="Power sampling interval, s."),
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
    total_steps: int = typer.Option(None, "--total-steps", help="The run's number of steps: "
                                    "with step marks, the total is projected from the first "
                                    "steps and a projection over --budget warns early."),
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
    from wattprint.cli.run_extras import (
        ChildSteps,
        compile_step_regex,
        lead_node_or_exec,
        tag_job,
    )
    from wattprint.errors import InputError, WattprintError
    from wattprint.ledger.recorder import RunRecorder
    from wattprint.meter import Meter
    from wattprint.meter.launcher import detect_job
    from wattprint.meter.placement import measured_site

    argv = [*(command or []), *ctx.args]
    if not argv:
        raise InputError("missing command after `--` (usage: wattprint run [OPTIONS] -- CMD "
                         "ARGS...)")
    if not (math.isfinite(interval) and MIN_INTERVAL_S <= interval <= MAX_INTERVAL_S):
        raise InputError(f"--interval must be between {MIN_INTERVAL_S:g} and "
                         f"{MAX_INTERVAL_S:g} s, got {interval:g}")
    if not (math.isfinite(grace) and 0 <= grace <= 86400):
        raise InputError(f"--grace must be between 0 and 86400 s, got {grace:g}")
    pattern = compile_step_regex(step_regex)
    job = detect_job()
    factors, site_notes = measured_site(site, job)  # bad --site fails before anything runs
    from wattprint.cli.run_budget import BUDGET_SCOPES, make_guard, start_job_budget

    budget_stop: list[str] = []

    def stop_for_budget(why: str) -> None:
        budget_stop.append(why)
        escalate(signal.SIGTERM)

    guard = make_guard(budget, on_exceed, total_steps, factors, grace + 2 * interval,
                       stop_for_budget, workload=workload)
    if budget_scope not in BUDGET_SCOPES:
        raise InputError(f"--budget-scope must be job or node, got {budget_scope!r}")
    lease, backends = lead_node_or_exec(job, argv)  # non-leader ranks exec the command
    rec = RunRecorder(db, argv, site=factors.site_id, interval_s=interval)
    if job.distributed:
        tag_job(rec, job)
    meter = Meter(backends, site=factors.site_id, interval_s=interval, sink=rec.sink,
                  budget=guard)
    steps: ChildSteps | None = None
    job_budget: Any = None
    received: list[int] = []
    child: subprocess.Popen[bytes] | None = None
    killer: list[threading.Timer] = []
    killed: list[bool] = []

    def on_signal(signum: int, _frame: Any) -> None:
        received.append(signum)
        escalate(signum)

    def escalate(signum: int) -> None:
        """Send ``signum`` to the command, then SIGKILL it after the grace period."""
        if child is None or child.returncode is not None:
            return
        if not killer:  # escalate if the command ignores the signal
            killer.append(threading.Timer(grace, _kill, (child, killed)))
            killer[0].daemon = True
            killer[0].start()
        if signum == signal.SIGINT and _in_terminal_foreground():
            return  # the terminal delivered Ctrl-C to the child's process group already
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    sigs = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
    old = {s: signal.signal(s, on_signal) for s in sigs}
    try:
        meter.start()
        meter.begin_window("run")
        job_budget = start_job_budget(guard, rec, job, budget_scope, interval)
        try:
            if received:  # stopped before the command could start: do not start it
                raise InterruptedError(f"{_signame(received[0])} before the command started")
            steps = ChildSteps(meter, rec, rec.run_id, pattern,
                               guard.on_step if guard is not None else None)
            child = subprocess.Popen(argv, preexec_fn=_die_with_parent,
                                     **steps.popen_kwargs())
            steps.started(child)
            if budget_stop:  # the budget ran out while the command was starting
                escalate(signal.SIGTERM)
        except OSError as exc:
            code = 128 + received[0] if received else 127
            m = meter.end_window("run", complete=False)
            meter.stop()
            _store(rec, complete=False, exit_code=code, measurement=m, footprint=None,
                   notes=[f"could not start the command: {exc}"])
            sys.stderr.write(f"wattprint: error: cannot run {argv[0]!r}: "
                             f"{exc.strerror or exc}\n")
            return code
        rc = child.wait()
        code = 128 - rc if rc < 0 else rc
        complete = rc >= 0 and not received and not budget_stop
        notes: list[str] = [*budget_stop, *site_notes, *steps.finish()]
        if job_budget is not None:
            job_budget.stop()
            notes += job_budget.notes()
        if guard is not None:
            notes += guard.notes
        if rc < 0:
            notes.append(f"the command was killed by signal {-rc} "
                         f"({_signame(-rc)}); measured up to its end")
        if received:
            notes.append("wattprint received " + ", ".join(sorted({_signame(s) for s in received}))
                         + " and forwarded it to the command; the run is incomplete")
        if killed:
            notes.append(f"the command was still running {grace:g} s after the signal and "
                         "was killed with SIGKILL")
        m = meter.end_window("run", complete=complete)
        meter.stop()
        fp = None
        try:
            fp = m.to_footprint(site=factors)
            if guard is not None:  # the budget, its projection and prediction, in the record
                fp.details["budget"] = guard.to_dict()
        except WattprintError as exc:
            notes.append(f"footprint not computed: {exc}")
        where = _store(rec, complete=complete, exit_code=code, measurement=m, footprint=fp,
                       notes=notes)
        with contextlib.suppress(OSError):
            _report_run(rec.run_id, argv, code, complete, m, fp, notes, json_out, where)
        return code
    finally:
        if job_budget is not None:
            job_budget.stop()
        if steps is not None:
            with contextlib.suppress(Exception):
                steps.finish()
        for t in killer:
            t.cancel()
        with contextlib.suppress(Exception):
            meter.stop()
        for b in backends or []:
            b.close()
        if lease is not None:
            lease.release()
        for s, h in old.items():
            signal.signal(s, h)
        rec.close()


#: Bounds of ``--interval`` (s): below 1 ms the sampler would only measure itself.
MIN_INTERVAL_S = 0.001
MAX_INTERVAL_S = 3600.0


def _kill(child: subprocess.Popen[bytes], killed: list[bool]) -> None:
    """SIGKILL a command that outlived the grace period after a forwarded signal."""
    if child.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
            killed.append(True)


def _store(rec: Any, **kw: Any) -> dict[str, Any]:
    """Store the run (ledger, else fallback file); say on stderr where it went if not in
    the ledger. Returns ``{"db", "stored", "fallback_file"}`` for the report."""
    fallback = rec.finish(**kw)
    where: dict[str, Any] = {"db": str(rec.path), "stored": rec.stored,
                             "fallback_file": str(fallback) if fallback else None}
    if not rec.stored:
        why = "; ".join(rec.problems) or "unknown error"
        m = kw.get("measurement")
        energy = _energy(m.total_energy.value) if m is not None else "n/a"
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


def _signame(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def _report_run(rid: str, argv: list[str], code: int, complete: bool, m: Any, fp: Any,
                notes: list[str], json_out: bool, where: dict[str, Any]) -> None:
    t = m.time.value
    devices = [d.to_dict(t) for d in m.devices]
    if json_out:
        out: dict[str, Any] = fp.to_dict() if fp is not None else {
            "kind": "measurement", "time": m.time.to_dict(),
            "accelerator_energy": m.accelerator_energy.to_dict(),
            "host_energy": m.host_energy.to_dict()}
        out.update(run_id=rid, exit_code=code, complete=complete, command=argv,
                   devices=devices, absent=m.absent, total_energy=m.total_energy.to_dict(),
                   average_power=m.average_power.to_dict(), peak_power=m.peak_power.to_dict(),
                   **where)
        out["notes"] = list(dict.fromkeys([*out.get("notes", []), *notes]))
        sys.stdout.write(_dumps(out) + "\n")
        sys.stdout.flush()
        return
    from rich.table import Table

    con = _console()
    from rich.markup import escape

    tab = Table(title=escape(f"wattprint run {rid}: {' '.join(argv)[:60]}"),
                title_justify="left")
    tab.add_column("quantity")
    tab.add_column("value", justify="right")
    tab.add_column("range", justify="right")
    tab.add_column("basis")
    qs = fp.quantities if fp is not None else {"time": m.time,
                                               "accelerator_energy": m.accelerator_energy,
                                               "host_energy": m.host_energy}
    for name in ("time", "accelerator_energy", "host_energy", "it_energy", "facility_energy",
                 "co2e", "water", "cost"):
        q = qs.get(name)
        if q is None:
            continue
        if q.unit == "J":
            val, rng = _energy(q.value), (f"{_energy(q.lo)} – {_energy(q.hi)}"
                                          if q.low is not None else "")
        else:
            val = _num(q.value, q.unit, ".4g")
            rng = f"{q.lo:.3g} – {q.hi:.3g}" if q.low is not None else ""
        tab.add_row(name.replace("_", " "), val, rng, q.basis)
    con.print(tab)
    narrow = con.width < 100  # fewer columns rather than words cut in half
    cols = ("device", "name", "method", "energy", "peak W") if narrow else (
        "device", "name", "method", "energy", "avg W", "peak W", "samples")
    dt = Table(title="devices", title_justify="left")
    for c in cols:  # only the name wraps, between words; keys, methods, numbers never wrap
        dt.add_column(c, no_wrap=c != "name", overflow="ellipsis")
    for d in m.devices:
        cells = {"device": d.device.key, "name": d.device.name, "method": d.method,
                 "energy": _energy(d.energy.value), "avg W": _num(d.average_power_w(t)),
                 "peak W": _num(d.peak_power_w), "samples": str(d.samples)}
        dt.add_row(*(cells[c] for c in cols))
    con.print(dt)
    for k, v in m.absent.items():
        con.print(f"not measured: {k}: {v}", markup=False, style="dim")
    for n in dict.fromkeys([*m.notes, *notes]):
        con.print(f"note: {n}", markup=False)
    state = "complete" if complete else "INCOMPLETE"
    stored = f"ledger {where['db']}" if where["stored"] else (
        f"NOT in ledger {where['db']}; saved to {where['fallback_file'] or 'nowhere'}")
    con.print(f"run {rid}: exit code {code}, {state}; {stored}", markup=False)


# -- history / show / export --------------------------------------------------------------

def _parse_since(text: str | None) -> float | None:
    from datetime import datetime

    from wattprint.errors import InputError

    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"--since {text!r} is not a date (use YYYY-MM-DD or "
                         "YYYY-MM-DDTHH:MM)") from exc
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):  # before 1970 on some platforms
        from datetime import UTC

        aware = when if when.tzinfo else when.replace(tzinfo=UTC)
        return (aware - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()


def _run_summary(r: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "started_at", "ended_at", "state", "complete", "exit_code", "command",
            "site", "time_s", "accelerator_energy_j", "host_energy_j", "total_energy_j",
            "facility_energy_j", "co2e_g", "water_l", "cost_usd", "provenance", "host",
            "pid", "wattprint_version", "interval_s", "notes")
    return {k: r.get(k) for k in keep}


MAX_LIMIT = 10**9


def history_cmd(
    limit: int = typer.Option(20, "--limit", "-n", help="At most this many runs."),
    since: str = typer.Option(None, "--since", help="Only runs started on or after this "
                              "date (YYYY-MM-DD[THH:MM])."),
    command_contains: str = typer.Option(None, "--command-contains", help="Only runs whose "
                                         "command contains this text."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Path = typer.Option(None, "--db", help="Ledger file."),
) -> None:
    from wattprint.errors import InputError

    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"--limit must be between 1 and {MAX_LIMIT:,}, got {limit}")
    ledger = _open_ledger(db, create=False)
    rows = ledger.runs(limit=limit, since=_parse_since(since),
                       command_contains=command_contains)
    _warn(ledger)
    if json_out:
        sys.stdout.write(_dumps([_run_summary(r) for r in rows]) + "\n")
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    cols = ("run", "started", "time", "state", "exit", "energy", "CO2e", "command")
    cells = [[r["id"], _when(r["started_at"])[:16], _num(r["time_s"], "s"), r["state"],
              "" if r["exit_code"] is None else str(r["exit_code"]),
              _energy(r["total_energy_j"]), _num(r["co2e_g"], "g"),
              " ".join(r["command"]) if isinstance(r["command"], list) else str(r["command"])]
             for r in rows]
    tab = Table(title=f"runs in {ledger.path}", title_justify="left", box=box.SIMPLE_HEAD,
                pad_edge=False, collapse_padding=True)
    for i, c in enumerate(cols):  # every column at its width; only the command is cut (…)
        width = max([len(c), *(len(row[i]) for row in cells)])
        tab.add_column(c, no_wrap=True, overflow="ellipsis",
                       min_width=10 if c == "command" else width)
    for row in cells:
        tab.add_row(*row)
    Console(highlight=False).print(tab)
    if not rows:
        sys.stdout.write("no runs match\n")


def show_cmd(
    run: str = typer.Argument(..., help="Run id (or a unique prefix of at least 4 "
                             "characters), or a job id (Slurm, torchrun, WATTPRINT_JOB_ID)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Path = typer.Option(None, "--db", help="Ledger file."),
) -> None:
    from wattprint.ledger.jobs import job_record

    ledger = _open_ledger(db, create=False)
    job = job_record(ledger, run)
    if job is not None:
        from wattprint.report.job_view import show_job

        return show_job(job, json_out)
    r = ledger.run(run)
    rid = r["id"]
    devices = ledger.devices(rid)
    windows = ledger.windows(rid)
    timeline = ledger.sample_summary(rid)
    _warn(ledger)
    if json_out:
        out = _run_summary(r)
        out.update(devices=devices, timeline=timeline, footprint=r.get("footprint"),
                   windows=[{k: v for k, v in w.items() if k != "measurement"}
                            for w in windows])
        sys.stdout.write(_dumps(out) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    cmd = " ".join(r["command"]) if isinstance(r["command"], list) else str(r["command"])
    con.print(f"run {rid}: {cmd}", markup=False)
    con.print(f"  started {_when(r['started_at'])}, ended {_when(r['ended_at'])}, "
              f"{_num(r['time_s'], 's')}, state {r['state']}, exit code {r['exit_code']}")
    con.print(f"  energy {_energy(r['total_energy_j'])} (accelerator "
              f"{_energy(r['accelerator_energy_j'])}, host {_energy(r['host_energy_j'])}); "
              f"facility {_energy(r['facility_energy_j'])}, CO2e {_num(r['co2e_g'], 'g')}, "
              f"water {_num(r['water_l'], 'L')}, cost {_num(r['cost_usd'], 'USD')} "
              f"(site {r['site']})")
    if devices:
        dt = Table(title="devices", title_justify="left")
        for c in ("device", "name", "method", "energy", "peak W", "reason"):
            dt.add_column(c, no_wrap=c not in ("name", "method", "reason"))
        for d in devices:
            dt.add_row(d["key"], str(d["name"])[:28], d["method"], _energy(d["energy_j"]),
                       _num(d["peak_power_w"]), (d["reason"] or "")[:60])
        con.print(dt)
    if windows:
        wt = Table(title="windows", title_justify="left")
        for c in ("window", "time", "energy", "avg W", "peak W", "complete"):
            wt.add_column(c)
        for w in windows:
            wt.add_row(w["name"], _num(w["time_s"], "s"), _energy(w["total_energy_j"]),
                       _num(w["average_power_w"]), _num(w["peak_power_w"]),
                       str(w["complete"]))
        con.print(wt)
    tt = Table(title="power timeline", title_justify="left")
    for c in ("device", "samples", "min W", "mean W", "max W", "duration"):
        tt.add_column(c)
    for s in timeline:
        tt.add_row(s["device"], str(s["samples"]), _num(s["min_w"]), _num(s["mean_w"]),
                   _num(s["max_w"]), _num(s["duration_s"], "s"))
    con.print(tt if timeline else "no power samples recorded")
    for n in r.get("notes") or []:
        con.print(f"note: {n}", markup=False)


def export_cmd(
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    samples: bool = typer.Option(False, "--samples", help="Export power samples instead of "
                                 "runs."),
    run: str = typer.Option(None, "--run", help="Only this run."),
    db: Path = typer.Option(None, "--db", help="Ledger file."),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    from wattprint.errors import InputError

    if fmt not in ("csv", "json"):
        raise InputError(f"--format must be csv or json, got {fmt!r}")
    ledger = _open_ledger(db, create=False)
    rid = ledger.resolve_id(run) if run else None
    if samples:
        rows = ledger.samples(rid)
    else:
        rows = [ledger.run(rid)] if rid else ledger.runs(limit=None)
        rows = [r if fmt == "json" else {k: v for k, v in r.items()
                                          if k not in ("measurement", "footprint")}
                for r in rows]
    _warn(ledger)
    if fmt == "json":
        text = _dumps(rows, indent=1) + "\n"
    else:
        buf = io.StringIO()
        cols = list(rows[0]) if rows else (["run_id", "t", "device", "power_w"] if samples
                                           else ["id"])
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_cell(v) for k, v in r.items()})
        text = buf.getvalue()
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    sys.stderr.write(f"wrote {len(rows)} rows to {output}\n")
