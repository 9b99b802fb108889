"""The ``traced-flops`` validation group: traced multiply-adds vs published figures."""

from __future__ import annotations

from wattprint.validation.harness import run_validation
from wattprint.workload.operators.catalog import flops_checks, params_checks


def test_traced_flops_group_lists_every_published_figure() -> None:
    rep = run_validation(["traced-flops"])
    rows = [r for r in rep.rows if r.group == "traced-flops" and r.unit == "MAC"]
    assert len(rows) == len(flops_checks()) >= 18
    assert len({r.id for r in rows}) == len(rows)
    assert all(r.unit == "MAC" and abs(r.error) <= 0.05 for r in rows)
    unet = [r for r in rows if r.id.startswith("sd-1.5/sd15_unet")]
    assert len(unet) == 3 and any("without attention" in r.note for r in unet)
    sdxl = [r for r in rows if r.id.startswith("sdxl/sdxl_unet")]
    assert len(sdxl) == 1 and "without attention" in sdxl[0].note
    assert not rep.skipped


def test_traced_flops_group_lists_every_published_parameter_count() -> None:
    rep = run_validation(["traced-flops"])
    rows = [r for r in rep.rows if r.group == "traced-flops" and r.unit == "parameter"]
    assert len(rows) == len(params_checks()) >= 20
    assert len({r.id for r in rows}) == len(rows)
    assert all(r.quantity == "parameters" and abs(r.error) <= 0.05 for r in rows)
    whisper = [r for r in rows if r.id == "whisper-large-v3/whisper_large_v3_encoder/params"]
    assert len(whisper) == 1 and "1550 M" in whisper[0].note and "±1.0%" in whisper[0].note
