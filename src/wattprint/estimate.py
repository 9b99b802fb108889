"""Predictions: the workload → device → site → footprint chain for training and inference.

``estimate_training`` and ``estimate_inference`` are the public entry points; both return a
:class:`~wattprint.footprint.Footprint` whose ``details`` hold every intermediate (FLOPs,
bytes, the time of each regime, the coefficients and their provenance).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from wattprint.catalog.schema import Hardware
from wattprint.device.coefficients import coefficients_for
from wattprint.device.execute import (
    COLLECTIVE_LATENCY_S,
    DeviceParams,
    PhaseResult,
    device_params,
    run_work,
)
from wattprint.device.profile import Profile, apply_profile, load_profile
from wattprint.device.roofline import allreduce_time_s
from wattprint.device.stacks import Stack, get_stack
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.numbers import check_number
from wattprint.quantity import S_PER_HOUR, Quantity
from wattprint.site.chain import SiteFactors, build_footprint, resolve_site
from wattprint.workload.model_spec import ModelSpec, get_model_spec, load_config_file
from wattprint.workload.phases import (
    Traffic,
    Work,
    decode_work,
    prefill_work,
    train_step_work,
    weight_storage_bytes,
)
from wattprint.workload.precision import PrecisionPlan, precision_plan

#: Share of data-parallel gradient all-reduce not hidden behind the backward pass.
EXPOSED_GRAD_COMM = 0.2
#: Share of device memory usable for weights, KV cache and activations.
USABLE_MEMORY = 0.92


def resolve_model(model: str | ModelSpec | Path) -> ModelSpec:
    """A :class:`ModelSpec` from a spec, a catalog name, or a path to ``config.json``."""
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, Path) or str(model).endswith(".json"):
        return load_config_file(model)
    return get_model_spec(str(model))


def resolve_hardware(hardware: str | Hardware) -> Hardware:
    """A catalog :class:`Hardware` by name/alias, or the object itself."""
    if isinstance(hardware, Hardware):
        return hardware
    from wattprint.catalog import get_hardware

    return get_hardware(hardware)


def _traffic(stack: Stack) -> Traffic:
    return Traffic(stack.act_passes_hidden.value, stack.act_passes_ffn.value,
                   stack.fused_attention)


def _params(hw: Hardware, stack: Stack, plan: PrecisionPlan, chips: int,
            profile: str | Profile | None) -> tuple[DeviceParams, str | None]:
    p = device_params(hw, coefficients_for(hw), stack, plan, chips)
    if profile is None:
        return p, None
    prof = profile if isinstance(profile, Profile) else load_profile(str(profile))
    note = None
    if prof.hardware and prof.hardware.lower() not in (hw.id, *hw.aliases):
        note = (f"profile {prof.name} was measured on {prof.hardware}, applied to {hw.id}")
    return apply_profile(p, prof, p.compute_precision, p.peak_flops), note


def sparsify(work: Work, sparsity: str | None, plan: PrecisionPlan) -> Work:
    """Apply 2:4 structured sparsity: half the matmul FLOPs, half the weights + metadata.

    Metadata is 2 bits per kept value: weight bytes × ``0.5 · (1 + 2 / bits)``.
    """
    if sparsity in (None, "", "none", "dense"):
        return work
    if sparsity != "2:4":
        raise InputError(f"unknown sparsity {sparsity!r}; use 2:4 or none")
    bits = plan.weight_bytes * 8.0
    return replace(work, matmul_flops=work.matmul_flops * 0.5,
                   weight_bytes=work.weight_bytes * 0.5 * (1.0 + 2.0 / bits))


#: Activation workspace on top of weights and KV cache (serving engines reserve a few %).
WORKSPACE_FRACTION = 0.02


def inference_memory_bytes(spec: ModelSpec, plan: PrecisionPlan, batch: float,
                           context_tokens: float) -> float:
    """Weights + KV cache of ``batch`` sequences of ``context_tokens`` + 2 % workspace [B]."""
    weights = weight_storage_bytes(spec, plan)
    kv = batch * spec.kv_elements(context_tokens) * plan.kv_bytes
    return (weights + kv) * (1.0 + WORKSPACE_FRACTION)


def training_memory_bytes(spec: ModelSpec, chips: int) -> float:
    """Mixed-precision Adam state, 16 B/parameter, sharded over ``chips`` (ZeRO-3) [B]."""
    return 16.0 * spec.params_total / max(chips, 1)


def _q(v: float, lo: float, hi: float, unit: str, prov: str) -> Quantity:
    return Quantity(v, unit, prov, "modelled", lo, hi)


#: Upper bounds that catch typos (1e147 chips) before they overflow into inf/NaN results.
LIMITS = {"chips": 1e6, "batch": 1e7, "prompt tokens": 1e8, "output tokens": 1e8,
          "sequence length": 1e8, "tokens": 1e17, "requests": 1e18, "chip hours": 1e12}


def _check_int(value: float, what: str) -> int:
    check_number(float(value), what, integer=True)
    _check_limit(float(value), what)
    return int(value)


def _check_limit(value: float, what: str) -> float:
    limit = LIMITS.get(what)
    if limit is not None and value > limit:
        raise InputError(f"{what}: {value:g} is beyond the supported range (≤ {limit:g})")
    return value


def _latencies(pre: PhaseResult, dec: PhaseResult | None, steps: int, batch: int,
                continuous: bool) -> tuple[Quantity, Quantity]:
    """Time to first token and time per output token.

    Static batch: TTFT = the batch's prefill; TPOT = one decode step. Continuous batching
    (serving engines): prefill chunks of arriving requests share the steps, so in steady state
    TPOT = (prefill + decode time) / decode steps and TTFT = one request's share of the prefill
    plus one step.
    """
    if dec is None:
        t = _q(pre.time_s, pre.time_low_s, pre.time_high_s, "s",
               f"prefill time ({pre.regime}-bound)")
        return t, _q(0.0, 0.0, 0.0, "s", "no decode step (output tokens = 1)")
    if not continuous:
        return (_q(pre.time_s, pre.time_low_s, pre.time_high_s, "s",
                   f"prefill of the batch ({pre.regime}-bound)"),
                _q(dec.time_s / steps, dec.time_low_s / steps, dec.time_high_s / steps, "s",
                   f"one decode step ({dec.regime}-bound)"))
    tpot = _q((pre.time_s + dec.time_s) / steps, (pre.time_low_s + dec.time_low_s) / steps,
              (pre.time_high_s + dec.time_high_s) / steps, "s",
              "continuous batching: (prefill + decode time) / decode steps "
              f"(decode {dec.regime}-bound)")
    ttft = _q(pre.time_s / batch + tpot.value, pre.time_low_s / batch + tpot.lo,
              pre.time_high_s / batch + tpot.hi, "s",
              "continuous batching: one request's share of the prefill + one step")
    return ttft, tpot


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
    stack: str | Stack = "eager",
    site: str | SiteFactors | None = None,
    pue: float | None = None,
    profile: str | Profile | None = None,
    sparsity: str | None = None,
    market_gco2e_per_kwh: float | None = None,
) -> Footprint:
    """Footprint of serving ``requests`` requests (default: one batch of ``batch``).

    Each batch is one prefill over ``prompt_tokens`` and ``output_tokens − 1`` decode steps
    (the first output token comes from the prefill). Energies in J, times in s.
    Per-token figures: ``accelerator_energy_per_output_token`` [J], ``time_per_output_token``
    (decode step) [s] and ``time_to_first_token`` (prefill) [s].
    """
    batch = _check_int(batch, "batch")
    prompt_tokens = _check_int(prompt_tokens, "prompt tokens")
    output_tokens = _check_int(output_tokens, "output tokens")
    chips = _check_int(chips, "chips")
    n_req = float(batch if requests is None else
                  _check_limit(check_number(float(requests), "requests"), "requests"))
    spec = resolve_model(model)
    hw = resolve_hardware(hardware)
    plan = precision_plan(precision, kv_cache)
    st = get_stack(stack)
    params, pnote = _params(hw, st, plan, chips, profile)
    notes = [pnote] if pnote else []
    # A static batch holds every sequence at full length at the end; a continuous-batching
    # engine holds sequences at staggered lengths, on average P + N/2.
    ctx_held = prompt_tokens + (output_tokens / 2.0 if st.continuous_batching else output_tokens)
    need = inference_memory_bytes(spec, plan, batch, ctx_held)
    have = hw.memory_bytes.value * chips * USABLE_MEMORY
    if need > have:
        min_chips = math.ceil(need / (hw.memory_bytes.value * USABLE_MEMORY))
        raise UnsupportedError(
            f"{spec.name} at {plan.name} with batch {batch} and {ctx_held:g} tokens held per "
            f"sequence needs {need / 1e9:.1f} GB but {chips} × {hw.id} offer "
            f"{have / 1e9:.1f} GB usable; use --chips {min_chips} or more, a smaller batch or "
            "a lower precision")
    traffic = _traffic(st)
    pre = sparsify(prefill_work(spec, plan, traffic, batch, prompt_tokens), sparsity, plan)
    steps = output_tokens - 1
    mean_ctx = prompt_tokens + output_tokens / 2.0
    dec = sparsify(decode_work(spec, plan, traffic, batch, mean_ctx, steps=max(steps, 0)),
                   sparsity, plan)
    # Tensor parallelism: two all-reduces of the hidden state per layer per pass.
    ar = 2.0 * spec.layers
    pre_r = run_work(pre, params, chips, comm_bytes=ar * batch * prompt_tokens * spec.hidden
                     * plan.act_bytes, comm_calls=ar)
    dec_r: PhaseResult | None = None
    if steps > 0:
        dec_r = run_work(dec, params, chips, comm_bytes=ar * batch * spec.hidden
                         * plan.act_bytes * steps, comm_calls=ar * steps)
    n_batches = n_req / batch
    t = (pre_r.time_s + (dec_r.time_s if dec_r else 0.0))
    t_lo = pre_r.time_low_s + (dec_r.time_low_s if dec_r else 0.0)
    t_hi = pre_r.time_high_s + (dec_r.time_high_s if dec_r else 0.0)
    e = pre_r.energy_j + (dec_r.energy_j if dec_r else 0.0)
    e_lo = pre_r.energy_low_j + (dec_r.energy_low_j if dec_r else 0.0)
    e_hi = pre_r.energy_high_j + (dec_r.energy_high_j if dec_r else 0.0)
    how = (f"modelled: roofline on {chips} × {hw.id}, stack {st.id}, {plan.name}; "
           f"prefill {pre_r.regime}-bound, decode "
           f"{dec_r.regime if dec_r else 'none'}-bound")
    time_q = _q(t * n_batches, t_lo * n_batches, t_hi * n_batches, "s",
                f"{how}; {n_batches:g} batch(es) of {batch}")
    energy_q = _q(e * n_batches, e_lo * n_batches, e_hi * n_batches, "J",
                  f"{how}; accelerator_energy_j = idle × chips × t + e_flop·FLOPs + "
                  "e_byte·bytes")
    out_tokens = batch * output_tokens
    ttft, tpot = _latencies(pre_r, dec_r, steps, batch, st.continuous_batching)
    extra = {
        "accelerator_energy_per_output_token": _q(
            e / out_tokens, e_lo / out_tokens, e_hi / out_tokens, "J",
            "accelerator energy of a batch (prefill + decode) / (batch × output tokens)"),
        "accelerator_energy_per_request": _q(e / batch, e_lo / batch, e_hi / batch, "J",
                                             "accelerator energy of a batch / batch"),
        "time_to_first_token": ttft,
        "time_per_output_token": tpot,
        "prefill_accelerator_energy": _q(pre_r.energy_j, pre_r.energy_low_j,
                                         pre_r.energy_high_j, "J", "prefill pass"),
        "decode_accelerator_energy": _q(
            dec_r.energy_j if dec_r else 0.0, dec_r.energy_low_j if dec_r else 0.0,
            dec_r.energy_high_j if dec_r else 0.0, "J",
            f"{steps} decode steps" if dec_r else "no decode step (output tokens = 1)"),
    }
    site_f = site if isinstance(site, SiteFactors) else resolve_site(
        site, pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh)
    details: dict[str, Any] = {
        "model": spec.to_dict(), "hardware": hw.id, "precision": plan.name, "stack": st.id,
        "prefill": {**pre.to_dict(), **pre_r.to_dict()},
        "decode": ({**dec.to_dict(), **dec_r.to_dict()} if dec_r else None),
        "memory_required_bytes": need, "device_provenance": params.provenance,
    }
    inputs = {"kind": "infer", "model": spec.name, "hardware": hw.id, "chips": chips,
              "batch": batch, "prompt_tokens": prompt_tokens, "output_tokens": output_tokens,
              "requests": n_req, "precision": plan.name, "stack": st.id,
              "site": site_f.site_id, "sparsity": sparsity or "none",
              "profile": str(profile) if profile is not None else None}
    return build_footprint(kind="estimate", time=time_q, chips=chips,
                           accelerator_energy=energy_q, host_energy=None, hardware=hw,
                           site=site_f, details=details, inputs=inputs, notes=notes,
                           extra=extra)


def estimate_training(
    model: str | ModelSpec | Path,
    hardware: str | Hardware,
    *,
    tokens: float,
    chips: int = 1,
    chip_hours: float | None = None,
    mfu: float | None = None,
    precision: str = "bf16",
    batch: int = 8,
    seq_len: int = 2048,
    recompute: bool = False,
    stack: str | Stack | None = None,
    site: str | SiteFactors | None = None,
    pue: float | None = None,
    profile: str | Profile | None = None,
    market_gco2e_per_kwh: float | None = None,
) -> Footprint:
    """Footprint of training on ``tokens`` tokens.

    Time comes from measured ``chip_hours`` if given, else from a model FLOPs utilisation
    ``mfu`` (FLOPs / (chips · peak · mfu)), else from the roofline of one optimizer step of
    ``batch`` × ``seq_len`` tokens per chip repeated over the run. Energy always comes from the
    power model (idle floor × time + energy per FLOP and byte), capped at the power limit.
    The default stack is ``eager`` on one chip and ``megatron`` (a distributed framework)
    on several.
    """
    tokens = _check_limit(check_number(float(tokens), "tokens"), "tokens")
    chips = _check_int(chips, "chips")
    batch = _check_int(batch, "batch")
    seq_len = _check_int(seq_len, "sequence length")
    if chip_hours is not None and mfu is not None:
        raise InputError("give --chip-hours or --mfu, not both")
    if chip_hours is not None:
        _check_limit(check_number(float(chip_hours), "chip hours"), "chip hours")
    if mfu is not None and not 0.0 < check_number(float(mfu), "mfu") <= 1.0:
        raise InputError(f"mfu must be in (0, 1], got {mfu:g}")
    spec = resolve_model(model)
    hw = resolve_hardware(hardware)
    plan = precision_plan(precision)
    if not plan.trainable:
        raise UnsupportedError(f"training in {plan.name} is not modelled; use bf16, fp16, fp8, "
                               "tf32 or fp32 (mixed precision)")
    st = get_stack(stack if stack is not None else ("eager" if chips == 1 else "megatron"))
    params, pnote = _params(hw, st, plan, chips, profile)
    notes = [pnote] if pnote else []
    need = training_memory_bytes(spec, chips)
    if need > hw.memory_bytes.value * chips * USABLE_MEMORY:
        notes.append(f"weights and Adam state ({need * chips / 1e9:.0f} GB) exceed the memory of"
                     f" {chips} × {hw.id}; a real run needs more chips or offloading")
    traffic = _traffic(st)
    step = train_step_work(spec, plan, traffic, batch, seq_len, recompute)
    if chips > 1:  # optimizer state sharded over data-parallel chips (ZeRO), as in the memory need
        step = replace(step, optimizer_bytes=step.optimizer_bytes / chips)
    tokens_per_step = batch * seq_len * chips
    steps = tokens / tokens_per_step
    # One chip's step (data parallel); gradients all-reduced in bf16, mostly overlapped.
    grad_bytes = spec.params_total * 2.0
    step_r = run_work(step, params, 1, 0.0)
    comm_t = 0.0
    if chips > 1:
        comm_t = EXPOSED_GRAD_COMM * (allreduce_time_s(grad_bytes, float(chips),
                                                       params.link_bps)
                                      + 2 * spec.layers * COLLECTIVE_LATENCY_S)
    total_flops = step.flops * steps * chips
    dyn_per_step = step_r.intermediates["dynamic_energy_j"]
    dyn = dyn_per_step * steps * chips
    dyn_lo = dyn * (params.j_per_flop[1] / params.j_per_flop[0])
    dyn_hi = dyn * (params.j_per_flop[2] / params.j_per_flop[0])
    idle = params.idle_w
    budget = params.tdp_w - idle[0]
    if chip_hours is not None:
        wall = chip_hours * S_PER_HOUR / chips
        wall_lo = wall_hi = wall
        how = f"from the given chip-hours ({chip_hours:g})"
        regime = "given chip-hours"
    elif mfu is not None:
        peak = params.peak_flops
        wall = total_flops / (chips * peak * mfu)
        wall_lo = wall_hi = wall
        how = f"from MFU {mfu:g}: FLOPs / (chips × peak × MFU)"
        regime = "given MFU"
    else:
        wall = (step_r.time_s + comm_t) * steps
        wall_lo = (step_r.time_low_s + comm_t) * steps
        wall_hi = (step_r.time_high_s + comm_t) * steps
        how = f"roofline of one step ({step_r.regime}-bound) × {steps:.4g} steps"
        regime = step_r.regime
    # Energy at the operating point: a job cannot draw more than the power limit.
    cap_time = dyn / (budget * chips)
    if wall < cap_time and chip_hours is None and mfu is None:
        wall = cap_time
        regime = "power-cap"
    e = idle[0] * chips * wall + min(dyn, budget * chips * wall)
    e_lo = idle[1] * chips * wall_lo + min(dyn_lo, (params.tdp_w - idle[1]) * chips * wall_lo)
    e_hi = idle[2] * chips * wall_hi + min(dyn_hi, (params.tdp_w - idle[2]) * chips * wall_hi)
    if dyn > budget * chips * wall:
        notes.append(f"the given time implies more than the {params.tdp_w:g} W power limit per "
                     "chip; energy capped at TDP × time")
    achieved = total_flops / (chips * wall) if wall > 0 else 0.0
    mfu_eff = achieved / params.peak_flops
    time_q = _q(wall, min(wall_lo, wall), max(wall_hi, wall), "s",
                f"modelled: {how} on {chips} × {hw.id}, stack {st.id}")
    energy_q = _q(e, min(e_lo, e), max(e_hi, e), "J",
                  "modelled: accelerator_energy_j = idle × chips × t + e_flop·FLOPs + "
                  f"e_byte·bytes, capped at TDP; {params.provenance['j_per_flop']}")
    site_f = site if isinstance(site, SiteFactors) else resolve_site(
        site, pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh)
    extra = {
        "flops": Quantity(total_flops, "FLOP", "training FLOPs: 3 × forward (4 × with "
                          "recomputation) incl. attention and LM head", "modelled"),
        "mfu": Quantity(mfu_eff, "", "achieved FLOP/s ÷ peak at the modelled time",
                        "modelled"),
    }
    details: dict[str, Any] = {
        "model": spec.to_dict(), "hardware": hw.id, "precision": plan.name, "stack": st.id,
        "steps": steps, "tokens_per_step": tokens_per_step, "regime": regime,
        "step": {**step.to_dict(), **step_r.to_dict()}, "exposed_comm_s_per_step": comm_t,
        "memory_per_chip_bytes": need, "device_provenance": params.provenance,
    }
    inputs = {"kind": "train", "model": spec.name, "hardware": hw.id, "chips": chips,
              "tokens": tokens, "chip_hours": chip_hours, "mfu": mfu, "precision": plan.name,
              "batch": batch, "seq_len": seq_len, "recompute": recompute, "stack": st.id,
              "site": site_f.site_id,
              "profile": str(profile) if profile is not None else None}
    return build_footprint(kind="estimate", time=time_q, chips=chips,
                           accelerator_energy=energy_q, host_energy=None, hardware=hw,
                           site=site_f, details=details, inputs=inputs, notes=notes,
                           extra=extra)
