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

from functools import lru_cache
from math import comb
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


@lru_cache(maxsize=64)
def busiest_chip_experts(n_experts: int, k: int, chips: int) -> float:
    """Expected number of one token's ``k`` routed experts held by the chip that holds most
    of them [count], when the ``n_experts`` experts are split evenly over ``chips`` chips
    (vLLM's linear expert placement) and the ``k`` experts are any ``k`` distinct ones:
    ``E[max_c n_c] = Σ_{j=1..k} (1 − P(max ≤ j − 1))``, with ``P(max ≤ j)`` the share of the
    ``C(E, k)`` expert sets that put at most ``j`` on every chip (the ``x^k`` coefficient of
    ``(Σ_{i≤j} C(E/n, i)·x^i)^n``, exact integers). 1 expert per chip: 1; one chip: ``k``.
    Qwen3-Coder-480B (160 experts, top 8): 3.50 on 4 chips, 2.54 on 8.
    """
    per = n_experts // max(chips, 1)
    k = min(k, chips * per)
    if k <= 0 or per <= 0:
        return 0.0

    def sets_with_cap(cap: int) -> int:  # expert sets with at most ``cap`` on every chip
        one = [comb(per, i) for i in range(min(cap, per) + 1)]
        poly = [1]
        for _ in range(chips):
            new = [0] * min(len(poly) + len(one) - 1, k + 1)
            for a, x in enumerate(poly):
                for b, y in enumerate(one[: k + 1 - a]):
                    new[a + b] += x * y
            poly = new
        return poly[k] if len(poly) > k else 0

    total = comb(chips * per, k)
    return float(sum(1.0 - sets_with_cap(j - 1) / total for j in range(1, k + 1)))


def padded_expert_factor(spec: ModelSpec, dp: int, chips: int | None = None) -> float:
    """Routed-expert FLOPs of a prefill as ``dp`` lock-stepped ranks run it on ``chips``
    chips (default ``dp``: one chip per rank), per FLOP of the real prompt [ratio]:
    ``F = 1 + m · n · (dp − 1) / k`` with ``n = chips``.

    A prompt chunk of ``T`` tokens on one rank makes the other ``dp − 1`` ranks run ``T``
    padding rows each (:func:`data_parallel_padding`). The padding rows are the same input,
    so the router sends every one of them to the same ``k`` experts, and the chip that holds
    ``m`` of those (:func:`busiest_chip_experts` over the ``n`` chips the experts are spread
    on) computes ``m · (dp − 1) · T`` token–expert products on top of its share
    ``k · T / n`` of the real ones, while every rank waits for it at the layer's combine.
    Written as work spread over all ``n`` chips so the per-chip time is the busiest chip's:
    ``n · (k·T/n + m·(dp − 1)·T) / (k·T)``. Even spreading of the padding (``m = k/n``)
    gives back ``dp``, the plain padding.
    vLLM runs padding rows through the MoE layers like real tokens (github.com/vllm-project/
    vllm pull 46428, 2026: "these padding tokens are handled the same way as real tokens")
    and identical padding rows route to the same experts, making one expert-parallel rank
    the straggler (vllm pull 56079, 2026; vllm-ascend pull 3184, 2025). ``dp`` ≤ 1: 1.
    """
    if dp <= 1 or not spec.n_experts or not spec.experts_per_token:
        return float(max(dp, 1))
    n = dp if chips is None else max(chips, dp)
    m = busiest_chip_experts(spec.n_experts, spec.experts_per_token, n)
    return 1.0 + m * n * (dp - 1) / spec.experts_per_token


def data_parallel_padding(work: Work, dp: int, spec: ModelSpec | None = None,
                          chips: int | None = None) -> Work:
    """Prefill ``work`` as ``dp`` lock-stepped data-parallel ranks run it [FLOP, B].

    Before every step vLLM pads each rank's batch to the largest token count of all ranks
    (``get_dp_padding`` in ``vllm/v1/worker/gpu_model_runner.py``: the ranks meet at every
    MoE layer and replay CUDA graphs of one size), and the padded tokens run through the
    attention and non-expert layers and are dispatched to experts like real ones. A prompt
    chunk that arrives on one rank therefore makes every rank compute that many tokens: with
    the chunks of different ranks in different steps (requests arrive one at a time), the
    prefill's FLOPs and activation traffic are run ``dp`` times. The routed experts' FLOPs
    are ``F`` times the real ones (:func:`padded_expert_factor`, given ``spec``: the padding
    rows pile onto one of the ``chips`` chips' experts; without ``spec`` they spread,
    ``F = dp``). Weight and
    KV-cache traffic do not change (padding reads the same weights and writes no cache).
    ``dp`` ≤ 1: ``work`` unchanged.
    """
    if dp <= 1:
        return work
    f = float(dp) if spec is None else padded_expert_factor(spec, dp, chips)
    experts = work.expert_flops * f
    return work.replace(matmul_flops=(work.matmul_flops - work.expert_flops) * dp + experts,
                        attention_flops=work.attention_flops * dp,
                        expert_flops=experts,
                        activation_bytes=work.activation_bytes * dp)


def data_parallel_note(spec: ModelSpec, dp: int, tp: int, batch: int, chips: int) -> str:
    """The estimate's note for ``dp`` data-parallel attention ranks of ``tp`` chips: the
    layout, the lock-step padding and the padding rows' expert factor
    (:func:`padded_expert_factor`) with what an engine that skips padding rows would run."""
    f = padded_expert_factor(spec, dp, chips)
    return (f"data-parallel attention: {dp} ranks of {tp} chip(s), each with its own attention "
            f"weights and ~{batch / dp:g} of the {batch} sequences; experts expert-parallel "
            f"over all {chips} chips; every step padded to the largest rank's tokens (prefill "
            f"computed once per rank; vLLM get_dp_padding); the padding rows all route to the "
            f"same experts, so the busiest chip runs {f:.3g}× its share of the prompt's "
            f"routed-expert work (padded_expert_factor; an engine that skips padding rows, e.g. "
            f"vLLM with VLLM_MOE_SKIP_PADDING=1 from 2026, runs about 1×)")


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
