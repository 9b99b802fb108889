"""``wattprint merge`` and ``exporter``: ledgers and metrics for teams and fleets.

Library code is imported inside the commands so that ``wattprint --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from wattprint.exporter import FleetCollector


def register(app: typer.Typer) -> None:
    """Add ``merge`` and ``exporter`` to ``app``."""
    app.command("merge", help="Import per-node SQLite ledgers into one ledger (the --db "
                "target: a file or postgresql://...). Runs already there are skipped.\n\n"
                "Example: wattprint merge node*/ledger.sqlite --db team.sqlite")(merge_cmd)
    app.command("exporter", help="Serve Prometheus metrics of this node's devices: "
                "hw_energy_joules_total, hw_power_watts (OpenTelemetry hw.* names), CO2e and "
                "water, with job and node labels; --otlp also exports them as OpenTelemetry "
                "metrics.\n\nExample: wattprint exporter --port "
                "9464")(exporter_cmd)


def merge_cmd(
    sources: list[Path] = typer.Argument(..., help="SQLite ledger files to import."),
    db: str = typer.Option(None, "--db", help="Target ledger (default $WATTPRINT_DB)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    from wattprint.ledger import Ledger
    from wattprint.ledger.merge import merge_ledgers
    from wattprint.report.tables import dumps_json

    with Ledger(db) as dest:
        res = merge_ledgers(dest, sources)
    if json_out:
        sys.stdout.write(dumps_json(res) + "\n")
        return
    from wattprint.units import plural

    sys.stdout.write(f"merged {plural(len(res['sources']), 'ledger')} into {dest.path}: "
                     f"{plural(res['runs_copied'], 'run')} copied, {res['runs_skipped']} "
                     "already there\n")


def exporter_cmd(
    port: int = typer.Option(9464, "--port", help="Port to serve /metrics on."),
    addr: str = typer.Option("127.0.0.1", "--addr", help="Address to bind (0.0.0.0 for a "
                             "fleet scraper)."),
    interval_text: str = typer.Option("1s", "--interval",
                                      help="Device read period (1, 500ms, 5s)."),
    job: str = typer.Option(None, "--job", help="job label (default: from the launcher's "
                            "environment, else 'local')."),
    site: str = typer.Option(None, "--site", help="Site for CO2e and water."),
    push_gateway: str = typer.Option(None, "--push-gateway", help="Also push to this "
                                     "Pushgateway every interval (batch jobs)."),
    otlp: str = typer.Option(None, "--otlp", help="Also export OpenTelemetry metrics "
                             "(hw.energy, hw.power ...) over OTLP/HTTP to this endpoint "
                             "every interval, e.g. http://127.0.0.1:4318 (needs "
                             "'wattprint[otel]')."),
) -> None:
    import math
    import signal
    import threading

    from wattprint.errors import InputError
    from wattprint.numbers import parse_duration

    interval = parse_duration(interval_text, "--interval")
    if not (math.isfinite(interval) and 0.05 <= interval <= 3600):
        raise InputError(f"--interval must be between 0.05 and 3600 s, got {interval:g}")
    if not 0 < port < 65536:
        raise InputError(f"--port must be 1..65535, got {port}")
    try:
        from wattprint.exporter import FleetCollector, serve
    except ImportError as exc:
        raise InputError("the exporter needs prometheus-client: pip install "
                         "'wattprint[exporter]'") from exc
    col = FleetCollector(job=job, site=site, interval_s=interval).start()
    try:
        server = serve(col, port, addr)
    except OSError as exc:
        col.stop()
        raise InputError(f"cannot serve on {addr}:{port}: {exc.strerror or exc}") from exc
    bridge = None
    if otlp:
        from wattprint.exporter.otel import start_otlp

        try:
            bridge = start_otlp(col, otlp, interval)
        except InputError:
            col.stop()
            server.shutdown()
            raise
    stop = threading.Event()
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda *_: stop.set())
    from wattprint.units import plural

    sys.stderr.write(f"wattprint exporter: {plural(len(col.states), 'device')}, job "
                     f"{col.job}, node {col.node}: http://{addr}:{port}/metrics\n")
    failing = ""
    try:
        while not stop.wait(interval):
            if push_gateway:
                failing = push_and_say(col, push_gateway, failing)
    finally:
        if bridge is not None:
            bridge.shutdown()
        col.stop()
        server.shutdown()


def push_and_say(col: FleetCollector, gateway: str, failing: str) -> str:
    """Push once; a failure is written to stderr when it starts or changes (not every
    interval), and the recovery once. Returns the current failure ('' when the push worked)."""
    from wattprint.exporter import push

    try:
        push(col, gateway)
    except OSError as exc:
        if str(exc) != failing:
            sys.stderr.write(f"wattprint exporter: push failed: {exc} (said once until it "
                             "changes)\n")
        return str(exc)
    if failing:
        sys.stderr.write(f"wattprint exporter: push to {gateway} works again\n")
    return ""
