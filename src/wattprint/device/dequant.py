"""Energy of one weight-dequantisation op on a chip [J]."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the schema imports pydantic: kept off an estimate's import path
    from wattprint.catalog.precisions import PrecisionPlan
    from wattprint.catalog.schema import Hardware
    from wattprint.device.coefficients import EnergyCoefficients


def dequant_j_per_op(coeffs: EnergyCoefficients, compute: str,
                     plan: PrecisionPlan | None = None, hw: Hardware | None = None) -> Any:
    """Energy of one weight-dequantisation op [J]: that of a FLOP at the compute precision,
    or of a CUDA-core fp32 FLOP for a format the chip cannot convert in hardware
    (``plan.software_dequant`` on a chip without ``fp4`` units: MXFP4 on Hopper, whose
    Triton kernels unpack e2m1 values and apply e8m0 scales with ALU ops).

    Fused weight-only kernels (Marlin, AWQ/GPTQ GEMMs) unpack int4 to bf16/fp16 in registers
    between the shared-memory load and the tensor-core MMA (Frantar et al. 2024, "MARLIN",
    arXiv 2408.11743): the ops touch no memory of their own. A fp32 CUDA-core GEMM FLOP
    (13.1 pJ dynamic on our H200) is dominated by register-file and shared-memory traffic per
    FMA and overstates them ~12×; a tensor-core FLOP at the compute precision (bf16: 0.87 pJ
    dynamic, measured) is the stated stand-in.
    """
    if plan is not None and hw is not None and plan.software_dequant \
            and "fp4" not in hw.peak_flops and "fp32" in coeffs.j_per_flop:
        return coeffs.j_per_flop["fp32"]
    return coeffs.j_per_flop[compute]
