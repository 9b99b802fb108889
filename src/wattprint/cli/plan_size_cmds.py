"""``wattprint plan budget`` (right-size a model for a budget) and ``wattprint lifecycle``."""


from typing import Annotated

import typer

from wattprint.cli.options import JsonOpt, need
from wattprint.cli.plan_options import (
    ConfigOpt,
    ModelOpt,
    ObjOpt,
    OutputOpt,
    PricingOpt,
    PromptOpt,
    model_path,
)


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
    from wattprint.cli.plan_options import parse_demand
    from wattprint.numbers import CO2E_UNITS, ENERGY_UNITS, parse_with_unit
    from wattprint.plan.budget import right_size
    from wattprint.report.plan_views import print_budget
    from wattprint.report.tables import dump_json

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
        dump_json(res.to_dict())
        return
    print_budget(res, days)


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
    from wattprint.cli.plan_options import parse_demand
    from wattprint.plan.lifecycle import lifecycle
    from wattprint.report.plan_views import print_lifecycle
    from wattprint.report.tables import dump_json

    d = parse_demand(demand, int(need(prompt_tokens, "prompt tokens", "--prompt-tokens",
                                      integer=True)),
                     int(need(output_tokens, "output tokens", "--output-tokens", integer=True)))
    res = lifecycle(model_path(model, model_config),
                    need(training_tokens, "training tokens", "--training-tokens"), d,
                    need(days, "days", "--days"), train_hardware=train_hardware,
                    train_chips=int(need(train_chips, "chips", "--train-chips", integer=True)),
                    train_precision=train_precision, train_region=train_region,
                    serve_hardware=hardware, serve_chips=chips, serve_precision=precision,
                    serve_batch=batch, serve_region=region, objective=objective,
                    pricing=pricing)
    if json_out:
        dump_json(res.to_dict())
        return
    print_lifecycle(res, d.requests_per_day)
