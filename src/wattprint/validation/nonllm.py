"""Validation group ``non-llm``: published energy of models beyond decoder LLMs.

Rows (``data/validation/inference_nonllm.csv``, extracted by
``tools/extract_nonllm_validation.py``): ML.ENERGY Leaderboard V3 text-to-image on one H100 or
B200 (FLUX.1-dev, SD 3.5 Large/Medium; GPU energy, Zeus), Luccioni et al. 2024 "Power Hungry
Processing" (SDXL on an A100, CodeCarbon: GPU + CPU + RAM) and the Hugging Face AI Energy Score
(ResNet-18 on an H100, per query of a pipeline). Predicted from the operator catalog with the
``eager`` stack at the row's batch and steps; energy per image compared with the
accelerator energy per image (plus the modelled host share where the row's boundary includes
CPU and RAM).
"""

from __future__ import annotations

from typing import Any

from wattprint.errors import WattprintError
from wattprint.validation.parse import first_number, hardware_id


def validate_nonllm(c: Any) -> None:
    """Energy per image of every row whose model is in the operator catalog."""
    from wattprint.engine.catalog_models import estimate_operator_model
    from wattprint.validation.harness import load_rows

    for row in load_rows("inference_nonllm.csv"):
        rid = row["id"]
        hw, hw_note = hardware_id(row["hardware"])
        published = first_number(row["energy_per_unit_J"])
        if hw is None or published is None:
            c.skip(rid, f"hardware {row['hardware']!r} ({hw_note}) or energy not parseable")
            continue
        steps = first_number(row.get("steps"))
        batch = int(first_number(row.get("batch")) or 1)
        try:
            fp = estimate_operator_model(row["catalog_model"], hw, batch=batch,
                                         steps=int(steps) if steps else None,
                                         precision=row.get("precision") or "bf16")
        except WattprintError as exc:
            c.skip(rid, f"{row['catalog_model']}: {exc}")
            continue
        unit = fp.inputs["unit"].replace(" ", "_")
        q = fp[f"accelerator_energy_per_{unit}"]
        scale = 1.0
        note = f"{row['catalog_model']} on {hw}, {fp.inputs['precision']}, batch {batch}"
        if "CPU" in row.get("measurement_boundary", ""):
            # The row measured GPU + CPU + RAM: add the modelled host share per unit.
            host = fp["host_energy"].value / fp.accelerator_energy.value
            scale, note = 1.0 + host, note + " (+ modelled host share: boundary GPU+CPU+RAM)"
        c.add_q(rid, f"energy per {fp.inputs['unit']}", q, published, "J",
                note=f"{note}; {row['dataset']}", scale=scale)
