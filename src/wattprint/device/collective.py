"""How fast and at what power a serving stack's tensor-parallel all-reduces run
(docs/methodology.md §2.4, "Tensor-parallel all-reduce").

The ring cost :func:`~wattprint.device.roofline.allreduce_time_s` divides the bytes by the
link's per-direction line rate. Decode all-reduces are small (tokens × hidden × 2 B: 0.1-10 MB
per call) and NCCL or vLLM's custom all-reduce reach only part of that rate on them, while their
kernels keep SMs and HBM busy: the chips draw well above idle while they run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wattprint.arrays import where
from wattprint.device.corners import Tri, tri
from wattprint.device.roofline import allreduce_time_s, collective_latency_s

if TYPE_CHECKING:
    from wattprint.catalog.schema import Stack


def collective_params(stack: Stack) -> tuple[Tri, Tri]:
    """``(η_ar, f_ar)`` of ``stack`` at the three corners (central, optimistic, pessimistic):
    the share of the link's per-direction rate its all-reduces reach (``allreduce_efficiency``
    in ``data/stacks.toml``; 1 when absent) and the share of ``TDP − P_idle`` the chips draw
    above idle while they run (``collective_power_fraction``; 0 when absent: the all-reduce
    time at the idle floor).

    The optimistic corner takes η_ar's high end (faster all-reduces, as ``compute_eff`` and
    ``memory_eff`` take theirs) and f_ar's low end: it is the corner of the least time and the
    least energy, as the other power shares (``seq_power_fraction``, ``host_power_fraction``)
    and the idle floor pair their low ends with it. The pessimistic corner takes η_ar's low end
    and f_ar's high end: the longest all-reduce at the highest power."""
    eff, frac = tri(stack.allreduce_efficiency, 1.0), tri(stack.collective_power_fraction, 0.0)
    return (eff[0], eff[2], eff[1]), frac


def effective_link_bps(link_bps: Any, allreduce_efficiency: Any) -> Any:
    """Bus bandwidth the all-reduces reach [B/s]: ``η_ar · link`` (``link``: per direction)."""
    return link_bps * allreduce_efficiency


def corner_allreduce_times_s(comm: Any, exposed: Any, nbytes: Any, group: Any, link_bps: Any,
                             efficiencies: Tri, calls: Any, base_s: float, hop_s: float
                             ) -> tuple[Any, Any, Any]:
    """Exposed all-reduce time [s] at each corner (central, optimistic, pessimistic):
    ``exposed · (allreduce_time_s(bytes, n, η_ar · link) + calls · collective_latency_s(n,
    α₀, α_hop))`` where ``comm`` (the all-reduce mask), else 0, with the corner's η_ar from
    ``efficiencies`` (:func:`collective_params`). Array-native; a corner whose η_ar is the
    central one (the same object) reuses its time: a stack without a range evaluates once."""
    if comm is False:  # no all-reduce (one chip, or no bytes)
        return (0.0, 0.0, 0.0)
    lat = calls * collective_latency_s(group, base_s, hop_s)
    e0, e1, e2 = efficiencies
    t0 = exposed * (allreduce_time_s(nbytes, group, effective_link_bps(link_bps, e0)) + lat)
    t1 = t0 if e1 is e0 else exposed * (
        allreduce_time_s(nbytes, group, effective_link_bps(link_bps, e1)) + lat)
    t2 = t0 if e2 is e0 else exposed * (
        allreduce_time_s(nbytes, group, effective_link_bps(link_bps, e2)) + lat)
    if comm is True:  # the scalar path: every corner has its all-reduce
        return (t0, t1, t2)
    return (where(comm, t0, 0.0), where(comm, t1, 0.0), where(comm, t2, 0.0))


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
