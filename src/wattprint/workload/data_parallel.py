"""Data-parallel attention with expert-parallel MoE layers (vLLM ``--data-parallel-size D``
with ``--enable-expert-parallel``; SGLang ``--enable-dp-attention``).

``D`` engine ranks each schedule their own sequences. Each rank keeps a full copy of the
attention and other non-expert weights (split ``tp`` ways inside the rank) and the KV cache
of its own sequences only; the routed experts are spread over all ``D · tp`` chips. At every
MoE layer the ranks meet: each token's hidden state is sent to the chips of its experts
(dispatch) and the expert outputs come back (combine) (docs/methodology.md §3, data-parallel
attention).
"""

from __future__ import annotations

from typing import Any

from wattprint.errors import InputError
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import Work, expert_weight_bytes, weight_storage_bytes
from wattprint.workload.precision import PrecisionPlan


def check_data_parallel(spec: ModelSpec, dp: int, tp: int, pp: int, chips: int) -> None:
    """Refuse a layout vLLM cannot run: data-parallel attention needs an MoE model (its
    experts are what the ranks share), ``dp · tp · pp = chips`` and at least one expert per
    chip. ``dp`` ≤ 1: nothing to check. Raises :class:`~wattprint.errors.InputError`."""
    if dp <= 1:
        return
    if not spec.n_experts or not spec.moe_layers:
        raise InputError(f"data-parallel attention ({dp} ranks) shares MoE experts over the "
                         f"chips; {spec.name} is dense: estimate one replica with --chips "
                         f"{max(chips // dp, 1)} instead")
    if dp * tp * pp != chips:
        raise InputError(f"data parallel {dp} × tensor parallel {tp} × pipeline parallel {pp} "
                         f"must equal the {chips} chips")
    if pp > 1:
        raise InputError("data-parallel attention with pipeline stages is not modelled")
    if spec.n_experts < chips:
        raise InputError(f"{spec.name} has {spec.n_experts} experts per layer: they cannot "
                         f"spread over {chips} chips (expert parallel)")


def replicated_weight_bytes(spec: ModelSpec, plan: PrecisionPlan, dp: int) -> float:
    """Bytes of weights held by all chips of a data-parallel-attention layout [B]: every
    rank holds the non-expert weights (attention, dense MLPs, shared experts, router,
    embedding, LM head); the routed experts are held once, spread over all chips:
    ``W + (dp − 1) · (W − W_experts)`` (:func:`~wattprint.workload.phases.
    weight_storage_bytes`)."""
    total = weight_storage_bytes(spec, plan)
    experts = float(spec.routed_expert_params) * expert_weight_bytes(plan)
    return total + (max(dp, 1) - 1) * (total - experts)


def data_parallel_weight_reads(work: Work, dp: int) -> Work:
    """``work`` run by ``dp`` data-parallel attention ranks [B].

    Each rank streams its own copy of the non-expert weights every pass, so those are read
    ``dp`` times; the routed experts are read once per pass on the chips that hold them, and
    which experts are touched depends on the tokens of all ranks together (they are
    dispatched to the same experts), so ``work.expert_bytes`` (computed for the whole batch)
    is kept. FLOPs, KV-cache and activation traffic are those of the same tokens.
    ``dp`` ≤ 1: ``work`` unchanged.
    """
    if dp <= 1:
        return work
    dense = work.weight_bytes - work.expert_bytes
    return work.replace(weight_bytes=dense * dp + work.expert_bytes)


def expert_parallel_comm(spec: ModelSpec, act_bytes: Any, batch: Any, tokens: Any,
                         chips: int, tp: int) -> tuple[Any, float]:
    """All-reduce-equivalent volume [B] and collective count of one pass of a
    data-parallel-attention layout over ``chips = dp · tp`` chips.

    Per MoE layer the dispatch gathers every rank's ``batch · tokens`` hidden states onto
    all chips (an all-gather) and the combine returns each chip's expert outputs to their
    ranks (a reduce-scatter): together the volume and ring steps of one all-reduce of
    ``T · hidden · act_bytes`` over all chips, in two collectives (vLLM's
    ``allgather_reducescatter`` all-to-all backend, its default with expert parallelism).
    Inside a rank of ``tp`` chips the attention output is all-reduced once per layer over
    the rank's ``T / dp`` tokens; its time at the ``tp``-chip ring factor is written as the
    equivalent volume over all chips, so one ring formula times both.
    """
    t = batch * tokens * spec.hidden * act_bytes
    moe = spec.moe_layers * t
    calls = 2.0 * spec.moe_layers
    if tp > 1 and chips > 1:
        dp = chips // tp
        ring = ((tp - 1.0) / tp) / ((chips - 1.0) / chips)
        moe = moe + spec.layers * t / dp * ring
        calls += spec.layers
    return moe, calls


def data_parallel_padding(work: Work, dp: int) -> Work:
    """Prefill ``work`` as ``dp`` lock-stepped data-parallel ranks run it [FLOP, B].

    Before every step vLLM pads each rank's batch to the largest token count of all ranks
    (``get_dp_padding`` in ``vllm/v1/worker/gpu_model_runner.py``: the ranks meet at every
    MoE layer and replay CUDA graphs of one size), and the padded tokens run through the
    attention and non-expert layers and are dispatched to experts like real ones. A prompt
    chunk that arrives on one rank therefore makes every rank compute that many tokens: with
    the chunks of different ranks in different steps (requests arrive one at a time), the
    prefill's FLOPs and activation traffic are run ``dp`` times. Weight and KV-cache traffic
    do not change (padding reads the same weights and writes no cache). ``dp`` ≤ 1:
    ``work`` unchanged.
    """
    if dp <= 1:
        return work
    return work.replace(matmul_flops=work.matmul_flops * dp,
                        attention_flops=work.attention_flops * dp,
                        expert_flops=work.expert_flops * dp,
                        activation_bytes=work.activation_bytes * dp)


def data_parallel_host_work(work: Work, dp: int) -> Work:
    """``work``'s per-sequence engine work split over ``dp`` data-parallel ranks [count].

    Each rank is an engine of its own (vLLM: one ``EngineCore`` process per DP rank) that
    schedules, samples and checks the stop conditions of its ``B / dp`` sequences while the
    others do the same, so per step the serial host work is that of ``B / dp`` sequences:
    ``seq_passes`` and ``vocab_seq_passes`` are divided by ``dp``. ``dp`` ≤ 1: ``work``
    unchanged.
    """
    if dp <= 1:
        return work
    return work.replace(seq_passes=work.seq_passes / dp,
                        vocab_seq_passes=work.vocab_seq_passes / dp)
