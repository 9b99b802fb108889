"""``wattprint plan facility``: a cluster as a power plant, by site and cooling type."""


from typing import Annotated

import typer

from wattprint.cli.options import JsonOpt, need

#: Power units -> W, for --max-power.
POWER_UNITS: dict[str, float] = {"MW": 1e6, "W": 1.0, "kW": 1e3, "GW": 1e9}


def parse_power_w(text: str, what: str = "--max-power") -> float:
    """``50MW`` / ``800kW`` / ``1.2GW`` -> W (a bare number is taken in MW)."""
    from wattprint.numbers import parse_with_unit

    return parse_with_unit(text, what, POWER_UNITS)


def facility_cmd(
    chips: Annotated[str | None, typer.Option("--chips", help="Number of accelerators.")] = None,
    hardware: Annotated[str, typer.Option("--hardware", "-H", help="Accelerator.")] = "h100",
    site: Annotated[str | None, typer.Option("--site", help="Site to plan (must have climate "
                                             "data); compared with --compare.")] = None,
    compare: Annotated[str | None, typer.Option("--compare", help="Other candidate sites, "
                                                "comma-separated, 'all' (default: every site "
                                                "with climate data) or 'none'.")] = None,
    cooling: Annotated[str | None, typer.Option("--cooling", help="Cooling types, comma-"
                                                "separated (default: all six).")] = None,
    load: Annotated[str, typer.Option("--load", help="IT load as a share of design power.")]
    = "1.0",
    max_power: Annotated[str | None, typer.Option("--max-power", help="Largest peak power at "
                                                  "the meter, e.g. 50MW.")] = None,
    max_water_stress: Annotated[str | None, typer.Option(
        "--max-water-stress", help="Largest WRI Aqueduct baseline water stress (0-5) for "
        "options that use water.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Megawatts at the meter, annual MWh, water and grid connection of an accelerator cluster,
    hour by hour from the site's climate, for each cooling type.

    Example: wattprint plan facility --chips 10000 --hardware h100 --site us-az
    """
    from wattprint.numbers import parse_number
    from wattprint.plan.facility import climate_sites, plan_facility
    from wattprint.report.facility_tables import print_facility
    from wattprint.report.tables import dump_json

    n = int(need(chips, "--chips (number of accelerators)", "--chips", integer=True))
    sites = [site] if site else []
    if compare is None or compare == "all":
        sites += [s for s in climate_sites() if s not in sites]
    elif compare != "none":
        sites += [s.strip() for s in compare.split(",") if s.strip()]
    plan = plan_facility(
        n, hardware, sites, [c for c in (cooling or "").split(",") if c.strip()] or None,
        load=parse_number(load, "--load"),
        max_power_w=None if max_power is None else parse_power_w(max_power),
        max_water_stress=None if max_water_stress is None
        else parse_number(max_water_stress, "--max-water-stress", allow_zero=True))
    if json_out:
        dump_json(plan.to_dict())
        return
    print_facility(plan, site)


def register(app: typer.Typer) -> None:
    """Add ``plan facility`` to the ``plan`` group."""
    app.command("facility")(facility_cmd)
