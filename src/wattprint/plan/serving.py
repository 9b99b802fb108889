"""Plan serving: sweep hardware × precision × chips × batch × region for a demand, under
latency SLOs and budgets, ranked by an objective (docs/planning.md §Serving)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from wattprint.catalog.defaults import default_stack, default_value
from wattprint.catalog.planning import sweep_default
from wattprint.catalog.profiles import Profile
from wattprint.catalog.schema import Hardware
from wattprint.engine import (
    InferenceGrid,
    SiteArrays,
    estimate_inference,
    evaluate_inference_grid,
    profile_for,
    resolve_model,
    resolve_profile,
)
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.constraints import Constraint, apply_constraints, fmt_limit
from wattprint.plan.money import add_hardware_cost, price_per_hour, priced_constraint
from wattprint.plan.objectives import OBJECTIVES, ProgressFn, objective_names
from wattprint.plan.parsing import Budget
from wattprint.plan.results import PlanResult, finish
from wattprint.plan.site_limits import per_chip_power_w, sweep_limits
from wattprint.plan.space import int_list, resolve_hardware_list, resolve_regions, split_names
from wattprint.quantity import S_PER_DAY
from wattprint.site.chain import SiteFactors
from wattprint.units import plural
from wattprint.workload.demand import Demand
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.precision import PrecisionPlan
from wattprint.workload.tensor_parallel import tensor_parallel_problem


def _check_args(objective: str, ttft_s: float | None, tpot_s: float | None, top: int,
                budgets: Sequence[Budget]) -> None:
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose {objective_names()}")
    for v, what in ((ttft_s, "TTFT SLO"), (tpot_s, "TPOT SLO")):
        if v is not None and not v > 0:
            raise InputError(f"{what} must be > 0, got {v:g}")
    if top < 1:
        raise InputError(f"--top must be ≥ 1, got {top}")
    for b in budgets:
        if b.period_s is None:
            raise InputError(f"serving budget {b.text!r} needs a period: /day or /year")


def _serving_constraints(g: InferenceGrid, ttft_s: float | None, tpot_s: float | None,
                         budgets: Sequence[Budget]) -> list[Constraint]:
    """Memory, batch fill, the latency SLOs and the per-day budgets, in that order."""
    d, day = g.dev, g.day
    cons = [Constraint("memory", "fits in memory (weights + KV cache + 10 %)",
                       (d["mem_need"] <= d["mem_have"])[..., None],
                       (d["mem_need"] / d["mem_have"])[..., None], 1.0, "× usable memory"),
            Constraint("batch fill", "the demand keeps the batch full (λ·T_cycle ≥ batch)",
                       d["fill_ok"][..., None])]
    for key, what, slo in (("ttft_s", "time to first token", ttft_s),
                           ("tpot_s", "time per output token", tpot_s)):
        if slo is not None:
            cons.append(Constraint(key[:4], f"{what} ≤ {fmt_limit(slo, 's')}",
                                   (d[key] <= slo)[..., None], d[key][..., None], slo, "s"))
    for b in budgets:
        key, unit, label = OBJECTIVES[b.metric]
        lim = b.limit_per(S_PER_DAY)
        cons.append(Constraint(f"budget {b.metric}", f"budget {b.text} ({label} ≤ "
                               f"{fmt_limit(lim, unit)}/day)", day[key] <= lim, day[key], lim,
                               unit))
    return cons


def _describe(g: InferenceGrid, ix: tuple[int, ...], light: bool = False, *, verify: bool,
              profile: str | Profile | None, kv_cache: str | None) -> dict[str, Any]:
    """One ranked row: the configuration, its per-day numbers, drivers and provenance."""
    d, day, sites, spec, demand, stack_id = g.dev, g.day, g.sites, g.spec, g.demand, g.stack.id
    k, c, b, s = (int(v) for v in ix)
    hw, pl = g.combos[k]
    sfac = sites.sites[s]
    row: dict[str, Any] = {
        "hardware": hw.id, "chips": int(g.chips[c]), "precision": pl.name,
        "batch": int(g.batches[b]), "region": sfac.site_id, "stack": stack_id,
        "replicas": int(d["replicas"][k, c, b]),
        "utilisation": float(d["utilisation"][k, c, b]),
        "ttft_s": float(d["ttft_s"][k, c, b]), "tpot_s": float(d["tpot_s"][k, c, b]),
        "cycle_s": float(d["cycle_s"][k, c, b]),
        "memory_gb": float(d["mem_need"][k, c, b] / 1e9),
    }
    for m in ("accelerator_energy_j", "host_energy_j", "it_energy_j", "facility_energy_j",
              "co2e_g", "embodied_co2e_g", "total_co2e_g", "water_l", "water_onsite_l",
              "water_scarcity_l", "water_stress",
              "cost_usd", "hardware_usd", "total_cost_usd"):
        row[m] = float(day[m][k, c, b, s])
    row["per"] = "day"
    row["facility_energy_per_request_j"] = row["facility_energy_j"] / demand.requests_per_day
    if light:
        return row
    share = float(d["decode_memory_share"][k, c, b])
    row["drivers"] = (
        f"{row['facility_energy_per_request_j']:.3g} J/request at the wall; "
        f"{plural(row['replicas'], 'replica')} of {row['chips']} × {hw.id} {pl.name} at batch "
        f"{row['batch']}, {row['utilisation'] * 100:.0f} % busy; decode "
        f"{'memory' if share >= 0.5 else 'compute/overhead'}-bound; {sfac.site_id}: PUE "
        f"{sfac.pue.value:g}, {sfac.grid_gco2e_per_kwh.value:g} gCO2e/kWh, "
        f"${sfac.price_usd_per_kwh.value:g}/kWh")
    row["provenance"] = {
        "site": sfac.to_dict(),
        "hardware": f"{hw.id}: memory {hw.memory_bytes.cite()}; bandwidth "
                    f"{hw.memory_bandwidth_bps.cite()}; host {hw.host_power_w.cite()}; "
                    f"embodied {hw.embodied_co2e_g.cite()}",
        "model": spec.source,
    }
    if verify:
        row["check"] = _check_inference(spec, hw, pl, row, demand, stack_id, sfac,
                                        profile, kv_cache, g, k, c, b, s)
    return row


def plan_inference(model: str | ModelSpec | Path, demand: Demand, *,
                   hardware: Sequence[str] | str | None = None,
                   precisions: Sequence[str] | str | None = None,
                   chips: Sequence[int] | str | None = None,
                   batches: Sequence[int] | str | None = None,
                   regions: Sequence[str] | str | None = None, stack: str | None = None,
                   ttft_s: float | None = None, tpot_s: float | None = None,
                   budgets: Sequence[Budget] = (), objective: str = "energy", top: int = 5,
                   kv_cache: str | None = None, profile: str | Profile | None = None,
                   pue: float | None = None, progress: ProgressFn | None = None,
                   verify: bool = True, max_power_w: float | None = None,
                   max_water_stress: float | None = None, pricing: str = "owner"
                   ) -> PlanResult:
    """Sweep serving configurations for ``demand``; rank feasible ones by ``objective``.

    Constraints, in order: fits in memory, the demand fills the batch (Little's law),
    time to first token ≤ ``ttft_s``, time per output token ≤ ``tpot_s``, then each budget
    (per day; per-year budgets are divided by 365). Raises :class:`UnsupportedError` naming
    the constraint that emptied the set.
    """
    t0 = time.perf_counter()
    _check_args(objective, ttft_s, tpot_s, top, budgets)
    spec = resolve_model(model)
    stack = stack or default_stack("serve")
    hws = resolve_hardware_list(hardware)
    precs = split_names(precisions) or list(sweep_default("precisions"))
    ch, refused = _shardable_chips(spec, int_list(chips, "chips", sweep_default("chips")))
    bs = int_list(batches, "batch", sweep_default("batches"))
    sites = SiteArrays.build(resolve_regions(regions), pue=pue)
    g = evaluate_inference_grid(spec, demand, hws, precs, ch, bs, sites, stack=stack,
                                kv_cache=kv_cache, profile=profile, progress=progress)
    K, C, B, G = g.shape
    d, day = g.dev, g.day
    cons = _serving_constraints(g, ttft_s, tpot_s, budgets)
    cons += sweep_limits(per_chip_power_w([hw for hw, _ in g.combos]),
                         d["replicas"] * np.asarray(g.chips)[None, :, None], sites, max_power_w,
                         max_water_stress)
    prices, price_notes = price_per_hour([hw for hw, _ in g.combos], pricing)
    add_hardware_cost(day, d["replicas"] * np.asarray(g.chips)[None, :, None] * 24.0, prices)
    if objective == "total-cost":
        cons.append(priced_constraint(prices, 4, pricing))
    alive = apply_constraints(cons, (K, C, B, G))
    stack_id = g.stack.id

    describe = partial(_describe, g, verify=verify, profile=profile, kv_cache=kv_cache)
    inputs = {"model": spec.name, "demand": demand.to_dict(), "objective": objective,
              "ttft_slo_s": ttft_s, "tpot_slo_s": tpot_s,
              "budgets": [b.to_dict() for b in budgets], "stack": stack_id,
              "kv_cache": kv_cache, "profile": str(profile) if profile else None}
    space = {"hardware": sorted({h.id for h, _ in g.combos}),
             "precisions": sorted({p.name for _, p in g.combos}),
             "chips": [int(c) for c in g.chips], "batches": [int(b) for b in g.batches],
             "regions": [s.site_id for s in sites.sites], "stack": [stack_id],
             "hardware_precision_pairs": K, "skipped_pairs": g.skipped}
    notes = [
        "serving model: static batches; replicas = ⌈λ·T_cycle/batch⌉; idle replicas draw "
        "idle power, hosts are on all day; TTFT excludes queueing (docs/planning.md)",
        f"cost_usd is electricity only; hardware_usd = accelerator-hours x {pricing} price; "
        "total_cost_usd = both",
        *price_notes,
        *(f"{n} chips left out: {why}" for n, why in refused.items()),
    ]
    res = finish("plan-infer", objective, inputs, space, cons, day, alive, describe, top, t0,
                  g.n_configs, "day", notes,
                  skyline=(day["it_energy_j"][..., 0], day["embodied_co2e_g"][..., 0]))
    res.provenance = {
        "device_model": "the engine's wattprint.device.execute.evaluate_phase (central "
                        "corner) on arrays via wattprint.engine.evaluate_inference_grid",
        "workload": "wattprint.workload.phases prefill_work/decode_work per precision × batch",
        "site": "wattprint.site.formulas (facility = IT × PUE; CO2e = kWh × grid; water = "
                "IT kWh × WUE + facility kWh × off-site; cost = kWh × price)",
        "embodied_lifetime": default_value("embodied", "lifetime_s").cite(),
    }
    return res


def _shardable_chips(spec: ModelSpec, chips: list[int]) -> tuple[list[int], dict[int, str]]:
    """The chip counts ``spec`` can be split over as one tensor-parallel group, and why each
    other one cannot (:func:`~wattprint.workload.tensor_parallel.tensor_parallel_problem`);
    :class:`UnsupportedError` when none is left."""
    refused = {c: why for c in chips if (why := tensor_parallel_problem(spec, c)) is not None}
    keep = [c for c in chips if c not in refused]
    if not keep:
        raise UnsupportedError("no chip count to plan: " + "; ".join(refused.values()))
    return keep, refused


def _check_inference(spec: ModelSpec, hw: Hardware, pl: PrecisionPlan, row: dict[str, Any],
                     demand: Demand, stack_id: str, sfac: SiteFactors, profile: Any,
                     kv_cache: str | None, g: InferenceGrid, k: int, c: int, b: int, s: int
                     ) -> dict[str, Any]:
    """Re-run one configuration through ``estimate_inference`` (one batch) and compare."""
    use = profile_for(resolve_profile(profile), hw)
    fp = estimate_inference(spec, hw, batch=row["batch"], prompt_tokens=demand.prompt_tokens,
                            output_tokens=demand.output_tokens, precision=pl.name,
                            kv_cache=kv_cache, chips=row["chips"], stack=stack_id, site=sfac,
                            profile=use)
    ours = float(g.dev["cycle_j"][k, c, b])
    theirs = fp["accelerator_energy"].value
    dec = fp.details.get("decode") or {}
    return {"estimate_inference_accelerator_energy_per_batch_j": theirs,
            "sweep_accelerator_energy_per_batch_j": ours,
            "relative_difference": abs(ours - theirs) / theirs if theirs else 0.0,
            "prefill_regime": fp.details["prefill"]["regime"],
            "decode_regime": dec.get("regime"),
            "accelerator_energy_provenance": fp["accelerator_energy"].provenance}


def best_serving(spec: ModelSpec, demand: Demand, **kwargs: Any) -> dict[str, Any]:
    """The best serving configuration (top of :func:`plan_inference`)."""
    res = plan_inference(spec, demand, top=1, **kwargs)
    return res.ranked[0]
