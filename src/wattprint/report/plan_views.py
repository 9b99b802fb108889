"""Text rendering of the planner's other answers: regions, start hour, edge vs cloud,
lifecycle and right-sizing. Each renderer takes the typed result and reads its JSON form
(``to_dict()``), so the text shows exactly the numbers ``--json`` gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wattprint.report.fit import print_table
from wattprint.report.plan_tables import console, human_or_dash, table
from wattprint.units import fmt_count, plural

if TYPE_CHECKING:
    from wattprint.plan.budget import RightSizePlan
    from wattprint.plan.edge import EdgeVsCloud
    from wattprint.plan.lifecycle import LifecyclePlan
    from wattprint.plan.siting import RegionComparison, StartHourPlan


#: Region columns a narrow terminal leaves out first (never the ranked objective's own).
_REGION_DROP = ("water on-site", "water off-site", "USD/kWh", "gCO2e/kWh", "cooling",
                "water world-eq (AWARE)", "water stress", "PUE", "cost")
_OBJECTIVE_COLUMN = {"water-scarcity": "water world-eq (AWARE)", "water-stress": "water stress",
                     "cost": "cost"}


def print_regions(result: RegionComparison, what: str) -> None:
    """The regions table of :func:`wattprint.plan.siting.compare_regions`, the verdict and
    the excluded regions; ``what`` names the workload."""
    res = result.to_dict()
    objective = res["objective"]
    rows = [[r["region"], r["cooling"], f"{r['pue']:g}", f"{r['grid_gco2e_per_kwh']:g}",
             f"{r['price_usd_per_kwh']:g}", human_or_dash(r["facility_energy_j"], "J"),
             human_or_dash(r["total_co2e_g"], "gCO2e"), human_or_dash(r["water_onsite_l"], "L"),
             human_or_dash(r["water_offsite_l"], "L"),
             human_or_dash(r["water_scarcity_l"], "L"),
             "–" if r["water_stress"] is None else f"{r['water_stress']:g} "
             f"{r['water_stress_category']}", human_or_dash(r['cost_usd'], "USD")]
            for r in res["rows"]]
    con = console()
    keep = _OBJECTIVE_COLUMN.get(objective)
    print_table(con, table(f"{what} by region, ranked by {objective}",
                           ["region", "cooling", "PUE", "gCO2e/kWh", "USD/kWh", "energy",
                            "CO2e", "water on-site", "water off-site",
                            "water world-eq (AWARE)", "water stress", "cost"], rows),
                drop=[c for c in _REGION_DROP if c != keep])
    con.print(res["verdict"]["why"])
    for r in res["excluded"]:
        con.print(f"excluded {r['region']}: {r['why_not']}", style="yellow")
    con.print(f"Formulas: {res['formulas']}. Sources per region in --json (sites.toml).")


def print_when(result: StartHourPlan) -> None:
    """The CO2e of each start hour (:func:`wattprint.plan.siting.best_start_hour`), the best
    one, the profile and where it came from."""
    res = result.to_dict()
    prof, e_kwh, dur_h = result.profile, result.energy_kwh, result.duration_h
    now, source_note = result.now_hour, result.profile_source
    con = console()
    g = res["co2e_g_by_start_hour"]
    flat = res.get("no_difference", False)
    rows = [[f"{h:02d}:00", f"{prof.values[h]:.0f}", human_or_dash(g[h], "gCO2e"),
             "now" if h == now else "" if flat else "best" if h == res["best_hour"] else
             "worst" if h == res["worst_hour"] else ""]
            for h in range(24)]
    print_table(con, table(f"{e_kwh:,.4g} kWh over {dur_h:.3g} h: CO2e by start hour "
                           f"({prof.name})", ["start", "gCO2e/kWh", "job CO2e", ""], rows))
    if flat:
        best = human_or_dash(res["best_co2e_g"], "gCO2e")
        msg = (f"No difference: every start hour gives {best} "
               "(within 0.1 %); the profile has no cleaner hour for this job, so start "
               "whenever suits")
    else:
        msg = (f"Start at {res['best_hour']:02d}:00: {human_or_dash(res['best_co2e_g'], 'gCO2e')}, "
               f"{res['saving_vs_average_pct']:.1f} % below a random start and "
               f"{res['saving_vs_worst_pct']:.1f} % below the worst ({res['worst_hour']:02d}:00)")
    if now is not None and not flat:
        msg += f"; saves {human_or_dash(res['saving_vs_now_g'], 'gCO2e')} " \
               f"({res['saving_vs_now_pct']:.1f} %) against starting at {now:02d}:00"
    con.print(msg + ".")
    con.print(f"Profile: {prof.provenance}", style="dim")
    if source_note:
        con.print(source_note, style="yellow")
    if "note" in res:
        con.print(f"note: {res['note']}", style="yellow")


def print_edge(result: EdgeVsCloud) -> None:
    """One request on the device vs in the cloud (:func:`wattprint.plan.edge.edge_vs_cloud`)
    with the break-even points."""
    res = result.to_dict()
    con = console()
    e, c = res["edge"], res["cloud"]
    if not e["fits"]:
        con.print(res["verdict"], style="bold")
    else:
        rows = []
        for k, label, unit in (("energy_j", "energy at the wall", "J"),
                               ("total_co2e_g", "CO2e (incl. embodied)", "gCO2e"),
                               ("embodied_co2e_g", "  of which embodied", "gCO2e"),
                               ("water_l", "water", "L"), ("latency_s", "latency", "s")):
            rows.append([label, human_or_dash(e[k], unit), human_or_dash(c[k], unit),
                         res["comparison"][k]["winner"] if k in res["comparison"] else ""])
        print_table(con, table(f"One request to {res['model']} ({res['prompt_tokens']} + "
                               f"{res['output_tokens']} tokens): {e['device']} "
                               f"({e['precision']}) vs {c['chips']} × {c['hardware']} at batch "
                               f"{c['batch']} ({c['region']})",
                               ["per request", "edge", "cloud", "wins"], rows))
        con.print(res["verdict"])
        be = res["break_even"]
        for k in ("batch_text", "network_text", "grid_text"):
            if be.get(k):
                con.print(f"break-even: {be[k]}")
        con.print(f"cloud network: {c['network_bytes']:,.0f} B × J/byte = "
                  f"{c['network_energy_j']:.3g} J ({c['provenance']['network']})", style="dim")
        con.print(f"edge: {e['provenance']['energy']}", style="dim")
    for n in res.get("notes", []):
        con.print(f"note: {n}", style="yellow")


def print_lifecycle(result: LifecyclePlan, requests_per_day: float) -> None:
    """Training plus serving over time (:func:`wattprint.plan.lifecycle.lifecycle`)."""
    res = result.to_dict()
    con = console()
    rows = []
    for r in res["rows"]:
        u = r["unit"]
        cross = r["crossover_day"]
        rows.append([r["metric"], human_or_dash(r["training"], u),
                     human_or_dash(r["serving_per_day"], u),
                     f"day {cross:,.1f}" if cross is not None else "never",
                     human_or_dash(r["total_at_days"], u),
                     "–" if r["serving_share_at_days"] != r["serving_share_at_days"]
                     else f"{r['serving_share_at_days'] * 100:.0f} %"])
    per_day = plural(requests_per_day, "request", f"{requests_per_day:,.0f}")
    print_table(con, table(f"{res['model']}: training on {fmt_count(res['training']['tokens'])} "
                           f"tokens, then {per_day}/day for {plural(res['days'], 'day')}",
                           ["metric", "training", "serving/day", "serving overtakes", "total",
                            "serving share"], rows),
                drop=("serving share", "serving overtakes"))
    con.print(f"Formula: {res['formula']}.")
    for n in res["notes"]:
        con.print(f"note: {n}", style="yellow")


def print_budget(result: RightSizePlan, days: str) -> None:
    """The compute-optimal model for a budget (:func:`wattprint.plan.budget.right_size`) and
    the smaller models trained longer; ``days`` as the user gave it."""
    res = result.to_dict()
    con = console()
    unit = res["budget"]["unit"]
    con.print(f"Budget {human_or_dash(res['budget']['value'], unit)} on {res['chips']} × "
              f"{res['hardware']}"
              f" ({res['precision']}): {res['flops']:.3g} FLOPs (6ND) at "
              f"{res['cost_per_chinchilla_flop']:.3g} {unit}/FLOP")
    days_trained = res["training_time_s"] / 86400
    con.print(f"Compute-optimal: {res['params'] / 1e9:.3g} B parameters on "
              f"{res['tokens'] / 1e12:.3g} T tokens ({res['tokens_per_param']:.0f} tokens/"
              f"parameter), predicted loss {res['predicted_loss']:.3f} nats/token, "
              f"{plural(days_trained, 'day', f'{days_trained:.3g}')}")
    con.print(f"Scaling law: {res['fit']['source']}; L = {res['fit']['E']} + "
              f"{res['fit']['A']}/N^{res['fit']['alpha']} + {res['fit']['B']}/D^"
              f"{res['fit']['beta']}")
    if "alternatives" in res:
        rows = []
        for a in res["alternatives"]:
            rows.append([f"{a['shrink']:g}×", f"{a['params'] / 1e9:.3g} B",
                         f"{a['tokens'] / 1e12:.3g} T" if a.get("tokens") else "–",
                         human_or_dash(a.get("training"), unit),
                         human_or_dash(a.get("serving_per_day"), unit),
                         human_or_dash(a.get("lifecycle_total"), unit),
                         f"{a['vs_compute_optimal_pct']:+.1f} %"
                         if a.get("vs_compute_optimal_pct") is not None else "–",
                         a.get("serving_config", a.get("note", ""))])
        title = ("Same loss, smaller models trained longer: training + "
                 f"{plural(0, 'day', days)} of serving")
        print_table(con, table(title, ["size", "params", "tokens", "training", "serving/day",
                                       "lifecycle", "vs optimal", "serving config"], rows),
                    drop=("serving config", "serving/day", "tokens"))
    for n in res["notes"]:
        con.print(f"note: {n}", style="yellow")
