"""Serving-engine options that change the work of a batch: prefix caching, chunked prefill and
speculative decoding (docs/methodology.md §3.2). Each is one small named formula; the
:func:`phase_works` builder applies them to the prefill and decode work of
:func:`~wattprint.engine.estimate_inference`.
"""

from __future__ import annotations

import math

from wattprint.errors import InputError
from wattprint.record import Record, field
from wattprint.units import plural
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import (
    Traffic,
    Work,
    decode_work,
    expert_bytes_read,
    prefill_work,
)
from wattprint.workload.precision import PrecisionPlan


class ServingOptions(Record):
    """Engine features of a serving estimate (all off by default).

    ``prefix_hit``: share of prompt tokens found in the prefix cache [0, 1).
    ``prefill_chunk_tokens``: chunked prefill, at most this many prompt tokens per pass.
    ``draft``: draft model of speculative decoding, proposing ``draft_tokens`` tokens per
    step, each accepted with probability ``acceptance``.
    """

    prefix_hit: float = 0.0
    prefill_chunk_tokens: int | None = None
    draft: ModelSpec | None = None
    draft_tokens: int = 4
    acceptance: float = 0.7

    def check(self) -> None:
        """Raise :class:`InputError` on a value outside its range."""
        if not 0.0 <= self.prefix_hit < 1.0:
            raise InputError(f"prefix-cache hit rate must be in [0, 1), got {self.prefix_hit}")
        if self.prefill_chunk_tokens is not None and self.prefill_chunk_tokens < 1:
            raise InputError("prefill chunk must be at least 1 token")
        if self.draft is not None and not (1 <= self.draft_tokens <= 64):
            raise InputError(f"speculative tokens must be 1-64, got {self.draft_tokens}")
        if self.draft is not None and not 0.0 <= self.acceptance <= 1.0:
            raise InputError(f"acceptance rate must be in [0, 1], got {self.acceptance}")


def prefix_cached_prompt_tokens(prompt_tokens: float, hit: float) -> float:
    """Prompt tokens the prefill still computes with a prefix cache [tokens]:
    ``max(1, P·(1 − h))``.

    vLLM's automatic prefix caching hashes full KV blocks by their token content and reuses a
    cached block instead of recomputing it (docs.vllm.ai, "Automatic Prefix Caching"); the
    last token is always computed to produce the first output token. The cached tokens still
    occupy KV pages and are read by every decode step.
    """
    computed = prompt_tokens * (1.0 - hit)
    return computed if computed > 1.0 else 1.0  # max(1.0, computed), without the call


def chunked_prefill_passes(batch: float, prompt_tokens: float, chunk_tokens: int) -> int:
    """Passes of a chunked prefill [count]: ``⌈B·P / C⌉``.

    With chunked prefill an engine splits the batch's prompt tokens into chunks of at most
    ``C`` tokens (vLLM ``max_num_batched_tokens``), one chunk per forward pass, each reading
    the weights once (Agrawal et al. 2024, "Taming throughput-latency tradeoff in LLM
    inference with Sarathi-Serve", OSDI'24, arXiv 2403.02310).
    """
    return max(1, math.ceil(batch * prompt_tokens / chunk_tokens))


def separate_prefill_steps(batch: float, output_tokens: float) -> float:
    """Prefill steps of an engine that never mixes prefill into decode steps, per batch-cycle
    of ``B`` requests with ``N`` output tokens each [count]: ``max(1, (N − 1)·(1 − e^(−B/N)))``.

    In steady state a full batch finishes ``B/N`` requests per decode step; with completions
    spread as a Poisson process, a step frees at least one slot with probability
    ``1 − e^(−B/N)``, and the waiting requests are then admitted by a prefill-only step
    before decoding resumes (vLLM V0's scheduler with chunked prefill off schedules waiting
    prefills first and runs decodes only in steps without them: ``vllm/core/scheduler.py``
    ``_schedule_default``, v0.5). Each such step is a forward pass of its own: it reads the
    weights and pays the engine's per-step work again.
    """
    n = max(float(output_tokens) - 1.0, 0.0)
    if n <= 0.0 or batch <= 0:
        return 1.0
    return max(1.0, n * -math.expm1(-float(batch) / float(output_tokens)))


def speculative_tokens_per_step(acceptance: float, draft_tokens: int) -> float:
    """Expected tokens a sequence gains per target step with speculative decoding [tokens]:
    ``(1 − α^(k+1)) / (1 − α)`` (``k + 1`` at ``α = 1``).

    Leviathan, Kalman and Matias 2023, "Fast inference from transformers via speculative
    decoding" (ICML, arXiv 2211.17192), eq. 1, with ``α`` the per-token acceptance rate and
    ``k`` the draft tokens proposed per step.
    """
    if acceptance >= 1.0:
        return float(draft_tokens + 1)
    return (1.0 - acceptance ** (draft_tokens + 1)) / (1.0 - acceptance)


#: The options of an estimate that gives none (a frozen record: shared, never changed).
NO_OPTIONS = ServingOptions()


class PhaseWorks(Record, frozen=False):
    """The prefill and decode work of one batch-cycle, with what the comm model needs."""

    prefill: Work
    prefill_tokens: float  # prompt tokens per sequence computed by the prefill
    decode: Work | None
    decode_steps: int  # target decode steps (engine steps)
    tokens_per_step: float  # query tokens per sequence per decode step (k + 1 speculating)
    notes: list[str] = field(default_factory=list)

    def __init__(self, prefill: Work, prefill_tokens: float, decode: Work | None,
                 decode_steps: int, tokens_per_step: float, notes: list[str] | None = None
                 ) -> None:
        # Written out (one per inference estimate; the generic Record.__init__ costs more)
        self.__dict__.update(prefill=prefill, prefill_tokens=prefill_tokens, decode=decode,
                             decode_steps=decode_steps, tokens_per_step=tokens_per_step,
                             notes=[] if notes is None else notes)


def _chunked(w: Work, passes: float) -> Work:
    """``w`` run as ``passes`` passes: weights (and routed experts) read once per pass."""
    if passes <= 1:
        return w
    return w.replace(passes=w.passes * passes, layer_passes=w.layer_passes * passes,
                   weight_bytes=w.weight_bytes * passes, expert_bytes=w.expert_bytes * passes)


def split_prefill_work(w: Work, passes: float, pass_expert_bytes: float) -> Work:
    """One prefill ``w`` (all prompt tokens in one pass) run as ``k = passes`` passes:
    ``W' = W + (k − 1)·(W − E + E_k)`` weight bytes, ``E`` unchanged [Work].

    ``W`` is the pass's weight bytes, ``E`` the routed-expert part of them, ``E_k`` the expert
    bytes one pass of ``T/k`` tokens touches (``pass_expert_bytes``,
    :func:`~wattprint.workload.phases.expert_bytes_read`). Each extra pass re-reads the dense
    weights and the touched experts once, at the dense streaming rate: a prefill pass runs
    hundreds of tokens (top-2 of 8 experts: 155 tokens leave an expert untouched with
    probability 0.75^155 ≈ 1e-19), so its grouped GEMMs have full row tiles and stream each
    touched expert once like a dense GEMM. The stack's MoE kernel inefficiency
    (``moe_efficiency``, the small-batch decode kernels' padding and re-reads) stays charged
    on ``E`` and the expert FLOPs once, as for the unsplit prefill; FLOPs, KV writes and
    activations are the same tokens' and do not change.
    """
    if passes <= 1:
        return w
    extra = passes - 1.0
    return w.replace(passes=w.passes * passes, layer_passes=w.layer_passes * passes,
                     weight_bytes=w.weight_bytes + extra * (w.weight_bytes - w.expert_bytes
                                                            + pass_expert_bytes))


def _speculative(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, batch: float,
                 ctx: float, steps: int, opts: ServingOptions) -> Work:
    """Target verification of ``k + 1`` tokens per sequence per step (one KV read shared by
    them) plus ``k`` draft decode steps per target step, run inside the target's step."""
    assert opts.draft is not None
    k = opts.draft_tokens
    target = decode_work(spec, plan, traffic, batch * (k + 1), ctx, steps=steps)
    one = decode_work(spec, plan, traffic, batch, ctx, steps=steps)
    target = target.replace(kv_bytes=one.kv_bytes, seq_passes=one.seq_passes,
                     layer_seq_passes=one.layer_seq_passes,
                     vocab_seq_passes=one.vocab_seq_passes)
    draft = decode_work(opts.draft, plan, traffic, batch, ctx, steps=steps * k)
    draft = draft.replace(passes=0.0, loop_steps=0.0, seq_passes=0.0, layer_seq_passes=0.0,
                          vocab_seq_passes=0.0)
    return target + draft


def phase_works(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, batch: int,
                prompt_tokens: int, output_tokens: int, opts: ServingOptions,
                prefill_steps_apart: bool = False) -> PhaseWorks:
    """Prefill and decode work of a batch-cycle with the engine ``opts`` applied.

    ``prefill_steps_apart``: the engine admits new requests by prefill-only steps
    (:func:`separate_prefill_steps`); the prefill then runs as that many passes.
    """
    if opts is not NO_OPTIONS:  # the shared all-off options are valid
        opts.check()
    notes: list[str] = []
    p_run = prefix_cached_prompt_tokens(prompt_tokens, opts.prefix_hit)
    if opts.prefix_hit > 0:
        notes.append(f"prefix cache: {opts.prefix_hit:.0%} of the prompt reused, the prefill "
                     f"computes {p_run:g} of {prompt_tokens} tokens (prefix_cached_prompt_tokens)")
    pre = prefill_work(spec, plan, traffic, batch, p_run)
    if opts.prefill_chunk_tokens:
        n = chunked_prefill_passes(batch, p_run, opts.prefill_chunk_tokens)
        pre = _chunked(pre, n)
        notes.append(f"chunked prefill: {plural(n, 'pass')} of ≤ {opts.prefill_chunk_tokens} "
                     "tokens (chunked_prefill_passes)")
    elif prefill_steps_apart:
        k = separate_prefill_steps(batch, output_tokens)
        pre = split_prefill_work(pre, k, expert_bytes_read(spec, plan, pre.tokens / k))
        notes.append(f"prefill-only engine steps: {k:.3g} per {batch} requests of "
                     f"{output_tokens} output tokens (separate_prefill_steps)")
    steps = output_tokens - 1
    ctx = prompt_tokens + output_tokens / 2.0
    if steps <= 0:
        return PhaseWorks(pre, p_run, None, 0, 1.0, notes)
    if opts.draft is None:
        dec = decode_work(spec, plan, traffic, batch, ctx, steps=steps)
        return PhaseWorks(pre, p_run, dec, steps, 1.0, notes)
    gain = speculative_tokens_per_step(opts.acceptance, opts.draft_tokens)
    t_steps = max(1, math.ceil(steps / gain))
    notes.append(f"speculative decoding: draft {opts.draft.name} proposes {opts.draft_tokens} "
                 f"tokens, acceptance {opts.acceptance:g} → {gain:.2f} tokens per target step "
                 f"(speculative_tokens_per_step), {t_steps} target steps for {steps} tokens")
    dec = _speculative(spec, plan, traffic, batch, ctx, t_steps, opts)
    return PhaseWorks(pre, p_run, dec, t_steps, float(opts.draft_tokens + 1), notes)
