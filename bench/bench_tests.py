"""How long the fast test tier takes: ``python bench/bench_tests.py [--rounds 2]
[--baseline OLD_TREE] [--top 15]`` (results: ``bench/results/tests.json``).

Each round runs ``pytest -m "not slow" -p no:cacheprovider`` in a fresh process (the README's
fast command) and its ``--collect-only``; it records pytest's own total (s), the process's
CPU time (user + system, s: less disturbed than wall time by the other jobs on a shared VM),
the load average before and after, and the slowest test files (sum of their setup, call and
teardown phases, s). ``--baseline`` runs another checkout (e.g. ``git archive COMMIT | tar -x
-C /tmp/old``) in the same rounds, interleaved, so both see the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASE = re.compile(r"^([\d.]+)s (call|setup|teardown)\s+(\S+?)::")
TOTAL = re.compile(r" in ([\d.]+)s")


def _pytest(tree: Path, *args: str) -> tuple[str, float, float]:
    """(output, wall s, CPU s) of ``python -m pytest ARGS`` run in ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=tree, env=env,
                         capture_output=True, text=True, check=False).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, wall, cpu


def measure(tree: Path, top: int) -> dict[str, object]:
    """One round of the fast tier (and its collection) in ``tree``."""
    load0 = os.getloadavg()[0]
    out, wall, cpu = _pytest(tree, "-m", "not slow", "-p", "no:cacheprovider", "-q",
                             "--durations=0", "--durations-min=0")
    load1 = os.getloadavg()[0]
    col, col_wall, col_cpu = _pytest(tree, "-m", "not slow", "-p", "no:cacheprovider", "-q",
                                     "--collect-only")
    files: Counter[str] = Counter()
    for line in out.splitlines():
        m = PHASE.match(line)
        if m:
            files[m.group(3)] += float(m.group(1))
    summary = [line for line in out.splitlines() if " passed" in line or " failed" in line]
    found = TOTAL.search(summary[-1]) if summary else None
    return {"tree": str(tree), "result": summary[-1] if summary else out[-300:],
            "pytest_total_s": float(found.group(1)) if found else None,
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "collect_wall_s": round(col_wall, 2), "collect_cpu_s": round(col_cpu, 2),
            "load_before": load0, "load_after": load1,
            "slowest_files_s": {f: round(t, 2) for f, t in files.most_common(top)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--baseline", type=Path, help="another checkout, run in the same rounds")
    ap.add_argument("--top", type=int, default=15, help="slowest files to keep")
    args = ap.parse_args()
    trees = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    rounds = []
    for i in range(max(args.rounds, 1)):
        for tree in trees:
            r = measure(tree, args.top)
            rounds.append(r)
            print(f"round {i + 1} {tree}: pytest {r['pytest_total_s']} s, CPU {r['cpu_s']} s, "
                  f"collection {r['collect_wall_s']} s, load {r['load_before']:.2f} -> "
                  f"{r['load_after']:.2f}: {r['result']}", flush=True)
    dest = ROOT / "bench" / "results" / "tests.json"
    dest.write_text(json.dumps({"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                "cores": os.cpu_count(), "rounds": rounds}, indent=1) + "\n")
    print(f"wrote {dest}")


if __name__ == "__main__":
    main()
