"""Validation groups ``training-chip-hours`` and ``training-architecture``: published
training runs, predicted from their chip-hours or from architecture, tokens and chips alone.

Energy is compared on the boundary of the published figure (accelerator only, accelerator ×
PUE, or system/IT × PUE; read from the ``power_basis``/``energy_basis`` columns), and CO2e
with the published PUE and grid intensity, so that the comparison tests the energy model and
not the site data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wattprint.engine import estimate_training
from wattprint.errors import WattprintError
from wattprint.quantity import J_PER_KWH, Quantity
from wattprint.validation.data import Collector, load_rows
from wattprint.validation.parse import (
    chips_from_hardware,
    first_number,
    half_precision,
    hardware_id,
    parse_active_params,
    parse_chip_hours,
    parse_count,
    parse_params,
    parse_pue,
    parse_tokens,
    published_flops,
)
from wattprint.validation.specs import training_spec
from wattprint.workload.model_spec import ModelSpec

J_PER_MWH = J_PER_KWH * 1e3


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


def _read_spec(row: dict[str, str]) -> tuple[ModelSpec | None, str, str | None, float | None,
                                              float | None]:
    """(spec, model note, skip reason, total and active parameters) of a row."""
    params_cell = row.get("params_total_B", "")
    params = parse_params(params_cell)
    active = parse_active_params(row.get("params_active_B"), params)
    if "per model" in params_cell.lower():
        return (None, "", "parameters are per child model of an architecture search: no "
                "single model", params, active)
    spec, model_note = training_spec(row["model"], params, active)
    return spec, model_note, (model_note if spec is None else None), params, active


def _read_chips(row: dict[str, str], rows: list[dict[str, str]], notes: list[str]
                ) -> int | None:
    chips = parse_count(row.get("chip_count")) or chips_from_hardware(row.get("hardware"))
    if chips is None:
        got = _borrow(rows, row, "chip_count", same_prefix=True)
        if got:
            chips = parse_count(got[0])
            notes.append(f"chip count not published for this row; {chips} from {got[1]}")
    return chips


def _read_tokens(row: dict[str, str], rows: list[dict[str, str]], over: dict[str, Any],
                 spec: ModelSpec | None, n_params: float | None, notes: list[str]
                 ) -> float | None:
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
        if flops and n_params:
            tokens = flops / (6.0 * n_params)
            notes.append(f"tokens = published {flops:.3g} FLOP / (6 × {n_params / 1e9:.3g}B)")
    return tokens


def _read_chip_hours(row: dict[str, str], chips: int | None, notes: list[str]) -> float | None:
    chip_hours, ch_note = parse_chip_hours(row.get("accelerator_hours"), chips)
    if chip_hours is None and chips:
        days = first_number(row.get("wall_days"))
        if days:
            chip_hours = days * 24.0 * chips
            ch_note = f"{days:g} days wall × {chips} chips"
    if ch_note and ch_note != "published chip-hours":
        notes.append(f"chip-hours: {ch_note}")
    return chip_hours


def read_training_case(row: dict[str, str], rows: list[dict[str, str]]) -> TrainingCase:
    """Parse one ``training_runs.csv`` row into a :class:`TrainingCase`."""
    rid = row["id"]
    over = TRAINING_OVERRIDES.get(rid, {})
    notes: list[str] = [str(over["why"])] if over.get("why") else []
    spec, model_note, skip, params, active = _read_spec(row)
    hw, hw_note = hardware_id(row.get("hardware"))
    if hw_note:
        notes.append(hw_note)
    chips = _read_chips(row, rows, notes)
    tokens = _read_tokens(row, rows, over, spec, active or params, notes)
    chip_hours = _read_chip_hours(row, chips, notes)
    base, has_pue, b_note = _boundary(row)
    base = over.get("base", base)
    has_pue = over.get("energy_has_pue", has_pue)
    pue = over.get("pue", parse_pue(row.get("pue")))
    energy = over.get("energy_mwh", first_number(row.get("energy_MWh")))
    if energy is not None and base is None:
        notes.append(b_note)
    precision = over.get("precision") or half_precision(hw)
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


def _compare_training(c: Collector, case: TrainingCase, mode: str) -> None:
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


def validate_training(mode: str) -> Collector:
    """Every training row, in ``chip-hours`` or ``architecture`` mode."""
    c = Collector(f"training-{mode}")
    rows = load_rows("training_runs.csv")
    for row in rows:
        case = read_training_case(row, rows)
        why = _missing(case, need_chip_hours=(mode == "chip-hours"))
        if why:
            c.skip(case.id, why)
            continue
        _compare_training(c, case, mode)
    return c
