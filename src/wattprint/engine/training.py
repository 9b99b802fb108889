"""Training through the chain: one optimizer step on the device, repeated over the run.

:func:`estimate_training` is the scalar entry point; :func:`gradient_allreduce_s`,
:func:`power_capped_wall_s` and :func:`training_energy_j` are the array-native formulas it
shares with the planner's training sweep.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wattprint.arrays import maximum, minimum, where
from wattprint.catalog.defaults import default_stack, default_value
from wattprint.catalog.stacks import stack_entry
from wattprint.device.execute import COLLECTIVE_LATENCY_S, DeviceParams, run_work
from wattprint.device.roofline import allreduce_time_s
from wattprint.engine.inputs import check_count, check_limit, resolve_hardware, resolve_model
from wattprint.engine.memory import USABLE_MEMORY, training_memory_bytes
from wattprint.engine.parallelism import choose_layout, goodput
from wattprint.engine.params import params_for, traffic_of
from wattprint.engine.training_scale import lost_time_energy_j, scaled_run
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.numbers import check_number
from wattprint.quantity import S_PER_HOUR, Quantity
from wattprint.site.chain import SiteFactors, build_footprint, resolve_site
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import train_step_work
from wattprint.workload.precision import precision_plan

if TYPE_CHECKING:
    from wattprint.catalog.profiles import Profile
    from wattprint.catalog.schema import Hardware, Stack

#: Share of data-parallel gradient all-reduce not hidden behind the backward pass.
EXPOSED_GRAD_COMM = 0.2


def gradient_allreduce_s(params_total: Any, layers: Any, chips: Any, link_bps: Any) -> Any:
    """Exposed time of one step's data-parallel gradient all-reduce (bf16 gradients) [s]:
    ``EXPOSED_GRAD_COMM · (allreduce(2 B × params, chips) + 2 · layers · latency)``; 0 on
    one chip."""
    t = EXPOSED_GRAD_COMM * (allreduce_time_s(params_total * 2.0, chips * 1.0, link_bps)
                             + 2 * layers * COLLECTIVE_LATENCY_S)
    return where(chips > 1, t, 0.0)


def power_capped_wall_s(step_s: Any, comm_s: Any, steps: Any, dynamic_j: Any, budget_w: Any,
                        chips: Any) -> Any:
    """Wall time of a run [s]: ``(step + exposed comm) × steps``, but at least the time the
    dynamic energy ``dynamic_j`` needs at the power budget ``(TDP − idle) × chips``."""
    return maximum((step_s + comm_s) * steps, dynamic_j / (budget_w * chips))


def training_energy_j(wall_s: Any, dynamic_j: Any, idle_w: Any, tdp_w: Any,
                      chips: Any) -> Any:
    """Accelerator energy of a run [J]: ``idle × chips × t + min(E_dyn, (TDP − idle) ×
    chips × t)`` (a job cannot draw more than the power limit)."""
    budget = tdp_w - idle_w
    return idle_w * chips * wall_s + minimum(dynamic_j, budget * chips * wall_s)


def _check_inputs(tokens: float, chips: int, batch: int, seq_len: int,
                  chip_hours: float | None, mfu: float | None) -> tuple[float, int, int, int]:
    tokens = check_limit(check_number(float(tokens), "tokens"), "tokens")
    chips = check_count(chips, "chips")
    batch = check_count(batch, "batch")
    seq_len = check_count(seq_len, "sequence length")
    if chip_hours is not None and mfu is not None:
        raise InputError("give --chip-hours or --mfu, not both")
    if chip_hours is not None:
        check_limit(check_number(float(chip_hours), "chip hours"), "chip hours")
    if mfu is not None and not 0.0 < check_number(float(mfu), "mfu") <= 1.0:
        raise InputError(f"mfu must be in (0, 1], got {mfu:g}")
    return tokens, chips, batch, seq_len


def _wall(step_r: Any, comm_t: float, steps: float, chips: int, total_flops: float,
          params: DeviceParams, chip_hours: float | None, mfu: float | None
          ) -> tuple[float, float, float, str, str]:
    """(wall, low, high, how, regime) before the power cap."""
    if chip_hours is not None:
        wall = chip_hours * S_PER_HOUR / chips
        return wall, wall, wall, f"from the given chip-hours ({chip_hours:g})", \
            "given chip-hours"
    if mfu is not None:
        wall = total_flops / (chips * params.peak_flops * mfu)
        return wall, wall, wall, f"from MFU {mfu:g}: FLOPs / (chips × peak × MFU)", "given MFU"
    return ((step_r.time_s + comm_t) * steps, (step_r.time_low_s + comm_t) * steps,
            (step_r.time_high_s + comm_t) * steps,
            f"roofline of one step ({step_r.regime}-bound) × {steps:.4g} steps", step_r.regime)


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
    global_batch_tokens: float | None = None,
    tensor_parallel: int | None = None,
    pipeline_parallel: int | None = None,
) -> Footprint:
    """Footprint of training on ``tokens`` tokens.

    On several chips the run is laid out as TP × PP × DP (× EP) — given, or chosen like a
    Megatron/torchtitan recipe (:func:`~wattprint.engine.parallelism.choose_layout`) — with
    a global batch of ``global_batch_tokens`` per optimizer step (default: the published
    recipe for the model's size), and its time includes the pipeline bubble, exposed
    collectives and a goodput factor (failures, restarts, checkpoints; the regime breakdown is
    in the notes). On one chip a step is ``batch`` × ``seq_len`` tokens.

    Time comes from measured ``chip_hours`` if given, else from a model FLOPs utilisation
    ``mfu`` (FLOPs / (chips · peak · mfu)), else from the roofline of one optimizer step of
    ``batch`` × ``seq_len`` tokens per chip repeated over the run. Energy always comes from the
    power model (idle floor × time + energy per FLOP and byte), capped at the power limit.
    The default stack is ``eager`` on one chip and ``megatron`` (a distributed framework)
    on several (:func:`wattprint.catalog.defaults.default_stack`).
    """
    tokens, chips, batch, seq_len = _check_inputs(tokens, chips, batch, seq_len, chip_hours,
                                                  mfu)
    spec = resolve_model(model)
    hw = resolve_hardware(hardware)
    plan = precision_plan(precision)
    if not plan.trainable:
        raise UnsupportedError(f"training in {plan.name} is not modelled; use bf16, fp16, fp8, "
                               "tf32 or fp32 (mixed precision)")
    st = stack_entry(stack if stack is not None else default_stack("train", chips))
    params, notes = params_for(hw, st, plan, chips, profile)
    need = training_memory_bytes(spec, chips)
    if need > hw.memory_bytes.value * chips * USABLE_MEMORY:
        notes.append(f"weights and Adam state ({need * chips / 1e9:.0f} GB) exceed the memory of"
                     f" {chips} × {hw.id}; a real run needs more chips or offloading")
    idle = params.idle_w
    budget = params.tdp_w - idle[0]
    run = None
    if chips > 1:
        lay = choose_layout(spec, chips, hw.memory_bytes.value, seq_len, global_batch_tokens,
                            tensor_parallel, pipeline_parallel)
        run = scaled_run(spec, plan, traffic_of(st), params, lay, tokens, recompute)
        step, step_r, steps = run.step, run.step_r, run.steps
        tokens_per_step = lay.global_batch_tokens
        total_flops = step.flops * steps * lay.dp
        dyn = run.dynamic_j
        comm_t = sum(run.comm_s.values())
        notes.append(lay.describe())
    else:
        step = train_step_work(spec, plan, traffic_of(st), batch, seq_len, recompute)
        tokens_per_step = batch * seq_len
        steps = tokens / tokens_per_step
        step_r = run_work(step, params, 1, 0.0)
        comm_t = 0.0
        total_flops = step.flops * steps
        dyn = step_r.intermediates["dynamic_energy_j"] * steps
    dyn_lo = dyn * (params.j_per_flop[1] / params.j_per_flop[0])
    dyn_hi = dyn * (params.j_per_flop[2] / params.j_per_flop[0])
    wall, wall_lo, wall_hi, how, regime = _wall(step_r, comm_t, steps, chips, total_flops,
                                                params, chip_hours, mfu)
    if run is not None and chip_hours is None and mfu is None:
        wall, wall_lo, wall_hi = run.wall_s
        how = (f"layout step ({step_r.regime}-bound compute) × {steps:.4g} steps / goodput; "
               f"{run.breakdown()}")
        notes.append(f"time: {run.breakdown()} (goodput {goodput()[0]:g}: "
                     f"{default_value('training', 'goodput').source})")
    if chip_hours is None and mfu is None:
        capped = float(power_capped_wall_s(wall, 0.0, 1.0, dyn, budget, chips))
        if capped > wall:
            wall, regime = capped, "power-cap"
    lost = [lost_time_energy_j(run, c) if run is not None and chip_hours is None and
            mfu is None else 0.0 for c in range(3)]
    e = training_energy_j(wall, dyn, idle[0], params.tdp_w, chips) + lost[0]
    e_lo = training_energy_j(wall_lo, dyn_lo, idle[1], params.tdp_w, chips) + lost[1]
    e_hi = training_energy_j(wall_hi, dyn_hi, idle[2], params.tdp_w, chips) + lost[2]
    if dyn > budget * chips * wall:
        notes.append(f"the given time implies more than the {params.tdp_w:g} W power limit per "
                     "chip; energy capped at TDP × time")
    achieved = total_flops / (chips * wall) if wall > 0 else 0.0
    time_q = Quantity(wall, "s", f"modelled: {how} on {chips} × {hw.id}, stack {st.id}",
                      "modelled", min(wall_lo, wall), max(wall_hi, wall))
    energy_q = Quantity(e, "J", "modelled: accelerator_energy_j = idle × chips × t + "
                        f"e_flop·FLOPs + e_byte·bytes, capped at TDP; "
                        f"{params.provenance['j_per_flop']}", "modelled", min(e_lo, e),
                        max(e_hi, e))
    site_f = site if isinstance(site, SiteFactors) else resolve_site(
        site, pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh)
    extra = {
        "flops": Quantity(total_flops, "FLOP", "training FLOPs: 3 × forward (4 × with "
                          "recomputation) incl. attention and LM head", "modelled"),
        "mfu": Quantity(achieved / params.peak_flops, "",
                        "achieved FLOP/s ÷ peak at the modelled time", "modelled"),
    }
    details: dict[str, Any] = {
        "model": spec.to_dict(), "hardware": hw.id, "precision": plan.name, "stack": st.id,
        "steps": steps, "tokens_per_step": tokens_per_step, "regime": regime,
        "step": {**step.to_dict(), **step_r.to_dict()}, "exposed_comm_s_per_step": comm_t,
        "layout": (None if run is None else {
            "tp": run.layout.tp, "pp": run.layout.pp, "dp": run.layout.dp, "ep": run.layout.ep,
            "global_batch_tokens": run.layout.global_batch_tokens,
            "pipeline_bubble": run.layout.bubble, "chosen": run.layout.chosen,
            "exposed_comm_s": run.comm_s, "time_shares": run.shares}),
        "memory_per_chip_bytes": need, "device_provenance": params.provenance,
    }
    inputs = {"kind": "train", "model": spec.name, "hardware": hw.id, "chips": chips,
              "tokens": tokens, "chip_hours": chip_hours, "mfu": mfu, "precision": plan.name,
              "batch": batch, "seq_len": seq_len, "recompute": recompute, "stack": st.id,
              "global_batch_tokens": tokens_per_step,
              "site": site_f.site_id,
              "profile": str(profile) if profile is not None else None}
    return build_footprint(kind="estimate", time=time_q, chips=chips,
                           accelerator_energy=energy_q, host_energy=None, hardware=hw,
                           site=site_f, details=details, inputs=inputs, notes=notes,
                           extra=extra)
