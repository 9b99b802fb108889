"""Time and energy of a piece of work on one or more chips.

Three regimes plus a power cap (docs/methodology.md §Device):
- compute-bound: ``t_c = FLOPs / (peak · η_c)``;
- memory-bound: ``t_m = bytes / (BW · η_m)``;
- overhead-bound: ``t_o = passes · s_pass + layer_passes · s_layer + steps · s_loop`` (host);
- power-capped: if ``E_dyn / t`` exceeds ``TDP − idle`` the chip slows down to stay at TDP.
Energy: ``E = P_idle · chips · t + e_flop · FLOPs + e_byte · bytes``.
Formulas accept floats or numpy arrays (the planner evaluates millions at once).
"""

from __future__ import annotations

from typing import Any

from wattprint.arrays import maximum as _max
from wattprint.arrays import minimum as _min


def compute_time_s(flops: Any, peak_flops: Any, efficiency: Any) -> Any:
    """Compute-bound time ``FLOPs / (peak · η_c)`` [s]."""
    return flops / (peak_flops * efficiency)


#: Shape at which a matmul reaches half its large-shape efficiency: inner dimension and rows.
GEMM_K_HALF = 1024.0
GEMM_M_HALF = 32.0


def gemm_efficiency(eta_max: Any, k: Any, m: Any) -> Any:
    """Matmul efficiency falls for small shapes: ``η_max · k/(k + k½) · m/(m + m½)``.

    ``k`` is the inner dimension (hidden size), ``m`` the rows (tokens per pass); k½ = 1024
    and m½ = 32 are assumptions consistent with cuBLAS behaviour on Hopper (a 2048-wide model
    runs its GEMMs at about two thirds of the efficiency of an 8192-wide one).
    """
    return eta_max * k / (k + GEMM_K_HALF) * m / (m + GEMM_M_HALF)


def memory_time_s(nbytes: Any, bandwidth_bps: Any, efficiency: Any) -> Any:
    """Memory-bound time ``bytes / (BW · η_m)`` [s]."""
    return nbytes / (bandwidth_bps * efficiency)


def stream_ceiling_factor(bandwidth_bps: float, memory_eff: float,
                          ceiling_bps: float | None) -> float:
    """Share of the streaming bandwidth ``BW · η_m`` that a kernel with a kernel-side
    streaming ceiling reaches: ``min(1, B / (BW · η_m))``.

    Such a kernel keeps a fixed number of bytes in flight per SM (tile size × pipeline
    stages), so by Little's law it streams at most ``bytes in flight / memory latency``
    however fast the memory is. One formula for every ceiling a stack states in
    ``data/stacks.toml``: ``moe_bandwidth_bps`` (grouped-GEMM expert kernels, §2.5),
    ``weight_bandwidth_bps`` (dense decode GEMMs) and ``state_bandwidth_bps`` (Mamba-2
    ``selective_state_update``, one program per sequence and head block; each decode step
    reads and writes every running sequence's fixed-size state once), fitted in
    docs/methodology.md §2.4. ``None``: no ceiling. A chip streaming below the ceiling
    (H100: 2.8 TB/s) is not slowed; a faster one (B200: 6.8 TB/s) streams at the ceiling.
    """
    if ceiling_bps is None or bandwidth_bps * memory_eff <= 0.0:
        return 1.0
    return min(1.0, ceiling_bps / (bandwidth_bps * memory_eff))


def ceiling_stream_bytes(nbytes: Any, factor: Any) -> Any:
    """Extra byte-equivalents charged to a stream held below the chip's rate by a kernel-side
    ceiling (:func:`stream_ceiling_factor` ``f``): ``bytes · (1/f − 1)``.

    The kernel keeps its SMs issuing loads for the whole, longer time ``bytes / (f·BW·η_m)``:
    it draws the power of a full-rate stream for that time, not the idle floor, so its
    energy is ``e_byte · bytes / f`` (the ML.ENERGY V3 B200 rows: power per chip within a few
    per cent at batch 8-64 where the slower stream made it 10-20 % low; docs/methodology.md
    §2.4). 0 where ``f = 1``.
    """
    return nbytes * (1.0 / factor - 1.0)


def overhead_time_s(passes: Any, layer_passes: Any, loop_steps: Any, per_step_s: Any,
                    per_layer_s: Any, per_loop_step_s: Any, layer_seq_passes: Any = 0.0,
                    per_layer_seq_s: Any = 0.0) -> Any:
    """Host-side time ``passes·s_pass + layer_passes·s_layer + steps·s_loop + l·B·s_seq`` [s].

    ``s_pass`` is the fixed cost of one forward call, ``s_layer`` the dispatch of one decoder
    layer, ``s_loop`` the generation loop's own work per decode step (sampling, stopping
    checks, cache and mask bookkeeping), ``s_seq`` the per-layer work that grows with the
    number of sequences in the batch (eager cache updates, masks, GQA expansion).
    """
    return (passes * per_step_s + layer_passes * per_layer_s + loop_steps * per_loop_step_s
            + layer_seq_passes * per_layer_seq_s)


def engine_sequence_time_s(seq_passes: Any, per_seq_step_s: Any, vocab_seq_passes: Any = 0.0,
                           per_seq_vocab_s: Any = 0.0) -> Any:
    """Per-sequence serving-engine work per step [s]:
    ``Σ_steps B · s_req + Σ_steps B · V · s_vocab``.

    ``s_req`` is the work per running sequence (scheduling, output processing,
    detokenisation, stop checks); ``s_vocab`` the part that grows with the vocabulary ``V``:
    an engine that samples top-p by sorting every sequence's full fp32 logit row (vLLM's V0
    sampler: ``logits.sort(dim=-1)``, then softmax, cumulative sum, log-softmax over the
    vocabulary) does ``O(B · V)`` work per step. Both per stack in ``data/stacks.toml``.
    """
    return seq_passes * per_seq_step_s + vocab_seq_passes * per_seq_vocab_s


def request_admission_time_s(requests: Any, per_request_s: Any) -> Any:
    """Serving-engine host work once per request [s]: ``R · s_admit``.

    ``R`` is the number of requests whose prompts the prefill admits (a prefill work's
    ``seq_passes``); ``s_admit`` the host time a request costs apart from its steps (an
    engine whose HTTP front end shares its process: parse and validate the request, tokenise
    the prompt, build its sequence state, return the final response). It is serial with the
    device steps like the rest of the engine loop and drawn at the idle floor. Per stack
    (``per_request_s`` in ``data/stacks.toml``: vLLM v0.5 as ML.ENERGY V2 ran it, §2.4b).
    """
    return requests * per_request_s


def engine_host_time_s(passes: Any, seq_passes: Any, per_engine_step_s: Any,
                       per_seq_step_s: Any, workers: Any = 1.0, per_worker_step_s: Any = 0.0,
                       vocab_seq_passes: Any = 0.0, per_seq_vocab_s: Any = 0.0) -> Any:
    """Serving-engine host work that is serial with the device step [s]:
    ``steps · (s_engine + (w − 1) · s_worker) + engine_sequence_time_s``.

    A continuous-batching engine (vLLM) runs a synchronous loop: schedule, prepare the
    inputs, replay the step's CUDA graph, wait, sample, detokenise and check stop conditions
    for every running sequence. The next step's inputs depend on this step's sampled tokens,
    so this work does not overlap the device step; it has a fixed part per step
    (``s_engine``), a part per GPU worker beyond the first (``s_worker``: the driver sends
    each step's inputs to every tensor-/pipeline-parallel worker) and a part per running
    sequence (:func:`engine_sequence_time_s`). vLLM's own profile found such CPU work
    dominating decode at high batch ("vLLM v0.6.0: 2.7x throughput improvement", vLLM blog
    2024-09-05). All per stack in ``data/stacks.toml``.
    """
    return (passes * (per_engine_step_s + (workers - 1.0) * per_worker_step_s)
            + engine_sequence_time_s(seq_passes, per_seq_step_s, vocab_seq_passes,
                                     per_seq_vocab_s))


def engine_sequence_energy_j(seq_passes: Any, per_seq_step_s: Any, fraction: Any,
                             budget_w: Any, chips: Any, vocab_seq_passes: Any = 0.0,
                             per_seq_vocab_s: Any = 0.0) -> Any:
    """Dynamic energy of the per-sequence engine work [J]:
    ``n · f · (TDP − P_idle) · engine_sequence_time_s``.

    Part of a serving engine's per-sequence work each step runs on the GPU (logits softmax,
    penalties, top-k/top-p sampling over the whole vocabulary), so that time is not idle.
    ``f`` per stack: :func:`sequence_power_share` of ``per_seq_power_w`` (vLLM, fitted: see
    docs/methodology.md §2.4) or ``per_seq_power_fraction`` (vLLM v0.5).
    """
    return chips * fraction * budget_w * engine_sequence_time_s(
        seq_passes, per_seq_step_s, vocab_seq_passes, per_seq_vocab_s)


def sequence_power_share(per_seq_power_w: float, budget_w: float) -> float:
    """Share of the dynamic budget drawn during the per-sequence engine work:
    ``f = min(1, P_seq / (TDP − P_idle))``.

    The per-sequence work of a serving engine is paced by its host (``per_seq_step_s``, the
    same on H100 and B200) and launches the same GPU work on any chip (the sampler over the
    vocabulary, logits to fp32, input preparation), so it costs the same joules per sequence
    and step, ``P_seq · s_req``, not a share of each chip's budget (which gave a B200 43 %
    more for the same work). ``P_seq`` per stack (``per_seq_power_w``, fitted:
    docs/methodology.md §2.4); a chip whose budget is smaller draws its whole budget.
    """
    if budget_w <= 0.0:
        return 0.0
    share = per_seq_power_w / budget_w
    return share if share < 1.0 else 1.0


def kernel_time_s(t_matmul_compute: Any, t_matmul_memory: Any, t_elementwise: Any) -> Any:
    """Device time: matmuls at their roofline ``max(t_c, t_w)`` plus elementwise kernels.

    Elementwise kernels (norms, activations, residuals) are separate memory-bound launches in
    sequence with the matmuls, so their time adds rather than overlaps.
    """
    if type(t_matmul_compute) is float and type(t_matmul_memory) is float:  # scalar: no call
        return (t_matmul_compute if t_matmul_compute >= t_matmul_memory
                else t_matmul_memory) + t_elementwise
    return _max(t_matmul_compute, t_matmul_memory) + t_elementwise


def busy_time_s(t_device: Any, t_overhead: Any) -> Any:
    """Launches are asynchronous: the slower of device work and host dispatch sets the pace."""
    if type(t_device) is float and type(t_overhead) is float:  # scalar: no call
        return t_device if t_device >= t_overhead else t_overhead
    return _max(t_device, t_overhead)


def serial_busy_time_s(t_device: Any, t_overhead: Any) -> Any:
    """Host dispatch that does not hide behind the device: ``t_dev + t_o`` [s].

    A batch-1 decode loop in eager PyTorch (Hugging Face transformers 4.30/4.31 driven by
    FastChat's ``generate_stream``, the ML.ENERGY Leaderboard V1 harness of 2023) alternates a
    few weight-streaming GEMVs per layer with dozens of small launch-bound kernels (norms,
    rotary, cache concatenation, masks, softmax) and synchronises every token
    (``int(torch.multinomial(…))``). Each small kernel waits for its own launch, so their
    dispatch fills the gaps between the GEMVs instead of overlapping them: the host time adds
    to the device time. On the V1 rows the step time of a 40-layer 13B model exceeds that of a
    32-layer 7B model on the same chip by the extra weight streaming plus 0.38 ms per extra
    layer (5 pairs on A100, V100 and A40; docs/validation.md), i.e. additive, where
    :func:`busy_time_s` would hide the dispatch behind the streaming. Stacks with
    ``host_serial = true`` in ``data/stacks.toml``.
    """
    return t_device + t_overhead


def host_time_energy_j(t_host: Any, fraction: Any, budget_w: Any, chips: Any) -> Any:
    """Dynamic energy drawn while the chips run host-paced (launch-bound) work [J]:
    ``n · f · (TDP − P_idle) · t_host``.

    ``t_host`` is the host-paced time not spent in the device roofline (all of ``t_o`` for a
    serial stack, :func:`serial_busy_time_s`). The chip is not idle then: it runs the small
    kernels at boost clocks between launches. ``f`` per stack (``host_power_fraction`` in
    ``data/stacks.toml``; fitted on the ML.ENERGY V1 rows for ``fastchat-hf``, absent
    elsewhere, so other stacks count that time at the idle floor).
    """
    return chips * fraction * budget_w * t_host


def allreduce_time_s(nbytes: Any, chips: Any, link_bps: Any) -> Any:
    """Ring all-reduce of ``nbytes`` over ``chips``: ``2 (n − 1)/n · bytes / link`` [s]."""
    return 2.0 * (chips - 1.0) / chips * nbytes / link_bps


def collective_latency_s(chips: Any, base_s: Any, hop_s: Any) -> Any:
    """Latency of one ring all-reduce over ``chips`` chips: ``α₀ + 2 (n − 1) · α_hop`` [s].

    The latency term of the ring all-reduce cost ``2 (n−1) α + 2 (n−1)/n · bytes · β``
    (Thakur, Rabenseifner & Gropp 2005, "Optimization of collective communication operations
    in MPICH", IJHPCA 19(1)): a reduce-scatter and an all-gather of ``n − 1`` steps each, every
    step paying one hop's latency ``α_hop``; ``α₀`` is the launch and synchronisation cost.
    """
    return base_s + 2.0 * (chips - 1.0) * hop_s


def power_capped_time_s(t: Any, dynamic_energy_j: Any, budget_w: Any, chips: Any) -> Any:
    """Stretch ``t`` so that dynamic power stays within ``chips · (TDP − idle)`` [s]."""
    t_power = dynamic_energy_j / (budget_w * chips)
    if type(t) is float and type(t_power) is float:  # scalar: no call
        return t if t >= t_power else t_power
    return _max(t, t_power)


def dvfs_dynamic_energy_j(flop_energy_j: Any, byte_energy_j: Any, dvfs_factor: Any,
                          time_s: Any, budget_w: Any) -> Any:
    """Dynamic energy with voltage/frequency scaling between boost clocks and the power cap.

    Energy per FLOP was measured on matmuls pinned at the power limit, where clocks and voltage
    are lowered. Arithmetic below the limit runs at boost voltage and costs ``k`` times more
    (``k`` ≈ 1.25, V² between capped and boost clocks); the per-byte figure was measured below
    the limit and is used as is. Near the limit the chip throttles, so the dynamic energy is
    ``min(k · E_flop + E_byte, budget · t)`` but never below ``E_flop + E_byte`` — continuous
    across the cap.
    """
    base = flop_energy_j + byte_energy_j
    boosted = flop_energy_j * dvfs_factor + byte_energy_j
    cap = budget_w * time_s
    if type(boosted) is float and type(cap) is float and type(base) is float:  # no calls
        capped = boosted if boosted <= cap else cap
        return capped if capped >= base else base
    return _max(_min(boosted, cap), base)


def dynamic_energy_j(flops: Any, j_per_flop: Any, nbytes: Any, j_per_byte: Any) -> Any:
    """Energy above the idle floor: ``e_flop · FLOPs + e_byte · bytes`` [J]."""
    return flops * j_per_flop + nbytes * j_per_byte


def accelerator_energy_j(idle_w: Any, chips: Any, time_s: Any, dynamic_j: Any) -> Any:
    """Energy of the chips: idle floor for the whole time plus dynamic energy [J]."""
    return idle_w * chips * time_s + dynamic_j


def dominant_regime(compute_s: float, memory_s: float, overhead_s: float,
                    communication_s: float) -> str:
    """The regime of a phase: its largest time share, ``compute``, ``memory`` (matmul weights
    and elementwise kernels), ``overhead`` (host dispatch and serving engine) or
    ``communication``; the first in that order on a tie. Scalars only."""
    regime, top = "compute", compute_s
    if memory_s > top:
        regime, top = "memory", memory_s
    if overhead_s > top:
        regime, top = "overhead", overhead_s
    return "communication" if communication_s > top else regime
