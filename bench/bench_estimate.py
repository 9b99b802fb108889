"""How fast predictions answer: import, first estimate, further estimates, CLI wall time.

Run: python bench/bench_estimate.py [--samples 11] [--baseline OLD_SRC] [--instructions]
[--no-cli]
(writes bench/results/estimate.json). Goals: issue #2, `wattprint estimate ... --json` < 0.3 s
wall; issue #15, the first estimate ≤ 5 ms and each further estimate ≤ 100 µs.

How it is measured (the coordinator's decision for issue #15): the public API is used as
``from wattprint import estimate_inference`` (the package docstring shows exactly that). That
statement is where the engine's code is imported, through the package's lazy ``__getattr__``;
a bare ``import wattprint`` (the meter's path) loads none of it. So every fresh process
reports, timed from just before ``import wattprint``:

- (a) ``import``: ``import wattprint``;
- (b) ``names``: ``from wattprint import estimate_inference, estimate_training`` after it
  (the engine's modules);
- (c) ``first``: the first ``estimate_inference("llama-3.1-8b", "h100", batch=8,
  prompt_tokens=512, output_tokens=128)`` (the catalog reads and the estimate);
- (d) ``total``: a + b + c, what a user waits for;
- (e) ``further_infer``: ``estimate_inference("llama-3.1-8b", "h100", batch=1 + i % 64,
  prompt_tokens=512, output_tokens=128, stack="vllm")`` and ``further_train``:
  ``estimate_training("llama-3.1-8b", "h100", tokens=1e12 + i, chips=64)``, per call, median
  of 7 batches of 200 calls after the first.

Each figure is the process's CPU time (``time.process_time``, which the other jobs on a
shared machine disturb less; ``*_cpu_s``) and wall time (``time.perf_counter``; ``*_s``);
the report gives the median and the min over ``--samples`` (≥ 11 by default, ≥ 5 always)
fresh processes. Bytecode is compiled first (``compileall`` of each source tree, as
``pip install`` does; this VM sets ``PYTHONDONTWRITEBYTECODE=1``, which is dropped for the
children). With ``--baseline`` another source tree (e.g. ``git archive`` of an older commit)
is measured in the same rounds, interleaved. EcoLogits (``ecologits.tracers.utils.
llm_impacts``: its import plus its first estimate, the same model size and tokens) is
measured the same way when it is importable here; it is never installed by this script.
``cli_*``: wall time of ``python -m wattprint estimate ... --json`` subprocesses. The load
average is recorded. ``--instructions`` (needs valgrind) also counts the CPU instructions of
(a), (b), (c) and (e), which the other jobs on a shared machine do not change (timings there
drift by ~50 %).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
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
from wattprint import estimate_inference, estimate_training
t2, c2 = time.perf_counter(), time.process_time()
estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512, output_tokens=128)
t3, c3 = time.perf_counter(), time.process_time()

def per_call(fn, n=200, batches=7):
    wall, cpu = [], []
    for _ in range(batches):
        t, c = time.perf_counter(), time.process_time()
        for i in range(n):
            fn(i)
        wall.append((time.perf_counter() - t) / n)
        cpu.append((time.process_time() - c) / n)
    return statistics.median(wall), statistics.median(cpu)

infer = per_call(lambda i: estimate_inference(
    "llama-3.1-8b", "h100", batch=1 + i % 64, prompt_tokens=512, output_tokens=128,
    stack="vllm"))
estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64)
train = per_call(lambda i: estimate_training("llama-3.1-8b", "h100", tokens=1e12 + i,
                                             chips=64))
print(json.dumps({"import_s": t1 - t0, "names_s": t2 - t1, "first_s": t3 - t2,
                  "total_s": t3 - t0, "import_cpu_s": c1 - c0, "names_cpu_s": c2 - c1,
                  "first_cpu_s": c3 - c2, "total_cpu_s": c3 - c0,
                  "further_infer_s": infer[0], "further_infer_cpu_s": infer[1],
                  "further_train_s": train[0], "further_train_cpu_s": train[1]}))
"""

#: EcoLogits' import and first estimate (an 8B model, 128 output tokens), when importable.
ECOLOGITS_CHILD = """
import json, time
t0, c0 = time.perf_counter(), time.process_time()
from ecologits.tracers.utils import llm_impacts
t1, c1 = time.perf_counter(), time.process_time()
llm_impacts(provider="huggingface_hub", model_name="meta-llama/Meta-Llama-3.1-8B-Instruct",
            output_token_count=128, request_latency=1.0)
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"import_s": t1 - t0, "first_s": t2 - t1, "total_s": t2 - t0,
                  "import_cpu_s": c1 - c0, "first_cpu_s": c2 - c1, "total_cpu_s": c2 - c0}))
"""

#: ``--instructions``: the same calls counted in CPU instructions (valgrind's cachegrind),
#: which the other jobs on a shared machine do not disturb: ``python -c IR_CHILD N KIND``.
IR_CHILD = """
import sys
import wattprint
n, kind = int(sys.argv[1]), sys.argv[2]
if kind != "import":
    from wattprint import estimate_inference, estimate_training
if kind not in ("import", "names"):
    estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512, output_tokens=128)
for i in range(n if kind == "infer" else 0):
    estimate_inference("llama-3.1-8b", "h100", batch=1 + i % 64, prompt_tokens=512,
                       output_tokens=128, stack="vllm")
for i in range(n if kind == "train" else 0):
    estimate_training("llama-3.1-8b", "h100", tokens=1e12 + i, chips=64)
"""

#: (a), (b), (c), (d) and (e), wall and CPU time.
KEYS = ("import_s", "names_s", "first_s", "total_s", "import_cpu_s", "names_cpu_s",
        "first_cpu_s", "total_cpu_s", "further_infer_s", "further_infer_cpu_s",
        "further_train_s", "further_train_cpu_s")
ECOLOGITS_KEYS = ("import_s", "first_s", "total_s", "import_cpu_s", "first_cpu_s",
                  "total_cpu_s")



def _env(src: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(src)
    return env


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def child(src: Path, code: str = CHILD) -> dict[str, float]:
    """One fresh process on source tree ``src``: its own timings [s]."""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=_env(src), cwd="/tmp").stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def compile_tree(src: Path) -> None:
    """Write the bytecode of every module in ``src``, as ``pip install`` does."""
    compileall.compile_dir(src, quiet=1)


def estimates(trees: dict[str, Path], samples: int) -> dict[str, dict[str, Any]]:
    """Interleaved fresh processes per source tree; median, min and max per figure."""
    for src in trees.values():  # warm-up: fill the page cache
        child(src)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    names = list(trees)
    for i in range(samples):
        for name in names[i % len(names):] + names[:i % len(names)]:
            runs[name].append(child(trees[name]))
    return {name: {k: _stats([r[k] for r in rs]) for k in KEYS} for name, rs in runs.items()}


def ecologits(samples: int) -> dict[str, Any]:
    """EcoLogits' import + first estimate in fresh processes, or why it was not measured."""
    probe = subprocess.run([sys.executable, "-c", "import ecologits"], capture_output=True,
                           text=True, env=_env(SRC), cwd="/tmp")
    if probe.returncode != 0:
        return {"skipped": "ecologits is not importable here (not installed by this script)"}
    try:
        child(SRC, ECOLOGITS_CHILD)  # warm-up
        runs = [child(SRC, ECOLOGITS_CHILD) for _ in range(samples)]
    except subprocess.CalledProcessError as exc:
        return {"skipped": f"ecologits failed: {exc.stderr.strip().splitlines()[-1]}"}
    return {k: _stats([r[k] for r in runs]) for k in ECOLOGITS_KEYS}


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
    """Instructions of (b) the names (names − import), (c) the first estimate (first −
    names) and (e) each further ``infer`` and ``train`` estimate ((110 − 10 calls) / 100), per
    tree. Deterministic (``PYTHONHASHSEED=0``) to ~0.1 % for the further estimates and ~2 %
    for (b) and (c): an A/B comparison that the machine's load does not blur."""
    out = {}
    for name, src in trees.items():
        base = _instructions(src, 0, "import")
        names = _instructions(src, 0, "names")
        out[name] = {"names": names - base, "first": _instructions(src, 0, "first") - names}
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


def _print(out: dict[str, Any]) -> None:
    for name, figures in out["estimates"].items():
        for k in KEYS:
            scale, unit = (1e6, "µs") if k.startswith("further") else (1e3, "ms")
            print(f"{name:20s} {k:22s}", _fmt(figures[k], scale, unit))
    eco = out["ecologits"]
    for k in ECOLOGITS_KEYS if "skipped" not in eco else ():
        print(f"{'ecologits':20s} {k:22s}", _fmt(eco[k], 1e3, "ms"))
    if "skipped" in eco:
        print("ecologits:", eco["skipped"])
    for k in ("cli_infer_json", "cli_train_json", "python_startup"):
        if k in out:
            print(k, _fmt(out[k], 1e3, "ms"))
    for name, ir in out.get("instructions", {}).items():
        print(f"{name:20s} instructions: (b) names {ir['names'] / 1e6:.2f} M, (c) first "
              f"{ir['first'] / 1e6:.2f} M, further infer {ir['further_infer'] / 1e3:.0f} k, "
              f"further train {ir['further_train'] / 1e3:.0f} k")
    print("load average before/after:", out["load_average"])


def main() -> None:
    """Measure and print; save bench/results/estimate.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=11, help="fresh processes per figure (≥ 5)")
    ap.add_argument("--baseline", type=Path, help="another wattprint src/ to measure too")
    ap.add_argument("--instructions", action="store_true",
                    help="also count CPU instructions with valgrind (load-independent)")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI wall times")
    args = ap.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        ap.error("--instructions needs valgrind on PATH (apt-get install valgrind)")
    samples = max(5, args.samples)
    trees = {"wattprint": SRC}
    if args.baseline:
        trees["wattprint@baseline"] = args.baseline.resolve()
    for src in trees.values():
        compile_tree(src)
    load_before = os.getloadavg()
    out: dict[str, Any] = {"estimates": estimates(trees, samples),
                           "ecologits": ecologits(samples)}
    cli = {"cli_infer_json": ["estimate", "infer", "--model", "llama-3.1-8b", "--hardware",
                              "h100", "--json"],
           "cli_train_json": ["estimate", "train", "--model", "llama-3.1-8b", "--tokens", "15T",
                              "--hardware", "h100", "--chips", "1024", "--json"],
           "python_startup": ["--help"]}
    for key, cli_args in cli.items() if not args.no_cli else ():
        out[key] = cli_wall_s(cli_args, samples)
    if args.instructions:
        out["instructions"] = instructions(trees)
    out["load_average"] = {"before": load_before, "after": os.getloadavg(),
                           "cpus": os.cpu_count()}
    _print(out)
    path = HERE / "results" / "estimate.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
