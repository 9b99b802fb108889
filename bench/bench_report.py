"""Report and dashboard speed: HTML render per report kind, dashboard responses, PDF.

    python bench/bench_report.py [--samples 100000]

Writes bench/results/report.json and prints a table. The dashboard is called in process
(WSGI), so the numbers are the app's own time, not the network's.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from typer.testing import CliRunner  # noqa: E402

from report_data import command_json, make_ledger  # noqa: E402
from wattprint.ledger import Ledger  # noqa: E402
from wattprint.ledger.readonly import ReadOnlyLedger  # noqa: E402
from wattprint.report.html import render  # noqa: E402
from wattprint.report.html.measure import run_document  # noqa: E402
from wattprint.ui.app import Dashboard  # noqa: E402

COMMANDS = {
    "estimate": ["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--json"],
    "plan": ["plan", "infer", "-m", "llama-3.1-8b", "--demand", "1e6requests/day", "--json"],
    "lifecycle": ["lifecycle", "-m", "llama-3.1-8b", "--training-tokens", "15T", "--demand",
                  "1e7requests/day", "--json"],
    "validation": ["validate", "--json"],
}


def timed(fn: Any, n: int = 5) -> dict[str, float]:
    """Median, min and max wall time of ``fn()`` in ms over ``n`` calls."""
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(ts), "min_ms": min(ts), "max_ms": max(ts)}


def call(app: Dashboard, path: str, query: str = "") -> int:
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
           "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO()}
    out: list[int] = []
    body = b"".join(app(env, lambda s, h: out.append(int(s.split()[0]))))
    assert out == [200], (path, out, body[:200])
    return len(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=100_000, help="power samples in a big run")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    runner = CliRunner()
    for kind, argv in COMMANDS.items():
        doc = command_json(runner, argv)
        results[f"render {kind}"] = {**timed(lambda d=doc: render(d)),
                                     "bytes": len(render(doc).encode())}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "l.sqlite"
        make_ledger(db, 3)
        led = Ledger(db)
        rid = led.start_run(["big"], started_at=1.767e9, run_id="bigrun000000")
        led.add_samples(rid, [(1.767e9 + i * 0.01, "gpu0", 300.0 + i % 50)
                              for i in range(args.samples)])
        led.close()
        ro = ReadOnlyLedger(db)
        results[f"render run ({args.samples} samples, thinned)"] = timed(
            lambda: render(run_document(ro, "bigrun000000")))
        app = Dashboard(ro)
        for path, q in (("/", ""), ("/run/run0000abcdef", ""), ("/api/runs/bigrun000000", ""),
                        ("/run/bigrun000000", ""),
                        ("/estimate", "model=llama-3.1-8b&hardware=h100&batch=8"),
                        ("/plan", "model=llama-3.1-8b&demand=1e6requests/day")):
            results[f"dashboard {path}{'?…' if q else ''}"] = timed(
                lambda p=path, q=q: call(app, p, q))
    out = ROOT / "bench" / "results" / "report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("| what | median | min | max |\n| --- | --- | --- | --- |")
    for k, v in results.items():
        print(f"| {k} | {v['median_ms']:.0f} ms | {v['min_ms']:.0f} ms | {v['max_ms']:.0f} ms |")


if __name__ == "__main__":
    main()
