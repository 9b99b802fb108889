"""Copy the public non-LLM energy measurements into ``data/validation/inference_nonllm.csv``.

Sources: the project's reference set (``shared/reference/inference_measurements.csv``):
ML.ENERGY Leaderboard V3 text-to-image rows on one GPU for the diffusion models in the operator
catalog, and Luccioni et al. 2024 "Power Hungry Processing" (SDXL); plus the Hugging Face AI
Energy Score figure quoted below (secondary source). Kept-back data are not read.

    python tools/extract_nonllm_validation.py /work/shared/reference/inference_measurements.csv
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "wattprint" / "data" / "validation" / \
    "inference_nonllm.csv"
MODELS = {"black-forest-labs/FLUX.1-dev": "flux.1-dev",
          "stabilityai/stable-diffusion-3.5-large": "sd3.5-large",
          "stabilityai/stable-diffusion-3.5-medium": "sd3.5-medium",
          "stable-diffusion-xl-base-1.0": "sdxl"}
COLUMNS = ["id", "dataset", "model", "catalog_model", "task", "hardware", "precision", "batch",
           "steps", "energy_per_unit_J", "unit", "avg_power_W", "throughput_per_s", "scope",
           "idle_accelerators_in_boundary", "measurement_boundary", "status", "source", "notes"]
# scope: "model" (the model's own work: GPU energy of steady-state generation) or "pipeline"
# (a per-query figure that also covers pre-processing and data loading, while the GPU idles):
# scored as separate validation groups, non-llm and non-llm-pipeline.
EXTRA = [{
    "id": "aies-resnet-18", "dataset": "Hugging Face AI Energy Score (2025)",
    "model": "microsoft/resnet-18", "catalog_model": "resnet18", "task": "image-classification",
    "hardware": "H100", "precision": "fp32", "batch": "1", "steps": "",
    "energy_per_unit_J": "9.36",
    "unit": "J per image", "avg_power_W": "", "throughput_per_s": "", "scope": "pipeline",
    "idle_accelerators_in_boundary": "0",
    "measurement_boundary": "GPU energy of the benchmark run (optimum-benchmark/CodeCarbon) "
                            "per query, pipeline preprocessing included",
    "status": "secondary",
    "source": "AI World, 'How output length shapes AI's energy footprint' quoting the AI "
              "Energy Score leaderboard: resnet-18 (Microsoft) 0.0026 kWh per 1,000 queries "
              "(= 9.36 J per image)",
    "notes": "lowest-energy image classification model on the leaderboard; precision: the "
             "transformers pipeline default fp32 (assumption)"}]


def main(src: str) -> None:
    rows = []
    with open(src, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            model = MODELS.get(r["model"])
            if model is None:
                continue
            if r["dataset"].startswith("ML.ENERGY Leaderboard V3"):
                if r["num_accelerators"] != "1" or not r["energy_per_response_J"]:
                    continue
                steps = re.search(r"(\d+) steps", r["notes"])
                batch = re.search(r"batch_size=(\d+)", r["batch_setting"])
                rows.append({
                    "id": r["id"], "dataset": r["dataset"], "model": r["model"],
                    "catalog_model": model, "task": r["workload"], "hardware": r["hardware"],
                    "precision": {"bfloat16": "bf16", "float16": "fp16"}.get(
                        r["precision"], r["precision"]),
                    "batch": batch.group(1) if batch else "1",
                    "steps": steps.group(1) if steps else "",
                    "energy_per_unit_J": r["energy_per_response_J"], "unit": "J per image",
                    "avg_power_W": r["avg_power_W"],
                    "throughput_per_s": (r["throughput"].split()[0] if r["throughput"]
                                         .endswith("images/s") else ""),
                    "scope": "model", "idle_accelerators_in_boundary": "0",
                    "measurement_boundary": r["measurement_boundary"], "status": r["status"],
                    "source": r["source"], "notes": r["notes"]})
            elif r["dataset"] == "Power Hungry Processing" and model == "sdxl":
                # 1,594 gCO2e per 1,000 inferences at 297.6 g/kWh => 5.356 kWh per 1,000.
                rows.append({
                    "id": r["id"], "dataset": r["dataset"], "model": r["model"],
                    "catalog_model": model, "task": "text-to-image", "hardware": "A100",
                    "precision": "fp32", "batch": "1", "steps": "50",
                    "energy_per_unit_J": f"{1594.0 / 297.6 * 3.6e6 / 1000.0:.0f}",
                    "unit": "J per image", "avg_power_W": "", "throughput_per_s": "",
                    "scope": "model", "idle_accelerators_in_boundary": "7",
                    "measurement_boundary": "CodeCarbon: GPU + CPU + RAM energy of the node "
                                            "(1 of 8 A100-SXM4-80GB used; the idle draw of "
                                            "the 7 unused GPUs is included); diffusers "
                                            "defaults (50 steps)",
                    "status": r["status"], "source": r["source"],
                    "notes": r["energy_unit_note"] + "; steps and precision: diffusers defaults "
                             "(50 steps, fp32 weights; assumption)"})
    rows.extend(EXTRA)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows → {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/inference_measurements.csv")
