"""``wattprint validate``: predict every reference row that has enough inputs.

Groups (see docs/validation.md; each in its own module):

- ``h200``: our NVML measurements of a Llama-3.2-1B-shaped model on one H200 (prefill,
  ``generate()``, a training step), predicted with the ``eager`` stack, uncalibrated.
- ``training-chip-hours``: published training runs predicted from their chip-hours.
- ``training-architecture``: the same runs from architecture, tokens, hardware and chip
  count alone (the roofline sets the time; no chip-hours given).
- ``inference``: ML.ENERGY leaderboard LLM rows (V3, V2, V1): energy per output token,
  and throughput and power per chip where the row publishes average power.
- ``facility``: published PUE and overheads; ``non-llm``: non-LLM inference measurements.
- ``traced-flops``: traced multiply-adds of catalog components vs published figures, counted
  the way each source counts, and traced parameter counts vs model-card or paper counts within
  their rounding (``validation/flops.py``).

Training energy is compared on the boundary of the published figure (accelerator only,
accelerator × PUE, or system/IT × PUE; read from the ``power_basis``/``energy_basis``
columns), and CO2e with the published PUE and grid intensity, so that the comparison tests
the energy model and not the site data. The data live in ``wattprint/data/validation``
(copied from the reference set by ``tools/extract_validation_data.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from wattprint.errors import InputError
from wattprint.validation.data import Collector, load_h200, load_rows
from wattprint.validation.h200 import validate_h200
from wattprint.validation.report import (
    GROUPS,
    ValidationReport,
    build_breakdown,
    build_summary,
)
from wattprint.validation.training import read_training_case, validate_training

__all__ = ["GROUPS", "Collector", "ValidationReport", "load_h200", "load_rows",
           "read_training_case", "run_validation"]


_RUNNERS: dict[str, Callable[[], Collector]] = {
    "h200": validate_h200,
    "training-chip-hours": lambda: validate_training("chip-hours"),
    "training-architecture": lambda: validate_training("architecture"),
    "inference": lambda: _inference(),
    "facility": lambda: _facility(),
    "non-llm": lambda: _nonllm(),
    "non-llm-pipeline": lambda: _nonllm("pipeline"),
    "traced-flops": lambda: _flops(),
}


def _inference() -> Collector:
    from wattprint.validation.inference import validate_inference

    c = Collector("inference")
    validate_inference(c)
    return c


def _nonllm(scope: str = "model") -> Collector:
    from wattprint.validation.nonllm import validate_nonllm

    c = Collector("non-llm" if scope == "model" else f"non-llm-{scope}")
    validate_nonllm(c, scope)
    return c


def _flops() -> Collector:
    from wattprint.validation.flops import validate_flops

    c = Collector("traced-flops")
    validate_flops(c)
    return c


def _facility() -> Collector:
    from wattprint.validation.facility import validate_facility

    c = Collector("facility")
    validate_facility(c)
    return c


def run_validation(groups: list[str] | None = None) -> ValidationReport:
    """Run the chosen groups (default: all) and return rows, skipped rows and the summary."""
    chosen = list(GROUPS) if not groups else [g.strip().lower() for g in groups]
    unknown = [g for g in chosen if g not in _RUNNERS]
    if unknown:
        raise InputError(f"unknown validation group(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(GROUPS)}")
    chosen = list(dict.fromkeys(chosen))
    report = ValidationReport(groups=chosen)
    for g in chosen:
        col = _RUNNERS[g]()
        report.rows.extend(col.rows)
        report.skipped.extend(col.skipped)
    report.summary = build_summary(report.rows, chosen)
    report.breakdown = build_breakdown(report.rows)
    return report
