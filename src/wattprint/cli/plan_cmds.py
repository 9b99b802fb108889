"""``wattprint plan infer|train`` (the sweeps) and the ``plan``/``lifecycle`` command group.

The other plan commands live by concern: ``plan_site_cmds`` (regions, when, edge),
``plan_size_cmds`` (budget, lifecycle), ``facility_cmds`` (facility); shared options in
``plan_options``. Each command parses, calls the planner and hands the result to a renderer
in :mod:`wattprint.report`.
"""


from typing import Annotated

import typer

from wattprint.cli.options import JsonOpt, ProfileOpt, need, num
from wattprint.cli.plan_options import (
    BudgetOpt,
    ConfigOpt,
    HwListOpt,
    MaxPowerOpt,
    MaxStressOpt,
    ModelOpt,
    ObjOpt,
    OutputOpt,
    PricingOpt,
    PromptOpt,
    RegionOpt,
    TopOpt,
    WideOpt,
    budgets,
    limits,
    model_path,
)

plan_app = typer.Typer(help="Plan: the best hardware, region, hour and model size for a "
                       "workload under latency, deadline and budget constraints.",
                       no_args_is_help=True)


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
    from wattprint.cli.plan_options import parse_demand
    from wattprint.plan.parsing import parse_latency_slo
    from wattprint.plan.serving import plan_inference
    from wattprint.report.plan_tables import Progress, print_plan
    from wattprint.report.tables import dump_json

    d = parse_demand(demand, int(need(prompt_tokens, "prompt tokens", "--prompt-tokens",
                                      integer=True)),
                     int(need(output_tokens, "output tokens", "--output-tokens", integer=True)))
    t_slo, p_slo = parse_latency_slo(latency_slo, ttft, tpot)
    lim = limits(max_power, max_water_stress)
    prog = Progress("sweeping serving configurations", not json_out)
    try:
        res = plan_inference(model_path(model, model_config), d, hardware=hardware,
                             precisions=precision, chips=chips, batches=batch, regions=region,
                             stack=stack, ttft_s=t_slo, tpot_s=p_slo, budgets=budgets(budget),
                             objective=objective, top=top, kv_cache=kv_cache, profile=profile,
                             pue=num(pue, "PUE"), progress=prog,
                             max_power_w=lim[0], max_water_stress=lim[1],
                             pricing=pricing)
    finally:
        prog.close()
    if json_out:
        dump_json(res.to_dict())
        return
    print_plan(res, f"Serving {res.inputs['model']} at {d.requests_per_s:.4g} requests/s "
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
    from wattprint.report.plan_tables import Progress, print_plan
    from wattprint.report.tables import dump_json

    lim = limits(max_power, max_water_stress)
    prog = Progress("sweeping training configurations", not json_out)
    try:
        res = plan_training(model_path(model, model_config), need(tokens, "tokens", "--tokens"),
                            hardware=hardware, precisions=precision, chips=chips,
                            regions=region,
                            deadline_s=parse_duration(deadline, "--deadline")
                            if deadline else None, budgets=budgets(budget),
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
    from wattprint.units import fmt_count

    print_plan(res, f"Training {res.inputs['model']} on {fmt_count(res.inputs['tokens'])} tokens, "
               f"ranked by {objective}", "run", wide)


def register(app: typer.Typer) -> None:
    """Add ``plan`` (infer, train, budget, regions, when, edge, facility) and ``lifecycle``."""
    from wattprint.cli import facility_cmds, plan_site_cmds, plan_size_cmds

    if "budget" not in {c.name for c in plan_app.registered_commands}:
        plan_app.command("budget")(plan_size_cmds.budget_cmd)
        plan_app.command("regions")(plan_site_cmds.regions_cmd)
        plan_app.command("when")(plan_site_cmds.when_cmd)
        plan_app.command("edge")(plan_site_cmds.edge_cmd)
        facility_cmds.register(plan_app)
    app.add_typer(plan_app, name="plan")
    app.command("lifecycle")(plan_size_cmds.lifecycle_cmd)
