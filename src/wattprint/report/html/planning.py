"""Reports of plans, lifecycles and the validation (``plan infer|train``, ``lifecycle``,
``validate`` with ``--json``)."""

from __future__ import annotations

from typing import Any

from wattprint.quantity import J_PER_KWH
from wattprint.report.html.charts import lifecycle_curve, pareto, predicted_vs_published
from wattprint.report.html.common import chain_section, site_assumptions
from wattprint.report.html.model import Assumption, Metric, Report, Section

#: Columns of a planner row: (key, heading, SI unit of the value).
PLAN_METRICS = (("facility_energy_j", "Facility energy", "J"),
                ("total_co2e_g", "Total CO2e (incl. embodied)", "gCO2e"),
                ("water_l", "Water", "L"), ("cost_usd", "Electricity cost", "USD"))


def _label(r: dict[str, Any]) -> str:
    batch = f", batch {r['batch']}" if "batch" in r else ""
    return f"{r.get('chips')} × {r.get('hardware')} {r.get('precision')}{batch}, {r.get('region')}"


def _plan_assumptions(d: dict[str, Any]) -> list[Assumption]:
    inputs, space = d.get("inputs") or {}, d.get("space") or {}
    out = [Assumption("Model", str(inputs.get("model"))),
           Assumption("Objective", str(d.get("objective")))]
    demand = inputs.get("demand")
    if isinstance(demand, dict):
        out.append(Assumption("Demand", f"{demand.get('text')} = "
                              f"{demand.get('requests_per_s', 0):.4g} requests/s, "
                              f"{demand.get('prompt_tokens')} prompt + "
                              f"{demand.get('output_tokens')} output tokens"))
    for key in ("tokens", "deadline_s", "ttft_slo_s", "tpot_slo_s", "stack", "kv_cache",
                "profile", "batch", "seq_len"):
        if key in inputs:
            v = inputs[key]
            out.append(Assumption(key.replace("_", " "), "none" if v is None else
                                  f"{v:.4g}" if isinstance(v, float) else str(v),
                                  default=v is None))
    for key in ("hardware", "precisions", "chips", "batches", "regions"):
        vals = space.get(key)
        if isinstance(vals, list):
            out.append(Assumption(f"Searched {key}", f"{len(vals)}: " + ", ".join(
                str(v) for v in vals[:12]) + (" …" if len(vals) > 12 else "")))
    out.append(Assumption("Configurations", f"{d.get('n_configs')} searched, "
                          f"{d.get('n_feasible')} feasible"))
    best = (d.get("ranked") or [{}])[0]
    site = (best.get("provenance") or {}).get("site")
    if site:
        out += [Assumption(f"Best entry: {a.name}", a.value, a.source, a.default)
                for a in site_assumptions(site)]
    return out


def plan_report(d: dict[str, Any]) -> Report:
    """A :class:`Report` of a ``PlanResult.to_dict()`` (serving or training plan)."""
    ranked, frontier = d.get("ranked") or [], d.get("frontier") or []
    per = (ranked or frontier or [{"per": "day"}])[0].get("per", "day")
    what = "Serving" if d.get("kind") == "plan-infer" else "Training"
    rep = Report("plan", f"{what} plan for {(d.get('inputs') or {}).get('model')}",
                 f"ranked by {d.get('objective')}; values per {per}", _plan_assumptions(d),
                 notes=[str(n) for n in d.get("notes") or []], data=d)
    if ranked:
        best = ranked[0]
        rep.metrics = [Metric(f"ranked.0.{k}", f"Best: {label} per {per}", float(best[k]), unit,
                              "modelled", str(best.get("drivers", "")))
                       for k, label, unit in PLAN_METRICS if best.get(k) is not None]
    pts = [{**r, "label": _label(r), "group": r.get("hardware"),
            "energy_kwh": r["facility_energy_j"] / J_PER_KWH,
            "co2e_kg": r["total_co2e_g"] / 1e3}
           for r in frontier + ranked]
    if pts:
        rep.sections.append(Section(
            "Pareto frontier", figure=pareto(pts, "energy_kwh", "co2e_kg",
                                             f"facility energy, kWh per {per}",
                                             f"total CO2e, kg per {per}"),
            caption="Members of the four-objective frontier (energy, CO2e, cost, water) and the "
                    "ranked entries, drawn on energy × CO2e; hover for the configuration."))
    head = ["#", "Configuration", "kWh", "kg CO2e", "L water", "USD", "Pareto", "Why"]
    rows = [[str(r.get("rank")), _label(r), f"{r['facility_energy_j'] / J_PER_KWH:.3g}",
             f"{r['total_co2e_g'] / 1e3:.3g}", f"{r['water_l']:.3g}", f"{r['cost_usd']:.3g}",
             "yes" if r.get("pareto") else "no", str(r.get("why", ""))] for r in ranked]
    rep.sections.append(Section(f"Ranked configurations (per {per})", table=(head, rows)))
    cons = [[str(c.get("text")), str(c.get("passed_alone")), str(c.get("passed_cumulative"))]
            for c in d.get("constraints") or []]
    if cons:
        rep.sections.append(Section("Constraints", table=(
            ["Constraint", "Configurations passing alone", "Passing all so far"], cons)))
    prov = [[k, str(v)] for k, v in (d.get("provenance") or {}).items()]
    rep.sections.append(Section("Provenance", table=(["Part", "Method and source"], prov)))
    return rep


_LIFE_FP = {"energy": "facility_energy", "co2e": "total_co2e", "water": "water",
            "cost": "cost"}
_LIFE_UNITS = {"energy": ("kWh", 1 / J_PER_KWH), "co2e": ("t CO2e", 1e-6),
               "water": ("m³", 1e-3), "cost": ("USD", 1.0)}


def lifecycle_report(d: dict[str, Any]) -> Report:
    """A :class:`Report` of ``wattprint lifecycle --json``."""
    tr, sv, demand = d.get("training") or {}, d.get("serving") or {}, d.get("demand") or {}
    rep = Report("lifecycle", f"Lifecycle of {d.get('model')}: training, then "
                 f"{d.get('days', 0):.0f} days of serving",
                 str(d.get("formula", "")), data=d, notes=[str(n) for n in d.get("notes") or []])
    rep.assumptions = [
        Assumption("Training", f"{tr.get('tokens', 0):.3g} tokens on {tr.get('chips')} × "
                   f"{tr.get('hardware')} ({tr.get('precision')}) at {tr.get('site')}"),
        Assumption("Serving demand", f"{demand.get('requests_per_day', 0):.3g} requests/day, "
                   f"{demand.get('prompt_tokens')} + {demand.get('output_tokens')} tokens"),
        Assumption("Serving configuration", str(sv.get("drivers", "")), str(sv.get("why", ""))),
        Assumption("Horizon", f"{d.get('days', 0):.0f} days")]
    site = (sv.get("provenance") or {}).get("site")
    rep.assumptions += [Assumption(f"Serving site: {a.name}", a.value, a.source, a.default)
                        for a in site_assumptions(site)]
    curve = d.get("curve") or []
    for row in d.get("rows") or []:
        metric, unit = row["metric"], row["unit"]
        tq = (tr.get("footprint") or {}).get(_LIFE_FP.get(metric, metric)) or {}
        rep.metrics.append(Metric(f"rows.{metric}.training", f"Training {metric}",
                                  float(row["training"]), unit, "modelled",
                                  str(row.get("training_provenance", "")),
                                  tq.get("low"), tq.get("high")))
        rep.metrics.append(Metric(f"rows.{metric}.serving_per_day", f"Serving {metric} per day",
                                  float(row["serving_per_day"]), unit, "modelled",
                                  str(sv.get("drivers", ""))))
        label, scale = _LIFE_UNITS.get(metric, (unit, 1.0))
        xo = row.get("crossover_day")
        rep.sections.append(Section(
            f"Cumulative {metric}: training vs serving", figure=lifecycle_curve(
                [c["day"] for c in curve], row["training"] * scale,
                [c[metric] * scale for c in curve], xo, label,
                f"Cumulative {metric}, {label}"),
            caption=_crossover_text(xo, float(d.get("days") or 0))))
    chain = chain_section(tr.get("footprint") or {}, "modelled")
    if chain:
        chain.title = "Training energy chain: chip → host → facility losses → grid"
        rep.sections.insert(0, chain)
    return rep


def _crossover_text(xo: float | None, days: float) -> str:
    if xo is None:
        return "Serving never catches up with training at this demand."
    where = "within" if xo <= days else "beyond"
    return (f"Crossover (cumulative serving equals training) on day {xo:,.0f}, {where} the "
            f"{days:,.0f}-day horizon.")


def validation_report(d: dict[str, Any]) -> Report:
    """A :class:`Report` of ``wattprint validate --json``: predicted vs published."""
    rows = d.get("rows") or []
    rep = Report("validation", "Validation: predicted vs published",
                 f"{len(rows)} comparisons in groups {', '.join(d.get('groups') or [])}; "
                 f"{len(d.get('skipped') or [])} reference rows skipped (not enough inputs)",
                 data={k: v for k, v in d.items() if k != "skipped"})
    rep.assumptions = [Assumption("Reference data", "copied into wattprint/data/validation "
                                  "with sources; kept-back public data is never used here")]
    for s in d.get("summary") or []:
        if s.get("quantity") == "all":
            rep.metrics.append(Metric(f"summary.{s['group']}.median_abs_error",
                                      f"{s['group']}: median |error| ({s['count']} rows)",
                                      float(s["median_abs_error"]), "%", "measured",
                                      f"worst {s.get('worst_id')} ({s.get('worst_quantity')}): "
                                      f"{s.get('worst_error', 0) * 100:+.0f} %"))
            rep.metrics.append(Metric(f"summary.{s['group']}.within_25pct_share",
                                      f"{s['group']}: share within ±25 %",
                                      s["within_25pct"] / max(s["count"], 1), "%", "measured",
                                      f"{s['within_25pct']} of {s['count']} rows"))
    by_unit: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in rows:
        if r.get("published") and r.get("predicted") and r.get("error") is not None:
            by_unit.setdefault(r["unit"], {}).setdefault(r["group"], []).append(r)
    for unit, groups in by_unit.items():
        rep.sections.append(Section(
            f"Predicted vs published ({unit})",
            figure=predicted_vs_published(groups, unit, f"Predicted vs published, {unit}"),
            caption="Shaded: ±25 % and ±50 % error bands; dotted: perfect prediction."))
    summ = [[s["group"], s["quantity"], str(s["count"]), f"{s['median_abs_error'] * 100:.1f} %",
             f"{s['signed_median_error'] * 100:+.1f} %", f"{s['within_25pct']}/{s['count']}",
             f"{s['within_50pct']}/{s['count']}", f"{s.get('worst_id')}"]
            for s in d.get("summary") or []]
    rep.sections.append(Section("Error by group and quantity", table=(
        ["Group", "Quantity", "Rows", "Median |error|", "Signed median", "Within 25 %",
         "Within 50 %", "Worst row"], summ)))
    return rep
