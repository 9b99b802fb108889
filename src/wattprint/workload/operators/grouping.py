"""From the operators a trace recorded to :class:`OpGroup` totals, with fusion savings.

Fusion rule (docs/methodology.md §Operators): under a fusing stack an operator of a fusable
class (activation, elementwise, normalisation) whose input is the output of an earlier kernel
runs inside that producer's kernel. It then does not read that input from memory, and the
producer does not write it — unless another operator also consumes it (a residual branch),
in which case only the read is saved. Its own launch disappears. Chains fuse transitively:
conv → batch norm → ReLU becomes one kernel that reads the conv's input and weights and
writes the ReLU's output.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from wattprint.workload.operators.classes import FUSABLE, TENSOR_CLASSES
from wattprint.workload.operators.summary import OpGroup


@dataclass(frozen=True)
class TensorUse:
    """One tensor an operator read or wrote."""

    serial: int  # identity of the tensor version
    elements: float
    is_float: bool
    itemsize: float
    weight: bool  # a parameter or buffer (or a view of one)
    producer: int | None  # index of the record that wrote it; None for inputs/weights


@dataclass
class OpRecord:
    """One operator launch as traced."""

    op: str
    cls: str
    key: str | None
    ins: list[TensorUse]
    outs: list[TensorUse]
    tensor_flops: float
    gemm_k: float = 0.0
    gemm_m: float = 0.0
    fused_read: float = field(default=0.0)
    fused_write: float = field(default=0.0)
    fused: bool = False


def _cost_elements(r: OpRecord) -> float:
    """Elements the per-element FLOP cost applies to: outputs for pointwise, inputs else."""
    if r.cls in TENSOR_CLASSES and "softmax" not in r.op:
        return 0.0
    if r.cls in ("normalisation", "reduction", "attention"):
        return max((u.elements for u in r.ins if u.is_float and not u.weight), default=0.0)
    if r.cls in ("activation", "elementwise"):
        return max((u.elements for u in r.outs if u.is_float), default=0.0)
    return 0.0


def _zero(uses: list[TensorUse], serial: int) -> list[TensorUse]:
    return [replace(u, elements=0.0) if u.serial == serial else u for u in uses]


def fuse_sdpa_scores(records: list[OpRecord]) -> None:
    """Keep the scores of a decomposed ``scaled_dot_product_attention`` out of memory.

    On the meta device PyTorch runs SDPA (also inside ``nn.MultiheadAttention``) as its math
    decomposition — ``bmm → _safe_softmax → bmm`` — which materialises the scores; on a GPU the
    same call runs a flash/memory-efficient kernel that keeps them on chip. ``_safe_softmax``
    only comes from that decomposition, so its input, its output and the reads of the two
    products are removed (in place); the FLOPs stay.
    """
    for r in records:
        if "_safe_softmax" not in r.op or not r.ins:
            continue
        scores = r.ins[0]
        if scores.producer is not None:
            prod = records[scores.producer]
            prod.outs = _zero(prod.outs, scores.serial)
        r.ins = _zero(r.ins, scores.serial)
        for o in r.outs:
            r.outs = _zero(r.outs, o.serial)
            for c in records:
                if c.cls == "attention" and any(u.serial == o.serial for u in c.ins):
                    c.ins = _zero(c.ins, o.serial)


def apply_fusion(records: list[OpRecord]) -> None:
    """Mark fusable operators and the bytes their fusion saves (in place)."""
    consumers: Counter[int] = Counter()
    for r in records:
        for u in r.ins:
            consumers[u.serial] += 1
    for r in records:
        if r.cls not in FUSABLE:
            continue
        for u in r.ins:
            if u.is_float and not u.weight and u.producer is not None:
                r.fused = True
                r.fused_read = u.elements
                r.fused_write = u.elements if consumers[u.serial] == 1 else 0.0
                break


def _bucket(r: OpRecord) -> int:
    moved = sum(u.elements for u in r.ins) + sum(u.elements for u in r.outs)
    if r.tensor_flops <= 0 or moved <= 0:
        return 0
    return round(2 * math.log2(r.tensor_flops / moved))


def group_records(records: list[OpRecord]) -> tuple[OpGroup, ...]:
    """Sum records by (operator, class, cost key, arithmetic-intensity bucket)."""
    fuse_sdpa_scores(records)
    apply_fusion(records)
    acc: dict[tuple[str, str, str | None, int], defaultdict[str, float]] = {}
    for r in records:
        d = acc.setdefault((r.op, r.cls, r.key, _bucket(r)), defaultdict(float))
        d["count"] += 1
        d["tensor_flops"] += r.tensor_flops
        d["cost_elements"] += _cost_elements(r)
        for u in r.ins:
            if not u.is_float:
                d["fixed_bytes"] += u.elements * u.itemsize
            elif u.weight:
                d["weight_elements"] += u.elements
            else:
                d["in_elements"] += u.elements
        for u in r.outs:
            if u.is_float:
                d["out_elements"] += u.elements
            else:
                d["fixed_bytes"] += u.elements * u.itemsize
        d["fused_read_elements"] += r.fused_read
        d["fused_write_elements"] += r.fused_write
        d["fused_count"] += 1 if r.fused else 0
        d["_kf"] += r.gemm_k * r.tensor_flops
        d["_mf"] += r.gemm_m * r.tensor_flops
    out = []
    for (op, cls, key, _b), d in acc.items():
        f = d["tensor_flops"]
        out.append(OpGroup(
            op=op, cls=cls, key=key, count=int(d["count"]), tensor_flops=f,
            cost_elements=d["cost_elements"], in_elements=d["in_elements"],
            out_elements=d["out_elements"], weight_elements=d["weight_elements"],
            fixed_bytes=d["fixed_bytes"], fused_read_elements=d["fused_read_elements"],
            fused_write_elements=d["fused_write_elements"], fused_count=int(d["fused_count"]),
            gemm_k=d["_kf"] / f if f > 0 else 0.0, gemm_m=d["_mf"] / f if f > 0 else 0.0))
    out.sort(key=lambda g: (-g.tensor_flops, -(g.in_elements + g.out_elements), g.op))
    return tuple(out)
