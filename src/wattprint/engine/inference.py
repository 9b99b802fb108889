"""Inference through the chain: prefill + decode on the device, then the site chain.

:func:`estimate_inference` is the scalar entry point (a :class:`Footprint`);
:func:`serving_latencies` and :func:`tensor_parallel_comm` are the array-native formulas it
shares with the planner's sweeps.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wattprint.catalog.caches import derived_dict, keep
from wattprint.catalog.defaults import default_stack, default_value
from wattprint.device.execute import PhaseResult, run_work
from wattprint.engine.inputs import check_count, check_limit, resolved_inputs
from wattprint.engine.memory import (
    USABLE_MEMORY,
    inference_memory_bytes,
    paged_kv_capacity,
    serving_memory,
)
from wattprint.engine.params import traffic_of
from wattprint.engine.serving_options import (
    NO_OPTIONS,
    PhaseWorks,
    ServingOptions,
    phase_works,
)
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.quantity import Quantity, quantity
from wattprint.site.chain import SiteFactors, build_footprint, resolve_site
from wattprint.units import plural
from wattprint.workload.data_parallel import (
    check_data_parallel,
    data_parallel_host_work,
    data_parallel_note,
    data_parallel_padding,
    data_parallel_weight_reads,
    expert_parallel_comm,
)
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import (
    Work,
    replicate_kv,
)
from wattprint.workload.pipeline import pipeline_weight_reads
from wattprint.workload.precision import PrecisionPlan
from wattprint.workload.sparsity import check_sparse_hardware, sparsify
from wattprint.workload.tensor_parallel import tensor_parallel_problem

if TYPE_CHECKING:
    from wattprint.catalog.profiles import Profile
    from wattprint.catalog.schema import Hardware, Stack


def tensor_parallel_comm(spec: ModelSpec, act_bytes: Any, batch: Any, tokens: Any
                         ) -> tuple[Any, float]:
    """All-reduce volume [B] and call count of a tensor-parallel pass over ``tokens`` tokens
    per sequence of ``act_bytes``-byte activations: two all-reduces of the hidden state per
    layer (one per attention, MLP or Mamba-2 block: ``2 ·`` layer equivalents)."""
    ar = 2.0 * spec.layer_equivalents
    return ar * batch * tokens * spec.hidden * act_bytes, ar


def serving_latencies(prefill_s: Any, decode_s: Any, steps: int, batch: Any,
                      continuous: bool) -> tuple[Any, Any]:
    """Time to first token and time per output token [s] of a batch.

    Static batch: TTFT = the batch's prefill; TPOT = one decode step (``decode_s / steps``).
    Continuous batching (serving engines): prefill chunks of arriving requests share the
    steps, so in steady state TPOT = (prefill + decode time) / decode steps and TTFT = one
    request's share of the prefill plus one step. No decode step (``steps`` = 0): TPOT = 0.
    Array-native in ``prefill_s``, ``decode_s`` and ``batch``.
    """
    if steps <= 0:
        return prefill_s, prefill_s * 0.0
    if not continuous:
        return prefill_s, decode_s / steps
    tpot = (prefill_s + decode_s) / steps
    return prefill_s / batch + tpot, tpot


def _latency_quantities(pre: PhaseResult, dec: PhaseResult | None, steps: int, batch: int,
                        continuous: bool) -> tuple[Quantity, Quantity]:
    if dec is None:
        return (quantity(pre.time_s, "s", f"prefill time ({pre.regime}-bound)", "modelled",
                         pre.time_low_s, pre.time_high_s),
                quantity(0.0, "s", "no decode step (output tokens = 1)", "modelled", 0.0, 0.0))
    ttft, tpot = serving_latencies(pre.time_s, dec.time_s, steps, batch, continuous)
    ttft_lo, tpot_lo = serving_latencies(pre.time_low_s, dec.time_low_s, steps, batch,
                                         continuous)
    ttft_hi, tpot_hi = serving_latencies(pre.time_high_s, dec.time_high_s, steps, batch,
                                         continuous)
    if not continuous:
        return (quantity(ttft, "s", f"prefill of the batch ({pre.regime}-bound)", "modelled",
                         ttft_lo, ttft_hi),
                quantity(tpot, "s", f"one decode step ({dec.regime}-bound)", "modelled",
                         tpot_lo, tpot_hi))
    return (quantity(ttft, "s", "continuous batching: one request's share of the prefill + one "
                     "step", "modelled", ttft_lo, ttft_hi),
            quantity(tpot, "s", "continuous batching: (prefill + decode time) / decode steps "
                     f"(decode {dec.regime}-bound)", "modelled", tpot_lo, tpot_hi))


def held_context_tokens(prompt_tokens: Any, output_tokens: Any, continuous: bool) -> Any:
    """Tokens held per sequence at peak: a static batch holds every sequence at full length
    (P + N); a continuous-batching engine holds them at staggered lengths, on average P + N/2."""
    return prompt_tokens + (output_tokens / 2.0 if continuous else output_tokens)


def _check_fits(spec: ModelSpec, hw: Hardware, plan: PrecisionPlan, batch: int,
                ctx_held: float, chips: int, tp: int, dp: int = 1) -> float:
    need = inference_memory_bytes(spec, plan, batch, ctx_held, tp, dp)
    have = hw.memory_bytes.value * chips * USABLE_MEMORY
    if need > have:
        min_chips = math.ceil(need / (hw.memory_bytes.value * USABLE_MEMORY))
        raise UnsupportedError(
            f"{spec.name} at {plan.name} with batch {batch} and {ctx_held:g} tokens held per "
            f"sequence needs {need / 1e9:.1f} GB but {chips} × {hw.id} offer "
            f"{have / 1e9:.1f} GB usable; use --chips {min_chips} or more, a smaller batch or "
            "a lower precision")
    return float(need)


#: :func:`_capacity` by the identities of model, precision, hardware and the engine's memory
#: share (a default: a catalog reload makes new entries), kept in the value so an id is not
#: reused while cached, and the numbers; cleared by :func:`~wattprint.catalog.clear_caches`.
_CAPACITY = derived_dict()


def _capacity(spec: ModelSpec, plan: PrecisionPlan, hw: Hardware, chips: int, held: float,
              tp: int, dp: int = 1) -> int:
    """:func:`~wattprint.engine.memory.paged_kv_capacity` on ``hw`` (it does not depend on
    the batch: computed once per model, precision, hardware, chips and context)."""
    util = default_value("serving", "gpu_memory_utilization")
    key = (id(spec), id(plan), id(hw), id(util), chips, held, tp, dp)
    hit = _CAPACITY.get(key)
    if hit is not None and hit[0] is spec and hit[1] is plan and hit[2] is hw \
            and hit[3] is util:
        return int(hit[4])
    cap = paged_kv_capacity(spec, plan, hw.memory_bytes.value, chips, held, tp, dp)
    keep(_CAPACITY, key, (spec, plan, hw, util, cap))
    return cap


def admitted_batch(spec: ModelSpec, hw: Hardware, plan: PrecisionPlan, batch: int,
                   prompt_tokens: int, output_tokens: int, chips: int, tp: int,
                   continuous: bool, dp: int = 1) -> tuple[int, float, str | None]:
    """(sequences run at once, memory need [B], note) of a batch.

    A static batch must fit whole (:func:`inference_memory_bytes` ≤ 92 % of memory) or it
    is refused. A continuous-batching engine admits what its paged KV pool holds
    (:func:`~wattprint.engine.memory.paged_kv_capacity` at ``P + N/2`` tokens per
    sequence) and queues the rest, as vLLM's scheduler does: the batch runs at
    ``min(batch, capacity)`` with a note; refused only when the weights leave no room for
    one sequence. ``dp`` data-parallel attention ranks each hold the non-expert weights.
    """
    if not continuous:
        return batch, _check_fits(spec, hw, plan, batch, held_context_tokens(
            prompt_tokens, output_tokens, False), chips, tp, dp), None
    held = held_context_tokens(prompt_tokens, output_tokens, True)
    cap = _capacity(spec, plan, hw, chips, held, tp, dp)
    if cap < 1:
        one, util = serving_memory(spec, plan, 1, prompt_tokens, output_tokens, tp, True, dp)
        min_chips = math.ceil(one / (util * hw.memory_bytes.value))
        raise UnsupportedError(
            f"{spec.name} at {plan.name} leaves no KV-cache room for one sequence of "
            f"{held:g} tokens on {chips} × {hw.id} (weights and pages need "
            f"{one / 1e9:.1f} GB of {util * chips * hw.memory_bytes.value / 1e9:.1f} GB); use "
            f"--chips {min_chips} or more, or a lower precision")
    run = cap if cap < batch else batch  # min(batch, cap)
    need, _ = serving_memory(spec, plan, run, prompt_tokens, output_tokens, tp, True, dp)
    note = None if run == batch else (
        f"the paged KV pool of {chips} × {hw.id} holds {cap} sequences of ~{held:g} tokens "
        f"(vLLM gpu_memory_utilization 0.9, 16-token pages): the engine runs {cap} at a time "
        f"and queues the rest, so the batch of {batch} is estimated at {cap}")
    return run, float(need), note


def _pass_comm(spec: ModelSpec, plan: PrecisionPlan, batch: int, tokens: Any, chips: int,
               tp: int, dp: int) -> tuple[Any, float]:
    """Collective volume [B] and calls of one pass: the expert dispatch and combine of
    ``dp`` > 1 data-parallel ranks (:func:`~wattprint.workload.data_parallel.
    expert_parallel_comm`), else the tensor-parallel all-reduces."""
    if dp > 1:
        return expert_parallel_comm(spec, plan.act_bytes, batch, tokens, chips, tp)
    return tensor_parallel_comm(spec, plan.act_bytes, batch, tokens)


def _run_phases(works: PhaseWorks, spec: ModelSpec, plan: PrecisionPlan, params: Any,
                chips: int, tp: int, batch: int, sparsity: str | None, pp: int = 1,
                dp: int = 1) -> tuple[Work, Work | None, PhaseResult, PhaseResult | None]:
    """Run the prefill and decode work on the chips, with the tensor-parallel all-reduces;
    ``pp`` pipeline stages read their weights once per micro-batch
    (:func:`~wattprint.workload.pipeline.pipeline_weight_reads`); ``dp`` data-parallel
    attention ranks each read their non-expert weights and meet at every MoE layer
    (:mod:`wattprint.workload.data_parallel`)."""
    pre = replicate_kv(pipeline_weight_reads(sparsify(works.prefill, sparsity, plan), spec,
                                             plan, pp), spec, tp)
    dec = None if works.decode is None else replicate_kv(pipeline_weight_reads(
        sparsify(works.decode, sparsity, plan), spec, plan, pp), spec, tp)
    if dp > 1:  # each rank reads its own non-expert weights and runs its own host loop;
        # every step is padded to the largest rank's tokens: the prefill is run dp times,
        # and the padding rows' experts pile onto one chip that every rank waits for
        pre = data_parallel_padding(data_parallel_host_work(
            data_parallel_weight_reads(pre, dp), dp), dp, spec, chips)
        dec = None if dec is None else data_parallel_host_work(
            data_parallel_weight_reads(dec, dp), dp)
    # the padded prefill dispatches every rank's copy of the prompt tokens
    cb, calls = _pass_comm(spec, plan, batch, works.prefill_tokens * dp, chips, tp, dp)
    group = chips if dp > 1 else tp
    pre_r = run_work(pre, params, chips, comm_bytes=cb, comm_calls=calls, comm_group=group)
    if dec is None:
        return pre, None, pre_r, None
    steps = works.decode_steps
    cb, calls = _pass_comm(spec, plan, batch, works.tokens_per_step, chips, tp, dp)
    dec_r = run_work(dec, params, chips, comm_bytes=cb * steps, comm_calls=calls * steps,
                     comm_group=group)
    return pre, dec, pre_r, dec_r


def _sums(pre: PhaseResult, dec: PhaseResult | None) -> tuple[float, ...]:
    """Prefill + decode time, its low and high ends, energy and its ends [s, J]."""
    if dec is None:
        return (float(pre.time_s + 0.0), float(pre.time_low_s + 0.0),
                float(pre.time_high_s + 0.0), float(pre.energy_j + 0.0),
                float(pre.energy_low_j + 0.0), float(pre.energy_high_j + 0.0))
    return (float(pre.time_s + dec.time_s), float(pre.time_low_s + dec.time_low_s),
            float(pre.time_high_s + dec.time_high_s), float(pre.energy_j + dec.energy_j),
            float(pre.energy_low_j + dec.energy_low_j),
            float(pre.energy_high_j + dec.energy_high_j))


def _details(spec: ModelSpec, hw_id: str, precision: str, stack_id: str, pre: Work,
             pre_r: PhaseResult, dec: Work | None, dec_r: PhaseResult | None, need: float,
             device_provenance: dict[str, str], batch: int) -> dict[str, Any]:
    """The ``details`` of an inference estimate (built when first read: frozen inputs)."""
    return {
        "model": spec.to_dict(), "hardware": hw_id, "precision": precision, "stack": stack_id,
        "prefill": {**pre.to_dict(), **pre_r.to_dict()},
        "decode": ({**dec.to_dict(), **dec_r.to_dict()} if dec and dec_r else None),
        "memory_required_bytes": need, "device_provenance": device_provenance,
        "admitted_batch": batch,
    }


def _requests(requests: float) -> float:
    """A user's request count, checked (finite, positive, within :data:`LIMITS`)."""
    from wattprint.numbers import check_number  # not imported by an estimate without it

    return float(check_limit(check_number(float(requests), "requests"), "requests"))


def estimate_inference(
    model: str | ModelSpec | Path,
    hardware: str | Hardware,
    *,
    batch: int = 1,
    prompt_tokens: int = 512,
    output_tokens: int = 256,
    requests: float | None = None,
    precision: str = "bf16",
    kv_cache: str | None = None,
    chips: int = 1,
    stack: str | Stack | None = None,
    site: str | SiteFactors | None = None,
    pue: float | None = None,
    profile: str | Profile | None = None,
    sparsity: str | None = None,
    market_gco2e_per_kwh: float | None = None,
    tensor_parallel: int | None = None,
    options: ServingOptions | None = None,
    pipeline_parallel: int = 1,
    data_parallel: int = 1,
) -> Footprint:
    """Footprint of serving ``requests`` requests (default: one batch of ``batch``).

    ``options``: prefix caching, chunked prefill, speculative decoding
    (:class:`~wattprint.engine.serving_options.ServingOptions`).

    ``tensor_parallel`` is the attention's tensor-parallel degree (default: all ``chips``);
    the other chips split layers (pipeline) or sequences (data-parallel attention), which
    shard the KV cache instead of replicating it (:func:`~wattprint.workload.phases.kv_copies`).
    ``pipeline_parallel`` stages (default 1) each keep one micro-batch in flight and read
    their weights once per micro-batch (:func:`~wattprint.workload.pipeline.
    pipeline_weight_reads`); ``tensor_parallel × pipeline_parallel`` must divide ``chips``.
    ``data_parallel`` > 1 is data-parallel attention with expert-parallel MoE layers (vLLM
    ``--data-parallel-size`` with ``--enable-expert-parallel``; MoE models only): ``batch``
    is the sequences of all ranks together, each rank runs ``batch / data_parallel`` of them
    on ``tensor_parallel`` chips (default ``chips / data_parallel``) with its own copy of the
    non-expert weights, and the experts spread over all chips
    (:mod:`wattprint.workload.data_parallel`); ``data_parallel × tensor_parallel`` must
    equal ``chips``.

    Each batch is one prefill over ``prompt_tokens`` and ``output_tokens − 1`` decode steps
    (the first output token comes from the prefill). Energies in J, times in s.
    Per-token figures: ``accelerator_energy_per_output_token`` [J], ``time_per_output_token``
    (decode step) [s] and ``time_to_first_token`` (prefill) [s]. The default stack is
    ``eager`` (:func:`wattprint.catalog.defaults.default_stack`).
    """
    batch = check_count(batch, "batch")
    prompt_tokens = check_count(prompt_tokens, "prompt tokens")
    output_tokens = check_count(output_tokens, "output tokens")
    chips = check_count(chips, "chips")
    dp = 1 if data_parallel == 1 else check_count(data_parallel, "data parallel")
    if chips % dp:
        raise InputError(f"data parallel degree {dp} must divide the {chips} chips")
    tp = chips // dp if tensor_parallel is None else check_count(tensor_parallel,
                                                                 "tensor parallel")
    if tp > chips or chips % tp:
        raise InputError(f"tensor parallel degree {tp} must divide the {chips} chips")
    pp = check_count(pipeline_parallel, "pipeline parallel")
    if chips % (tp * pp):
        raise InputError(f"tensor parallel {tp} × pipeline parallel {pp} must divide the "
                         f"{chips} chips")
    n_req = float(batch) if requests is None else _requests(requests)
    # the tensor-parallel all-reduce runs within its group: a group of ≤ 8 GPUs stays on the
    # node's NVLink even when pipeline stages span nodes (device_params picks the link)
    spec, hw, plan, st, params, notes = resolved_inputs(model, hardware, precision, kv_cache,
                                                        stack, default_stack("infer"), tp,
                                                        profile, experts_check=True)
    check_data_parallel(spec, dp, tp, pp, chips)
    check_sparse_hardware(hw, sparsity, plan)
    if (problem := tensor_parallel_problem(spec, tp)) is not None:
        raise InputError(problem)
    if batch < dp:  # a rank without a sequence runs dummy padded steps: not modelled
        raise InputError(f"data-parallel attention needs a sequence on each rank: batch "
                         f"{batch} is smaller than the {dp} ranks (use --dp {batch} or less)")
    if dp > 1:
        notes = [*notes, data_parallel_note(spec, dp, tp, batch, chips)]
    asked = batch
    batch, need, admit_note = admitted_batch(spec, hw, plan, batch, prompt_tokens,
                                             output_tokens, chips, tp, st.continuous_batching,
                                             dp)
    if admit_note:
        notes = [*notes, admit_note]
    # prefill-only engine steps stall every running sequence of one tensor-parallel engine;
    # with pipeline stages vLLM v0.5 runs one scheduler per stage and overlaps their steps,
    # and other layouts over more chips than the TP group are not modelled with them
    works = phase_works(spec, plan, traffic_of(st), batch, prompt_tokens, output_tokens,
                        options or NO_OPTIONS,
                        st.continuous_batching and st.separate_prefill_steps and chips == tp)
    notes = [*notes, *works.notes]
    pre, dec, pre_r, dec_r = _run_phases(works, spec, plan, params, chips, tp, batch,
                                         sparsity, pp, dp)
    steps = works.decode_steps
    n_batches = n_req / batch
    t, t_lo, t_hi, e, e_lo, e_hi = _sums(pre_r, dec_r)
    how = (f"modelled: roofline on {chips} × {hw.id}, stack {st.id}, {plan.name}; "
           f"prefill {pre_r.regime}-bound, decode "
           f"{dec_r.regime if dec_r else 'none'}-bound")
    time_q = quantity(t * n_batches, "s", f"{how}; {plural(n_batches, 'batch')} of {batch}",
                      "modelled", t_lo * n_batches, t_hi * n_batches)
    energy_q = quantity(e * n_batches, "J", f"{how}; accelerator_energy_j = idle × chips × t + "
                        "e_flop·FLOPs + e_byte·bytes", "modelled", e_lo * n_batches,
                        e_hi * n_batches)
    out_tokens = batch * output_tokens
    ttft, tpot = _latency_quantities(pre_r, dec_r, output_tokens - 1, batch,
                                     st.continuous_batching)
    extra = {
        "accelerator_energy_per_output_token": quantity(
            e / out_tokens, "J", "accelerator energy of a batch (prefill + decode) / (batch × "
            "output tokens)", "modelled", e_lo / out_tokens, e_hi / out_tokens),
        "accelerator_energy_per_request": quantity(
            e / batch, "J", "accelerator energy of a batch / batch", "modelled", e_lo / batch,
            e_hi / batch),
        "time_to_first_token": ttft,
        "time_per_output_token": tpot,
        "prefill_accelerator_energy": quantity(pre_r.energy_j, "J", "prefill pass", "modelled",
                                               pre_r.energy_low_j, pre_r.energy_high_j),
        "decode_accelerator_energy": quantity(
            dec_r.energy_j if dec_r else 0.0, "J",
            f"{steps} decode steps" if dec_r else "no decode step (output tokens = 1)",
            "modelled", dec_r.energy_low_j if dec_r else 0.0,
            dec_r.energy_high_j if dec_r else 0.0),
    }
    site_f = site if isinstance(site, SiteFactors) else resolve_site(
        site, pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh)
    details = partial(_details, spec, hw.id, plan.name, st.id, pre, pre_r, dec, dec_r, need,
                      params.provenance, batch)
    inputs = {"kind": "infer", "model": spec.name, "hardware": hw.id, "chips": chips,
              "tensor_parallel": tp,
              "batch": asked, "prompt_tokens": prompt_tokens, "output_tokens": output_tokens,
              "requests": n_req, "precision": plan.name, "stack": st.id,
              "site": site_f.site_id, "sparsity": sparsity or "none",
              "profile": str(profile) if profile is not None else None}
    if pp > 1:
        inputs["pipeline_parallel"] = pp
    if dp > 1:
        inputs["data_parallel"] = dp
    return build_footprint(kind="estimate", time=time_q, chips=chips,
                           accelerator_energy=energy_q, host_energy=None, hardware=hw,
                           site=site_f, details=details, inputs=inputs, notes=notes,
                           extra=extra)
