"""Text rendering of ``plan facility`` (:func:`wattprint.plan.facility.plan_facility`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wattprint.plan.facility import FacilityPlan


def _rows(plan: FacilityPlan) -> list[list[str]]:
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


COLUMNS = ["site", "cooling", "peak MW", "avg MW", "MWh/yr", "PUE", "peak PUE", "WUE L/kWh",
           "m3/day peak month", "water stress", "m3 world-eq/yr (AWARE)", "tCO2e/yr",
           "M USD elec/yr", "M USD owner/yr", "households", "feasible"]


def _print_narrow(con: Any, title: str, rows: list[list[str]]) -> None:
    """A narrow terminal: one column per option (three per table), one row per quantity."""
    from rich.table import Table

    con.print(title)
    for i in range(0, len(rows), 3):
        t = Table()
        t.add_column("", no_wrap=True)
        for r in rows[i:i + 3]:
            t.add_column(f"{r[0]}\n{r[1]}", justify="right", overflow="fold")
        for j, name in enumerate(COLUMNS[2:], start=2):
            t.add_row(name, *(r[j] for r in rows[i:i + 3]))
        con.print(t)


def print_facility(plan: FacilityPlan, site: str | None) -> None:
    """The facility plan's table (site x cooling), the least-energy option, the seasonal
    PUE swing of up to four options and the notes; ``site`` the one the user planned."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    title = (f"{plan.chips:,} × {plan.hardware}: {plan.it_power_w / 1e6:.1f} MW of IT at "
             f"{plan.load:.0%} load, by site and cooling (typical climate year)")
    if con.width < 180:  # 16 columns would fold every number into 2-character pieces
        _print_narrow(con, title, _rows(plan))
    else:
        t = Table(title=title, title_justify="left")
        for c in COLUMNS:
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
