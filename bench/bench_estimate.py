"""How fast predictions answer: first estimate after import, further estimates, CLI wall time.

Run: python bench/bench_estimate.py [--samples 7]  (writes bench/results/estimate.json)
Goals: issue #2, `wattprint estimate ... --json` < 0.3 s wall; issue #15, the first estimate
after `import wattprint` ≤ 5 ms and each further estimate ≤ 100 µs.

- ``first_estimate``: fresh Python processes, each timing itself with an in-process clock
  (``time.perf_counter``) from just before ``import wattprint`` to the end of the first
  ``estimate_inference``; the import and the first call are reported separately too.
- ``further_estimate``: in a warm process, the per-call time of ``estimate_inference`` and
  ``estimate_training`` (median over batches of calls, µs).
- ``cli_*``: wall time of ``python -m wattprint estimate ... --json`` subprocesses.
Medians of ``--samples`` fresh processes (≥ 5).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

FIRST_CODE = """
import time
t0 = time.perf_counter()
import wattprint
t1 = time.perf_counter()
wattprint.estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512,
                             output_tokens=128)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, t2 - t0)
"""


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def first_estimate_s(samples: int) -> dict[str, dict[str, float]]:
    """Fresh processes: import, first estimate, and both together [s] (in-process clock)."""
    imp, first, total = [], [], []
    for _ in range(samples):
        out = subprocess.run([sys.executable, "-c", FIRST_CODE], check=True,
                             capture_output=True, text=True).stdout.split()
        imp.append(float(out[0]))
        first.append(float(out[1]))
        total.append(float(out[2]))
    return {"import_s": _stats(imp), "first_estimate_s": _stats(first),
            "import_plus_first_s": _stats(total)}


def further_estimate_s(batches: int = 7, n: int = 500) -> dict[str, dict[str, float]]:
    """Per-call time of further estimates in a warm process [s] (median over batches)."""
    from wattprint import estimate_inference, estimate_training

    estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512, output_tokens=128)
    estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64)
    infer, train = [], []
    for _ in range(batches):
        t0 = time.perf_counter()
        for i in range(n):
            estimate_inference("llama-3.1-8b", "h100", batch=1 + i % 64, prompt_tokens=512,
                               output_tokens=128, stack="vllm")
        infer.append((time.perf_counter() - t0) / n)
        t0 = time.perf_counter()
        for i in range(n):
            estimate_training("llama-3.1-8b", "h100", tokens=1e12 + i, chips=64)
        train.append((time.perf_counter() - t0) / n)
    return {"infer_s": _stats(infer), "train_s": _stats(train)}


def cli_wall_s(args: list[str], samples: int) -> dict[str, float]:
    """Wall time of a CLI invocation in fresh processes [s]."""
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "wattprint", *args], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return _stats(times)


def _fmt(v: dict[str, float], scale: float, unit: str) -> str:
    return (f"median {v['median'] * scale:.3f} {unit} (min {v['min'] * scale:.3f}, "
            f"max {v['max'] * scale:.3f}, n={int(v['n'])})")


def main() -> None:
    """Measure and print; save bench/results/estimate.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=7, help="fresh processes per figure (≥ 5)")
    samples = max(5, ap.parse_args().samples)
    out = {
        "first": first_estimate_s(samples),
        "further": further_estimate_s(),
        "cli_infer_json": cli_wall_s(["estimate", "infer", "--model", "llama-3.1-8b",
                                      "--hardware", "h100", "--json"], samples),
        "cli_train_json": cli_wall_s(["estimate", "train", "--model", "llama-3.1-8b",
                                      "--tokens", "15T", "--hardware", "h100", "--chips",
                                      "1024", "--json"], samples),
        "python_startup": cli_wall_s(["--help"], samples),
    }
    for k in ("import_s", "first_estimate_s", "import_plus_first_s"):
        print(k, _fmt(out["first"][k], 1e3, "ms"))
    for k in ("infer_s", "train_s"):
        print("further", k, _fmt(out["further"][k], 1e6, "µs"))
    for k in ("cli_infer_json", "cli_train_json", "python_startup"):
        print(k, _fmt(out[k], 1e3, "ms"))
    path = Path(__file__).parent / "results" / "estimate.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
