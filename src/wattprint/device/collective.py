"""How fast and at what power a serving stack's tensor-parallel all-reduces run
(docs/methodology.md §2.4, "Tensor-parallel all-reduce").

The ring cost :func:`~wattprint.device.roofline.allreduce_time_s` divides the bytes by the
link's per-direction line rate. Decode all-reduces are small (tokens × hidden × 2 B: 0.1-10 MB
per call) and NCCL or vLLM's custom all-reduce reach only part of that rate on them, while their
kernels keep SMs and HBM busy: the chips draw well above idle while they run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wattprint.catalog.schema import Stack


def collective_params(stack: Stack) -> tuple[float, float]:
    """``(η_ar, f_ar)`` of ``stack``: the share of the link's per-direction rate its
    all-reduces reach (``allreduce_efficiency`` in ``data/stacks.toml``; 1 when absent) and
    the share of ``TDP − P_idle`` the chips draw above idle while they run
    (``collective_power_fraction``; 0 when absent: the all-reduce time at the idle floor)."""
    eff = stack.allreduce_efficiency.value if stack.allreduce_efficiency else 1.0
    frac = stack.collective_power_fraction.value if stack.collective_power_fraction else 0.0
    return eff, frac


def effective_link_bps(link_bps: Any, allreduce_efficiency: Any) -> Any:
    """Bus bandwidth the all-reduces reach [B/s]: ``η_ar · link`` (``link``: per direction)."""
    return link_bps * allreduce_efficiency


def collective_energy_j(t_comm: Any, fraction: Any, budget_w: Any, chips: Any) -> Any:
    """Dynamic energy drawn during the exposed all-reduce time [J]:
    ``n · f_ar · (TDP − P_idle) · t_comm``."""
    return chips * fraction * budget_w * t_comm


def collective_note(stack: Stack) -> str:
    """Provenance of ``stack``'s all-reduce rate and power (:func:`collective_params`)."""
    if stack.allreduce_efficiency is None and stack.collective_power_fraction is None:
        return (f"stack {stack.id}: all-reduces at the link's per-direction rate, their time "
                "at the idle floor (no allreduce_efficiency / collective_power_fraction)")
    parts = [f"{name}: {q.cite()}" for name, q in (
        ("allreduce_efficiency", stack.allreduce_efficiency),
        ("collective_power_fraction", stack.collective_power_fraction)) if q is not None]
    return f"stack {stack.id}: " + "; ".join(parts)
