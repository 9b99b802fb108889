"""Price-ready operator work: FLOPs and bytes per operator group for a stack and precision.

``operator_work`` applies, in order: the activation what-if (every activation priced as ReLU,
GELU, SiLU…), the precision of each operator class (bytes per element), and the stack's fusion
(``classes.stack_fuses``): under a fusing stack the reads and writes a fused operator saves are
removed and its launch disappears. FLOPs never change with fusion — only bytes and launches do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from wattprint.errors import InputError
from wattprint.workload.operators.classes import (
    CLASSES,
    TENSOR_CLASSES,
    activation_names,
    flops_per_element,
)
from wattprint.workload.operators.summary import OperatorSummary
from wattprint.workload.precision import PRECISIONS, PrecisionPlan

#: Matmuls/convolutions with a smaller inner dimension (depthwise convolutions: C_in/groups ·
#: k_h·k_w = 9 or 25) do not use tensor cores efficiently; they are priced at the vector rate.
VECTOR_K_MAX = 64.0


@dataclass(frozen=True)
class OpCost:
    """One operator group ready to price: FLOPs by unit, bytes and launches."""

    op: str
    cls: str
    launches: float
    tensor_flops: float  # on tensor cores at the compute precision [FLOP]
    vector_flops: float  # on the vector units (fp32 rate) [FLOP]
    bytes: float  # device-memory traffic after fusion [B]
    saved_bytes: float  # traffic removed by fusion [B]
    gemm_k: float
    gemm_m: float
    weight_bytes: float = 0.0  # part of ``bytes`` that is parameters/buffers [B]


@dataclass(frozen=True)
class OperatorWork:
    """All operator groups of one pass plus what it covers."""

    summary: OperatorSummary
    costs: tuple[OpCost, ...]
    fused: bool
    activation: str | None
    class_bytes: dict[str, float]

    @property
    def flops(self) -> float:
        """All FLOPs [FLOP]."""
        return sum(c.tensor_flops + c.vector_flops for c in self.costs)

    @property
    def bytes(self) -> float:
        """All device-memory bytes [B]."""
        return sum(c.bytes for c in self.costs)

    @property
    def launches(self) -> float:
        """Kernel launches."""
        return sum(c.launches for c in self.costs)


def class_bytes_per_element(plan: PrecisionPlan, overrides: dict[str, str] | None
                            ) -> dict[str, float]:
    """Bytes per activation element of each operator class (``--op-precision cls=fp32``)."""
    out = {c: plan.act_bytes for c in CLASSES}
    for cls, prec in (overrides or {}).items():
        if cls not in CLASSES or cls in ("view", "unknown"):
            raise InputError(f"operator class {cls!r}: choose one of "
                             f"{', '.join(c for c in CLASSES if c not in ('view', 'unknown'))}")
        key = prec.strip().lower()
        if key not in PRECISIONS:
            raise InputError(f"precision {prec!r} for {cls}: choose one of "
                             f"{', '.join(PRECISIONS)}")
        if cls in TENSOR_CLASSES:
            raise InputError(f"{cls} runs at --precision ({plan.name}); per-class precision "
                             "applies to normalisation, activation, elementwise, reduction and "
                             "data_movement")
        out[cls] = PRECISIONS[key].act_bytes
    return out


def operator_work(summary: OperatorSummary, plan: PrecisionPlan, *, fused: bool,
                  activation: str | None = None,
                  class_precision: dict[str, str] | None = None) -> OperatorWork:
    """FLOPs, bytes and launches of every operator group of ``summary``.

    Bytes: activations at the class's bytes per element, weights of matmuls at the plan's
    weight format (others at their class's), integer tensors at their own width. Under
    ``fused``, ``fused_read_elements + fused_write_elements`` are removed and fused launches
    disappear.
    """
    if activation is not None and activation not in activation_names():
        raise InputError(f"activation {activation!r}: choose one of "
                         f"{', '.join(activation_names())}")
    if plan.expert_bytes is not None:
        raise InputError(f"precision {plan.name} stores only MoE expert weights in "
                         f"{plan.name}; operator models have no experts: use int4, fp4 or fp8")
    cb = class_bytes_per_element(plan, class_precision)
    costs = []
    for g in summary.groups:
        if g.cls == "view":
            continue
        eb = cb[g.cls]
        key = activation if (activation and g.cls == "activation") else g.key
        vf = 0.0
        if g.cost_elements > 0 and g.cls not in ("matmul", "data_movement", "unknown"):
            vf = g.cost_elements * flops_per_element(g.cls, key).value
        wb = plan.weight_bytes if g.cls in TENSOR_CLASSES else eb
        full = (g.in_elements + g.out_elements) * eb + g.weight_elements * wb + g.fixed_bytes
        saved = (g.fused_read_elements + g.fused_write_elements) * eb if fused else 0.0
        launches = g.count - (g.fused_count if fused else 0)
        tf = g.tensor_flops
        if g.cls in TENSOR_CLASSES and 0 < g.gemm_k < VECTOR_K_MAX:
            tf, vf = 0.0, vf + g.tensor_flops
        costs.append(OpCost(g.op, g.cls, float(launches), tf, vf, max(full - saved, 0.0), saved,
                            g.gemm_k, g.gemm_m, g.weight_elements * wb))
    return OperatorWork(summary, tuple(costs), fused, activation, cb)


def decode_work(work: OperatorWork, steps: float) -> OperatorWork:
    """A traced teacher-forced pass over ``steps`` tokens, generated one token at a time.

    FLOPs and activation bytes are those of the traced pass; every step re-reads the weights
    and launches every kernel again: ``bytes += (steps − 1) · weight_bytes``,
    ``launches × steps``.
    """
    if steps <= 1:
        return work
    costs = tuple(replace(c, bytes=c.bytes + (steps - 1.0) * c.weight_bytes,
                          launches=c.launches * steps) for c in work.costs)
    return replace(work, costs=costs)
