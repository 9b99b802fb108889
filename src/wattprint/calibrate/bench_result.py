"""What a micro-benchmark is, and what it did and cost (see :mod:`.microbench`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any

Measure = Callable[[], AbstractContextManager[Any]]
BenchFn = Callable[[float, Measure], "BenchResult"]



@dataclass
class BenchResult:
    """What one benchmark did and (after the runner) what it cost.

    ``seconds`` is the timed loop's wall time (perf counter, after a synchronise);
    ``flops``/``bytes``/``calls`` the work done in it. The runner fills the energy fields from
    the meter window around the loop: ``energy_j`` (of the benchmarked device: the GPU, or
    CPU + DRAM for CPU benchmarks), its range, ``basis`` (``measured`` or ``modelled`` =
    estimated) and ``provenance`` (the meter's method and sensor).
    """

    name: str
    kind: str  # idle | matmul | copy | stream | launch
    device: str  # cpu | gpu
    precision: str | None = None
    seconds: float = 0.0
    flops: float = 0.0
    bytes: float = 0.0
    calls: int = 0
    shape: str = ""
    what: str = ""
    energy_j: float | None = None
    energy_low_j: float | None = None
    energy_high_j: float | None = None
    window_s: float | None = None
    basis: str | None = None
    provenance: str | None = None
    note: str | None = None
    busy_frac: float | None = None  # idle benchmarks: share of CPU (or GPU) time others used

    @property
    def flops_per_s(self) -> float:
        """Achieved FLOP/s."""
        return self.flops / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_s(self) -> float:
        """Achieved bytes/s."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    @property
    def avg_power_w(self) -> float | None:
        """Average power of the benchmarked device over the window [W]."""
        t = self.window_s or self.seconds
        if self.energy_j is None or not t or math.isnan(self.energy_j):
            return None
        return self.energy_j / t

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the derived rates."""
        d = asdict(self)
        d.update(flops_per_s=self.flops_per_s, bytes_per_s=self.bytes_per_s,
                 avg_power_w=self.avg_power_w)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in d.items()}


@dataclass
class Benchmark:
    """A benchmark to run: its function and its share of the budget."""

    name: str
    fn: BenchFn
    weight: float
    device: str = "cpu"
    gpu_index: int = 0


@dataclass
class BenchRun:
    """All results of a run plus what the machine was."""

    results: list[BenchResult]
    device: str  # cpu | gpu
    device_name: str
    budget_s: float
    elapsed_s: float
    notes: list[str] = field(default_factory=list)
    meter_absent: dict[str, str] = field(default_factory=dict)
