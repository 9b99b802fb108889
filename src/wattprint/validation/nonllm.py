"""Validation groups ``non-llm`` and ``non-llm-pipeline``: published energy of models beyond
decoder LLMs.

Rows (``data/validation/inference_nonllm.csv``, extracted by
``tools/extract_nonllm_validation.py``): ML.ENERGY Leaderboard V3 text-to-image on one H100 or
B200 (FLUX.1-dev, SD 3.5 Large/Medium; GPU energy, average power and throughput, Zeus),
Luccioni et al. 2024 "Power Hungry Processing" (SDXL on an A100, CodeCarbon: the node's GPUs,
CPU and RAM) and the Hugging Face AI Energy Score (ResNet-18 on an H100, per query of a
pipeline). Predicted from the operator catalog with the ``eager`` stack at the row's batch and
steps.

A row's ``scope`` decides its group: ``model`` rows measure the model's own work (``non-llm``);
``pipeline`` rows are per-query figures that also cover pre-processing and data loading on the
CPU while the GPU waits (``non-llm-pipeline``, scored apart). A row's ``stack`` column names
the stack it is predicted with: the AI Energy Score rows use ``energy-star``, eager plus the
harness's host time per query at the idle floor (``per_query_host_s``, fitted on ONE row,
``aies-v0-resnet-18``; the others are held out). Rows published ``J per query`` are compared
per sample of the batch (a Whisper query is one 30 s window, not a second of audio).
"""

from __future__ import annotations

from typing import Any

from wattprint.errors import WattprintError
from wattprint.footprint import Footprint
from wattprint.units import plural
from wattprint.validation.parse import first_number, hardware_id


def validate_nonllm(c: Any, scope: str = "model") -> None:
    """Energy per unit (plus power and throughput where published) of the ``scope`` rows."""
    from wattprint.validation.data import load_rows

    for row in load_rows("inference_nonllm.csv"):
        if (row.get("scope") or "model") != scope:
            continue
        rid = row["id"]
        hw, hw_note = hardware_id(row["hardware"])
        published = first_number(row["energy_per_unit_J"])
        if hw is None or published is None:
            c.skip(rid, f"hardware {row['hardware']!r} ({hw_note}) or energy not parseable")
            continue
        fp = _predict(c, row, hw)
        if fp is not None:
            _compare(c, row, fp, published)


def _predict(c: Any, row: dict[str, str], hw: str) -> Footprint | None:
    from wattprint.engine.catalog_models import estimate_operator_model

    steps = first_number(row.get("steps"))
    try:
        return estimate_operator_model(row["catalog_model"], hw,
                                       batch=int(first_number(row.get("batch")) or 1),
                                       steps=int(steps) if steps else None,
                                       precision=row.get("precision") or "bf16",
                                       stack=row.get("stack") or None)
    except WattprintError as exc:
        c.skip(row["id"], f"{row['catalog_model']}: {exc}")
        return None


def _compare(c: Any, row: dict[str, str], fp: Footprint, published: float) -> None:
    rid, unit = row["id"], fp.inputs["unit"]
    q = fp[f"accelerator_energy_per_{unit.replace(' ', '_')}"]
    if row.get("unit") == "J per query":
        per_query = fp.inputs["units_per_batch"] / int(first_number(row.get("batch")) or 1)
        q = q.scaled(per_query, provenance=f"{q.provenance} × "
                                           f"{plural(per_query, unit)} per query")
        unit = "query"
    note = (f"{row['catalog_model']} on {fp.inputs['hardware']}, {fp.inputs['precision']}, "
            f"batch {row.get('batch') or 1}")
    scale = 1.0
    if "CPU" in row.get("measurement_boundary", ""):
        scale, note = _node_scale(row, fp, note)
    if (row.get("scope") or "model") == "pipeline":
        gap = published - q.value
        idle_w = _idle_w(fp)
        note += (f"; stack {fp.inputs['stack']}; the difference is {gap:.3g} J per {unit}, "
                 f"{gap / idle_w * 1e3:.0f} ms of GPU time at the {idle_w:.0f} W idle floor")
    c.add_q(rid, f"energy per {unit}", q, published, "J", note=f"{note}; {row['dataset']}",
            scale=scale)
    power, rate = first_number(row.get("avg_power_W")), first_number(row.get("throughput_per_s"))
    t = fp["time"].value
    if power and t > 0:
        c.add(rid, "power per chip", fp.accelerator_energy.value / t, power, "W",
              note=f"{note}; accelerator energy / time; {row['dataset']}")
    if rate and t > 0:
        c.add(rid, f"throughput ({unit}s per s)", fp.inputs["units"] / t, rate, "1/s",
              note=f"{note}; {row['dataset']}")


def _idle_w(fp: Footprint) -> float:
    from wattprint.catalog import get_hardware

    return float(get_hardware(str(fp.inputs["hardware"])).idle_w.value)


def _node_scale(row: dict[str, str], fp: Footprint, note: str) -> tuple[float, str]:
    """The row measured the node (GPU + CPU + RAM, maybe idle GPUs): add the modelled shares."""
    from wattprint.catalog import get_hardware

    acc = fp.accelerator_energy.value
    host = fp["host_energy"].value
    idle_gpus = first_number(row.get("idle_accelerators_in_boundary")) or 0.0
    hw = get_hardware(str(fp.inputs["hardware"]))
    idle_nc = hw.idle_no_context_w.value if hw.idle_no_context_w else hw.idle_w.value
    extra = idle_gpus * idle_nc * fp["time"].value
    note += " (+ modelled host share: boundary GPU+CPU+RAM"
    note += f"; + {idle_gpus:g} idle GPUs × {idle_nc:.0f} W)" if idle_gpus else ")"
    return 1.0 + (host + extra) / acc, note
