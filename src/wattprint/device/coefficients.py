"""Energy coefficients of a chip: dynamic joules per FLOP (by precision) and per byte.

Measured values (our H200 microbenchmarks) are used where the catalog has them. Other chips
are derived by :func:`derive_j_per_flop` / :func:`derive_j_per_byte`: a matrix product at
full load fills the chip's dynamic power budget (TDP − idle) the same way it does on the
reference chip, so energy per FLOP scales with ``(TDP − idle) / peak``. The derivation is
labelled ``derived`` with a ±35 % range (Hopper-to-Ampere differences in how far below the
power limit large GEMMs run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wattprint.quantity import Quantity
from wattprint.record import Record, field

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware

#: Precisions whose reference measurement is not used for derivation, and what stands in.
#: int8: PyTorch's ``_int_mm`` path measured on the H200 is a slow kernel (128.7 of 1,979
#: TOPS), not representative of production int8 GEMMs; fp8 has the same tensor-core rate.
_DERIVE_FROM = {"int8": "fp8", "int4": "fp8", "fp4": "fp8", "fp64": "fp32", "fp16": "bf16"}
_DERIVED_RANGE = (0.65, 1.35)


class EnergyCoefficients(Record):
    """Dynamic energy per FLOP [J] by precision and per byte [J], with provenance."""

    hardware_id: str
    j_per_flop: dict[str, Quantity] = field(default_factory=dict)
    j_per_byte: Quantity | None = None


def _reference() -> Hardware:
    from wattprint.catalog import measured_reference_hardware

    return measured_reference_hardware(light=True)


def dynamic_power_budget_w(hw: Hardware) -> float:
    """``TDP − idle``: what a workload can add on top of the idle floor [W]."""
    return hw.tdp_w.value - hw.idle_w.value


def budget_fill_ratio(j_per_flop: float, peak_flops: float, budget_w: float) -> float:
    """``e · peak / (TDP − idle)``: how many power budgets a chip would need at datasheet peak.

    Above 1 the chip is power-capped before it reaches peak (the H200 bf16 value is ≈1.48).
    """
    return j_per_flop * peak_flops / budget_w


def derive_j_per_flop(budget_w: float, peak_flops: float, fill_ratio: float) -> float:
    """Energy per FLOP of a chip from its budget and peak: ``fill · (TDP − idle) / peak`` [J]."""
    return fill_ratio * budget_w / peak_flops


def derive_j_per_byte(budget_w: float, bandwidth_bps: float, fill_ratio: float) -> float:
    """Energy per byte from budget and bandwidth: ``fill · (TDP − idle) / BW`` [J]."""
    return fill_ratio * budget_w / bandwidth_bps


def same_memory_j_per_byte(ref: Hardware) -> Quantity:
    """Energy per byte of a chip with the reference's memory technology [J/B]: the
    reference's measured value.

    DRAM access energy is set by the memory technology (HBM3e stacks, their I/O and the
    on-package wires), not by a chip's power budget: Micron and SK hynix quote pJ/bit per
    HBM generation (e.g. O'Connor et al., MICRO 2017, "Fine-grained DRAM", for the split
    into row activation, data movement and I/O). A chip with the same memory type as the
    measured reference (B200 and H200: HBM3e) takes its measured copy energy, with the
    derivation's range (±35 %), instead of scaling by budget over bandwidth.
    """
    assert ref.j_per_byte is not None
    v = ref.j_per_byte.value
    return Quantity(v, "J/B", f"derived: same_memory_j_per_byte = {ref.id}'s measured "
                    f"{ref.memory_type} copy energy ({ref.j_per_byte.cite()}); same memory "
                    "technology", "modelled", v * _DERIVED_RANGE[0], v * _DERIVED_RANGE[1])


_CACHE: dict[str, EnergyCoefficients] = {}


def coefficients_for(hw: Hardware) -> EnergyCoefficients:
    """Measured or derived dynamic energy per FLOP and per byte for ``hw`` (cached by id)."""
    hit = _CACHE.get(hw.id)
    if hit is not None:
        return hit
    result = _coefficients(hw)
    _CACHE[hw.id] = result
    return result


def _coefficients(hw: Hardware) -> EnergyCoefficients:
    ref = _reference()
    ref_budget = dynamic_power_budget_w(ref)
    budget = dynamic_power_budget_w(hw)
    out: dict[str, Quantity] = {}
    for prec, peak in hw.peak_flops.items():
        measured = hw.j_per_flop.get(prec)
        if measured is not None and prec not in ("int8",):
            out[prec] = Quantity(measured.value, "J/FLOP", f"dynamic energy per {prec} FLOP of "
                                 f"{hw.id}: {measured.cite()}",
                                 "measured" if measured.status == "measured" else "modelled",
                                 measured.low, measured.high)
            continue
        src: Any = prec if prec in ref.j_per_flop and prec not in _DERIVE_FROM else \
            _DERIVE_FROM.get(prec, "bf16")
        if src not in ref.j_per_flop or src not in ref.peak_flops:
            src = "bf16"
        fill = budget_fill_ratio(ref.j_per_flop[src].value, ref.peak_flops[src].value,
                                 ref_budget)
        v = derive_j_per_flop(budget, peak.value, fill)
        out[prec] = Quantity(
            v, "J/FLOP",
            f"derived: derive_j_per_flop = fill × (TDP − idle) / peak_{prec}, fill "
            f"{fill:.3g} from {ref.id}'s measured {src}; TDP {hw.tdp_w.value:g} W, idle "
            f"{hw.idle_w.value:g} W, peak {peak.value:.4g} FLOP/s",
            "modelled", v * _DERIVED_RANGE[0], v * _DERIVED_RANGE[1])
    if hw.j_per_byte is not None:
        jb = Quantity(hw.j_per_byte.value, "J/B", f"dynamic energy per byte of {hw.id}: "
                      f"{hw.j_per_byte.cite()}", "measured", hw.j_per_byte.low,
                      hw.j_per_byte.high)
    elif ref.j_per_byte is not None and hw.memory_type and \
            hw.memory_type == ref.memory_type:
        jb = same_memory_j_per_byte(ref)
    else:
        assert ref.j_per_byte is not None
        fill_b = budget_fill_ratio(ref.j_per_byte.value, ref.memory_bandwidth_bps.value,
                                   ref_budget)
        v = derive_j_per_byte(budget, hw.memory_bandwidth_bps.value, fill_b)
        jb = Quantity(v, "J/B", f"derived: derive_j_per_byte = fill × (TDP − idle) / BW, fill "
                      f"{fill_b:.3g} from {ref.id}'s measured copy", "modelled",
                      v * _DERIVED_RANGE[0], v * _DERIVED_RANGE[1])
    return EnergyCoefficients(hw.id, out, jb)
