"""How fast predictions answer: first estimate after import, further estimates, CLI wall time.

Run: python bench/bench_estimate.py [--samples 7] [--baseline OLD_SRC]
(writes bench/results/estimate.json). Goals: issue #2, `wattprint estimate ... --json` < 0.3 s
wall; issue #15, the first estimate after `import wattprint` ≤ 5 ms and each further estimate
≤ 100 µs.

What "an estimate" is here (the public API, nothing else loaded in the process):

- the **first estimate**: ``wattprint.estimate_inference("llama-3.1-8b", "h100", batch=8,
  prompt_tokens=512, output_tokens=128)`` right after ``import wattprint``;
- a **further estimate**: ``estimate_inference("llama-3.1-8b", "h100", batch=1 + i % 64,
  prompt_tokens=512, output_tokens=128, stack="vllm")`` (``infer``) and
  ``estimate_training("llama-3.1-8b", "h100", tokens=1e12 + i, chips=64)`` (``train``),
  per call, median of 7 batches of 200 calls, after the first.

Every sample is a fresh Python process timing itself from just before ``import wattprint``
(``time.perf_counter``: wall; ``time.process_time``: the process's CPU time, which a loaded,
shared machine disturbs less). Bytecode is compiled by a warm-up process first, as it is in
an installed package (``PYTHONDONTWRITEBYTECODE`` is dropped for the children). Medians of
``--samples`` (≥ 5) processes; with ``--baseline`` another source tree (e.g. ``git archive``
of an older commit) is measured in the same rounds, interleaved. ``cli_*``: wall time of
``python -m wattprint estimate ... --json`` subprocesses. The load average is recorded.
``--instructions`` (needs valgrind) also counts the CPU instructions of the same calls, which
the other jobs on a shared machine do not change (timings there drift by ~50 %).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

CHILD = """
import json, statistics, time
t0, c0 = time.perf_counter(), time.process_time()
import wattprint
t1, c1 = time.perf_counter(), time.process_time()
wattprint.estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512,
                             output_tokens=128)
t2, c2 = time.perf_counter(), time.process_time()

def per_call(fn, n=200, batches=7):
    wall, cpu = [], []
    for _ in range(batches):
        t, c = time.perf_counter(), time.process_time()
        for i in range(n):
            fn(i)
        wall.append((time.perf_counter() - t) / n)
        cpu.append((time.process_time() - c) / n)
    return statistics.median(wall), statistics.median(cpu)

infer = per_call(lambda i: wattprint.estimate_inference(
    "llama-3.1-8b", "h100", batch=1 + i % 64, prompt_tokens=512, output_tokens=128,
    stack="vllm"))
wattprint.estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64)
train = per_call(lambda i: wattprint.estimate_training("llama-3.1-8b", "h100",
                                                       tokens=1e12 + i, chips=64))
print(json.dumps({"import_s": t1 - t0, "first_estimate_s": t2 - t1, "import_plus_first_s": t2 - t0,
                  "import_cpu_s": c1 - c0, "first_estimate_cpu_s": c2 - c1,
                  "import_plus_first_cpu_s": c2 - c0,
                  "further_infer_s": infer[0], "further_infer_cpu_s": infer[1],
                  "further_train_s": train[0], "further_train_cpu_s": train[1]}))
"""

#: ``--instructions``: the same calls counted in CPU instructions (valgrind's cachegrind),
#: which the other jobs on a shared machine do not disturb: ``python -c IR_CHILD N KIND``.
IR_CHILD = """
import sys
import wattprint
n, kind = int(sys.argv[1]), sys.argv[2]
if kind != "import":
    wattprint.estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512,
                                 output_tokens=128)
for i in range(n if kind == "infer" else 0):
    wattprint.estimate_inference("llama-3.1-8b", "h100", batch=1 + i % 64, prompt_tokens=512,
                                 output_tokens=128, stack="vllm")
for i in range(n if kind == "train" else 0):
    wattprint.estimate_training("llama-3.1-8b", "h100", tokens=1e12 + i, chips=64)
"""

KEYS = ("import_s", "first_estimate_s", "import_plus_first_s", "import_cpu_s",
        "first_estimate_cpu_s", "import_plus_first_cpu_s", "further_infer_s",
        "further_infer_cpu_s", "further_train_s", "further_train_cpu_s")


def _env(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(src)
    return env


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def child(src: Path) -> dict[str, float]:
    """One fresh process on source tree ``src``: its own timings [s]."""
    out = subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True,
                         text=True, env=_env(src), cwd="/tmp").stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def estimates(trees: dict[str, Path], samples: int) -> dict[str, dict[str, Any]]:
    """Interleaved fresh processes per source tree; medians per figure."""
    for src in trees.values():  # warm-up: compile bytecode, fill the page cache
        child(src)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    names = list(trees)
    for i in range(samples):
        for name in names[i % len(names):] + names[:i % len(names)]:
            runs[name].append(child(trees[name]))
    return {name: {k: _stats([r[k] for r in rs]) for k in KEYS} for name, rs in runs.items()}


def _instructions(src: Path, n: int, kind: str) -> int:
    """User-space instructions of one fresh process running :data:`IR_CHILD` (cachegrind)."""
    env = _env(src) | {"PYTHONHASHSEED": "0"}  # the same dict layouts in every run
    err = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                          "--cachegrind-out-file=/dev/null", sys.executable, "-c", IR_CHILD,
                          str(n), kind], check=True, capture_output=True, text=True, env=env,
                         cwd="/tmp").stderr
    line = next(ln for ln in err.splitlines() if "I   refs:" in ln)
    return int(line.split("I   refs:")[1].replace(",", ""))


def instructions(trees: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Instructions of the first estimate after ``import wattprint`` (import + first − import)
    and of each further ``infer`` and ``train`` estimate ((110 − 10 calls) / 100), per tree.
    Deterministic (``PYTHONHASHSEED=0``) to ~0.1 % for the further estimates and ~2 % for the
    first: an A/B comparison that the machine's load does not blur."""
    out = {}
    for name, src in trees.items():
        child(src)  # compile bytecode first
        base = _instructions(src, 0, "import")
        out[name] = {"first_estimate": _instructions(src, 0, "first") - base}
        for kind in ("infer", "train"):
            few, many = _instructions(src, 10, kind), _instructions(src, 110, kind)
            out[name][f"further_{kind}"] = (many - few) / 100
    return out


def cli_wall_s(args: list[str], samples: int) -> dict[str, float]:
    """Wall time of a CLI invocation in fresh processes [s]."""
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "wattprint", *args], check=True,
                       stdout=subprocess.DEVNULL, env=_env(SRC))
        times.append(time.perf_counter() - t0)
    return _stats(times)


def _fmt(v: dict[str, float], scale: float, unit: str) -> str:
    return (f"median {v['median'] * scale:.3f} {unit} (min {v['min'] * scale:.3f}, "
            f"max {v['max'] * scale:.3f}, n={int(v['n'])})")


def main() -> None:
    """Measure and print; save bench/results/estimate.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=7, help="fresh processes per figure (≥ 5)")
    ap.add_argument("--baseline", type=Path, help="another wattprint src/ to measure too")
    ap.add_argument("--instructions", action="store_true",
                    help="also count CPU instructions with valgrind (load-independent)")
    args = ap.parse_args()
    samples = max(5, args.samples)
    trees = {"wattprint": SRC}
    if args.baseline:
        trees["wattprint@baseline"] = args.baseline.resolve()
    load_before = os.getloadavg()
    out: dict[str, Any] = {"estimates": estimates(trees, samples)}
    out["cli_infer_json"] = cli_wall_s(["estimate", "infer", "--model", "llama-3.1-8b",
                                        "--hardware", "h100", "--json"], samples)
    out["cli_train_json"] = cli_wall_s(["estimate", "train", "--model", "llama-3.1-8b",
                                        "--tokens", "15T", "--hardware", "h100", "--chips",
                                        "1024", "--json"], samples)
    out["python_startup"] = cli_wall_s(["--help"], samples)
    if args.instructions:
        out["instructions"] = instructions(trees)
    out["load_average"] = {"before": load_before, "after": os.getloadavg(),
                           "cpus": os.cpu_count()}
    for name, figures in out["estimates"].items():
        for k in KEYS:
            scale, unit = (1e6, "µs") if k.startswith("further") else (1e3, "ms")
            print(f"{name:20s} {k:26s}", _fmt(figures[k], scale, unit))
    for k in ("cli_infer_json", "cli_train_json", "python_startup"):
        print(k, _fmt(out[k], 1e3, "ms"))
    for name, ir in out.get("instructions", {}).items():
        print(f"{name:20s} instructions: first estimate {ir['first_estimate'] / 1e6:.2f} M, "
              f"further infer {ir['further_infer'] / 1e3:.0f} k, "
              f"further train {ir['further_train'] / 1e3:.0f} k")
    print("load average before/after:", out["load_average"])
    path = HERE / "results" / "estimate.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
