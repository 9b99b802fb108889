"""The ``traced-flops`` validation group: traced multiply-adds vs published figures."""

from __future__ import annotations

from wattprint.validation.harness import run_validation
from wattprint.workload.operators.catalog import flops_checks


def test_traced_flops_group_lists_every_published_figure() -> None:
    rep = run_validation(["traced-flops"])
    rows = [r for r in rep.rows if r.group == "traced-flops"]
    assert len(rows) == len(flops_checks()) >= 18
    assert len({r.id for r in rows}) == len(rows)
    assert all(r.unit == "MAC" and abs(r.error) <= 0.05 for r in rows)
    unet = [r for r in rows if r.id.startswith("sd-1.5/sd15_unet")]
    assert len(unet) == 3 and any("without attention" in r.note for r in unet)
    sdxl = [r for r in rows if r.id.startswith("sdxl/sdxl_unet")]
    assert len(sdxl) == 1 and "without attention" in sdxl[0].note
    assert not rep.skipped
