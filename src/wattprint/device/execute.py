"""Run a :class:`~wattprint.workload.phases.Work` on a device: time, energy and regime.

Evaluated three times — central, optimistic (low) and pessimistic (high) parameter corners —
so every result carries a range. See docs/methodology.md §Device for the formulas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from wattprint.arrays import both, where
from wattprint.catalog.defaults import default_value
from wattprint.device import collective as cl
from wattprint.device import roofline as r
from wattprint.device.ceilings import ceiling_efficiency
from wattprint.device.ceilings import moe_efficiency as _moe_eff
from wattprint.device.coefficients import EnergyCoefficients
from wattprint.device.corners import best_first as _best_first
from wattprint.device.corners import tri as _tri
from wattprint.device.dequant import dequant_j_per_op
from wattprint.device.moe import moe_chain_time_s
from wattprint.device.stack_notes import ceilings_note, moe_note, overhead_note
from wattprint.errors import UnsupportedError
from wattprint.record import Record, field
from wattprint.workload.phases import Work
from wattprint.workload.precision import PrecisionPlan

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware, Precision, Stack

#: Ring all-reduce latency (:func:`~wattprint.device.roofline.collective_latency_s`): launch
#: and synchronisation, and one hop [s]. Two chips: 4 + 2·2 = 8 µs (the former flat
#: assumption); eight: 32 µs. Hop latency fitted on ML.ENERGY V3 dev rows (docs/methodology.md
#: §2.4, MoE kernels): Qwen3-235B decode on 8 GPUs exceeds the same per-chip work on
#: 1–2 GPUs by ~50 µs per layer (two all-reduces).
COLLECTIVE_BASE_S = 4e-6
COLLECTIVE_HOP_S = 2e-6
#: Latency of one all-reduce between two chips [s]: the former flat assumption.
COLLECTIVE_LATENCY_S = COLLECTIVE_BASE_S + 2.0 * COLLECTIVE_HOP_S
#: Per-GPU network bandwidth between nodes (one 400 Gb/s NIC per GPU) [B/s]; assumption.
INTER_NODE_BPS = 50e9
#: Chips per server beyond which collectives leave the node (GPUs); TPUs/ICI stay on-fabric.
CHIPS_PER_NODE = 8


class DeviceParams(Record):
    """Numbers the device model needs, possibly overridden by a calibration profile."""

    hardware_id: str
    compute_precision: str  # key into peak_flops actually used by the matmuls
    peak_flops: float  # at the compute precision [FLOP/s]
    vector_flops: float  # non-tensor fp32 rate for dequantisation [FLOP/s]
    bandwidth_bps: float
    idle_w: tuple[float, float, float]  # central, low, high [W]
    tdp_w: float
    j_per_flop: tuple[float, float, float]
    j_per_vector_op: tuple[float, float, float]
    j_per_byte: tuple[float, float, float]
    compute_eff: tuple[float, float, float]  # central, optimistic(high), pessimistic(low)
    memory_eff: tuple[float, float, float]
    per_step_s: tuple[float, float, float]  # central, optimistic(low), pessimistic(high)
    per_layer_s: tuple[float, float, float]
    per_loop_step_s: tuple[float, float, float]
    link_bps: float
    dvfs_factor: tuple[float, float, float] = (1.0, 1.0, 1.0)
    moe_eff: tuple[float, float, float] = (1.0, 1.0, 1.0)  # central, optimistic, pessimistic
    moe_layer_s: tuple[float, float, float] = (0.0, 0.0, 0.0)  # MoE kernel chain per layer
    #: share of ``bandwidth_bps · memory_eff`` the recurrent-state (Mamba-2) kernels reach
    #: (``stream_ceiling_factor``); central, optimistic, pessimistic
    state_eff: tuple[float, float, float] = (1.0, 1.0, 1.0)
    #: share of ``bandwidth_bps · memory_eff`` dense weight streaming reaches in decode
    #: (``stream_ceiling_factor`` with ``weight_bandwidth_bps``); central, optimistic, pessimistic
    weight_eff: tuple[float, float, float] = (1.0, 1.0, 1.0)
    per_layer_seq_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    per_engine_step_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    per_seq_step_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    seq_power_fraction: tuple[float, float, float] = (0.0, 0.0, 0.0)
    per_worker_step_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    per_seq_vocab_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    per_request_s: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: host dispatch adds to device time (``serial_busy_time_s``) instead of overlapping it
    host_serial: bool = False
    #: share of the dynamic budget drawn during host-paced time (``host_time_energy_j``)
    host_power_fraction: tuple[float, float, float] = (0.0, 0.0, 0.0)
    size_aware: bool = True
    #: convolutions' own rate and energy when they differ from the matmuls' (fp32: TF32)
    conv_peak_flops: float | None = None
    conv_j_per_flop: tuple[float, float, float] | None = None
    comm_eff: tuple[float, float, float] = (1.0, 1.0, 1.0)  # η_ar of link_bps; best first
    comm_power_fraction: tuple[float, float, float] = (0.0, 0.0, 0.0)  # f_ar: central, lo, hi
    provenance: dict[str, str] = field(default_factory=dict)


def _tri_or_zero(q: Any) -> tuple[float, float, float]:
    return _tri(q, 0.0)


def _seq_power_fraction(stack: Stack, hw: Hardware) -> tuple[float, float, float]:
    """Share of ``hw``'s dynamic budget drawn during the per-sequence engine work per corner:
    :func:`~wattprint.device.roofline.sequence_power_share` of the stack's ``per_seq_power_w``
    over ``TDP − P_idle`` when it gives one, else its ``per_seq_power_fraction`` (0 when
    neither)."""
    if stack.per_seq_power_w is None:
        return _tri_or_zero(stack.per_seq_power_fraction)
    budget = hw.tdp_w.value - hw.idle_w.value
    w = _tri(stack.per_seq_power_w)
    return (r.sequence_power_share(w[0], budget), r.sequence_power_share(w[1], budget),
            r.sequence_power_share(w[2], budget))


def compute_rate(hw: Hardware, plan: PrecisionPlan) -> tuple[Precision, str | None]:
    """The key into ``hw.peak_flops`` that ``plan``'s matrix products run at, and a note
    when that is an emulation.

    The one rule (docs/methodology.md §Precision): a precision runs at the chip's rate for
    its compute format. Weight-only formats (int4: weights dequantised to bf16) fall back to
    fp16 on chips without bf16 units (V100, T4), with a note. Any other precision the chip
    lacks (e.g. ``bf16`` on a V100) is an :class:`UnsupportedError` naming what it offers.
    """
    compute = cast("Precision", plan.compute)
    if compute in hw.peak_flops:
        return compute, None
    if plan.dequant_ops_per_weight > 0 and compute == "bf16" and "fp16" in hw.peak_flops:
        return "fp16", (f"{plan.name} weights are dequantised to fp16 on {hw.id} (no bf16 "
                        "units): compute at the fp16 rate")
    have = ", ".join(k for k in hw.peak_flops)
    what = plan.name if compute == plan.name else f"{plan.name} ({compute})"
    raise UnsupportedError(f"{hw.id} has no {what} support; it offers {have}")


#: PyTorch's fp32 defaults: ``torch.backends.cudnn.allow_tf32 = True`` (convolutions run on
#: TF32 tensor cores) while ``torch.backends.cuda.matmul.allow_tf32 = False`` since 1.12
#: (matmuls stay fp32). PyTorch docs, "CUDA semantics: TensorFloat-32 (TF32) on Ampere (and
#: later) devices", 2022.
FP32_CONV_PRECISION = "tf32"


def conv_rate(hw: Hardware, coeffs: EnergyCoefficients, plan: PrecisionPlan
              ) -> tuple[float, tuple[float, float, float]] | None:
    """(peak FLOP/s, J/FLOP corners) of convolutions when they run at another precision than
    the matmuls: an fp32 plan's convolutions run in TF32 where the chip has TF32 units
    (:data:`FP32_CONV_PRECISION`); None otherwise."""
    if plan.compute != "fp32" or FP32_CONV_PRECISION not in hw.peak_flops \
            or FP32_CONV_PRECISION not in coeffs.j_per_flop:
        return None
    return (hw.peak_flops[FP32_CONV_PRECISION].value,
            _tri(coeffs.j_per_flop[FP32_CONV_PRECISION]))


def device_params(hw: Hardware, coeffs: EnergyCoefficients, stack: Stack, plan: PrecisionPlan,
                  chips: int) -> DeviceParams:
    """Collect the device and stack numbers for one hardware × precision × stack."""
    compute, _ = compute_rate(hw, plan)
    vec = hw.peak_flops.get("fp32") or hw.peak_flops[compute]
    jf = coeffs.j_per_flop[compute]
    jv = dequant_j_per_op(coeffs, compute, plan, hw)
    assert coeffs.j_per_byte is not None
    link = hw.interconnect_bps.value if hw.interconnect_bps else INTER_NODE_BPS
    if hw.kind == "gpu" and chips > CHIPS_PER_NODE:
        link = min(link, INTER_NODE_BPS)
    ce, me = stack.compute_efficiency, stack.memory_efficiency
    dvfs = default_value("device", "dvfs_factor")
    conv, comm = conv_rate(hw, coeffs, plan), cl.collective_params(stack)
    return DeviceParams(
        conv_peak_flops=conv[0] if conv else None,
        conv_j_per_flop=conv[1] if conv else None,
        hardware_id=hw.id,
        compute_precision=compute,
        peak_flops=hw.peak_flops[compute].value,
        vector_flops=vec.value,
        bandwidth_bps=hw.memory_bandwidth_bps.value,
        idle_w=_tri(hw.idle_w),
        tdp_w=hw.tdp_w.value,
        j_per_flop=_tri(jf),
        j_per_vector_op=_tri(jv),
        j_per_byte=_tri(coeffs.j_per_byte),
        compute_eff=_best_first(ce),
        memory_eff=_best_first(me),
        per_step_s=_tri(stack.per_step_s),
        per_layer_s=_tri(stack.per_layer_s),
        per_loop_step_s=_tri(stack.per_loop_step_s),
        per_layer_seq_s=_tri(stack.per_layer_seq_s),
        per_engine_step_s=_tri_or_zero(stack.per_engine_step_s),
        per_seq_step_s=_tri_or_zero(stack.per_seq_step_s),
        seq_power_fraction=_seq_power_fraction(stack, hw),
        per_worker_step_s=_tri_or_zero(stack.per_worker_step_s),
        per_seq_vocab_s=_tri_or_zero(stack.per_seq_vocab_s),
        per_request_s=_tri_or_zero(stack.per_request_s),
        host_serial=stack.host_serial,
        host_power_fraction=_tri_or_zero(stack.host_power_fraction),
        link_bps=link,
        comm_eff=comm[0], comm_power_fraction=comm[1],
        dvfs_factor=_tri(dvfs),
        moe_eff=_moe_eff(hw, stack, plan),
        moe_layer_s=_tri_or_zero(stack.moe_layer_s),
        state_eff=ceiling_efficiency(hw, stack, stack.state_bandwidth_bps),
        weight_eff=ceiling_efficiency(hw, stack, stack.weight_bandwidth_bps),
        provenance={
            "dvfs_factor": f"boost-clock energy factor: {dvfs.cite()}",
            **({"conv_rate": f"fp32 convolutions at {FP32_CONV_PRECISION} (PyTorch default "
                             "torch.backends.cudnn.allow_tf32 = True; matmuls stay fp32): "
                             f"{hw.peak_flops[FP32_CONV_PRECISION].cite()}"} if conv else {}),
            "peak_flops": f"{hw.id} peak {compute}: {hw.peak_flops[compute].cite()}",
            "bandwidth": f"{hw.id} memory bandwidth: {hw.memory_bandwidth_bps.cite()}",
            "idle_w": f"{hw.id} idle floor: {hw.idle_w.cite()}",
            "tdp_w": f"{hw.id} power limit: {hw.tdp_w.cite()}",
            "j_per_flop": jf.provenance,
            "j_per_byte": coeffs.j_per_byte.provenance,
            "j_per_dequant_op": f"dequant_j_per_op: a {compute} FLOP's energy ({jv.provenance})",
            "compute_efficiency": f"stack {stack.id}: {ce.cite()}",
            "memory_efficiency": f"stack {stack.id}: {me.cite()}",
            "moe_efficiency": moe_note(stack), "allreduce": cl.collective_note(stack),
            "overhead": overhead_note(stack),
            **ceilings_note(stack),
        },
    )


class PhaseResult(Record):
    """Time and accelerator energy of one phase, with every intermediate and a range."""

    phase: str
    time_s: float
    time_low_s: float
    time_high_s: float
    energy_j: float
    energy_low_j: float
    energy_high_j: float
    regime: str
    intermediates: dict[str, float]

    def __init__(self, phase: str, time_s: float, time_low_s: float, time_high_s: float,
                 energy_j: float, energy_low_j: float, energy_high_j: float, regime: str,
                 intermediates: dict[str, float]) -> None:
        self.__dict__.update(
            phase=phase, time_s=time_s, time_low_s=time_low_s, time_high_s=time_high_s,
            energy_j=energy_j, energy_low_j=energy_low_j, energy_high_j=energy_high_j,
            regime=regime, intermediates=intermediates)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"phase": self.phase, "time_s": self.time_s, "time_low_s": self.time_low_s,
                "time_high_s": self.time_high_s, "energy_j": self.energy_j,
                "energy_low_j": self.energy_low_j, "energy_high_j": self.energy_high_j,
                "regime": self.regime, **self.intermediates}


def evaluate_phase(work: Work, p: DeviceParams, chips: Any, comm_bytes: Any = 0.0,
                   comm_calls: Any = 0.0, corner: int = 0, exposed_comm: Any = 1.0
                   ) -> dict[str, Any]:
    """Time [s] and accelerator energy [J] of ``work`` on ``chips`` chips at one parameter
    ``corner`` (0 central, 1 optimistic, 2 pessimistic), with every intermediate time.
    Array-native: every field of ``work`` and ``p``, ``chips``, ``comm_bytes``, ``comm_calls``
    may be a float or a numpy array (broadcast); all-reduces count where ``chips > 1`` and
    ``comm_bytes > 0``. Keys: ``t`` (power-capped time), ``e``, ``e_dyn``, ``t_compute``,
    ``t_memory``, ``t_elementwise``, ``t_device``, ``t_overhead``, ``t_sequences`` (serial
    serving-engine host work), ``t_comm``, ``t_uncapped``. Corner-independent terms:
    :func:`phase_terms` (run_work: once)."""
    return phase_corner(phase_terms(work, p, chips, comm_bytes, comm_calls, exposed_comm),
                        work, p, corner)


def phase_terms(work: Work, p: DeviceParams, chips: Any, comm_bytes: Any = 0.0,
                comm_calls: Any = 0.0, exposed_comm: Any = 1.0,
                comm_group: Any = None) -> tuple[Any, ...]:
    """The corner-independent terms of :func:`evaluate_phase` (and the all-reduce time per
    corner), in this order: chips as a float ``n``, matmul + attention FLOPs, those per chip,
    GEMM rows ``m`` and inner dimension ``k``, the all-reduce mask, its exposed time ``t_comm``
    [s] at the three corners, the collective buffers' bytes read and written, dequantisation
    ops and elementwise bytes per chip, and ``work.bytes``. The all-reduce runs over
    ``comm_group`` chips (the tensor-parallel group; default ``chips``)."""
    n = chips * 1.0
    g = n if comm_group is None else comm_group * 1.0
    flops = work.matmul_flops + work.attention_flops
    m = where(work.passes > 0, work.tokens / where(work.passes > 0, work.passes, 1.0),
              work.tokens)
    comm = both(g > 1, comm_bytes > 0)
    t_comm = cl.corner_allreduce_times_s(comm, exposed_comm, comm_bytes, g, p.link_bps, p.comm_eff,
                                         comm_calls, COLLECTIVE_BASE_S, COLLECTIVE_HOP_S)
    return (n, flops, flops / n, m, where(work.gemm_k > 0, work.gemm_k, r.GEMM_K_HALF * 8),
            comm, t_comm, 2.0 * comm_bytes, work.dequant_ops / n,
            (work.activation_bytes + work.optimizer_bytes) / n, work.bytes)


def phase_corner(s: tuple[Any, ...], work: Work, p: DeviceParams, corner: int
                 ) -> dict[str, Any]:
    """:func:`evaluate_phase` at one ``corner`` from its corner-independent terms ``s``
    (:func:`phase_terms`)."""
    return dict(zip(CORNER_KEYS, _corner(s, work, p, corner), strict=True))


CORNER_KEYS = ("t", "e", "e_dyn", "t_compute", "t_memory", "t_elementwise", "t_device",
               "t_overhead", "t_sequences", "t_comm", "t_uncapped")  # _corner's tuple order


def _corner_params(p: DeviceParams) -> tuple[tuple[Any, ...], ...]:
    """``p``'s numbers at each corner in :func:`_corner`'s order, kept by ``p`` (frozen)."""
    cache = p.__dict__.get("_corner_params")
    if cache is None:
        cache = tuple((p.compute_eff[c], p.moe_eff[c], p.memory_eff[c], p.moe_layer_s[c],
                       p.per_step_s[c], p.per_layer_s[c], p.per_loop_step_s[c],
                       p.per_layer_seq_s[c], p.per_engine_step_s[c], p.per_seq_step_s[c],
                       p.per_worker_step_s[c], p.per_seq_vocab_s[c], p.per_request_s[c],
                       p.j_per_flop[c], p.j_per_vector_op[c], p.j_per_byte[c], p.idle_w[c],
                       p.dvfs_factor[c], p.seq_power_fraction[c], p.host_power_fraction[c],
                       p.state_eff[c], p.weight_eff[c], p.comm_power_fraction[c])
                      for c in range(3))
        object.__setattr__(p, "_corner_params", cache)
    return cache


def _corner(s: tuple[Any, ...], work: Work, p: DeviceParams, corner: int) -> tuple[Any, ...]:
    """:func:`phase_corner` as a tuple in the order of :data:`CORNER_KEYS`."""
    n, flops, matmul_per_chip, m, k, comm, t_comms, comm_rw_bytes, dequant, elementwise, nb = s
    (ce, moe_eff, me, moe_layer_s, per_step_s, per_layer_s, per_loop_step_s, per_layer_seq_s,
     per_engine_step_s, per_seq_step_s, per_worker_step_s, per_seq_vocab_s, per_request_s,
     j_flop, j_vec, j_byte, idle_w, dvfs, seq_fraction, host_fraction, state_eff,
     weight_eff, comm_fraction) = (p.__dict__.get("_corner_params") or _corner_params(p))[corner]
    t_comm = t_comms[corner]  # the all-reduce at this corner's η_ar (collective_params)
    w = work.__dict__  # the fields (Work keeps exactly them in its instance dict)
    eta = r.gemm_efficiency(ce, k, m) if p.size_aware else ce
    # MoE kernels move and compute 1/moe_eff times the ideal work (padding, re-reads, routing)
    extra = 1.0 / moe_eff - 1.0
    x_flops, x_bytes = w["expert_flops"] * extra, w["expert_bytes"] * extra
    matmul = matmul_per_chip + x_flops / n
    t_c = r.compute_time_s(matmul, p.peak_flops, eta) + \
        r.compute_time_s(dequant, p.vector_flops, ce)
    dense, experts = w["weight_bytes"] - w["expert_bytes"], w["expert_bytes"] + x_bytes
    t_w = r.memory_time_s((experts + w["kv_bytes"] - w["state_bytes"]) / n, p.bandwidth_bps,
                          me) + r.memory_time_s(dense / n, p.bandwidth_bps, me * weight_eff) \
        + r.memory_time_s(w["state_bytes"] / n, p.bandwidth_bps, me * state_eff)
    t_a = r.memory_time_s(elementwise, p.bandwidth_bps, me)
    t_dev = r.kernel_time_s(t_c, t_w, t_a) + moe_chain_time_s(w["moe_layer_passes"],
                                                                moe_layer_s)
    passes, seq_passes, vocab_seq_passes = w["passes"], w["seq_passes"], w["vocab_seq_passes"]
    t_o = r.overhead_time_s(passes, w["layer_passes"], w["loop_steps"], per_step_s,
                            per_layer_s, per_loop_step_s, w["layer_seq_passes"],
                            per_layer_seq_s)
    t_seq = r.engine_host_time_s(passes, seq_passes, per_engine_step_s, per_seq_step_s, n,
                                 per_worker_step_s, vocab_seq_passes, per_seq_vocab_s)
    if w["phase"] == "prefill":  # each prefill pass admits seq_passes / passes requests
        t_seq = t_seq + r.request_admission_time_s(seq_passes, per_request_s)
    t_busy = r.serial_busy_time_s(t_dev, t_o) if p.host_serial else r.busy_time_s(t_dev, t_o)
    t = t_busy + t_seq + t_comm
    e_flop = (flops + x_flops) * j_flop + w["dequant_ops"] * j_vec
    # nb: work.bytes; streams held below the chip's rate by a kernel-side ceiling draw the
    # streaming power for their whole, longer time (ceiling_stream_bytes)
    e_byte = (nb + x_bytes + r.ceiling_stream_bytes(dense, weight_eff)
              + r.ceiling_stream_bytes(w["state_bytes"], state_eff)) * j_byte
    # collective buffers read and written
    e_byte = e_byte + (0.0 if comm is False else where(comm, comm_rw_bytes * j_byte, 0.0))
    budget = p.tdp_w - idle_w
    if not (isinstance(comm_fraction, float) and comm_fraction == 0.0):
        e_byte = e_byte + cl.collective_energy_j(t_comm, comm_fraction, budget, n)
    t_capped = r.power_capped_time_s(t, e_flop + e_byte, budget, n)
    e_dyn = r.dvfs_dynamic_energy_j(e_flop, e_byte, dvfs, t_capped, budget * n)
    e_dyn = e_dyn + r.engine_sequence_energy_j(seq_passes, per_seq_step_s, seq_fraction, budget,
                                               n, vocab_seq_passes, per_seq_vocab_s)
    if not (isinstance(host_fraction, float) and host_fraction == 0.0):  # arrays in sweeps
        e_dyn = e_dyn + r.host_time_energy_j(t_busy - t_dev, host_fraction, budget, n)
    energy = r.accelerator_energy_j(idle_w, n, t_capped, e_dyn)
    return (t_capped, energy, e_dyn, t_c, t_w, t_a, t_dev, t_o, t_seq, t_comm, t)


def run_work(work: Work, p: DeviceParams, chips: int = 1, comm_bytes: float = 0.0,
             comm_calls: float = 0.0, exposed_comm: float = 1.0,
             comm_group: int | None = None) -> PhaseResult:
    """Time and accelerator energy of ``work`` split evenly over ``chips``.

    ``comm_bytes`` is the all-reduce volume (per chip) of the phase, issued in ``comm_calls``
    collectives over ``comm_group`` chips (default all), of which the share ``exposed_comm``
    is not hidden behind compute.
    """
    if chips < 1:
        raise UnsupportedError("chips must be ≥ 1")
    terms = phase_terms(work, p, chips, comm_bytes, comm_calls, exposed_comm, comm_group)
    t, e, e_dyn, t_c, t_w, t_a, _, t_o, t_seq, t_comm, t_uncapped = _corner(terms, work, p, 0)
    (lo_t, lo_e), (hi_t, hi_e) = _corner(terms, work, p, 1)[:2], _corner(terms, work, p, 2)[:2]
    regime = "power-cap" if t > t_uncapped * 1.0001 else r.dominant_regime(
        t_c, t_w + t_a, t_o + t_seq, t_comm)
    inter = {
        "flops": terms[1] + work.dequant_ops, "bytes": terms[10], "dynamic_energy_j": e_dyn,
        "idle_energy_j": e - e_dyn, "t_compute_s": t_c, "t_memory_s": t_w,
        "t_elementwise_s": t_a, "t_overhead_s": t_o, "t_sequences_s": t_seq,
        "t_comm_s": t_comm, "avg_power_w_per_chip": e / (t * chips) if t > 0 else 0.0,
    }
    return PhaseResult(  # min and max of the ends written out (cheaper than the builtins)
        work.phase, t, hi_t if hi_t < lo_t else lo_t, hi_t if hi_t > lo_t else lo_t, e,
        hi_e if hi_e < lo_e else lo_e, hi_e if hi_e > lo_e else lo_e, regime, inter)
