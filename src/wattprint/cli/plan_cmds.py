"""``wattprint plan infer|train|budget|regions|when|edge`` and ``wattprint lifecycle``."""


import time
from pathlib import Path
from typing import Annotated, Any

import typer

from wattprint.cli.options import JsonOpt, ProfileOpt, model_arg, need, num
from wattprint.quantity import J_PER_KWH

plan_app = typer.Typer(help="Plan: the best hardware, region, hour and model size for a "
                       "workload under latency, deadline and budget constraints.",
                       no_args_is_help=True)

ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help="Catalog model name.")]
ConfigOpt = Annotated[str | None, typer.Option("--model-config", help="Path to a Hugging Face "
                                               "config.json.")]
HwListOpt = Annotated[str | None, typer.Option("--hardware", "-H", help="Hardware to consider, "
                                               "comma-separated (default: all datacenter "
                                               "hardware).")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="Regions, comma-separated, or "
                                               "'all' (default: a spread of ~10 cloud "
                                               "regions).")]
ObjOpt = Annotated[str, typer.Option("--objective", help="Rank by energy, co2e, water, cost "
                                     "(electricity), total-cost (accelerator-hours + "
                                     "electricity), water-scarcity (litres × AWARE factor) "
                                     "or water-stress (Aqueduct 0-5 of the site).")]
PricingOpt = Annotated[str, typer.Option("--pricing", help="Accelerator-hour price for "
                                         "hardware_usd: owner (TCO), on-demand, reserved or "
                                         "capacity-block (data/prices.toml).")]
TopOpt = Annotated[int, typer.Option("--top", help="How many ranked entries to show.")]
WideOpt = Annotated[bool, typer.Option("--wide", help="Every column, whatever the terminal "
                                       "width (narrow terminals get a compact table).")]
BudgetOpt = Annotated[list[str] | None, typer.Option(
    "--budget", help="Upper bound, repeatable: 500kWh/day, 2t/year (CO2e), 5m3/day (water), "
    "200USD/day; training budgets are totals (500MWh).")]
MaxPowerOpt = Annotated[str | None, typer.Option(
    "--max-power", help="Largest peak power at the meter: chips x (power limit + host) x PUE, "
    "e.g. 50MW.")]
MaxStressOpt = Annotated[str | None, typer.Option(
    "--max-water-stress", help="Largest WRI Aqueduct water stress (0-5) of a region that uses "
    "water on site.")]
PromptOpt = Annotated[str, typer.Option("--prompt-tokens", help="Prompt tokens per request.")]
OutputOpt = Annotated[str, typer.Option("--output-tokens", help="Output tokens per request.")]


def _limits(max_power: str | None, max_water_stress: str | None
            ) -> tuple[float | None, float | None]:
    """(--max-power in W, --max-water-stress score) parsed."""
    from wattprint.cli.facility_cmds import parse_power_w
    from wattprint.numbers import parse_number

    return (None if max_power is None else parse_power_w(max_power),
            None if max_water_stress is None else parse_number(
                max_water_stress, "--max-water-stress", allow_zero=True))


def _model(model: str | None, config: str | None) -> str | Path:
    m = model_arg(model, config)
    return Path(m) if config else m


class _Progress:
    """A progress bar on stderr that appears only once a sweep has run for a second."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.t0 = time.perf_counter()
        self.label = label
        self.enabled = enabled
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.t0 < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _h(v: float | None, unit: str) -> str:
    if v is None or v != v:  # None or NaN: unknown, said so
        return "–"
    from wattprint.quantity import Quantity
    from wattprint.units import human

    return human(Quantity(float(v), unit, ""))[0]


def _console() -> Any:
    from rich.console import Console

    return Console()


def _table(title: str, columns: list[str], rows: list[list[str]], wide: set[str] | None = None
           ) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold", max_width=60 if wide and c in wide else None)
    for r in rows:
        t.add_row(*r)
    return t


def _budgets(items: list[str] | None) -> list[Any]:
    from wattprint.plan.parsing import parse_budget

    return [parse_budget(b) for b in (items or [])]


#: Below this terminal width plan tables drop latency, water and reasons (``--wide`` keeps them).
COMPACT_BELOW = 100


def _short_hw(name: str) -> str:
    for prefix in ("nvidia-", "amd-", "google-", "intel-", "aws-", "apple-"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _conf(r: dict[str, Any], kind: str, compact: bool) -> str:
    hw = _short_hw(r["hardware"]) if compact else r["hardware"]
    if kind == "plan-infer":
        text = (f"{r['replicas']}×{r['chips']} {hw} {r['precision']} b{r['batch']}" if compact
                else f"{r['replicas']} × {r['chips']} {hw} {r['precision']} batch {r['batch']}")
    else:
        text = f"{r['chips']} {hw} {r['precision']}"
    return f"{text}\n{r['region']}" if compact else text


def _plan_rows(rows: list[dict[str, Any]], kind: str, per: str, compact: bool,
               ranked: bool) -> tuple[list[str], list[list[str]]]:
    cols = (["#"] if ranked else []) + (["configuration / region"] if compact
                                        else ["configuration", "region"])
    lat = ["TTFT", "TPOT"] if kind == "plan-infer" else ["time"]
    cols += ([] if compact and kind == "plan-infer" else lat)
    unit = "" if compact else f"/{per}"  # compact: "per day/run" goes in the title
    cols += [f"energy{unit}", f"CO2e{unit}"] + ([] if compact else [f"water/{per}"])
    cols += [f"cost{unit}"] + (["Pareto"] if ranked else [])
    out = []
    for r in rows:
        row = ([str(r["rank"])] if ranked else []) + [_conf(r, kind, compact)]
        if not compact:
            row.append(r["region"])
        if not (compact and kind == "plan-infer"):
            row += ([_h(r["ttft_s"], "s"), _h(r["tpot_s"], "s")] if kind == "plan-infer"
                    else [_h(r["time_s"], "s")])
        co2e = _h(r["total_co2e_g"], "gCO2e")
        row += [_h(r["facility_energy_j"], "J"), co2e.replace(" CO2e", "") if compact else co2e]
        row += [] if compact else [_h(r["water_l"], "L")]
        row += [_h(r["cost_usd"], "USD")] + (["yes" if r["pareto"] else ""] if ranked else [])
        out.append(row)
    return cols, out


def _compact(tab: Any) -> Any:
    """Simple box; the configuration / region column never wraps mid-name."""
    from rich import box

    tab.box, tab.pad_edge = box.SIMPLE_HEAD, False
    for col in tab.columns:
        col.no_wrap = True
        if str(col.header).startswith("configuration"):
            col.no_wrap, col.overflow = True, "ellipsis"
            col.min_width = max((len(line) for c in col._cells for line in str(c).split("\n")),
                                default=10)
    return tab


def _print_plan(res: Any, title: str, per: str, wide: bool = False) -> None:
    from rich.console import Console

    con = _console()
    compact = not wide and con.width < COMPACT_BELOW
    if wide:  # every column at full width: long lines, not folded cells (use `less -S`)
        con = Console(width=max(con.width, 200))
    if compact:
        title += f" (per {per})"
    cols, rows = _plan_rows(res.ranked, res.kind, per, compact, ranked=True)
    with_why = wide or con.width >= 150
    if with_why:
        cols.append("why")
        for row, r in zip(rows, res.ranked, strict=True):
            row.append(r["why"])
    tab = _table(title, cols, rows, wide={"why"})
    con.print(_compact(tab) if compact else tab)
    if not with_why:
        for r in res.ranked:
            con.print(f"why #{r['rank']}: {r['why']}")
    fcols, frows = _plan_rows(res.frontier[:10], res.kind, per, compact, ranked=False)
    ftab = _table(f"Pareto frontier (energy, CO2e, water, cost): {len(res.frontier)} shown"
                  + (f" (per {per})" if compact else ""), fcols, frows)
    if compact:
        con.print(_compact(ftab))
        con.print("compact view for a narrow terminal: --wide shows latency, water and reasons "
                  "in the tables; --json gives everything", style="dim")
    else:
        con.print(ftab)
    steps = " → ".join(f"{c.name} {c.passed:,}" for c in res.constraints)
    con.print(f"Swept {res.n_configs:,} configurations in {res.elapsed_s:.2f} s "
              f"({res.configs_per_s:,.0f}/s); feasible {res.n_feasible:,} ({steps}).")
    checks = [r["check"]["relative_difference"] for r in res.ranked if "check" in r]
    if checks:
        con.print(f"Provenance: every ranked row re-computed with the engine "
                  f"(estimate_{'inference' if res.kind == 'plan-infer' else 'training'}), max "
                  f"relative difference {max(checks):.1e}; roofline device model, site chain "
                  "and catalog sources (docs/planning.md). --json gives each number's source.")
    for n in res.notes:
        con.print(f"note: {n}", style="yellow")


@plan_app.command("infer")
def infer(
    demand: Annotated[str, typer.Option("--demand", "-d", help="Requests or tokens per time: "
                                        "10rps, 5M tokens/day, 1e6 requests/day.")],
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    prompt_tokens: PromptOpt = "512",
    output_tokens: OutputOpt = "256",
    latency_slo: Annotated[str | None, typer.Option("--latency-slo", help="ttft=500ms,"
                                                    "tpot=50ms")] = None,
    ttft: Annotated[str | None, typer.Option("--ttft", help="Max time to first token.")] = None,
    tpot: Annotated[str | None, typer.Option("--tpot", help="Max time per output token.")]
    = None,
    budget: BudgetOpt = None,
    hardware: HwListOpt = None,
    precision: Annotated[str | None, typer.Option("--precision", "-p", help="Precisions, "
                                                  "comma-separated (default: [sweep] "
                                                  "precisions in planning.toml).")] = None,
    chips: Annotated[str | None, typer.Option("--chips", help="Chip counts per replica "
                                              "(default 1,2,4,8).")] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="Batch sizes (default 1-256, "
                                              "powers of two).")] = None,
    region: RegionOpt = None,
    stack: Annotated[str | None, typer.Option("--stack", help="Serving stack (default: "
                                                     "[sweep] stack in planning.toml).")] = None,
    kv_cache: Annotated[str | None, typer.Option("--kv-cache", help="KV-cache format.")] = None,
    objective: ObjOpt = "energy",
    top: TopOpt = 5,
    wide: WideOpt = False,
    pue: Annotated[str | None, typer.Option("--pue", help="Override every region's PUE.")]
    = None,
    profile: ProfileOpt = None,
    max_power: MaxPowerOpt = None,
    max_water_stress: MaxStressOpt = None,
    pricing: PricingOpt = "owner",
    json_out: JsonOpt = False,
) -> None:
    """Best serving configurations for a demand: hardware × chips × precision × batch × region.

    Example: wattprint plan infer -m llama-3.1-8b --demand 20rps --prompt-tokens 1000
    --output-tokens 300 --latency-slo ttft=1s,tpot=50ms --budget 50kWh/day
    """
    from wattprint.plan.parsing import parse_latency_slo
    from wattprint.plan.serving import plan_inference
    from wattprint.report.tables import dump_json
    from wattprint.workload.demand import parse_demand

    d = parse_demand(demand, int(need(prompt_tokens, "prompt tokens", "--prompt-tokens",
                                      integer=True)),
                     int(need(output_tokens, "output tokens", "--output-tokens", integer=True)))
    t_slo, p_slo = parse_latency_slo(latency_slo, ttft, tpot)
    lim = _limits(max_power, max_water_stress)
    prog = _Progress("sweeping serving configurations", not json_out)
    try:
        res = plan_inference(_model(model, model_config), d, hardware=hardware,
                             precisions=precision, chips=chips, batches=batch, regions=region,
                             stack=stack, ttft_s=t_slo, tpot_s=p_slo, budgets=_budgets(budget),
                             objective=objective, top=top, kv_cache=kv_cache, profile=profile,
                             pue=num(pue, "PUE"), progress=prog,
                             max_power_w=lim[0], max_water_stress=lim[1],
                             pricing=pricing)
    finally:
        prog.close()
    if json_out:
        dump_json(res.to_dict())
        return
    _print_plan(res, f"Serving {res.inputs['model']} at {d.requests_per_s:.4g} requests/s "
                f"({d.prompt_tokens} + {d.output_tokens} tokens), ranked by {objective}", "day",
                wide)


@plan_app.command("train")
def train(
    tokens: Annotated[str, typer.Option("--tokens", help="Training tokens, e.g. 2T.")],
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Max time to train, e.g. "
                                                 "30days, 6weeks.")] = None,
    budget: BudgetOpt = None,
    hardware: HwListOpt = None,
    precision: Annotated[str | None, typer.Option("--precision", "-p", help="bf16,fp8 "
                                                  "(default both where supported).")] = None,
    chips: Annotated[str | None, typer.Option("--chips", help="Chip counts (default 8 to "
                                              "16384, powers of two).")] = None,
    region: RegionOpt = None,
    objective: ObjOpt = "energy",
    top: TopOpt = 5,
    wide: WideOpt = False,
    batch: Annotated[str, typer.Option("--batch", help="Sequences per chip per step.")] = "8",
    seq_len: Annotated[str, typer.Option("--seq-len", help="Tokens per sequence.")] = "2048",
    pue: Annotated[str | None, typer.Option("--pue", help="Override every region's PUE.")]
    = None,
    profile: ProfileOpt = None,
    max_power: MaxPowerOpt = None,
    max_water_stress: MaxStressOpt = None,
    pricing: PricingOpt = "owner",
    json_out: JsonOpt = False,
) -> None:
    """Best training configurations: hardware × chips × precision × region, time to train.

    Example: wattprint plan train -m llama-3.1-8b --tokens 15T --deadline 30days
    """
    from wattprint.plan.parsing import parse_duration
    from wattprint.plan.training import plan_training
    from wattprint.report.tables import dump_json

    lim = _limits(max_power, max_water_stress)
    prog = _Progress("sweeping training configurations", not json_out)
    try:
        res = plan_training(_model(model, model_config), need(tokens, "tokens", "--tokens"),
                            hardware=hardware, precisions=precision, chips=chips,
                            regions=region,
                            deadline_s=parse_duration(deadline, "--deadline")
                            if deadline else None, budgets=_budgets(budget),
                            objective=objective, top=top,
                            batch=int(need(batch, "batch", "--batch", integer=True)),
                            seq_len=int(need(seq_len, "sequence length", "--seq-len",
                                             integer=True)),
                            profile=profile, pue=num(pue, "PUE"), progress=prog,
                            max_power_w=lim[0], max_water_stress=lim[1],
                            pricing=pricing)
    finally:
        prog.close()
    if json_out:
        dump_json(res.to_dict())
        return
    _print_plan(res, f"Training {res.inputs['model']} on {res.inputs['tokens']:.3g} tokens, "
                f"ranked by {objective}", "run", wide)


@plan_app.command("budget")
def budget_cmd(
    energy: Annotated[str | None, typer.Option("--energy", help="Energy budget at the wall, "
                                               "e.g. 500MWh.")] = None,
    co2e: Annotated[str | None, typer.Option("--co2e", help="CO2e budget, e.g. 100t.")] = None,
    hardware: Annotated[str, typer.Option("--hardware", "-H", help="Training hardware.")]
    = "h100",
    chips: Annotated[str, typer.Option("--chips", help="Training chips.")] = "1024",
    precision: Annotated[str, typer.Option("--precision", "-p")] = "bf16",
    region: Annotated[str | None, typer.Option("--region", help="Training site.")] = None,
    fit: Annotated[str, typer.Option("--fit", help="hoffmann2022 or besiroglu2024.")]
    = "hoffmann2022",
    demand: Annotated[str | None, typer.Option("--demand", help="Serving demand for the "
                                               "lifecycle comparison.")] = None,
    prompt_tokens: PromptOpt = "512",
    output_tokens: OutputOpt = "256",
    days: Annotated[str, typer.Option("--days", help="Days of serving.")] = "365",
    json_out: JsonOpt = False,
) -> None:
    """Compute-optimal model size and tokens for an energy or CO2e budget (Chinchilla).

    Example: wattprint plan budget --energy 500MWh --hardware h100 --demand 1e7requests/day
    """
    from wattprint.numbers import CO2E_UNITS, ENERGY_UNITS, parse_with_unit
    from wattprint.plan.budget import right_size
    from wattprint.report.tables import dump_json
    from wattprint.workload.demand import parse_demand

    e = parse_with_unit(energy, "--energy", ENERGY_UNITS) if energy is not None else None
    c = parse_with_unit(co2e, "--co2e", CO2E_UNITS) if co2e is not None else None
    p_tok = int(need(prompt_tokens, "prompt tokens", "--prompt-tokens", integer=True))
    o_tok = int(need(output_tokens, "output tokens", "--output-tokens", integer=True))
    d = parse_demand(demand, p_tok, o_tok) if demand else None
    res = right_size(energy_j=e, co2e_g=c, hardware=hardware,
                     chips=int(need(chips, "chips", "--chips", integer=True)),
                     precision=precision, region=region, fit=fit, demand=d,
                     days=need(days, "days", "--days"))
    if json_out:
        dump_json(res)
        return
    con = _console()
    unit = res["budget"]["unit"]
    con.print(f"Budget {_h(res['budget']['value'], unit)} on {res['chips']} × {res['hardware']}"
              f" ({res['precision']}): {res['flops']:.3g} FLOPs (6ND) at "
              f"{res['cost_per_chinchilla_flop']:.3g} {unit}/FLOP")
    con.print(f"Compute-optimal: {res['params'] / 1e9:.3g} B parameters on "
              f"{res['tokens'] / 1e12:.3g} T tokens ({res['tokens_per_param']:.0f} tokens/"
              f"parameter), predicted loss {res['predicted_loss']:.3f} nats/token, "
              f"{res['training_time_s'] / 86400:.3g} days")
    con.print(f"Scaling law: {res['fit']['source']}; L = {res['fit']['E']} + "
              f"{res['fit']['A']}/N^{res['fit']['alpha']} + {res['fit']['B']}/D^"
              f"{res['fit']['beta']}")
    if "alternatives" in res:
        rows = []
        for a in res["alternatives"]:
            rows.append([f"{a['shrink']:g}×", f"{a['params'] / 1e9:.3g} B",
                         f"{a['tokens'] / 1e12:.3g} T" if a.get("tokens") else "–",
                         _h(a.get("training"), unit), _h(a.get("serving_per_day"), unit),
                         _h(a.get("lifecycle_total"), unit),
                         f"{a['vs_compute_optimal_pct']:+.1f} %"
                         if a.get("vs_compute_optimal_pct") is not None else "–",
                         a.get("serving_config", a.get("note", ""))])
        con.print(_table(f"Same loss, smaller models trained longer: training + {days} days "
                         "of serving", ["size", "params", "tokens", "training", "serving/day",
                                        "lifecycle", "vs optimal", "serving config"], rows))
    for n in res["notes"]:
        con.print(f"note: {n}", style="yellow")


def _workload(model: str | None, model_config: str | None, hardware: str | None,
              tokens: str | None, chips: str, demand: str | None, batch: str,
              precision: str, prompt_tokens: str, output_tokens: str,
              stack: str | None) -> Any:
    """An engine footprint for `plan regions` / `plan when`: training or one day of serving."""
    from wattprint.catalog.defaults import default_stack
    from wattprint.engine import estimate_inference, estimate_training
    from wattprint.errors import InputError
    from wattprint.workload.demand import parse_demand

    if hardware is None:
        raise InputError("give --hardware with --model (or --energy alone)")
    if (tokens is None) == (demand is None):
        raise InputError("give --tokens (a training run) or --demand (a day of serving), not "
                         "both")
    m = _model(model, model_config)
    if tokens is not None:
        return estimate_training(m, hardware, tokens=need(tokens, "tokens", "--tokens"),
                                 chips=int(need(chips, "chips", "--chips", integer=True)),
                                 precision=precision)
    d = parse_demand(demand or "", int(need(prompt_tokens, "prompt tokens", "--prompt-tokens",
                                            integer=True)),
                     int(need(output_tokens, "output tokens", "--output-tokens", integer=True)))
    return estimate_inference(m, hardware, batch=int(need(batch, "batch", "--batch",
                                                          integer=True)),
                              prompt_tokens=d.prompt_tokens, output_tokens=d.output_tokens,
                              requests=d.requests_per_day, precision=precision,
                              chips=int(need(chips, "chips", "--chips", integer=True)),
                              stack=stack or default_stack("serve"))


@plan_app.command("regions")
def regions_cmd(
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    hardware: Annotated[str | None, typer.Option("--hardware", "-H")] = None,
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens.")] = None,
    demand: Annotated[str | None, typer.Option("--demand", help="Serving demand (one day).")]
    = None,
    energy: Annotated[str | None, typer.Option("--energy", help="Or: IT energy of the "
                                               "workload, e.g. 10MWh.")] = None,
    chips: Annotated[str, typer.Option("--chips")] = "1",
    batch: Annotated[str, typer.Option("--batch")] = "32",
    precision: Annotated[str, typer.Option("--precision", "-p")] = "bf16",
    stack: Annotated[str | None, typer.Option("--stack")] = None,
    prompt_tokens: PromptOpt = "512",
    output_tokens: OutputOpt = "256",
    region: RegionOpt = None,
    objective: Annotated[str, typer.Option("--objective")] = "co2e",
    max_power: MaxPowerOpt = None,
    max_water_stress: MaxStressOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compare one workload across regions: carbon, water (on-/off-site), price, PUE, cooling.

    Example: wattprint plan regions -m llama-3.1-8b -H h100 --tokens 1T --chips 256 --region all
    """
    from wattprint.errors import InputError
    from wattprint.numbers import ENERGY_UNITS, parse_with_unit
    from wattprint.plan.siting import compare_footprint, compare_regions
    from wattprint.report.tables import dump_json

    lim = _limits(max_power, max_water_stress)
    if energy is not None:
        if model or model_config or tokens or demand:
            raise InputError("give --energy alone, or a workload (--model with --tokens or "
                             "--demand), not both")
        e = parse_with_unit(energy, "--energy", ENERGY_UNITS)
        res = compare_regions(e, 0.0, 0.0, region, objective=objective,
                              max_power_w=lim[0], max_water_stress=lim[1])
        what = f"{_h(e, 'J')} of IT energy"
    else:
        fp = _workload(model, model_config, hardware, tokens, chips, demand, batch, precision,
                       prompt_tokens, output_tokens, stack)
        res = compare_footprint(fp, region, objective=objective,
                                max_power_w=lim[0], max_water_stress=lim[1])
        what = f"{fp.inputs['model']} on {fp.inputs['chips']} × {fp.inputs['hardware']}"
    if json_out:
        dump_json(res)
        return
    rows = [[r["region"], r["cooling"], f"{r['pue']:g}", f"{r['grid_gco2e_per_kwh']:g}",
             f"{r['price_usd_per_kwh']:g}", _h(r["facility_energy_j"], "J"),
             _h(r["total_co2e_g"], "gCO2e"), _h(r["water_onsite_l"], "L"),
             _h(r["water_offsite_l"], "L"),
             _h(r["water_scarcity_l"], "L") if r["water_scarcity_l"] == r["water_scarcity_l"]
             else "–",
             "–" if r["water_stress"] is None else f"{r['water_stress']:g} "
             f"{r['water_stress_category']}", _h(r['cost_usd'], "USD")] for r in res["rows"]]
    con = _console()
    con.print(_table(f"{what} by region, ranked by {objective}",
                     ["region", "cooling", "PUE", "gCO2e/kWh", "USD/kWh", "energy", "CO2e",
                      "water on-site", "water off-site", "water world-eq (AWARE)", "water stress",
                      "cost"], rows))
    con.print(res["verdict"]["why"])
    for r in res["excluded"]:
        con.print(f"excluded {r['region']}: {r['why_not']}", style="yellow")
    con.print(f"Formulas: {res['formulas']}. Sources per region in --json (sites.toml).")


def _print_when(res: dict[str, Any], prof: Any, e_kwh: float, dur_h: float, now: int | None,
                source_note: str | None) -> None:
    con = _console()
    g = res["co2e_g_by_start_hour"]
    flat = res.get("no_difference", False)
    rows = [[f"{h:02d}:00", f"{prof.values[h]:.0f}", _h(g[h], "gCO2e"),
             "now" if h == now else "" if flat else "best" if h == res["best_hour"] else
             "worst" if h == res["worst_hour"] else ""]
            for h in range(24)]
    con.print(_table(f"{e_kwh:,.4g} kWh over {dur_h:.3g} h: CO2e by start hour ({prof.name})",
                     ["start", "gCO2e/kWh", "job CO2e", ""], rows))
    if flat:
        msg = (f"No difference: every start hour gives {_h(res['best_co2e_g'], 'gCO2e')} "
               "(within 0.1 %); the profile has no cleaner hour for this job, so start "
               "whenever suits")
    else:
        msg = (f"Start at {res['best_hour']:02d}:00: {_h(res['best_co2e_g'], 'gCO2e')}, "
               f"{res['saving_vs_average_pct']:.1f} % below a random start and "
               f"{res['saving_vs_worst_pct']:.1f} % below the worst ({res['worst_hour']:02d}:00)")
    if now is not None and not flat:
        msg += f"; saves {_h(res['saving_vs_now_g'], 'gCO2e')} " \
               f"({res['saving_vs_now_pct']:.1f} %) against starting at {now:02d}:00"
    con.print(msg + ".")
    con.print(f"Profile: {prof.provenance}", style="dim")
    if source_note:
        con.print(source_note, style="yellow")
    if "note" in res:
        con.print(f"note: {res['note']}", style="yellow")


@plan_app.command("when")
def when_cmd(
    region: Annotated[str | None, typer.Option("--region", help="Site whose hourly profile "
                                               "to use.")] = None,
    profile_csv: Annotated[str | None, typer.Option("--profile-csv", help="CSV with "
                                                    "hour,gco2e_per_kwh (24 rows).")] = None,
    duration: Annotated[str | None, typer.Option("--duration", help="Job length, e.g. 6h.")]
    = None,
    energy: Annotated[str | None, typer.Option("--energy", help="Job energy at the wall, e.g. "
                                               "2MWh.")] = None,
    power: Annotated[str | None, typer.Option("--power", help="Or: average power, e.g. 40kW.")]
    = None,
    model: ModelOpt = None,
    hardware: Annotated[str | None, typer.Option("--hardware", "-H")] = None,
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens (job from "
                                               "the engine).")] = None,
    chips: Annotated[str, typer.Option("--chips")] = "8",
    now: Annotated[int | None, typer.Option("--now", help="Hour it would start otherwise "
                                            "(0-23, local).")] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="Use real hourly data cached in "
                                             "the ledger for this zone (default: the region "
                                             "id); falls back to the typical profile.")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Ledger file.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Best start hour for a deferrable job from an hourly grid-intensity profile.

    Example: wattprint plan when --region us-ca --duration 4h --energy 2MWh --now 18
    """
    from wattprint.catalog import get_site
    from wattprint.errors import InputError
    from wattprint.numbers import ENERGY_UNITS, parse_with_unit
    from wattprint.plan.data import read_profile_csv, site_profile
    from wattprint.plan.parsing import parse_duration
    from wattprint.plan.siting import best_start_hour
    from wattprint.report.tables import dump_json

    if (region is None) == (profile_csv is None):
        raise InputError("give --region (shipped profile) or --profile-csv FILE, not both")
    prof = read_profile_csv(profile_csv) if profile_csv else site_profile(get_site(region or ""))
    source_note = None
    if profile_csv is None:
        from wattprint.cli.grid_cmds import measured_profile

        measured, source_note = measured_profile(zone or region or "", db)
        prof = measured or prof
    if model is not None:
        if duration or energy or power:
            raise InputError("give a job as --model/--hardware/--tokens or as --duration with "
                             "--energy/--power, not both")
        from wattprint.engine import estimate_training

        if hardware is None or tokens is None:
            raise InputError("--model needs --hardware and --tokens")
        fp = estimate_training(model, hardware, tokens=need(tokens, "tokens", "--tokens"),
                               chips=int(need(chips, "chips", "--chips", integer=True)),
                               site=region)
        dur_h = fp["time"].value / 3600.0
        e_kwh = fp["facility_energy"].value / J_PER_KWH
    else:
        if duration is None:
            raise InputError("missing --duration (e.g. 6h), or give --model/--hardware/--tokens")
        dur_h = parse_duration(duration, "--duration") / 3600.0
        if (energy is None) == (power is None):
            raise InputError("give --energy or --power, not both")
        if energy is not None:
            e_kwh = parse_with_unit(energy, "--energy", ENERGY_UNITS) / J_PER_KWH
        else:
            e_kwh = parse_with_unit(power or "", "--power", {"kW": 1.0, "MW": 1e3, "W": 1e-3}
                                    ) * dur_h
    res = best_start_hour(prof, dur_h, e_kwh, now)
    if source_note:
        res["profile_source"] = source_note
    if json_out:
        dump_json(res)
        return
    _print_when(res, prof, e_kwh, dur_h, now, source_note)


@plan_app.command("edge")
def edge_cmd(
    device: Annotated[str, typer.Option("--device", help="Phone/laptop NPU or GPU from the "
                                        "catalog, e.g. apple-a17-pro-ane.")],
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    prompt_tokens: PromptOpt = "500",
    output_tokens: OutputOpt = "200",
    precision: Annotated[str | None, typer.Option("--precision", "-p", help="On-device "
                                                  "precision (default: the first of int4, "
                                                  "int8, fp16 that fits).")] = None,
    home: Annotated[str, typer.Option("--home", help="Residential site of the device.")]
    = "residential-world",
    cloud_hardware: Annotated[str, typer.Option("--cloud-hardware")] = "h100",
    cloud_region: Annotated[str | None, typer.Option("--cloud-region")] = None,
    cloud_batch: Annotated[str, typer.Option("--cloud-batch")] = "32",
    cloud_chips: Annotated[str | None, typer.Option("--cloud-chips")] = None,
    cloud_precision: Annotated[str, typer.Option("--cloud-precision")] = "bf16",
    json_out: JsonOpt = False,
) -> None:
    """The same request on a personal device vs in a data centre, with the break-even points.

    Example: wattprint plan edge -m llama-3.2-1b --device apple-a17-pro-ane --cloud-region
    aws-us-east-1
    """
    from wattprint.plan.edge import edge_vs_cloud
    from wattprint.report.tables import dump_json

    res = edge_vs_cloud(_model(model, model_config), device,
                        prompt_tokens=int(need(prompt_tokens, "prompt tokens",
                                               "--prompt-tokens", integer=True)),
                        output_tokens=int(need(output_tokens, "output tokens",
                                               "--output-tokens", integer=True)),
                        precision=precision, home=home, cloud_hardware=cloud_hardware,
                        cloud_region=cloud_region,
                        cloud_batch=int(need(cloud_batch, "cloud batch", "--cloud-batch",
                                             integer=True)),
                        cloud_chips=int(need(cloud_chips, "cloud chips", "--cloud-chips",
                                             integer=True)) if cloud_chips else None,
                        cloud_precision=cloud_precision)
    if json_out:
        dump_json(res)
        return
    con = _console()
    e, c = res["edge"], res["cloud"]
    if not e["fits"]:
        con.print(res["verdict"], style="bold")
    else:
        rows = []
        for k, label, unit in (("energy_j", "energy at the wall", "J"),
                               ("total_co2e_g", "CO2e (incl. embodied)", "gCO2e"),
                               ("embodied_co2e_g", "  of which embodied", "gCO2e"),
                               ("water_l", "water", "L"), ("latency_s", "latency", "s")):
            rows.append([label, _h(e[k], unit), _h(c[k], unit),
                         res["comparison"][k]["winner"] if k in res["comparison"] else ""])
        con.print(_table(f"One request to {res['model']} ({res['prompt_tokens']} + "
                         f"{res['output_tokens']} tokens): {e['device']} ({e['precision']}) vs"
                         f" {c['chips']} × {c['hardware']} at batch {c['batch']} "
                         f"({c['region']})", ["per request", "edge", "cloud", "wins"], rows))
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


def lifecycle_cmd(
    training_tokens: Annotated[str, typer.Option("--training-tokens", help="e.g. 15T.")],
    demand: Annotated[str, typer.Option("--demand", "-d", help="e.g. 1e6 requests/day.")],
    days: Annotated[str, typer.Option("--days", help="Days of serving.")] = "365",
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    prompt_tokens: PromptOpt = "512",
    output_tokens: OutputOpt = "256",
    train_hardware: Annotated[str, typer.Option("--train-hardware")] = "h100",
    train_chips: Annotated[str, typer.Option("--train-chips")] = "1024",
    train_precision: Annotated[str, typer.Option("--train-precision")] = "bf16",
    train_region: Annotated[str | None, typer.Option("--train-region")] = None,
    hardware: Annotated[str | None, typer.Option("--hardware", "-H", help="Serving hardware "
                                                 "(default: best of all).")] = None,
    chips: Annotated[str | None, typer.Option("--chips")] = None,
    precision: Annotated[str | None, typer.Option("--precision", "-p")] = None,
    batch: Annotated[str | None, typer.Option("--batch")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Serving site (default "
                                               "world).")] = None,
    objective: ObjOpt = "energy",
    pricing: PricingOpt = "owner",
    json_out: JsonOpt = False,
) -> None:
    """Training plus serving over time: the crossover day and the totals (incl. embodied).

    Example: wattprint lifecycle -m llama-3.1-8b --training-tokens 15T --demand 1e7requests/day
    --days 730
    """
    from wattprint.plan.lifecycle import lifecycle
    from wattprint.report.tables import dump_json
    from wattprint.workload.demand import parse_demand

    d = parse_demand(demand, int(need(prompt_tokens, "prompt tokens", "--prompt-tokens",
                                      integer=True)),
                     int(need(output_tokens, "output tokens", "--output-tokens", integer=True)))
    res = lifecycle(_model(model, model_config),
                    need(training_tokens, "training tokens", "--training-tokens"), d,
                    need(days, "days", "--days"), train_hardware=train_hardware,
                    train_chips=int(need(train_chips, "chips", "--train-chips", integer=True)),
                    train_precision=train_precision, train_region=train_region,
                    serve_hardware=hardware, serve_chips=chips, serve_precision=precision,
                    serve_batch=batch, serve_region=region, objective=objective,
                    pricing=pricing)
    if json_out:
        dump_json(res)
        return
    con = _console()
    rows = []
    for r in res["rows"]:
        u = r["unit"]
        cross = r["crossover_day"]
        rows.append([r["metric"], _h(r["training"], u), _h(r["serving_per_day"], u),
                     f"day {cross:,.1f}" if cross is not None else "never",
                     _h(r["total_at_days"], u),
                     "–" if r["serving_share_at_days"] != r["serving_share_at_days"]
                     else f"{r['serving_share_at_days'] * 100:.0f} %"])
    con.print(_table(f"{res['model']}: training on {res['training']['tokens']:.3g} tokens, "
                     f"then {d.requests_per_day:,.0f} requests/day for {res['days']:g} days",
                     ["metric", "training", "serving/day", "serving overtakes", "total",
                      "serving share"], rows))
    con.print(f"Formula: {res['formula']}.")
    for n in res["notes"]:
        con.print(f"note: {n}", style="yellow")


def register(app: typer.Typer) -> None:
    """Add ``plan`` and ``lifecycle`` to the CLI."""
    from wattprint.cli import facility_cmds

    facility_cmds.register(plan_app)
    app.add_typer(plan_app, name="plan")
    app.command("lifecycle")(lifecycle_cmd)
