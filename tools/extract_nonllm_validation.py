"""Copy the public non-LLM energy measurements into ``data/validation/inference_nonllm.csv``.

Sources: the project's reference set (``shared/reference/inference_measurements.csv``):
ML.ENERGY Leaderboard V3 text-to-image rows on one GPU for the diffusion models in the operator
catalog, and Luccioni et al. 2024 "Power Hungry Processing" (SDXL); plus the Hugging Face AI
Energy Score: per-model files of its v0 runs (AIEnergyScore/results_v0 and the leaderboard
space's data/energy CSVs, copied below with their commits) and one figure quoted by a secondary
source. Kept-back data are not read.

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
           "idle_accelerators_in_boundary", "measurement_boundary", "status", "source", "notes",
           "stack", "licence"]
# scope: "model" (the model's own work: GPU energy of steady-state generation) or "pipeline"
# (a per-query figure that also covers pre-processing and data loading, while the GPU idles):
# scored as separate validation groups, non-llm and non-llm-pipeline.
_AIES_V0_BOUNDARY = (
    "GPU energy (CodeCarbon, H100 80GB) summed over the optimum-benchmark energy_star phases "
    "(dataset preprocessing on the host processor + the batch-1 forward/generate/call loop) "
    "over 1,000 queries, averaged over the runs; per query = total / 1,000")
_AIES_V0_SETUP = ("optimum-benchmark energy_star scenario "
                  "(huggingface/optimum-benchmark@82f1ef6, 2024-09): batch 1, 1,000 samples; ")
_AIES_LICENCE = ("facts quoted with their source; huggingface/AIEnergyScore is MIT; the "
                 "AIEnergyScore dataset/space files state no licence")


def _aies_v0(rid: str, model: str, catalog: str, task: str, precision: str, kwh_per_1000: float,
             source: str, notes: str, steps: str = "") -> dict[str, str]:
    return {
        "id": rid, "dataset": "Hugging Face AI Energy Score v0 (2024-09 runs, Feb 2025 board)",
        "model": model, "catalog_model": catalog, "task": task, "hardware": "H100",
        "precision": precision, "batch": "1", "steps": steps,
        "energy_per_unit_J": f"{kwh_per_1000 * 3.6e6 / 1000.0:.4g}", "unit": "J per query",
        "avg_power_W": "", "throughput_per_s": "", "scope": "pipeline",
        "idle_accelerators_in_boundary": "0", "measurement_boundary": _AIES_V0_BOUNDARY,
        "status": "primary", "source": source, "notes": _AIES_V0_SETUP + notes,
        "stack": "energy-star", "licence": _AIES_LICENCE}


_BOARD = ("AIEnergyScore/Leaderboard space data/energy/image_generation.csv (commit 3fe7e68, "
          "runs of 2024-09-04), total_gpu_energy {} kWh per 1,000 images")
EXTRA = [
    _aies_v0("aies-v0-resnet-18", "microsoft/resnet-18", "resnet18", "image-classification",
             "fp32", 0.00029911504484738673,
             "Hugging Face dataset AIEnergyScore/results_v0, microsoft/resnet-18/results.json "
             "(commit 066f640): image_classification total_gpu_energy 0.000299115 kWh per "
             "1,000 queries, model_dtype float32",
             "ImageNet/Food-101/beans images at 224x224; FIT ROW of the energy-star stack's "
             "per_query_host_s"),
    _aies_v0("aies-v0-whisper-large-v3", "openai/whisper-large-v3", "whisper-large-v3",
             "automatic-speech-recognition", "fp16", 0.0866790655098633,
             "Hugging Face dataset AIEnergyScore/results_v0, openai/whisper-large-v3/"
             "results.json (commit 066f640): asr total_gpu_energy 0.0866791 kWh per 1,000 "
             "queries, model_dtype float16",
             "LibriSpeech/Common Voice/People's Speech clips, each padded to one 30 s window; "
             "ASR runs as text generation with min_new_tokens = max_new_tokens = 100 (the "
             "catalog's 100 tokens per window); held out"),
    _aies_v0("aies-v0-efficientnet-b7", "google/efficientnet-b7", "efficientnet-b7",
             "image-classification", "fp32", 0.0018499837577637735,
             "Hugging Face dataset AIEnergyScore/results_v0, google/efficientnet-b7/"
             "results.json (commit 066f640): image_classification total_gpu_energy "
             "0.00184998 kWh per 1,000 queries, model_dtype float32",
             "images preprocessed to 600x600; held out"),
    _aies_v0("aies-v0-whisper-medium", "openai/whisper-medium", "whisper-medium",
             "automatic-speech-recognition", "fp32", 0.06142162788726289,
             "Hugging Face dataset AIEnergyScore/results_v0, openai/whisper-medium/"
             "results.json (commit 066f640): asr total_gpu_energy 0.0614216 kWh per 1,000 "
             "queries, model_dtype float32",
             "one 30 s window per clip, exactly 100 generated tokens (as whisper-large-v3); "
             "held out"),
    _aies_v0("aies-v0-openjourney", "prompthero/openjourney", "sd-1.5", "text-to-image",
             "fp32", 0.1968802236707196, _BOARD.format("0.196880"),
             "an SD 1.5 fine-tune (same UNet, CLIP-L, VAE; 512x512); 30 steps (energy_star "
             "default num_inference_steps), CFG; fp32 (AI Energy Score: fp32 for every task "
             "but text generation); held out", steps="30"),
    _aies_v0("aies-v0-openjourney-v4", "prompthero/openjourney-v4", "sd-1.5", "text-to-image",
             "fp32", 0.20336733122151288, _BOARD.format("0.203367"),
             "an SD 1.5 fine-tune (512x512); 30 steps, CFG, fp32; held out", steps="30"),
    _aies_v0("aies-v0-sdxl", "stabilityai/stable-diffusion-xl-base-1.0", "sdxl",
             "text-to-image", "fp32", 1.6398454721253273,
             _BOARD.format("1.639845") + "; the same 1,639.85 Wh per 1,000 is quoted by the "
             "AIEnergyScore/Leaderboard discussion #3",
             "30 steps, CFG, fp32, the model's default 1024x1024 (assumption: the board's "
             "discussion #3 says image sizes were constrained, without the size); held out",
             steps="30"),
    {"id": "aies-resnet-18", "dataset": "Hugging Face AI Energy Score (2025)",
     "model": "microsoft/resnet-18", "catalog_model": "resnet18", "task": "image-classification",
     "hardware": "H100", "precision": "fp32", "batch": "1", "steps": "",
     "energy_per_unit_J": "9.36", "unit": "J per image", "avg_power_W": "",
     "throughput_per_s": "", "scope": "pipeline", "idle_accelerators_in_boundary": "0",
     "measurement_boundary": "GPU energy of the benchmark run (optimum-benchmark/CodeCarbon) "
                             "per query, pipeline preprocessing included",
     "status": "secondary",
     "source": "AI World, 'How output length shapes AI's energy footprint' quoting the AI "
               "Energy Score leaderboard: resnet-18 (Microsoft) 0.0026 kWh per 1,000 queries "
               "(= 9.36 J per image)",
     "notes": "lowest-energy image classification model on the leaderboard; precision: the "
              "transformers pipeline default fp32 (assumption); 8.7x the benchmark's own "
              "per-model file for the same model (aies-v0-resnet-18): a later board edition "
              "or a quoting slip, not reproducible from the published files",
     "stack": "energy-star", "licence": "quoted figure (secondary source)"}]


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
                    "source": r["source"], "notes": r["notes"], "stack": "",
                    "licence": "see the ML.ENERGY leaderboard repository (Apache-2.0)"})
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
                             "(50 steps, fp32 weights; assumption)", "stack": "",
                    "licence": "figures quoted from the paper"})
    rows.extend(EXTRA)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows → {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/inference_measurements.csv")
