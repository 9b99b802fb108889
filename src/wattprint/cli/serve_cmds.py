"""``wattprint serve-meter``: measured J per output token and per request of a serving
engine (vLLM, SGLang, TGI), next to wattprint's prediction. Library code is imported inside
the command so that ``wattprint --help`` stays fast."""

from __future__ import annotations

import sys
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Add ``serve-meter`` to ``app``."""
    app.command("serve-meter", help="Measure a serving engine's energy per output token and "
                "per request: scrape its Prometheus /metrics (token and request counters) and "
                "meter this node's devices over the same intervals; sliding-window results "
                "next to wattprint's prediction at the observed load; stored in the ledger."
                "\n\nExample: wattprint serve-meter --engine vllm --url "
                "http://127.0.0.1:8000/metrics --model llama-3.1-8b --hardware h100-sxm")(
                    serve_meter_cmd)


def _emit(r: dict[str, Any], json_out: bool, console: Any) -> None:
    if json_out:
        from wattprint.report.tables import dumps_json

        sys.stdout.write(dumps_json(r).replace("\n", " ") + "\n")
        sys.stdout.flush()
        return
    from wattprint.report.fit import print_table
    from wattprint.report.serve_tables import serve_window_table

    print_table(console, serve_window_table(r), drop=(
        "predicted J/request", "J/request", "requests", "out tokens", "window s"))


def _check(engine: str, model: str | None, hardware: str | None) -> None:
    from wattprint.errors import InputError
    from wattprint.integrations.serving_metrics import ENGINE_METRICS

    if engine not in ENGINE_METRICS:
        raise InputError(f"--engine must be one of {', '.join(ENGINE_METRICS)}, got "
                         f"{engine!r}")
    if bool(model) != bool(hardware):
        raise InputError("give both --model and --hardware for a prediction, or neither")
    if model and hardware:
        from wattprint.engine.inputs import resolve_hardware, resolve_model

        resolve_model(model)
        resolve_hardware(hardware)


def serve_meter_cmd(
    engine: str = typer.Option(..., "--engine", help="vllm, sglang or tgi."),
    url: str = typer.Option(..., "--url", help="The engine's metrics URL, e.g. "
                            "http://127.0.0.1:8000/metrics (http/https; redirects refused)."),
    interval: str = typer.Option("5s", "--interval", help="Scrape and meter period."),
    window: str = typer.Option("60s", "--window", help="Sliding window for J/token."),
    model: str = typer.Option(None, "--model", help="Catalog model for the prediction."),
    hardware: str = typer.Option(None, "--hardware", help="Catalog hardware for the "
                                 "prediction."),
    duration: str = typer.Option(None, "--duration", help="Stop after this long (default: "
                                 "until Ctrl-C)."),
    db: str = typer.Option(None, "--db", help="Ledger (default $WATTPRINT_DB)."),
    no_ledger: bool = typer.Option(False, "--no-ledger", help="Do not store the run."),
    json_out: bool = typer.Option(False, "--json", help="One JSON line per window."),
) -> None:
    from wattprint.integrations.serving_metrics import check_url
    from wattprint.numbers import parse_duration

    iv_s = parse_duration(interval, "--interval")
    win_s = parse_duration(window, "--window")
    dur_s = parse_duration(duration, "--duration") if duration else None
    check_url(url)
    _check(engine, model, hardware)
    _loop(engine, url, iv_s, win_s, dur_s, model, hardware, None if no_ledger else db,
          not no_ledger, json_out)


def _loop(engine: str, url: str, iv_s: float, win_s: float, dur_s: float | None,
          model: str | None, hardware: str | None, db: str | None, store: bool,
          json_out: bool) -> None:
    import signal
    import threading
    import time

    from rich.console import Console

    from wattprint.integrations.serve_meter import ServeMeter
    from wattprint.meter import Meter

    sm = ServeMeter(engine, url, Meter(), window_s=win_s, model=model, hardware=hardware)
    sm.start()  # the first scrape checks the endpoint before anything is stored
    ledger = None
    if store:
        from wattprint.ledger import Ledger

        ledger = Ledger(db)
        sm.ledger, sm.run_id = ledger, ledger.start_run(
            ["wattprint", "serve-meter", "--engine", engine, "--url", url], interval_s=iv_s)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, lambda *_: stop.set())
    console = Console()
    end = time.monotonic() + dur_s if dur_s else None
    ok = False
    try:
        while not stop.wait(iv_s if end is None else max(min(iv_s, end - time.monotonic()),
                                                         0.0)):
            _emit(sm.step(), json_out, console)
            if end is not None and time.monotonic() >= end - 1e-3:
                break
        ok = True
    finally:
        _finish(sm, ok)
        if ledger is not None:
            ledger.close()
    run_id = sm.run_id
    if run_id and not json_out:
        sys.stderr.write(f"stored as run {run_id}\n")


def _finish(sm: Any, ok: bool) -> None:
    try:
        sm.finish(ok)
    except Exception:  # noqa: BLE001 - the windows already stored stay; never a traceback
        sys.stderr.write("serve-meter: could not close the run cleanly\n")
