"""Provenance text of a stack's overhead and MoE-kernel numbers (``device_params``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wattprint.catalog.schema import Stack


def overhead_note(stack: Stack) -> str:
    """Where a stack's host-side numbers come from: per pass, per layer, per decode step, and
    the optional serial engine, per-worker, per-vocabulary-entry and host-power terms."""
    out = (f"stack {stack.id}: per pass {stack.per_step_s.cite()}; per layer "
           f"{stack.per_layer_s.cite()}; per decode step {stack.per_loop_step_s.cite()}")
    if stack.per_engine_step_s and stack.per_seq_step_s:
        out += (f"; serial engine work per step {stack.per_engine_step_s.cite()}"
                f" and per running sequence {stack.per_seq_step_s.cite()}")
    if stack.host_serial:
        out += "; host dispatch serial with the device (serial_busy_time_s)"
    if stack.host_power_fraction is not None:
        out += f"; power during host-paced time {stack.host_power_fraction.cite()}"
    if stack.per_worker_step_s is not None:
        out += f"; per extra GPU worker per step {stack.per_worker_step_s.cite()}"
    if stack.per_seq_vocab_s is not None:
        out += f"; per sequence and vocabulary entry {stack.per_seq_vocab_s.cite()}"
    if stack.per_request_s is not None:
        out += f"; per request admitted {stack.per_request_s.cite()}"
    if stack.per_seq_power_w is not None:
        out += (f"; power above idle during the per-sequence work "
                f"{stack.per_seq_power_w.cite()}")
    elif stack.per_seq_power_fraction is not None:
        out += (f"; share of the budget during the per-sequence work "
                f"{stack.per_seq_power_fraction.cite()}")
    return out


def moe_note(stack: Stack) -> str:
    """Where the routed-expert kernel numbers come from."""
    out = f"stack {stack.id}: {stack.moe_efficiency.cite()}"
    for name in ("moe_bandwidth_bps", "moe_fp8_efficiency", "moe_layer_s"):
        q = getattr(stack, name)
        if q is not None:
            out += f"; {name} {q.cite()}"
    return out


def ceilings_note(stack: Stack) -> dict[str, str]:
    """Provenance of a stack's kernel-side streaming ceilings for dense decode weights and
    recurrent (Mamba-2) state, keyed ``weight_bandwidth`` and ``state_bandwidth``; empty
    where the stack has none."""
    out = {}
    if stack.weight_bandwidth_bps is not None:
        out["weight_bandwidth"] = (f"stack {stack.id}: dense decode weights stream at most "
                                   f"{stack.weight_bandwidth_bps.cite()}")
    if stack.state_bandwidth_bps is not None:
        out["state_bandwidth"] = (f"stack {stack.id}: recurrent-state kernels stream at most "
                                  f"{stack.state_bandwidth_bps.cite()}")
    return out
