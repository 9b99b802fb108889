"""Plan a training run: sweep hardware × precision × chips × region under a deadline and
budgets, ranked by an objective (docs/planning.md §Training)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from wattprint.catalog.defaults import default_value
from wattprint.catalog.planning import sweep_default
from wattprint.catalog.profiles import Profile
from wattprint.engine import (
    SiteArrays,
    estimate_training,
    evaluate_training_grid,
    profile_for,
    resolve_model,
    resolve_profile,
)
from wattprint.errors import InputError
from wattprint.numbers import parse_number
from wattprint.plan.constraints import Constraint, apply_constraints, fmt_limit
from wattprint.plan.money import add_hardware_cost, price_per_hour, priced_constraint
from wattprint.plan.objectives import OBJECTIVES, ProgressFn, objective_names
from wattprint.plan.parsing import Budget
from wattprint.plan.results import PlanResult, finish
from wattprint.plan.site_limits import per_chip_power_w, sweep_limits
from wattprint.plan.space import int_list, resolve_hardware_list, resolve_regions, split_names
from wattprint.workload.model_spec import ModelSpec


def plan_training(model: str | ModelSpec | Path, tokens: float, *,
                  hardware: Sequence[str] | str | None = None,
                  precisions: Sequence[str] | str | None = None,
                  chips: Sequence[int] | str | None = None,
                  regions: Sequence[str] | str | None = None,
                  deadline_s: float | None = None, budgets: Sequence[Budget] = (),
                  objective: str = "energy", top: int = 5, batch: int = 8,
                  seq_len: int = 2048, profile: str | Profile | None = None,
                  pue: float | None = None, progress: ProgressFn | None = None,
                  verify: bool = True, max_power_w: float | None = None,
                  max_water_stress: float | None = None, pricing: str = "owner"
                  ) -> PlanResult:
    """Sweep hardware × chips × precision × region for a training run; rank by ``objective``.

    Constraints: weights + Adam state (16 B/parameter, ZeRO-3 sharded) fit, time ≤
    ``deadline_s``, and each budget (totals for the run).
    """
    t0 = time.perf_counter()
    tokens = parse_number(tokens, "training tokens")
    if deadline_s is not None and not deadline_s > 0:
        raise InputError(f"deadline must be > 0, got {deadline_s:g}")
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}; choose {objective_names()}")
    if top < 1:
        raise InputError(f"--top must be ≥ 1, got {top}")
    spec = resolve_model(model)
    hws = resolve_hardware_list(hardware)
    precs = split_names(precisions) or list(sweep_default("train_precisions"))
    ch = int_list(chips, "chips", sweep_default("train_chips"))
    sites = SiteArrays.build(resolve_regions(regions), pue=pue)
    g = evaluate_training_grid(spec, tokens, hws, precs, ch, sites, batch=batch,
                               seq_len=seq_len, profile=profile, progress=progress)
    K, C, G = g.shape
    d, tot = g.dev, g.tot
    cons = [Constraint("memory", "weights + Adam state fit (16 B/parameter sharded over the "
                       "chips)", (d["mem_need"] <= d["mem_have"])[..., None],
                       (d["mem_need"] / d["mem_have"])[..., None], 1.0, "× usable memory")]
    if deadline_s is not None:
        cons.append(Constraint("deadline", f"time to train ≤ {fmt_limit(deadline_s, 's')}",
                               (d["time_s"] <= deadline_s)[..., None], d["time_s"][..., None],
                               deadline_s, "s"))
    for b in budgets:
        if b.period_s is not None:
            raise InputError(f"training budget {b.text!r} is a total for the run: drop the "
                             "'/period'")
        key, unit, label = OBJECTIVES[b.metric]
        cons.append(Constraint(f"budget {b.metric}", f"budget {b.text} ({label} ≤ "
                               f"{fmt_limit(b.limit, unit)})", tot[key] <= b.limit, tot[key],
                               b.limit, unit))
    cons += sweep_limits(per_chip_power_w([hw for hw, _ in g.combos]),
                         np.broadcast_to(np.asarray(g.chips, dtype=float)[None, :], (K, C)),
                         sites, max_power_w, max_water_stress)
    prices, price_notes = price_per_hour([hw for hw, _ in g.combos], pricing)
    add_hardware_cost(tot, np.asarray(g.chips, dtype=float)[None, :] * d["time_s"] / 3600.0,
                      prices)
    if objective == "total-cost":
        cons.append(priced_constraint(prices, 3, pricing))
    alive = apply_constraints(cons, (K, C, G))

    def describe(ix: tuple[int, ...], light: bool = False) -> dict[str, Any]:
        k, c, s = (int(v) for v in ix)
        hw, pl = g.combos[k]
        sfac = sites.sites[s]
        n_chips = int(g.chips[c])
        row: dict[str, Any] = {"hardware": hw.id, "chips": n_chips, "precision": pl.name,
                               "region": sfac.site_id,
                               "stack": g.stacks[1 if n_chips > 1 else 0],
                               "time_s": float(d["time_s"][k, c]),
                               "mfu": float(d["mfu"][k, c]),
                               "flops": float(d["flops"][k, c]),
                               "memory_per_chip_gb": float(d["mem_need"][k, c] / 1e9)}
        for m in ("accelerator_energy_j", "host_energy_j", "it_energy_j", "facility_energy_j",
                  "co2e_g", "embodied_co2e_g", "total_co2e_g", "water_l", "water_onsite_l",
                  "water_scarcity_l", "water_stress",
                  "cost_usd", "hardware_usd", "total_cost_usd"):
            row[m] = float(tot[m][k, c, s])
        row["per"] = "run"
        if light:
            return row
        row["drivers"] = (f"{n_chips} × {hw.id} {pl.name}: {row['time_s'] / 86400:.3g} days at "
                          f"{row['mfu'] * 100:.0f} % MFU; {sfac.site_id}: PUE "
                          f"{sfac.pue.value:g}, {sfac.grid_gco2e_per_kwh.value:g} gCO2e/kWh")
        row["provenance"] = {"site": sfac.to_dict(), "model": spec.source}
        if verify:
            fp = estimate_training(spec, hw, tokens=tokens, chips=n_chips, precision=pl.name,
                                   batch=batch, seq_len=seq_len, site=sfac,
                                   profile=profile_for(resolve_profile(profile), hw))
            theirs = fp["facility_energy"].value
            row["check"] = {"estimate_training_facility_energy_j": theirs,
                            "relative_difference": abs(row["facility_energy_j"] - theirs)
                            / theirs if theirs else 0.0,
                            "regime": fp.details["regime"],
                            "accelerator_energy_provenance":
                                fp["accelerator_energy"].provenance}
        return row

    inputs = {"model": spec.name, "tokens": tokens, "objective": objective,
              "deadline_s": deadline_s, "budgets": [b.to_dict() for b in budgets],
              "batch_per_chip": batch, "seq_len": seq_len}
    space = {"hardware": sorted({h.id for h, _ in g.combos}),
             "precisions": sorted({p.name for _, p in g.combos}),
             "chips": [int(c) for c in g.chips], "regions": [s.site_id for s in sites.sites],
             "stack": g.stacks, "hardware_precision_pairs": K, "skipped_pairs": g.skipped}
    notes = ["training time: roofline of one step per chip × steps + exposed gradient "
             "all-reduce, as estimate_training; memory check counts weights and Adam state only",
             f"cost_usd is electricity only; hardware_usd = accelerator-hours x {pricing} "
             "price; total_cost_usd = both", *price_notes]
    res = finish("plan-train", objective, inputs, space, cons, tot, alive, describe, top, t0,
                  K * C * G, "run", notes,
                  skyline=(tot["it_energy_j"][..., 0], tot["embodied_co2e_g"][..., 0]))
    res.provenance = {"device_model": "wattprint.engine.evaluate_training_grid (= "
                                      "estimate_training on arrays)",
                      "embodied": f"{default_value('embodied', 'lifetime_s').cite()}; "
                                  f"{default_value('embodied', 'utilisation').cite()}"}
    return res
