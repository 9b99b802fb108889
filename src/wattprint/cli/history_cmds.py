"""``wattprint history``, ``show`` and ``export``: read measured runs from the ledger.

Library code is imported inside the command functions so that ``wattprint --help`` stays
fast; the tables are drawn by :mod:`wattprint.report.run_views`.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add ``history``, ``show`` and ``export`` to ``app``."""
    app.command("history", help="List recent measured runs (newest first).\n\nExample: "
                "wattprint history --since 2026-01-01 --command-contains train")(history_cmd)
    app.command("show", help="Show one run (devices, windows, power timeline) or one "
                "distributed job (its node records merged).\n\nExample: wattprint show "
                "3f2a9c")(show_cmd)
    app.command("export", help="Export runs (or, with --samples, power samples) as CSV or "
                "JSON.\n\nExample: wattprint export --format csv -o runs.csv")(export_cmd)


def _dumps(x: Any, indent: int | None = None) -> str:
    from wattprint.report.tables import dumps_json

    return dumps_json(x, indent=indent)


def _open_ledger(db: Path | None) -> Any:
    """Open the ledger read-only."""
    from wattprint.ledger import Ledger

    return Ledger(db, create=False, readonly=True)


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
    ledger = _open_ledger(db)
    rows = ledger.runs(limit=limit, since=_parse_since(since),
                       command_contains=command_contains)
    _warn(ledger)
    if json_out:
        sys.stdout.write(_dumps([_run_summary(r) for r in rows]) + "\n")
        return
    from wattprint.report.run_views import print_history

    print_history(rows, ledger.path)


def show_cmd(
    run: str = typer.Argument(..., help="Run id (or a unique prefix of at least 4 "
                             "characters), or a job id (Slurm, torchrun, WATTPRINT_JOB_ID)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    db: Path = typer.Option(None, "--db", help="Ledger file."),
) -> None:
    from wattprint.ledger.jobs import job_record

    ledger = _open_ledger(db)
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
    from wattprint.report.run_views import print_run_details

    print_run_details(r, devices, windows, timeline)


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
    if output is not None:
        from wattprint.textfiles import output_file

        output = output_file(output)
    ledger = _open_ledger(db)
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
    from wattprint.units import plural

    sys.stderr.write(f"wrote {plural(len(rows), 'row')} to {output}\n")
