"""Price an :class:`OperatorWork` on a device: an operator-level roofline.

Each operator group is its own kernel run at its own roofline,
``t_g = max(t_tensor + t_vector, t_memory)``, and kernels run in sequence, so the device time is
``Σ_g t_g`` (:func:`operator_device_time_s`). The host dispatches ``launches`` kernels at
``s_op = s_layer / OPS_PER_LAYER`` each plus ``s_pass`` per forward call; the slower of device
and host sets the pace. Energy, power cap, boost-clock factor and idle floor are exactly the
device model's for LLMs (:mod:`wattprint.device.roofline`): ``E = P_idle·t + e_flop·FLOPs_tensor
+ e_vec·FLOPs_vector + e_byte·bytes``. Three corners give the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wattprint.device import roofline as r
from wattprint.device.execute import DeviceParams
from wattprint.workload.operators.work import OperatorWork

#: Operators per decoder layer behind the stacks' ``per_layer_s`` (stacks.toml: "~30
#: Python-dispatched ops per decoder layer at ~15 us"): the per-operator dispatch cost is
#: ``per_layer_s / 30`` (15 µs eager, matching the 13.7–14.2 µs launch-bound microbenchmark).
OPS_PER_LAYER = 30.0


@dataclass(frozen=True)
class OpPrice:
    """Time and energy of one pass (central, low, high) with a per-class breakdown."""

    time_s: tuple[float, float, float]
    energy_j: tuple[float, float, float]
    regime: str
    by_class: dict[str, dict[str, float]]
    intermediates: dict[str, float]


def tensor_rate(op: str, p: DeviceParams, corner: int) -> tuple[float, float]:
    """(peak FLOP/s, J per FLOP) of an operator's tensor FLOPs: a convolution's own rate where
    the precision gives it one (fp32: cuDNN's TF32 default, ``device.execute.conv_rate``), the
    matmul rate otherwise."""
    if p.conv_peak_flops and p.conv_j_per_flop and "convolution" in op:
        return p.conv_peak_flops, p.conv_j_per_flop[corner]
    return p.peak_flops, p.j_per_flop[corner]


def _group_times(work: OperatorWork, p: DeviceParams, corner: int
                 ) -> list[tuple[float, float, float]]:
    """(tensor, vector, memory) time of every operator group [s]."""
    out = []
    for c in work.costs:
        eta = r.gemm_efficiency(p.compute_eff[corner], c.gemm_k, c.gemm_m) \
            if (p.size_aware and c.gemm_k > 0) else p.compute_eff[corner]
        peak = tensor_rate(c.op, p, corner)[0]
        t_t = r.compute_time_s(c.tensor_flops, peak, eta) if c.tensor_flops else 0.0
        t_v = r.compute_time_s(c.vector_flops, p.vector_flops, p.compute_eff[corner])
        t_m = r.memory_time_s(c.bytes, p.bandwidth_bps, p.memory_eff[corner])
        out.append((t_t, t_v, t_m))
    return out


def operator_device_time_s(times: list[tuple[float, float, float]]) -> float:
    """``Σ_g max(t_tensor + t_vector, t_memory)``: kernels in sequence, each at its roofline."""
    return sum(max(tt + tv, tm) for tt, tv, tm in times)


def _corner(work: OperatorWork, p: DeviceParams, corner: int, passes: float
            ) -> dict[str, Any]:
    times = _group_times(work, p, corner)
    t_dev = operator_device_time_s(times)
    t_o = r.overhead_time_s(passes, work.launches / OPS_PER_LAYER, 0.0, p.per_step_s[corner],
                            p.per_layer_s[corner], 0.0)
    t = r.busy_time_s(t_dev, t_o)
    vector = sum(c.vector_flops for c in work.costs)
    e_flop = sum(c.tensor_flops * tensor_rate(c.op, p, corner)[1] for c in work.costs) \
        + vector * p.j_per_vector_op[corner]
    e_byte = work.bytes * p.j_per_byte[corner]
    budget = p.tdp_w - p.idle_w[corner]
    t_cap = r.power_capped_time_s(t, e_flop + e_byte, budget, 1.0)
    e_dyn = r.dvfs_dynamic_energy_j(e_flop, e_byte, p.dvfs_factor[corner], t_cap, budget)
    energy = r.accelerator_energy_j(p.idle_w[corner], 1.0, t_cap, e_dyn)
    return {"t": t_cap, "t_uncapped": t, "e": energy, "e_dyn": e_dyn, "t_dev": t_dev,
            "t_o": t_o, "times": times, "e_flop": e_flop, "e_byte": e_byte}


def _by_class(work: OperatorWork, p: DeviceParams, times: list[tuple[float, float, float]]
              ) -> dict[str, dict[str, float]]:
    """Where the dynamic joules and the device time go, per operator class (central)."""
    out: dict[str, dict[str, float]] = {}
    for c, (tt, tv, tm) in zip(work.costs, times, strict=True):
        d = out.setdefault(c.cls, {k: 0.0 for k in (
            "tensor_flops", "vector_flops", "bytes", "saved_bytes", "launches",
            "compute_energy_j", "memory_energy_j", "time_s", "memory_bound_time_s")})
        d["tensor_flops"] += c.tensor_flops
        d["vector_flops"] += c.vector_flops
        d["bytes"] += c.bytes
        d["saved_bytes"] += c.saved_bytes
        d["launches"] += c.launches
        d["compute_energy_j"] += c.tensor_flops * tensor_rate(c.op, p, 0)[1] + \
            c.vector_flops * p.j_per_vector_op[0]
        d["memory_energy_j"] += c.bytes * p.j_per_byte[0]
        d["time_s"] += max(tt + tv, tm)
        d["memory_bound_time_s"] += max(tt + tv, tm) if tm > tt + tv else 0.0
    return out


def price_operators(work: OperatorWork, p: DeviceParams, passes: float = 1.0) -> OpPrice:
    """Time [s] and accelerator energy [J] of ``work`` on one chip, with a range.

    ``passes`` forward calls each pay the stack's per-call overhead.
    """
    c = _corner(work, p, 0, passes)
    lo = _corner(work, p, 1, passes)
    hi = _corner(work, p, 2, passes)
    compute = sum(tt + tv for tt, tv, _ in c["times"])
    memory = sum(tm for _, _, tm in c["times"])
    parts = {"compute": compute, "memory": memory, "overhead": c["t_o"]}
    regime = max(parts, key=lambda k: parts[k])
    if c["t"] > c["t_uncapped"] * 1.0001:
        regime = "power-cap"
    inter = {"flops": work.flops, "bytes": work.bytes, "launches": work.launches,
             "dynamic_energy_j": c["e_dyn"], "idle_energy_j": c["e"] - c["e_dyn"],
             "t_device_s": c["t_dev"], "t_overhead_s": c["t_o"], "t_compute_s": compute,
             "t_memory_s": memory,
             "saved_bytes": sum(x.saved_bytes for x in work.costs)}
    return OpPrice((c["t"], min(lo["t"], hi["t"]), max(lo["t"], hi["t"])),
                   (c["e"], min(lo["e"], hi["e"]), max(lo["e"], hi["e"])), regime,
                   _by_class(work, p, c["times"]), inter)
