"""Consumption-weighted country AWARE factors from the AWARE 1.2 watershed layer.

Usage: python tools/aware_country_cfs.py AWARE_GPKG COUNTRIES_SHP ISO3 [ISO3 ...]

AWARE_GPKG: ``bw2_aware/data/aware.gpkg`` from the bw2_aware 0.3 sdist (PyPI, BSD-3), which
redistributes the WULCA AWARE 1.2 watershed layer (columns ``consumption``, ``area``, monthly
and annual CFs). COUNTRIES_SHP: Natural Earth 1:110m admin-0 countries (public domain), e.g.
``geopandas/datasets/naturalearth_lowres`` from the geopandas 0.14 wheel.

For each country: CF = sum_i w_i CF_i / sum_i w_i over the watersheds i that overlap it, with
``w_i = consumption_i * area(i & country) / area(i)`` (a watershed's water consumption shared
by area across borders), CF = the annual non-agricultural factor; low/high = the smallest and
largest consumption-weighted *monthly* country factor. This follows WULCA's definition of a
country factor (consumption-weighted average of watershed factors) but weights by the layer's
total consumption, not by non-agricultural consumption per 0.5-degree cell as WULCA does.
Needs shapely and pyshp (not wattprint dependencies). Prints TOML-ready lines.
"""

from __future__ import annotations

import sqlite3
import sys

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
NE_FIX = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX"}  # Natural Earth iso_a3 = -99


def gpkg_wkb(blob: bytes) -> bytes:
    """Strip the GeoPackage binary header from a geometry blob."""
    flags = blob[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x07]
    return blob[8 + env:]


def load_watersheds(path: str) -> list[tuple]:
    from shapely import wkb

    con = sqlite3.connect(path)
    cols = ", ".join(("geom", "consumption", "annual_non_agriculture") + MONTHS)
    out = []
    for row in con.execute(f"select {cols} from aware"):
        if row[0] is None or row[1] is None or row[2] is None:
            continue
        geom = wkb.loads(gpkg_wkb(row[0]))
        if not geom.is_valid:
            geom = geom.buffer(0)
        out.append((geom, float(row[1]), float(row[2]), [float(v) for v in row[3:]]))
    return out


def load_countries(path: str) -> dict[str, object]:
    import shapefile
    from shapely.geometry import shape

    r = shapefile.Reader(path)
    names = [f[0] for f in r.fields[1:]]
    out = {}
    for sr in r.iterShapeRecords():
        rec = dict(zip(names, sr.record, strict=True))
        iso = NE_FIX.get(rec["name"], rec["iso_a3"])
        geom = shape(sr.shape.__geo_interface__)
        out[iso] = geom if geom.is_valid else geom.buffer(0)
    return out


def country_cf(country: object, sheds: list[tuple], tree: object) -> tuple[float, float, float,
                                                                         int, float]:
    """(annual CF, min monthly CF, max monthly CF, watersheds, share of weight in the top one)."""
    num, den, nmon, best = 0.0, 0.0, [0.0] * 12, 0.0
    n = 0
    for i in tree.query(country):
        geom, cons, annual, monthly = sheds[i]
        if cons <= 0 or geom.area <= 0:
            continue
        share = geom.intersection(country).area / geom.area
        if share <= 0:
            continue
        w = cons * share
        n += 1
        num += w * annual
        den += w
        best = max(best, w)
        for m in range(12):
            nmon[m] += w * monthly[m]
    if den == 0:
        return float("nan"), float("nan"), float("nan"), 0, 0.0
    mon = [v / den for v in nmon]
    return num / den, min(mon), max(mon), n, best / den


def main(argv: list[str]) -> int:
    from shapely import STRtree

    gpkg, shp, *isos = argv
    sheds = load_watersheds(gpkg)
    tree = STRtree([s[0] for s in sheds])
    countries = load_countries(shp)
    for iso in isos:
        if iso not in countries:
            print(f"{iso}: not in the country layer")
            continue
        cf, lo, hi, n, top = country_cf(countries[iso], sheds, tree)
        print(f"{iso}: cf {cf:.2f} (monthly {lo:.2f}-{hi:.2f}), {n} watersheds, "
              f"largest weight {top:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
