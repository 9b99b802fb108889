"""How fast operator-level estimates answer: tracing on CPU (meta device) and catalog pricing.

Run: PYTHONPATH=src python bench/bench_operators.py  (writes bench/results/operators.json)
Needs the torch extra (and torchvision) for the tracing part; the catalog part needs no torch.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _median(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, torchvision"], check=True)
    out["import_torch_torchvision_s"] = time.perf_counter() - t0
    import torchvision

    from wattprint.engine import estimate_operator_model
    from wattprint.workload.operators.trace import trace_module

    for name in ("resnet50", "vit_b_16", "convnext_tiny"):
        f = getattr(torchvision.models, name)
        out[f"trace_{name}_s"] = _median(lambda f=f: trace_module(f, (3, 224, 224)), 5)
    estimate_operator_model("sdxl", "h100")  # warm caches
    out["estimate_catalog_sdxl_s"] = _median(lambda: estimate_operator_model("sdxl", "h100"), 20)
    out["estimate_catalog_resnet50_s"] = _median(
        lambda: estimate_operator_model("resnet50", "h100", batch=64), 20)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "wattprint", "estimate", "infer", "--model", "sdxl",
                    "--hardware", "h100", "--json"], check=True, stdout=subprocess.DEVNULL)
    out["cli_catalog_sdxl_wall_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "wattprint", "estimate", "infer", "--module",
                    "torchvision.models:resnet50", "--input", "3x224x224", "--batch", "64",
                    "--hardware", "h100", "--json"], check=True, stdout=subprocess.DEVNULL)
    out["cli_module_resnet50_wall_s"] = time.perf_counter() - t0
    path = Path(__file__).parent / "results" / "operators.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    for k, v in out.items():
        print(f"{k:32s} {v * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
