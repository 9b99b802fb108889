"""Priors of the stack parameters fitted by ``calibrate fit``.

Each parameter is fitted in normalised log space ``z``: ``θ = θ₀ · exp(σ₀ · z)``, with a
Gaussian prior centred on the stack's default ``θ₀`` whose width ``σ₀`` is half the
log-width of the stack's low–high range (see :mod:`wattprint.calibrate.fit`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wattprint.device.profile import Profile

#: Parameters fitted, in order.
FIT_PARAMS: tuple[str, ...] = ("per_step_s", "per_layer_s", "per_loop_step_s",
                               "compute_efficiency", "energy_scale")
#: Prior of the energy scale (no stack carries one): 1.0 within 0.7–1.4.
ENERGY_SCALE_PRIOR = (1.0, 0.7, 1.4)
#: Normalised bounds of every parameter (σ₀ units) and hard upper bound of efficiencies.
Z_BOUND = 4.0
MAX_EFFICIENCY = 1.0


@dataclass(frozen=True)
class Prior:
    """Starting value and width of one fitted parameter."""

    name: str
    value: float
    low: float
    high: float
    source: str

    @property
    def sigma(self) -> float:
        """Prior width in natural-log units: half the log-width of low–high (≥ 0.05)."""
        if self.low <= 0 or self.high <= 0:
            return 0.5
        return max(math.log(self.high / self.low) / 2.0, 0.05)

    @property
    def z_bounds(self) -> tuple[float, float]:
        """Bounds of the normalised parameter."""
        hi = Z_BOUND
        if self.name == "compute_efficiency":
            hi = min(hi, math.log(MAX_EFFICIENCY / self.value) / self.sigma)
        return (-Z_BOUND, hi)

    def theta(self, z: float) -> float:
        """Parameter value at normalised ``z``."""
        return self.value * math.exp(self.sigma * z)

    def z(self, theta: float) -> float:
        """Normalised coordinate of ``theta``."""
        return math.log(theta / self.value) / self.sigma


def stack_priors(stack: str, base: Profile | None = None) -> list[Prior]:
    """Priors from the stack's defaults (or from a base profile's stack section)."""
    from wattprint.catalog.stacks import get_stack

    st = get_stack(stack)
    out: list[Prior] = []
    for name in FIT_PARAMS:
        pv = getattr(base.stack, name, None) if base is not None else None
        if pv is not None:
            v, lo, hi = pv.tri()
            src = f"base profile {base.name if base else ''}: {pv.provenance}"
        elif name == "energy_scale":
            v, lo, hi = ENERGY_SCALE_PRIOR
            src = "wattprint assumption: dynamic energy as modelled (1.0, range 0.7-1.4)"
        else:
            q = getattr(st, name)
            v = q.value
            lo = q.low if q.low is not None else v
            hi = q.high if q.high is not None else v
            src = f"stack {st.id}: {q.source}"
        lo, hi = min(lo, v), max(hi, v)
        out.append(Prior(name, float(v), float(lo), float(hi), src))
    return out
