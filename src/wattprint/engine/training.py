"""Training through the chain: one optimizer step on the device, repeated over the run.

:func:`estimate_training` is the scalar entry point. Its time line (one chip, a multi-chip
layout, or a given time) is built in :mod:`wattprint.engine.training_run`; the array-native
formulas it shares with the planner's training sweep (:func:`power_capped_wall_s`,
:func:`training_energy_j`) are in :mod:`wattprint.engine.training_formulas` and re-exported here.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wattprint.catalog.defaults import default_stack, default_value
from wattprint.device.execute import DeviceParams
from wattprint.engine.inputs import check_count, check_limit, resolved_inputs
from wattprint.engine.memory import USABLE_MEMORY, training_memory_bytes
from wattprint.engine.training_formulas import (
    power_capped_wall_s,
    training_energy_j,
)
from wattprint.engine.training_run import (
    Timeline,
    calibrated_spread,
    central_totals,
    given_time,
    multi_chip,
    one_chip,
    productive,
)
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.numbers import check_number
from wattprint.quantity import Quantity, quantity
from wattprint.site.chain import SiteFactors, build_footprint, resolve_site
from wattprint.workload.model_spec import ModelSpec

if TYPE_CHECKING:
    from wattprint.catalog.profiles import Profile
    from wattprint.catalog.schema import Hardware, Stack
    from wattprint.device.execute import PhaseResult
    from wattprint.engine.training_scale import ScaledRun
    from wattprint.workload.phases import Work

__all__ = ["estimate_training",
           "power_capped_wall_s", "training_energy_j"]

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
    spec, hw, plan, st, params, notes = resolved_inputs(
        model, hardware, precision, None, stack, default_stack("train", chips), chips, profile)
    if not plan.trainable:
        raise UnsupportedError(f"training in {plan.name} is not modelled; use bf16, fp16, fp8, "
                               "tf32 or fp32 (mixed precision)")
    need = training_memory_bytes(spec, chips)
    if need > hw.memory_bytes.value * chips * USABLE_MEMORY:
        notes.append(f"weights and Adam state ({need * chips / 1e9:.0f} GB) exceed the memory of"
                     f" {chips} × {hw.id}; a real run needs more chips or offloading")
    if chips == 1:
        _check_one_chip_layout(global_batch_tokens, tensor_parallel, pipeline_parallel)
    if chips > 1:
        tl = multi_chip(spec, hw, plan, st, params, chips, tokens, seq_len, recompute,
                        global_batch_tokens, tensor_parallel, pipeline_parallel)
    else:
        tl = one_chip(spec, plan, st, params, tokens, batch, seq_len, recompute)
    if chip_hours is not None or mfu is not None:
        tl = given_time(tl, chips, params, chip_hours, mfu)
    notes.extend(tl.notes)
    time_q, energy_q, prod = _time_and_energy(tl, params, chips, hw.id, st.id,
                                              chip_hours is None and mfu is None, notes)
    site_f = site if isinstance(site, SiteFactors) else resolve_site(
        site, pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh)
    achieved = tl.total_flops / (chips * time_q.value) if time_q.value > 0 else 0.0
    extra = {
        "flops": quantity(tl.total_flops, "FLOP", "training FLOPs: 3 × forward (4 × with "
                          "recomputation) incl. attention and LM head", "modelled"),
        "mfu": quantity(achieved / params.peak_flops, "",
                        "achieved FLOP/s ÷ peak at the modelled time", "modelled"),
    }
    details = partial(_details, spec, hw.id, plan.name, st.id, tl.steps, tl.tokens_per_step,
                      tl.regime, tl.step, tl.step_r, tl.comm_s, tl.run, prod, need,
                      params.provenance)
    inputs = {"kind": "train", "model": spec.name, "hardware": hw.id, "chips": chips,
              "tokens": tokens, "chip_hours": chip_hours, "mfu": mfu, "precision": plan.name,
              "batch": batch, "seq_len": seq_len, "recompute": recompute, "stack": st.id,
              "global_batch_tokens": tl.tokens_per_step,
              "site": site_f.site_id,
              "profile": str(profile) if profile is not None else None}
    return build_footprint(kind="estimate", time=time_q, chips=chips,
                           accelerator_energy=energy_q, host_energy=None, hardware=hw,
                           site=site_f, details=details, inputs=inputs, notes=notes,
                           extra=extra)


def _details(spec: ModelSpec, hw_id: str, precision: str, stack_id: str, steps: float,
             tokens_per_step: float, regime: str, step: Work, step_r: PhaseResult,
             comm_s: float, run: ScaledRun | None, prod: dict[str, list[float]] | None,
             need: float, device_provenance: dict[str, str]) -> dict[str, Any]:
    """The ``details`` of a training estimate (built when first read: the values are taken
    at the estimate; ``step``, ``step_r``, ``run`` are frozen or not changed after it)."""
    return {
        "model": spec.to_dict(), "hardware": hw_id, "precision": precision, "stack": stack_id,
        "steps": steps, "tokens_per_step": tokens_per_step, "regime": regime,
        "step": {**step.to_dict(), **step_r.to_dict()},
        "exposed_comm_s_per_step": comm_s,
        "layout": (None if run is None else {
            "tp": run.layout.tp, "pp": run.layout.pp, "dp": run.layout.dp, "ep": run.layout.ep,
            "global_batch_tokens": run.layout.global_batch_tokens,
            "pipeline_bubble": run.layout.bubble, "chosen": run.layout.chosen,
            "exposed_comm_s": run.comm_s, "time_shares": run.shares}),
        "productive": prod,
        "memory_per_chip_bytes": need, "device_provenance": device_provenance,
    }


def _time_and_energy(tl: Timeline, params: DeviceParams, chips: int, hw_id: str, st_id: str,
                     modelled: bool, notes: list[str]
                     ) -> tuple[Quantity, Quantity, dict[str, list[float]] | None]:
    """Wall time and accelerator energy with their ranges (power cap applied to a modelled
    time; a given time on several chips gets the calibrated energy interval
    ``[training] energy_spread_given_time``)."""
    idle = params.idle_w
    budget = params.tdp_w - idle[0]
    _, wall_lo, wall_hi = tl.wall
    wall, e = central_totals(tl, params, chips, modelled)
    if wall > tl.wall[0]:
        tl.regime = "power-cap"

    def energy(t: float, dyn: float, corner: int) -> float:
        return float(training_energy_j(t, dyn, idle[corner], params.tdp_w, chips))

    e_lo = energy(wall_lo, tl.dyn[1], 1) + tl.lost[1]
    e_hi = energy(wall_hi, tl.dyn[2], 2) + tl.lost[2]
    if chips > 1:
        name = "energy_spread_architecture" if modelled else "energy_spread_given_time"
        lo, hi = calibrated_spread(name)
        e_lo, e_hi = e * lo, min(e * hi, params.tdp_w * chips * wall_hi + tl.lost[2])
        notes.append(f"energy range ×{lo:g}–×{hi:g} (capped at TDP × time): calibrated "
                     f"interval ({default_value('training', name).source})")
    if tl.dyn[0] > budget * chips * wall:
        notes.append(f"the given time implies more than the {params.tdp_w:g} W power limit per "
                     "chip; energy capped at TDP × time")
    time_q = quantity(wall, "s", f"modelled: {tl.how} on {chips} × {hw_id}, stack {st_id}",
                      "modelled", min(wall_lo, wall), max(wall_hi, wall))
    energy_q = quantity(e, "J", "modelled: accelerator_energy_j = idle × chips × t + "
                        f"e_flop·FLOPs + e_byte·bytes, capped at TDP; "
                        f"{params.provenance['j_per_flop']}", "modelled", min(e_lo, e),
                        max(e_hi, e))
    return time_q, energy_q, productive(tl, energy, chips) if modelled else None


def _check_one_chip_layout(global_batch_tokens: float | None, tensor_parallel: int | None,
                           pipeline_parallel: int | None) -> None:
    """On one chip a parallel layout or global batch cannot apply: say so, never ignore it."""
    given = [name for name, v, one in (("tensor_parallel", tensor_parallel, 1),
                                       ("pipeline_parallel", pipeline_parallel, 1),
                                       ("global_batch_tokens", global_batch_tokens, None))
             if v is not None and v != one]
    if given:
        raise InputError(f"{', '.join(given)} needs more than one chip (chips=1); on one chip "
                         "set batch and seq_len instead")
