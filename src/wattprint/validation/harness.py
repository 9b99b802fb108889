"""``wattprint validate``: predict every reference row that has enough inputs.

Four groups (see docs/validation.md):

- ``h200``: our NVML measurements of a Llama-3.2-1B-shaped model on one H200 (prefill,
  ``generate()``, a training step), predicted with the ``eager`` stack, uncalibrated.
- ``training-chip-hours``: published training runs predicted from their chip-hours.
- ``training-architecture``: the same runs from architecture, tokens, hardware and chip
  count alone (the roofline sets the time; no chip-hours given).
- ``inference``: ML.ENERGY leaderboard LLM rows (V3, V2, V1), energy per output token.

Training energy is compared on the boundary of the published figure (accelerator only,
accelerator × PUE, or system/IT × PUE; read from the ``power_basis``/``energy_basis``
columns), and CO2e with the published PUE and grid intensity, so that the comparison tests
the energy model and not the site data. The data live in ``wattprint/data/validation``
(copied from the reference set by ``tools/extract_validation_data.py``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from wattprint.engine import estimate_inference, estimate_training
from wattprint.errors import InputError, WattprintError
from wattprint.quantity import J_PER_KWH, Quantity
from wattprint.validation.parse import (
    chips_from_hardware,
    first_number,
    hardware_id,
    parse_active_params,
    parse_chip_hours,
    parse_count,
    parse_params,
    parse_pue,
    parse_tokens,
    published_flops,
)
from wattprint.validation.report import (
    GROUPS,
    SkippedRow,
    ValidationReport,
    ValidationRow,
    build_summary,
    error,
    finite,
    print_report,
)
from wattprint.validation.specs import training_spec
from wattprint.workload.model_spec import ModelSpec, spec_from_config

__all__ = ["GROUPS", "ValidationReport", "load_rows", "print_report", "run_validation"]

J_PER_MWH = J_PER_KWH * 1e3
H200 = "nvidia-h200-sxm"


# --------------------------------------------------------------------------- data


def _data_text(name: str) -> str:
    return (files("wattprint") / "data" / "validation" / name).read_text(encoding="utf-8")


def load_rows(name: str) -> list[dict[str, str]]:
    """Rows of a packaged validation CSV (``training_runs.csv``, ``inference_llm.csv``)."""
    return list(csv.DictReader(io.StringIO(_data_text(name))))


def load_h200() -> list[dict[str, Any]]:
    """The H200 workload measurements (one JSON object per line)."""
    return [json.loads(line) for line in _data_text("h200_workloads.jsonl").splitlines()
            if line.strip()]


class _Collector:
    """Accumulates rows and skipped rows for one group."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.rows: list[ValidationRow] = []
        self.skipped: list[SkippedRow] = []

    def add(self, rid: str, quantity: str, predicted: float, published: float, unit: str,
            note: str = "", low: float | None = None, high: float | None = None) -> None:
        if not (finite(predicted) and finite(published)) or published <= 0:
            self.skip(rid, f"{quantity}: non-finite or non-positive value "
                           f"(predicted {predicted!r}, published {published!r})")
            return
        if low is not None and high is not None and not (finite(low) and finite(high)):
            low = high = None
        self.rows.append(ValidationRow(self.group, rid, quantity, predicted, published, unit,
                                       error(predicted, published), note, low, high))

    def add_q(self, rid: str, quantity: str, q: Any, published: float, unit: str,
              note: str = "", scale: float = 1.0) -> None:
        """Add a :class:`~wattprint.quantity.Quantity` prediction with its range × ``scale``."""
        has_range = q.low is not None or q.high is not None
        self.add(rid, quantity, q.value * scale, published, unit, note,
                 q.lo * scale if has_range else None, q.hi * scale if has_range else None)

    def skip(self, rid: str, reason: str) -> None:
        self.skipped.append(SkippedRow(self.group, rid, reason))


# --------------------------------------------------------------------------- h200


def validate_h200() -> _Collector:
    """H200 1B-shape measurements vs ``estimate_*`` with the ``eager`` stack."""
    c = _Collector("h200")
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


# --------------------------------------------------------------------------- training

#: Row-specific readings where the generic cell rules would misread the published figure.
#: Each entry says why. Keys: tokens, energy_mwh, base, energy_has_pue, pue, precision,
#: hours_basis ("throughput": the published hours exclude lost time).
TRAINING_OVERRIDES: dict[str, dict[str, Any]] = {
    "glam-64b64e": {
        "tokens": 280e9, "energy_mwh": 213.0, "base": "it", "energy_has_pue": True,
        "pue": 1.1,
        "why": "the 574 h wall time is for the 280B-token run, so its 213 MWh is used; the "
               "boundary is not stated: assumed Patterson-style system power × PUE, with "
               "Google's fleet PUE 1.1 (reference-data §5.1) as an assumption",
    },
    "gopher-280b": {
        "base": "it", "energy_has_pue": False,
        "why": "1066 MWh = chip-hours × 283 W, Patterson 2021's measured TPU v3 system "
               "power per chip (incl. host), without PUE; the 380 t applies PUE 1.08 and "
               "330 g/kWh (both unconfirmed)",
    },
    "olmo-7b-a100": {
        "tokens": 2.46e12, "base": "accelerator", "energy_has_pue": False,
        "why": "104 MWh is measured GPU energy (114.4 with PUE); tokens: the 2.46T-token "
               "checkpoint",
    },
    **{f"llama1-{size}": {
        "hours_basis": "throughput",
        "why": "Table 15's GPU-hours are tokens / steady-state throughput (65B: 1.4T tokens at "
               "380 tokens/s/GPU on 2048 GPUs = 1.02M GPU-h, LLaMA paper §2.4), with no "
               "failures or restarts: compared with the productive chip-hours and energy "
               "(goodput excluded)",
    } for size in ("7b", "13b", "33b", "65b")},
    "deepseek-v3": {
        "precision": "fp8",
        "why": "DeepSeek-V3 was trained in FP8 mixed precision (DeepSeek-V3 report)",
    },
}


@dataclass
class TrainingCase:
    """Everything read from one training row, with a note on each reading."""

    id: str
    spec: ModelSpec | None
    model_note: str
    hardware: str | None
    hardware_note: str
    chips: int | None
    tokens: float | None
    chip_hours: float | None
    precision: str
    energy_mwh: float | None
    base: str | None  # "accelerator" or "it"
    energy_has_pue: bool
    pue: float | None
    grid: float | None
    co2_t: float | None
    notes: list[str]
    skip: str | None = None
    hours_basis: str = "wall"  # "throughput": published hours = tokens / steady-state rate


def _base_model(model: str) -> str:
    return re.sub(r"\(.*?\)", "", model).strip().lower().replace(" ", "-")


def _borrow(rows: list[dict[str, str]], row: dict[str, str], column: str,
            same_prefix: bool) -> tuple[str, str] | None:
    """A value of ``column`` from a sibling row: same model, else (optionally) same id prefix
    and hardware. Returns (value, sibling id)."""
    base = _base_model(row["model"])
    for other in rows:
        if other is not row and _base_model(other["model"]) == base and \
                other.get(column, "").strip():
            return other[column], other["id"]
    if same_prefix:
        prefix = row["id"].split("-")[0]
        for other in rows:
            if other is not row and other["id"].split("-")[0] == prefix and \
                    other.get("hardware") == row.get("hardware") and \
                    other.get(column, "").strip():
                return other[column], other["id"]
    return None


def _boundary(row: dict[str, str]) -> tuple[str | None, bool, str]:
    """(base, energy includes PUE, description) of a published energy figure."""
    pb = row.get("power_basis", "").lower()
    eb = row.get("energy_basis", "").lower()
    cell = row.get("energy_MWh", "").lower()
    pue = parse_pue(row.get("pue"))
    if "gpu" in eb and "measured" in eb:
        base: str | None = "accelerator"
    elif any(w in pb for w in ("system", "incl", "host", "rapl")):
        base = "it"
    elif "tdp" in pb or "assumed average" in pb or re.search(r"x\s*\d+\s*w\b", eb):
        base = "accelerator"
    else:
        return None, False, "boundary of the published energy not stated"
    if pue is None or "with pue" in cell:
        has_pue = False
    elif re.search(r"x\s*\d+\s*w\b", eb):
        has_pue = "pue" in eb or bool(re.search(r"w\b.*x\s*1\.\d", eb))
    else:
        has_pue = True
    return base, has_pue, ""


def _precision_for(hw: str | None) -> str:
    from wattprint.catalog import get_hardware

    if hw is None:
        return "bf16"
    return "bf16" if "bf16" in get_hardware(hw).peak_flops else "fp16"


def read_training_case(row: dict[str, str], rows: list[dict[str, str]]) -> TrainingCase:
    """Parse one ``training_runs.csv`` row into a :class:`TrainingCase`."""
    rid = row["id"]
    over = TRAINING_OVERRIDES.get(rid, {})
    notes: list[str] = []
    if over.get("why"):
        notes.append(str(over["why"]))
    params_cell = row.get("params_total_B", "")
    params = parse_params(params_cell)
    active = parse_active_params(row.get("params_active_B"), params)
    spec: ModelSpec | None = None
    model_note = ""
    skip: str | None = None
    if "per model" in params_cell.lower():
        skip = "parameters are per child model of an architecture search: no single model"
    else:
        spec, model_note = training_spec(row["model"], params, active)
        if spec is None:
            skip = model_note
    hw, hw_note = hardware_id(row.get("hardware"))
    if hw_note:
        notes.append(hw_note)
    chips = parse_count(row.get("chip_count")) or chips_from_hardware(row.get("hardware"))
    if chips is None:
        got = _borrow(rows, row, "chip_count", same_prefix=True)
        if got:
            chips = parse_count(got[0])
            notes.append(f"chip count not published for this row; {chips} from {got[1]}")
    tokens = over.get("tokens")
    if tokens is None:
        tokens = parse_tokens(row.get("training_tokens"))
    if tokens is None:
        got = _borrow(rows, row, "training_tokens", same_prefix=False)
        if got:
            tokens = parse_tokens(got[0])
            notes.append(f"tokens from {got[1]}")
    if tokens is None and spec is not None:
        flops = published_flops(row.get("notes"))
        n = active or params
        if flops and n:
            tokens = flops / (6.0 * n)
            notes.append(f"tokens = published {flops:.3g} FLOP / (6 × {n / 1e9:.3g}B)")
    chip_hours, ch_note = parse_chip_hours(row.get("accelerator_hours"), chips)
    if chip_hours is None and chips:
        days = first_number(row.get("wall_days"))
        if days:
            chip_hours = days * 24.0 * chips
            ch_note = f"{days:g} days wall × {chips} chips"
    if ch_note and ch_note != "published chip-hours":
        notes.append(f"chip-hours: {ch_note}")
    base, has_pue, b_note = _boundary(row)
    base = over.get("base", base)
    has_pue = over.get("energy_has_pue", has_pue)
    pue = over.get("pue", parse_pue(row.get("pue")))
    energy = over.get("energy_mwh", first_number(row.get("energy_MWh")))
    if energy is not None and base is None:
        notes.append(b_note)
    precision = over.get("precision") or _precision_for(hw)
    return TrainingCase(
        id=rid, spec=spec, model_note=model_note, hardware=hw, hardware_note=hw_note,
        chips=chips, tokens=tokens, chip_hours=chip_hours, precision=precision,
        energy_mwh=energy, base=base, energy_has_pue=has_pue, pue=pue,
        grid=first_number(row.get("grid_gCO2e_per_kWh")),
        co2_t=first_number(row.get("tCO2e")), notes=notes, skip=skip,
        hours_basis=str(over.get("hours_basis", "wall")))


def _missing(case: TrainingCase, need_chip_hours: bool) -> str | None:
    """Why a case cannot be predicted (every missing input, ``; ``-joined), or ``None``."""
    why: list[str] = []
    if case.skip:
        why.append(case.skip)
    if case.hardware is None:
        why.append(case.hardware_note or "no hardware")
    if case.tokens is None:
        why.append("no training tokens (nor published FLOPs to derive them from)")
    if case.chips is None:
        why.append("no chip count")
    if need_chip_hours and case.chip_hours is None:
        why.append("no chip-hours (nor wall time × chips)")
    return "; ".join(why) or None


def _boundary_label(case: TrainingCase) -> str:
    base = "accelerator" if case.base == "accelerator" else "IT (accelerator + host)"
    return f"{base} × PUE {case.pue:g}" if case.energy_has_pue and case.pue else base


def _compare_training(c: _Collector, case: TrainingCase, mode: str) -> None:
    """Predict one case in ``mode`` (``chip-hours`` or ``architecture``) and compare."""
    given_ch = case.chip_hours if mode == "chip-hours" else None
    has_energy = case.energy_mwh is not None and case.base is not None
    has_co2 = case.co2_t is not None and case.grid is not None and case.base is not None
    has_ch = mode == "architecture" and case.chip_hours is not None
    if not (has_energy or has_co2 or has_ch):
        what = "energy, CO2e (with grid intensity)" + (" or chip-hours" if mode ==
                                                        "architecture" else "")
        c.skip(case.id, f"nothing published to compare in this mode (no {what})")
        return
    assert case.spec is not None and case.hardware is not None and case.tokens is not None
    assert case.chips is not None
    try:
        fp = estimate_training(case.spec, case.hardware, tokens=case.tokens, chips=case.chips,
                               chip_hours=given_ch, precision=case.precision, pue=case.pue)
    except WattprintError as exc:
        c.skip(case.id, f"estimate failed: {exc}")
        return
    note = "; ".join([case.model_note, f"{case.chips} × {case.hardware}, {case.precision}",
                      f"{case.tokens:.3g} tokens", *case.notes])
    prod = fp.details.get("productive") if case.hours_basis == "throughput" else None
    if has_energy:
        assert case.energy_mwh is not None
        base_q = fp["accelerator_energy"] if case.base == "accelerator" else fp["it_energy"]
        if prod and case.base == "accelerator":
            base_q = _productive_q(prod["accelerator_energy_j"], "J")
        k = (case.pue if case.energy_has_pue and case.pue else 1.0) / J_PER_MWH
        c.add_q(case.id, "energy", base_q, case.energy_mwh, "MWh",
                f"boundary: {_boundary_label(case)}; {note}", scale=k)
    if has_co2:
        assert case.co2_t is not None and case.grid is not None
        base_q = fp["accelerator_energy"] if case.base == "accelerator" else fp["it_energy"]
        if prod and case.base == "accelerator":
            base_q = _productive_q(prod["accelerator_energy_j"], "J")
        c.add_q(case.id, "CO2e", base_q, case.co2_t, "t",
                f"PUE {case.pue or 1:g} × {case.grid:g} g/kWh (published); {note}",
                scale=(case.pue or 1.0) / J_PER_KWH * case.grid / 1e6)
    if has_ch:
        assert case.chip_hours is not None
        ch_q = _productive_q(prod["chip_hours"], "chip-h") if prod else fp["chip_hours"]
        c.add_q(case.id, "chip-hours", ch_q, case.chip_hours, "h", note)


def _productive_q(tri: list[float], unit: str) -> Quantity:
    """A productive-time figure of ``estimate_training`` (details ``productive``) as a
    Quantity, for rows whose published hours exclude lost time."""
    return Quantity(tri[0], unit, "productive time only (goodput excluded)", "modelled",
                    tri[1], tri[2])


def validate_training(mode: str) -> _Collector:
    """Every training row, in ``chip-hours`` or ``architecture`` mode."""
    c = _Collector(f"training-{mode}")
    rows = load_rows("training_runs.csv")
    for row in rows:
        case = read_training_case(row, rows)
        why = _missing(case, need_chip_hours=(mode == "chip-hours"))
        if why:
            c.skip(case.id, why)
            continue
        _compare_training(c, case, mode)
    return c


# --------------------------------------------------------------------------- entry point

_RUNNERS: dict[str, Callable[[], _Collector]] = {
    "h200": validate_h200,
    "training-chip-hours": lambda: validate_training("chip-hours"),
    "training-architecture": lambda: validate_training("architecture"),
    "inference": lambda: _inference(),
    "facility": lambda: _facility(),
    "non-llm": lambda: _nonllm(),
    "non-llm-pipeline": lambda: _nonllm("pipeline"),
}


def _inference() -> _Collector:
    from wattprint.validation.inference import validate_inference

    c = _Collector("inference")
    validate_inference(c)
    return c


def _nonllm(scope: str = "model") -> _Collector:
    from wattprint.validation.nonllm import validate_nonllm

    c = _Collector("non-llm" if scope == "model" else f"non-llm-{scope}")
    validate_nonllm(c, scope)
    return c


def _facility() -> _Collector:
    from wattprint.validation.facility import validate_facility

    c = _Collector("facility")
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
    return report

