"""``wattprint grid``: hourly grid intensity - import, fetch, list, and a run's time-resolved
emissions."""


from pathlib import Path
from typing import Annotated, Any

import typer

from wattprint.cli.options import JsonOpt
from wattprint.report.fit import say
from wattprint.units import plural

grid_app = typer.Typer(help="The grid hour by hour: import or fetch hourly carbon intensity "
                       "into the ledger, and charge measured runs hour by hour.",
                       no_args_is_help=True)

DbOpt = Annotated[Path | None, typer.Option("--db", help="Ledger file.")]
FORMATS = ("electricity-maps", "uk-carbon-intensity", "generation-mix")


def read_series(path: Path, fmt: str, zone: str | None) -> Any:
    """Parse an hourly-intensity file in one of :data:`FORMATS`."""
    from wattprint.errors import InputError
    from wattprint.site import grid_hourly as gh
    from wattprint.textfiles import read_text

    text = read_text(path, "grid file")
    if fmt == "electricity-maps":
        return gh.read_electricity_maps_csv(text, zone)
    if fmt == "uk-carbon-intensity":
        return gh.read_uk_carbon_intensity_json(text, zone or "GB")
    if fmt == "generation-mix":
        if not zone:
            raise InputError("--format generation-mix needs --zone (the file names no zone)")
        return gh.read_generation_mix_csv(text, zone)
    raise InputError(f"unknown --format {fmt!r}; choose from {', '.join(FORMATS)}")


def _store(series: Any, db: Path | None) -> int:
    from wattprint.ledger import Ledger
    from wattprint.ledger.grid_cache import store_intensities

    with Ledger(db) as ledger:
        return store_intensities(ledger, series.zone,
                                 zip(series.hour_start_s.tolist(),
                                     series.gco2e_per_kwh.tolist(), strict=True),
                                 series.provenance)


@grid_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="The file to import.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="electricity-maps (CSV export), "
                                     "uk-carbon-intensity (API JSON) or generation-mix "
                                     "(EIA-930 / ENTSO-E CSV).")] = "electricity-maps",
    zone: Annotated[str | None, typer.Option("--zone", help="Zone name to store under "
                                             "(default: from the file).")] = None,
    db: DbOpt = None,
) -> None:
    """Import hourly carbon intensity into the ledger cache."""
    series = read_series(file, fmt, zone)
    n = _store(series, db)
    say(f"stored {plural(n, 'hour')} for zone {series.zone}: {series.provenance}")


@grid_app.command("fetch")
def fetch_cmd(
    start: Annotated[str, typer.Option("--from", help="Start, ISO 8601 UTC.")],
    end: Annotated[str, typer.Option("--to", help="End, ISO 8601 UTC.")],
    base_url: Annotated[str | None, typer.Option("--base-url", help="API root (default: the "
                                                 "public GB Carbon Intensity API).")] = None,
    db: DbOpt = None,
) -> None:
    """Fetch GB hourly intensity from the Carbon Intensity API into the ledger cache."""
    from wattprint.site.grid_hourly import parse_time
    from wattprint.site.grid_live import UK_API, fetch_uk_intensity

    series = fetch_uk_intensity(parse_time(start, "--from"), parse_time(end, "--to"),
                                base_url or UK_API)
    n = _store(series, db)
    say(f"stored {plural(n, 'hour')} for zone {series.zone}: {series.provenance}")


@grid_app.command("zones")
def zones_cmd(db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Zones with cached hourly data, with their hour counts."""
    from wattprint.ledger import Ledger
    from wattprint.ledger.grid_cache import zones
    from wattprint.report.tables import dump_json

    with Ledger(db) as ledger:
        rows = zones(ledger)
    if json_out:
        dump_json(rows)
        return
    if not rows:
        typer.echo("no hourly grid data cached (wattprint grid import FILE)")
    for r in rows:
        typer.echo(f"{r['zone']}: {plural(int(r['hours']), 'hour')}")


def cached_series(zone: str, db: Path | None, start_s: float | None = None,
                  end_s: float | None = None) -> Any:
    """The ledger's cached hourly series of ``zone``, or None when there is none."""
    import numpy as np

    from wattprint.ledger import Ledger, default_db_path
    from wattprint.ledger.grid_cache import load_intensities
    from wattprint.site.grid_hourly import HourlySeries

    path = Path(db).expanduser() if db is not None else default_db_path()
    if not path.is_file():
        return None
    with Ledger(path, readonly=True) as ledger:
        rows = load_intensities(ledger, zone, start_s, end_s)
    if not rows:
        return None
    sources = sorted({str(r["source"]) for r in rows})
    return HourlySeries(zone, np.array([float(r["hour_start"]) for r in rows]),
                        np.array([float(r["gco2e_per_kwh"]) for r in rows]),
                        f"ledger cache, {plural(len(rows), 'hour')}: " + "; ".join(sources)[:300])


@grid_app.command("run")
def run_co2e_cmd(
    run: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    zone: Annotated[str, typer.Option("--zone", help="Cached zone to charge the run in.")],
    pue: Annotated[float, typer.Option("--pue", help="Facility PUE (>= 1).")] = 1.0,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A measured run's CO2e, each power sample x the intensity of its hour."""
    from wattprint.catalog import get_site
    from wattprint.errors import InputError
    from wattprint.ledger import Ledger
    from wattprint.report.tables import dump_json
    from wattprint.site.grid_hourly import time_resolved_co2e_g

    with Ledger(db, create=False) as ledger:
        r = ledger.run(run)
        samples = ledger.samples(r["id"])
    if not samples:
        raise InputError(f"run {r['id']} has no power samples in the ledger")
    t0, t1 = min(s["t"] for s in samples), max(s["t"] for s in samples)
    series = cached_series(zone, db, t0 - 3600.0, t1 + 3600.0) or shipped_run_series(
        zone, t0, t1)
    if series is None:
        raise InputError(f"no cached or shipped hourly data for zone {zone!r} around run "
                         f"{r['id']} (wattprint grid import / fetch)")
    site = get_site(r.get("site") or "world")
    fallback = site.grid_gco2e_per_kwh.value
    res = time_resolved_co2e_g(samples, series, fallback, pue)
    annual = res.energy_j / 3.6e6 * fallback
    out = {"run": r["id"], "zone": zone, "energy_j": res.energy_j, "co2e_g": res.co2e_g,
           "co2e_at_annual_mean_g": annual, "coverage": res.coverage, "hours": res.hours,
           "provenance": res.provenance}
    if json_out:
        dump_json(out)
        return
    say(f"run {r['id']}: {res.energy_j / 3.6e6:.4g} kWh over {plural(res.hours, 'hour')} -> "
        f"{res.co2e_g:.4g} gCO2e hour by hour ({res.coverage:.0%} of the energy at "
        f"real hourly intensity) vs {annual:.4g} gCO2e at the run's site's "
        f"({site.id}) annual mean {fallback:g} gCO2e/kWh")
    say(f"provenance: {res.provenance}")


def measured_profile(zone: str, db: Path | None) -> tuple[Any, str]:
    """(HourlyProfile from the cached real hourly data of ``zone``, or None; a one-line note
    saying which was used)."""
    import numpy as np

    from wattprint.plan.data import HourlyProfile

    series = cached_series(zone, db)
    if series is None:
        return shipped_profile(zone)
    prof = series.daily_profile()
    if np.isnan(prof).any():
        return None, (f"cached data for zone {zone!r} misses some hours of the day: falling "
                      "back to the typical profile")
    n = series.hour_start_s.size
    return (HourlyProfile(f"{zone}-measured", f"{zone}: mean of {n} real hours by UTC hour",
                          prof, series.provenance, "measured"),
            f"real hourly data: mean by UTC hour of {n} cached hours of zone {zone}")


def shipped_run_series(zone: str, t0: float, t1: float) -> Any:
    """Typical hours (same month and UTC hour) from the shipped real data of ``zone`` over a
    run's span, or None when nothing is shipped for it."""
    from wattprint.site.grid_shipped import month_hour_series, shipped_series, zone_for

    z = zone_for(zone)
    s = shipped_series(z) if z else None
    return month_hour_series(s, t0 - 3600.0, t1 + 3600.0) if s is not None else None


def shipped_profile(zone: str) -> tuple[Any, str]:
    """(HourlyProfile from the shipped real hourly data of ``zone``, or None; a note)."""
    from wattprint.plan.data import HourlyProfile
    from wattprint.site.grid_shipped import shipped_series, zone_for

    z = zone_for(zone)
    s = shipped_series(z) if z else None
    if s is None:
        return None, (f"no real hourly data cached or shipped for zone {zone!r}: falling back "
                      "to the typical profile (wattprint grid import / fetch to use real data)")
    n = s.hour_start_s.size
    return (HourlyProfile(f"{z}-shipped", f"{z}: mean of {n} shipped real hours by UTC hour",
                          s.daily_profile(), s.provenance, "measured"),
            f"shipped real hourly data: mean by UTC hour of {n} hours of zone {z}")


def register(app: typer.Typer) -> None:
    """Add ``grid``."""
    app.add_typer(grid_app, name="grid")
