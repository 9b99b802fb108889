"""Validation group ``h200``: our NVML measurements of a Llama-3.2-1B-shaped model on one
H200 (prefill, ``generate()``, a training step), predicted with the ``eager`` stack."""

from __future__ import annotations

from wattprint.engine import estimate_inference, estimate_training
from wattprint.errors import WattprintError
from wattprint.validation.data import Collector, load_h200
from wattprint.workload.model_spec import spec_from_config

H200 = "nvidia-h200-sxm"


def validate_h200() -> Collector:
    """H200 1B-shape measurements vs ``estimate_*`` with the ``eager`` stack."""
    c = Collector("h200")
    for r in load_h200():
        rid = str(r.get("id", "?"))
        try:
            spec = spec_from_config(dict(r["model_config"]), name=str(r.get("model", rid)),
                                    source="h200_workloads.jsonl model_config")
            kind = r.get("kind")
            if kind == "prefill":
                b = int(r["batch"])
                fp = estimate_inference(spec, H200, batch=b, prompt_tokens=int(r["prompt_tokens"]),
                                        output_tokens=1, requests=int(r["repeats"]) * b,
                                        stack="eager")
                note = f"prefill b{b} × {r['repeats']} repeats, eager"
            elif kind == "generate":
                fp = estimate_inference(spec, H200, batch=int(r["batch"]),
                                        prompt_tokens=int(r["prompt_tokens"]),
                                        output_tokens=int(r["output_tokens"]), stack="eager")
                note = f"generate() b{r['batch']}, {r['output_tokens']} tokens, eager"
            elif kind == "train":
                fp = estimate_training(spec, H200, tokens=float(r["tokens"]),
                                       batch=int(r["batch"]), seq_len=int(r["seq_len"]),
                                       stack="eager")
                note = f"train b{r['batch']} × {r['seq_len']}, {r['tokens']} tokens, eager"
            else:
                c.skip(rid, f"unknown workload kind {kind!r}")
                continue
        except (KeyError, ValueError, TypeError, WattprintError) as exc:
            c.skip(rid, f"cannot predict: {exc}")
            continue
        c.add_q(rid, "time", fp["time"], float(r["time_s"]), "s", note)
        c.add_q(rid, "accelerator energy", fp["accelerator_energy"], float(r["energy_j"]),
                "J", note)
    return c
