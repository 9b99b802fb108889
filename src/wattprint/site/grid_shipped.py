"""Real hourly grid intensity shipped with wattprint (``data/grid_hourly/*.csv.gz``).

Each file holds one zone-year of hourly life-cycle carbon intensity (UTC hour starts) under a
``#`` header naming its zone, year, source and licence. They serve two uses when the ledger has
no cached data for a zone:

* ``plan when``: the mean by UTC hour of the shipped year
  (:func:`shipped_series`, then ``HourlySeries.daily_profile``);
* time-resolved emissions of a measured run: each hour of the run is charged at the mean of the
  shipped year's hours with the same month and UTC hour (:func:`month_hour_series`), a
  *typical* hour, not the run's own hour, and the provenance says so.

Catalog sites map to zones through their country (``GBR`` -> ``GB``; :data:`COUNTRY_ZONES`).
"""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from wattprint.catalog.parsed import packaged_data_dir
from wattprint.errors import DataError
from wattprint.site.grid_hourly import S_PER_HOUR, FloatArray, HourlySeries

#: Shipped zones for the ISO 3166 alpha-3 country of a catalog site.
COUNTRY_ZONES: dict[str, str] = {"GBR": "GB"}


@lru_cache(maxsize=1)
def _files() -> dict[str, str]:
    """Zone -> file name of every shipped file (``ZONE-YEAR.csv.gz``; the newest year wins);
    the package directory is listed once."""
    out: dict[str, str] = {}
    for f in sorted(p.name for p in (packaged_data_dir() / "grid_hourly").iterdir()
                    if p.name.endswith(".csv.gz")):
        out[f.split("-")[0]] = f
    return out


def zone_for(name: str) -> str | None:
    """The shipped zone for a zone name or a catalog site id (None when nothing is shipped)."""
    if name.upper() in _files():
        return name.upper()
    from wattprint.catalog import site_catalog

    site = site_catalog().get(name)
    return COUNTRY_ZONES.get(site.country) if site is not None else None


def _parse(name: str, text: str) -> HourlySeries:
    header: dict[str, str] = {}
    times: list[float] = []
    vals: list[float] = []
    for line in io.StringIO(text):
        line = line.strip()
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            header[key.strip()] = value.strip()
        elif line and not line.startswith("hour_start"):
            t, _, v = line.partition(",")
            times.append(datetime.strptime(t, "%Y-%m-%dT%H").replace(tzinfo=UTC).timestamp())
            vals.append(float(v))
    for key in ("zone", "year", "source", "licence"):
        if key not in header:
            raise DataError(f"grid_hourly/{name}: header lacks '# {key}:'")
    prov = (f"shipped hourly data {name}: {header['source']} ({header['year']}; licence "
            f"{header['licence'].split(';')[0]})")
    return HourlySeries(header["zone"], np.array(times), np.array(vals), prov)


@lru_cache(maxsize=8)
def shipped_series(zone: str) -> HourlySeries | None:
    """The shipped hourly series of ``zone`` (None when none is shipped)."""
    name = _files().get(zone.upper())
    if name is None:
        return None
    raw = (packaged_data_dir() / "grid_hourly" / name).read_bytes()
    return _parse(name, gzip.decompress(raw).decode("utf-8"))


def month_hour_means(series: HourlySeries) -> FloatArray:
    """12 x 24 mean intensity by month (0-11) and UTC hour of the day (NaN where unseen)."""
    months = np.array([datetime.fromtimestamp(t, UTC).month - 1 for t in series.hour_start_s])
    hours = ((series.hour_start_s // S_PER_HOUR) % 24).astype(int)
    out = np.full((12, 24), np.nan)
    for m in range(12):
        for h in range(24):
            sel = series.gco2e_per_kwh[(months == m) & (hours == h)]
            if sel.size:
                out[m, h] = sel.mean()
    return out


def month_hour_series(series: HourlySeries, start_s: float, end_s: float) -> HourlySeries:
    """An hourly series over ``[start_s, end_s]`` whose every hour is the shipped year's mean
    for the same month and UTC hour (a typical hour, labelled so in the provenance)."""
    table = month_hour_means(series)
    first = np.floor(start_s / S_PER_HOUR) * S_PER_HOUR
    starts = np.arange(first, end_s + S_PER_HOUR, S_PER_HOUR)
    months = np.array([datetime.fromtimestamp(t, UTC).month - 1 for t in starts])
    hours = ((starts // S_PER_HOUR) % 24).astype(int)
    vals = table[months, hours]
    keep = np.isfinite(vals)
    return HourlySeries(series.zone, starts[keep], vals[keep],
                        f"typical hour (mean of the same month and UTC hour) from "
                        f"{series.provenance}")


