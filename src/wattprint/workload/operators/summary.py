"""An operator-level workload: what a module's forward (or training step) does, per operator.

:class:`OperatorSummary` is torch-free: the tracer produces it from any ``nn.Module`` and the
catalog ships one per model as JSON (``data/operators/<name>.json``). Element counts, not
bytes, are stored so that the precision is chosen when the work is priced.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from wattprint.errors import DataError, InputError
from wattprint.workload.operators.classes import CLASSES

#: Group fields that do not grow with the batch (weights are read once per pass).
_PER_PASS = ("count", "weight_elements", "fused_count", "gemm_k")


@dataclass(frozen=True)
class OpGroup:
    """All launches of one ATen operator with a similar arithmetic intensity.

    ``tensor_flops`` are matmul/convolution/attention FLOPs (PyTorch's formulas, 2 per
    multiply-add); ``cost_elements`` are the elements a non-matmul operator's per-element FLOP
    cost applies to. Element counts: activations read (``in_elements``), written
    (``out_elements``), parameters and buffers read (``weight_elements``); ``fixed_bytes`` are
    integer/bool tensors (indices, masks) at their own width. ``fused_read_elements`` and
    ``fused_write_elements`` are the reads of a producer's output and the producer's writes a
    fusing stack saves; ``fused_count`` the launches it removes.
    """

    op: str
    cls: str
    key: str | None = None
    count: int = 0
    tensor_flops: float = 0.0
    cost_elements: float = 0.0
    in_elements: float = 0.0
    out_elements: float = 0.0
    weight_elements: float = 0.0
    fixed_bytes: float = 0.0
    fused_read_elements: float = 0.0
    fused_write_elements: float = 0.0
    fused_count: int = 0
    gemm_k: float = 0.0  # FLOP-weighted inner dimension (matmul/conv: C_in·k_h·k_w)
    gemm_m: float = 0.0  # FLOP-weighted output rows (N·H·W or tokens)

    def scaled(self, k: float) -> OpGroup:
        """This group with its per-sample quantities multiplied by ``k``."""
        d = asdict(self)
        for name in ("tensor_flops", "cost_elements", "in_elements", "out_elements",
                     "fixed_bytes", "fused_read_elements", "fused_write_elements", "gemm_m"):
            d[name] = d[name] * k
        return OpGroup(**d)


@dataclass(frozen=True)
class OperatorSummary:
    """The operators of one pass of a module over ``batch`` samples, grouped.

    ``phase`` is ``forward`` (inference) or ``train_step`` (forward + backward, traced through
    autograd). ``unit`` is the natural unit of one sample (image, token, second of audio…).
    """

    name: str
    phase: str
    batch: int
    unit: str
    inputs: tuple[str, ...]
    params: float
    groups: tuple[OpGroup, ...]
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def tensor_flops(self) -> float:
        """Matmul, convolution and attention FLOPs [FLOP]."""
        return sum(g.tensor_flops for g in self.groups)

    def class_flops(self, cls: str) -> float:
        """Tensor FLOPs of one class [FLOP]."""
        return sum(g.tensor_flops for g in self.groups if g.cls == cls)

    @property
    def launches(self) -> int:
        """Kernel launches of an unfused (eager) pass."""
        return sum(g.count for g in self.groups if g.cls != "view")

    @property
    def unpriced(self) -> list[str]:
        """Operators without a FLOP formula (their bytes are counted, FLOPs are not)."""
        return sorted({g.op for g in self.groups if g.cls == "unknown"})

    def with_batch(self, batch: int) -> OperatorSummary:
        """The same pass over ``batch`` samples (activations scale, weights do not)."""
        if batch < 1:
            raise InputError(f"batch must be ≥ 1, got {batch}")
        k = batch / self.batch
        return replace(self, batch=batch, groups=tuple(g.scaled(k) for g in self.groups))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the catalog data-file format)."""
        d = asdict(self)
        d["inputs"] = list(self.inputs)
        d["groups"] = [{k: v for k, v in asdict(g).items() if v not in (0, 0.0, None)} | {
            "op": g.op, "cls": g.cls} for g in self.groups]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "summary") -> OperatorSummary:
        """Parse and validate a dict written by :meth:`to_dict`."""
        try:
            groups = tuple(OpGroup(**g) for g in d["groups"])
            out = cls(name=str(d["name"]), phase=str(d["phase"]), batch=int(d["batch"]),
                      unit=str(d["unit"]), inputs=tuple(d.get("inputs", ())),
                      params=float(d["params"]), groups=groups, source=str(d.get("source", "")),
                      meta=dict(d.get("meta", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{where}: malformed operator summary: {exc}") from exc
        for g in groups:
            if g.cls not in CLASSES:
                raise DataError(f"{where}: operator {g.op} has unknown class {g.cls!r}")
            values = (g.tensor_flops, g.in_elements, g.out_elements, g.weight_elements)
            if any(not math.isfinite(v) or v < 0 for v in values):
                raise DataError(f"{where}: operator {g.op} has a negative or non-finite count")
        if out.batch < 1:
            raise DataError(f"{where}: batch must be ≥ 1")
        return out

    def save(self, path: Path) -> None:
        """Write as indented JSON."""
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> OperatorSummary:
        """Read a summary written by :meth:`save`."""
        from wattprint.textfiles import loads_json, read_text

        try:
            raw = loads_json(read_text(Path(path), "operator summary"), str(path), DataError)
        except InputError as exc:
            raise DataError(f"{path}: cannot read operator summary: {exc}") from exc
        return cls.from_dict(raw, str(path))


def per_pass_fields() -> tuple[str, ...]:
    """Group fields counted once per pass regardless of batch."""
    return _PER_PASS
