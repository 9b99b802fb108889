"""The ``non-llm`` validation group: public non-LLM measurements against operator estimates."""

from __future__ import annotations

import statistics

from wattprint.validation.harness import load_rows, run_validation


def test_every_nonllm_row_predicted_with_a_range() -> None:
    rep = run_validation(["non-llm"])
    rows = [r for r in rep.rows if r.group == "non-llm"]
    assert len(rows) + len(rep.skipped) == len(load_rows("inference_nonllm.csv"))
    assert len(rows) >= 30
    for r in rows:
        assert r.low is not None and r.high is not None and r.low <= r.predicted <= r.high
    summary = {s.quantity: s for s in rep.summary if s.group == "non-llm"}
    assert summary["all"].count == len(rows)
    assert 0.0 <= summary["all"].coverage <= 1.0


def test_h100_diffusion_rows_within_25_percent() -> None:
    # Quality bar on the one chip whose energy coefficients are not extrapolated from another
    # generation (H100 ≈ H200 silicon): FLUX.1-dev and SD 3.5 on ML.ENERGY V3.
    rep = run_validation(["non-llm"])
    h100 = [r for r in rep.rows if "h100" in r.note and r.id.startswith("mlev3")]
    assert len(h100) >= 15
    assert statistics.median(abs(r.error) for r in h100) < 0.25
