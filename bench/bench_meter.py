"""Benchmark: what measuring costs, wattprint side by side with CodeCarbon and Zeus.

Every sample is a fresh Python process (``--child TOOL``) that reports, on its own clock:

* ``import_s``: importing the tool's package (``import wattprint``, ``import codecarbon``,
  ``import zeus.monitor``);
* ``first_window_s``: from before that import to the end of the first measured window
  (wattprint ``Meter().begin_window/end_window``; CodeCarbon ``OfflineEmissionsTracker`` +
  ``start_task/stop_task``; Zeus ``ZeusMonitor()`` + ``begin_window/end_window``);
* ``window_us``: one window after the first (begin + end, median of batches);
* ``wrapper_s``: the fixed cost of wrapping an empty block with a new tracker in a warm
  process (wattprint ``with Meter(): pass``; CodeCarbon tracker ``start()``/``stop()``; Zeus
  ``ZeusMonitor()`` + one window);
* ``peak_rss_mib``: the process's peak resident memory at the end;
* wattprint only: ``boundary_sensor_reads`` (sensor reads per window: 0 on a machine whose
  devices are all estimated); and, in separate fresh processes (``wattprint:estimate``), the
  same calls as ``bench/bench_estimate.py`` (see bench/README.md): ``first_estimate_ms``
  (``estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512,
  output_tokens=128)`` right after ``import wattprint``, so it includes loading the engine's
  modules: bench_estimate's (b) + (c)), ``estimate_us`` (each further
  ``estimate_inference(..., batch=1 + i % 64, prompt_tokens=512, output_tokens=128,
  stack="vllm")``) and ``estimate_train_us`` (each further ``estimate_training(
  "llama-3.1-8b", "h100", tokens=1e12 + i, chips=64)``), wall time per call, median of 7
  batches of 200 calls.

Samples of all tools are interleaved (the order rotates every round) so that drifts of a
shared machine hit them alike; the report gives medians (and min/max) and the ratios
peer / wattprint. Peers are measured only when installed (``pip install codecarbon zeus``;
never wattprint dependencies). Bytecode is compiled before the first sample (a warm-up run),
as it is in an installed package.

Usage: python bench/bench_meter.py [--samples 7] [--no-peers] [--baseline SRC_DIR]
``--baseline`` also measures another wattprint source tree (e.g. an older commit exported
with ``git archive``) as ``wattprint@baseline``. Writes bench/results/meter.json (the
``slowdown`` section of an earlier ``--slowdown`` run is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
TOOLS = ("wattprint", "codecarbon", "zeus")
METRICS = ("import_s", "first_window_s", "window_us", "wrapper_s", "peak_rss_mib")
EST = ("first_estimate_ms", "estimate_us", "estimate_train_us")


# -- children (one fresh process per sample) -----------------------------------------------

def _median_batch_us(fn: Any, n: int, batches: int = 5) -> float:
    per = []
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        per.append((time.perf_counter() - t) / n * 1e6)
    return statistics.median(per)


def _rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_wattprint(t0: float) -> dict[str, Any]:
    import wattprint  # noqa: F401 - the import is what is timed

    t_import = time.perf_counter()
    from wattprint import Meter

    m = Meter()
    m.begin_window("w")
    m.end_window("w")
    t_first = time.perf_counter()
    reads = sum(1 for _ in m.devices if getattr(_, "boundary_read", True))

    def window() -> None:
        m.begin_window("w")
        m.end_window("w")
        if len(m.measurements) > 1000:
            m.measurements.clear()

    out = {"import_s": t_import - t0, "first_window_s": t_first - t0,
           "window_us": _median_batch_us(window, 2000),
           "boundary_sensor_reads": 2 * reads,
           "devices": [d.key for d in m.devices]}
    m.stop()
    t = time.perf_counter()
    with Meter():
        pass
    out["wrapper_s"] = time.perf_counter() - t
    out["peak_rss_mib"] = _rss_mib()
    return out


def child_estimate(t0: float) -> dict[str, Any]:
    """A separate fresh process: ``import wattprint``, then estimates (nothing else loaded):
    the calls of ``bench/bench_estimate.py``'s (c) and (e)."""
    import wattprint

    t = time.perf_counter()
    wattprint.estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512,
                                 output_tokens=128)
    first = time.perf_counter() - t
    calls = iter(range(10**9))

    def infer() -> None:
        i = next(calls)
        wattprint.estimate_inference("llama-3.1-8b", "h100", batch=1 + i % 64,
                                     prompt_tokens=512, output_tokens=128, stack="vllm")

    def train() -> None:
        wattprint.estimate_training("llama-3.1-8b", "h100", tokens=1e12 + next(calls),
                                    chips=64)

    infer_us = _median_batch_us(infer, 200, batches=7)
    train()  # its first call fills the training caches (as in bench_estimate)
    return {"import_s": t - t0, "first_estimate_ms": first * 1e3, "estimate_us": infer_us,
            "estimate_train_us": _median_batch_us(train, 200, batches=7),
            "peak_rss_mib": _rss_mib()}


def child_codecarbon(t0: float) -> dict[str, Any]:
    import logging

    import codecarbon

    t_import = time.perf_counter()
    logging.getLogger("codecarbon").setLevel(logging.CRITICAL)

    def tracker() -> Any:
        return codecarbon.OfflineEmissionsTracker(country_iso_code="USA", save_to_file=False,
                                                  log_level="critical")

    tr = tracker()
    tr.start_task("w")
    tr.stop_task()
    t_first = time.perf_counter()

    def window() -> None:
        tr.start_task("w")
        tr.stop_task()

    out = {"import_s": t_import - t0, "first_window_s": t_first - t0,
           "window_us": _median_batch_us(window, 5, batches=3)}
    t = time.perf_counter()
    tr2 = tracker()
    tr2.start()
    tr2.stop()
    out["wrapper_s"] = time.perf_counter() - t
    out["peak_rss_mib"] = _rss_mib()
    return out


def child_zeus(t0: float) -> dict[str, Any]:
    import zeus.monitor

    t_import = time.perf_counter()
    m = zeus.monitor.ZeusMonitor()
    m.begin_window("w")
    r = m.end_window("w")
    t_first = time.perf_counter()

    def window() -> None:
        m.begin_window("w")
        m.end_window("w")

    out = {"import_s": t_import - t0, "first_window_s": t_first - t0,
           "window_us": _median_batch_us(window, 2000),
           "measures": {"gpu": sorted(r.gpu_energy), "cpu": r.cpu_energy is not None}}
    t = time.perf_counter()
    m2 = zeus.monitor.ZeusMonitor()
    m2.begin_window("w")
    m2.end_window("w")
    out["wrapper_s"] = time.perf_counter() - t
    out["peak_rss_mib"] = _rss_mib()
    return out


def run_child(tool: str) -> None:
    t0 = time.perf_counter()
    if tool.endswith(":estimate"):
        print("RESULT " + json.dumps(child_estimate(t0)))
        return
    fn = {"wattprint": child_wattprint, "codecarbon": child_codecarbon,
          "zeus": child_zeus}[tool.split("@")[0]]
    print("RESULT " + json.dumps(fn(t0)))


# -- parent --------------------------------------------------------------------------------

def _installed(mod: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(mod) is not None


def sample(tool: str, src: Path) -> dict[str, Any] | None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(src)
    env.setdefault("CODECARBON_LOG_LEVEL", "critical")
    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", tool],
                       capture_output=True, text=True, env=env, timeout=600, cwd="/tmp")
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    print(f"{tool}: no result (exit {r.returncode}): {r.stderr.strip()[-400:]}",
          file=sys.stderr)
    return None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"samples": len(runs)}
    for k in sorted({k for r in runs for k, v in r.items() if isinstance(v, int | float)}):
        vals = [float(r[k]) for r in runs if isinstance(r.get(k), int | float)]
        out[k] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}
    for k in ("devices", "measures"):
        if runs and k in runs[0]:
            out[k] = runs[0][k]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--baseline", type=Path, help="another wattprint src/ to measure too")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_child(args.child)
        return
    tools: dict[str, Path] = {"wattprint": SRC, "wattprint:estimate": SRC}
    if args.baseline:
        tools["wattprint@baseline"] = args.baseline.resolve()
        tools["wattprint@baseline:estimate"] = args.baseline.resolve()
    for peer, mod in (("codecarbon", "codecarbon"), ("zeus", "zeus.monitor")):
        if not args.no_peers and _installed(mod.split(".")[0]):
            tools[peer] = SRC
        elif not args.no_peers:
            print(f"{peer} not installed: skipped", file=sys.stderr)
    for tool, src in tools.items():  # warm-up: compile bytecode, fill the page cache
        sample(tool, src)
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
    names = list(tools)
    for i in range(args.samples):
        for tool in names[i % len(names):] + names[:i % len(names)]:
            r = sample(tool, tools[tool])
            if r is not None:
                runs[tool].append(r)
        print(f"round {i + 1}/{args.samples} done", file=sys.stderr, flush=True)
    res = report(runs)
    path = HERE / "results" / "meter.json"
    old = json.loads(path.read_text()) if path.exists() else {}
    res = {k: v for k, v in old.items() if k == "slowdown"} | res
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(res, indent=1) + "\n")
    print_table(res)


def report(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    summ = {t: summarise(r) for t, r in runs.items() if r}
    ratios: dict[str, dict[str, float]] = {}
    for tool, s in summ.items():
        ref = "wattprint:estimate" if tool.endswith(":estimate") else "wattprint"
        wp = summ.get(ref, {})
        if tool == ref:
            continue
        ratios[tool] = {m: s[m]["median"] / wp[m]["median"] for m in (*METRICS, *EST)
                        if m in s and m in wp and wp[m]["median"] > 0}
    versions = {"python": platform.python_version()}
    for mod in ("codecarbon", "zeus"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:  # noqa: BLE001 - not installed
            pass
    return {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_avg_at_end": os.getloadavg()},
            "versions": versions, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "tools": summ, "ratio_vs_wattprint": ratios}


def print_table(res: dict[str, Any]) -> None:
    tools = res["tools"]
    cols = [("import_s", 1e3, "import ms"), ("first_window_s", 1e3, "1st window ms"),
            ("window_us", 1.0, "window µs"), ("wrapper_s", 1e3, "wrapper ms"),
            ("peak_rss_mib", 1.0, "RSS MiB"), ("first_estimate_ms", 1.0, "1st est ms"),
            ("estimate_us", 1.0, "est µs"), ("estimate_train_us", 1.0, "train est µs")]
    print(f"{'tool':<20}" + "".join(f"{c[2]:>15}" for c in cols))
    for tool, s in tools.items():
        cells = [f"{s[k]['median'] * f:>15.4g}" if k in s else f"{'-':>15}" for k, f, _ in cols]
        print(f"{tool:<20}" + "".join(cells))
    for tool, r in res["ratio_vs_wattprint"].items():
        print(f"{tool} / wattprint: " + ", ".join(f"{k} ×{v:.3g}" for k, v in r.items()))


if __name__ == "__main__":
    main()
