"""Options and argument parsing shared by the ``plan`` and ``lifecycle`` commands."""


from pathlib import Path
from typing import Annotated, Any

import typer

from wattprint.cli.options import model_arg

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


def parse_demand(text: str, prompt_tokens: int = 512, output_tokens: int = 256) -> Any:
    """``--demand`` parsed (:func:`wattprint.workload.demand.parse_demand`) and held to the
    request rate ``estimate infer --rate`` accepts (``engine.inputs.LIMITS``): a planner
    answer for 10³⁰ requests/s is a row of 10²⁸ replicas, not a plan."""
    from wattprint.engine.inputs import check_limit
    from wattprint.workload.demand import parse_demand as parse

    d = parse(text, prompt_tokens, output_tokens)
    check_limit(d.requests_per_s, "request rate")
    return d


def limits(max_power: str | None, max_water_stress: str | None
           ) -> tuple[float | None, float | None]:
    """(--max-power in W, --max-water-stress score) parsed."""
    from wattprint.cli.facility_cmds import parse_power_w
    from wattprint.numbers import parse_number

    return (None if max_power is None else parse_power_w(max_power),
            None if max_water_stress is None else parse_number(
                max_water_stress, "--max-water-stress", allow_zero=True))


def model_path(model: str | None, config: str | None) -> str | Path:
    """The model as given: a catalog name, or the path of a ``config.json``."""
    m = model_arg(model, config)
    return Path(m) if config else m


def budgets(items: list[str] | None) -> list[Any]:
    """Every ``--budget`` parsed (:func:`wattprint.plan.parsing.parse_budget`)."""
    from wattprint.plan.parsing import parse_budget

    return [parse_budget(b) for b in (items or [])]
