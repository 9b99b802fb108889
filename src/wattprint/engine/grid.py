"""Stack per-configuration inputs into arrays for the engine's array-native formulas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from wattprint.catalog.schema import Hardware
from wattprint.catalog.stacks import Stack
from wattprint.device.coefficients import coefficients_for
from wattprint.device.execute import DeviceParams, device_params
from wattprint.errors import UnsupportedError
from wattprint.workload.phases import Work
from wattprint.workload.precision import PrecisionPlan, precision_plan


def stack_works(works: Sequence[Sequence[Work]], rows: np.ndarray) -> Work:
    """One :class:`Work` whose fields are arrays of shape (len(rows), columns).

    ``works`` is a table (precision × batch, say); ``rows`` picks a table row per combination.
    Fields constant over the whole table stay scalars (``passes``, ``gemm_k`` ...), as the
    engine's truth tests on them need.
    """
    out: dict[str, Any] = {}
    for name in Work._fields:
        if name == "phase":
            out[name] = works[0][0].phase
            continue
        vals = np.array([[float(getattr(w, name)) for w in row] for row in works])
        out[name] = float(vals.flat[0]) if np.all(vals == vals.flat[0]) else vals[rows]
    return Work(**out)


def stack_params(params: Sequence[DeviceParams]) -> DeviceParams:
    """One :class:`DeviceParams` whose numbers are column arrays (one row per combination)."""
    out: dict[str, Any] = {}
    for name in DeviceParams._fields:
        vals = [getattr(p, name) for p in params]
        v0 = vals[0]
        if isinstance(v0, bool):
            if any(v != v0 for v in vals):
                raise UnsupportedError(f"cannot sweep devices with mixed {name}")
            out[name] = v0
        elif isinstance(v0, tuple):
            out[name] = tuple(np.array([float(v[i]) for v in vals])[:, None]
                                for i in range(len(v0)))
        elif isinstance(v0, int | float):
            out[name] = np.array([float(v) for v in vals])[:, None]
        else:  # names and provenance: not used by the arithmetic
            out[name] = v0
    return DeviceParams(**out)


def hardware_precision_pairs(hardware: Sequence[Hardware], precisions: Sequence[str], stack: Stack,
            kv_cache: str | None, trainable: bool = False
            ) -> tuple[list[tuple[Hardware, PrecisionPlan]], list[str]]:
    """The hardware × precision pairs that can run (``stack`` on one chip), and why the
    others cannot."""
    out, skipped = [], []
    for hw in hardware:
        for name in precisions:
            plan = precision_plan(name, kv_cache)
            if trainable and not plan.trainable:
                skipped.append(f"{hw.id} {plan.name}: training in {plan.name} is not modelled")
                continue
            try:
                device_params(hw, coefficients_for(hw), stack, plan, 1)
            except UnsupportedError as exc:
                skipped.append(str(exc))
                continue
            out.append((hw, plan))
    return out, skipped
