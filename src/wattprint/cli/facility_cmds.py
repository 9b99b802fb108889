"""``wattprint plan facility``: a cluster as a power plant, by site and cooling type."""


from typing import Annotated, Any

import typer

from wattprint.cli.options import JsonOpt, need

#: Power units -> W, for --max-power.
POWER_UNITS: dict[str, float] = {"MW": 1e6, "W": 1.0, "kW": 1e3, "GW": 1e9}


def parse_power_w(text: str, what: str = "--max-power") -> float:
    """``50MW`` / ``800kW`` / ``1.2GW`` -> W (a bare number is taken in MW)."""
    from wattprint.numbers import parse_with_unit

    return parse_with_unit(text, what, POWER_UNITS)


def _rows(plan: Any) -> list[list[str]]:
    from wattprint.units import fmt

    rows = []
    for o in plan.options:
        stress = ("–" if o.water_stress is None
                  else f"{o.water_stress:g} {o.water_stress_category}")
        hh = "–" if o.households is None else f"{o.households:,.0f}"
        scarce = ("–" if o.annual_water_scarcity_l is None
                  else fmt(o.annual_water_scarcity_l / 1e3))
        rows.append([o.site, o.cooling, f"{o.meter_peak_w / 1e6:.1f}",
                     f"{o.meter_average_w / 1e6:.1f}", f"{o.annual_energy_j / 3.6e9:,.0f}",
                     f"{o.pue:.3f}", f"{o.peak_pue:.3f}", f"{o.wue_l_per_kwh:.2f}",
                     f"{fmt(o.peak_month_water_l_per_day / 1e3)} ({o.peak_month})", stress,
                     scarce,
                     f"{o.co2e_g / 1e6:,.0f}", f"{o.electricity_usd / 1e6:,.1f}",
                     "–" if o.owner_usd_per_year is None
                     else f"{o.owner_usd_per_year / 1e6:,.0f}", hh,
                     "yes" if o.feasible else o.why_not])
    return rows


def _swing(o: Any) -> str:
    pues = o.monthly_pue
    lo, hi = min(range(12), key=lambda m: pues[m]), max(range(12), key=lambda m: pues[m])
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return (f"{o.site} {o.cooling}: PUE {pues[lo]:.3f} in {months[lo]} "
            f"(chiller {o.monthly_chiller_hours[lo]:.0%} of hours) to {pues[hi]:.3f} in "
            f"{months[hi]} (chiller {o.monthly_chiller_hours[hi]:.0%} of hours): free cooling "
            f"covers the cool months, the chiller the hot ones")


def facility_cmd(
    chips: Annotated[str | None, typer.Option("--chips", help="Number of accelerators.")] = None,
    hardware: Annotated[str, typer.Option("--hardware", "-H", help="Accelerator.")] = "h100",
    site: Annotated[str | None, typer.Option("--site", help="Site to plan (must have climate "
                                             "data); compared with --compare.")] = None,
    compare: Annotated[str | None, typer.Option("--compare", help="Other candidate sites, "
                                                "comma-separated, 'all' (default: every site "
                                                "with climate data) or 'none'.")] = None,
    cooling: Annotated[str | None, typer.Option("--cooling", help="Cooling types, comma-"
                                                "separated (default: all four).")] = None,
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
    _print(plan, site)


def _print(plan: Any, site: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{plan.chips:,} × {plan.hardware}: {plan.it_power_w / 1e6:.1f} MW of IT "
              f"at {plan.load:.0%} load, by site and cooling (typical climate year)",
              title_justify="left")
    for c in ["site", "cooling", "peak MW", "avg MW", "MWh/yr", "PUE", "peak PUE",
              "WUE L/kWh", "m3/day peak month", "water stress", "m3 world-eq/yr (AWARE)",
              "tCO2e/yr", "M USD elec/yr",
              "M USD owner/yr",
              "households", "feasible"]:
        t.add_column(c, overflow="fold")
    for r in _rows(plan):
        t.add_row(*r)
    con.print(t)
    feas = plan.feasible()
    if feas:
        best = feas[0]
        con.print(f"Least energy: {best.site} with {best.cooling}: peak "
                  f"{best.meter_peak_w / 1e6:.1f} MW → grid connection {best.grid_connection}.")
    else:
        con.print("No option meets the constraints (see the feasible column).", style="yellow")
    shown = [o for o in plan.options if site is None or o.site == site]
    for o in shown[:4]:
        con.print(_swing(o))
    if any(o.households is None for o in plan.options):
        con.print("households: shipped only for the USA (EIA 2022); '–' elsewhere.")
    for note in plan.notes:
        con.print(f"note: {note}", style="dim")


def register(app: typer.Typer) -> None:
    """Add ``plan facility`` to the ``plan`` group."""
    app.command("facility")(facility_cmd)
