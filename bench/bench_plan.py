"""How fast the planner sweeps: configurations per second of the vectorised evaluation.

Run: python bench/bench_plan.py  (writes bench/results/plan.json)
Goal (issue #5): ≥ 1 million configurations per second on 2 cores.

Three measurements, each the best of ``--repeats`` warm runs:
- ``evaluate``: the device model + serving model + site chain over the whole grid
  (``evaluate_inference_grid``): every configuration's time, energy, CO2e, water, cost;
- ``plan``: the whole ``plan_inference`` (evaluation, constraints, ranking, Pareto frontier),
  without the per-row engine re-check of the top entries;
- ``default``: the default CLI sweep (~30 k configurations) end to end, re-check included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np


def _best(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    """Measure and print; save bench/results/plan.json."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="llama-3.1-8b")
    args = ap.parse_args()
    from wattprint.engine import resolve_model
    from wattprint.plan.sweep import (
        SiteArrays,
        default_hardware,
        evaluate_inference_grid,
        plan_inference,
        resolve_regions,
    )
    from wattprint.workload.demand import parse_demand

    spec = resolve_model(args.model)
    demand = parse_demand("100rps", 1000, 300)
    hws = default_hardware()
    precs = ["bf16", "fp8", "int8", "int4"]
    chips = [1, 2, 4, 8]
    batches = list(range(1, 257))
    sites = SiteArrays.build(resolve_regions("all"))
    plan_inference(spec, demand, verify=False)  # warm caches (catalogs, coefficients)

    t_eval, grid = _best(lambda: evaluate_inference_grid(spec, demand, hws, precs, chips,
                                                          batches, sites), args.repeats)
    n_eval = grid.n_configs  # type: ignore[attr-defined]
    t_plan, res = _best(lambda: plan_inference(spec, demand, precisions=precs, chips=chips,
                                               batches=batches, regions="all",
                                               verify=False), args.repeats)
    t_def, res_def = _best(lambda: plan_inference(spec, demand), args.repeats)
    out = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "platform": platform.platform()},
        "model": spec.name,
        "grid": {"hardware_precision_pairs": grid.shape[0],  # type: ignore[attr-defined]
                 "chips": chips, "batches": "1..256", "regions": len(sites.sites),
                 "configs": n_eval},
        "evaluate": {"seconds": t_eval, "configs_per_s": n_eval / t_eval,
                     # hardware × precision × chips × batch: what the device model evaluates;
                     # regions then multiply it through the site formulas
                     "device_configs": n_eval // len(sites.sites),
                     "device_configs_per_s": n_eval // len(sites.sites) / t_eval},
        "plan": {"seconds": t_plan, "configs": res.n_configs,  # type: ignore[attr-defined]
                 "configs_per_s": res.n_configs / t_plan,  # type: ignore[attr-defined]
                 "feasible": res.n_feasible},  # type: ignore[attr-defined]
        "default_cli_sweep": {"seconds": t_def,
                              "configs": res_def.n_configs,  # type: ignore[attr-defined]
                              "configs_per_s": res_def.n_configs / t_def},  # type: ignore
        "goal_configs_per_s": 1e6,
    }
    path = Path(__file__).parent / "results" / "plan.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
