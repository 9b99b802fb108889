"""2:4 structured sparsity of a phase's work (``--sparsity 2:4``), where a kernel runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wattprint.errors import InputError
from wattprint.workload.phases import Work
from wattprint.workload.precision import PrecisionPlan

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware


#: ``--sparsity`` values that mean no sparsity.
DENSE = (None, "", "none", "dense")


def is_sparse_24(sparsity: str | None, plan: PrecisionPlan) -> bool:
    """Whether ``sparsity`` asks for 2:4 structured sparsity (False for :data:`DENSE`).

    Raises InputError for any other value, and for MXFP4 weights: no kernel runs them
    2:4-sparse (docs/methodology.md §1.3)."""
    if sparsity in DENSE:
        return False
    if sparsity != "2:4":
        raise InputError(f"unknown sparsity {sparsity!r}; use 2:4 or none")
    if plan.name == "mxfp4":
        raise InputError("sparsity 2:4 does not combine with precision mxfp4: no kernel runs "
                         "2:4-sparse MXFP4 weights; use 2:4 with int4, fp8 or bf16, or mxfp4 "
                         "dense")
    return True


def check_sparse_hardware(hw: Hardware, sparsity: str | None, plan: PrecisionPlan) -> None:
    """Refuse a ``sparsity`` that :func:`is_sparse_24` refuses, and 2:4 on a chip without
    sparse matmul units [raises InputError].

    2:4 structured sparsity halves the matmul FLOPs only where a sparse tensor core runs it
    (NVIDIA Ampere and later, AMD CDNA 3: ``sparse_matmul_speedup`` in data/hardware.toml,
    each with its datasheet); elsewhere the kernels run the weights dense, so pricing them
    sparse would halve the work silently.
    """
    if not is_sparse_24(sparsity, plan) or hw.sparse_matmul_speedup is not None:
        return
    raise InputError(f"{hw.id} has no 2:4 sparse matmul units ({hw.vendor} {hw.family}): "
                     "sparsity 2:4 needs NVIDIA Ampere or later or AMD CDNA 3; use "
                     "--sparsity none")


def sparsify(work: Work, sparsity: str | None, plan: PrecisionPlan) -> Work:
    """Apply 2:4 structured sparsity (:func:`is_sparse_24`): half the matmul FLOPs, half the
    weights + metadata.

    Metadata is 2 bits per kept value: weight bytes × ``0.5 · (1 + 2 / bits)``.
    """
    if not is_sparse_24(sparsity, plan):
        return work
    bits = plan.weight_bytes * 8.0
    return work.replace(matmul_flops=work.matmul_flops * 0.5,
                        weight_bytes=work.weight_bytes * 0.5 * (1.0 + 2.0 / bits))
