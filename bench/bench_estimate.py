"""How fast predictions answer: CLI wall time and Python API time per estimate.

Run: python bench/bench_estimate.py  (writes bench/results/estimate.json)
Goals (issue #2): `wattprint estimate ... --json` < 0.3 s wall; the API < 1 ms per estimate.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def cli_wall_s(args: list[str], repeats: int = 15) -> dict[str, float]:
    """Median/min/max wall time of a CLI invocation [s]."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "wattprint", *args], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def api_per_call_s(n: int = 2000) -> dict[str, float]:
    """Mean time of one estimate through the Python API after a warm-up call [s]."""
    from wattprint import estimate_inference, estimate_training

    estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512, output_tokens=128)
    t0 = time.perf_counter()
    for i in range(n):
        estimate_inference("llama-3.1-8b", "h100", batch=1 + i % 64, prompt_tokens=512,
                           output_tokens=128, stack="vllm")
    infer = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for i in range(n):
        estimate_training("llama-3.1-8b", "h100", tokens=1e12 + i, chips=64)
    train = (time.perf_counter() - t0) / n
    return {"infer_s": infer, "train_s": train}


def main() -> None:
    """Measure and print; save bench/results/estimate.json."""
    out = {
        "cli_infer_json": cli_wall_s(["estimate", "infer", "--model", "llama-3.1-8b",
                                      "--hardware", "h100", "--json"]),
        "cli_train_json": cli_wall_s(["estimate", "train", "--model", "llama-3.1-8b",
                                      "--tokens", "15T", "--hardware", "h100", "--chips",
                                      "1024", "--json"]),
        "python_startup": cli_wall_s(["--help"], repeats=5),
        "api": api_per_call_s(),
    }
    for k, v in out.items():
        print(k, {kk: f"{vv * 1e3:.3f} ms" for kk, vv in v.items()})
    path = Path(__file__).parent / "results" / "estimate.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
