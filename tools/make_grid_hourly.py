"""Build a shipped hourly grid-intensity file (``src/wattprint/data/grid_hourly/*.csv.gz``)
from an Electricity Maps data-portal hourly CSV export.

Usage: python tools/make_grid_hourly.py EXPORT.csv OUT.csv.gz --zone GB --year 2023

Keeps the UTC hour and the life-cycle intensity (gCO2e/kWh), rounded to 0.1, under a header
that names the source and the licence (ODbL 1.0: the shipped file stays under the ODbL).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--zone", required=True)
    ap.add_argument("--year", required=True)
    a = ap.parse_args(argv)
    with open(a.src, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    cols = list(rows[0])
    tcol = next(c for c in cols if c.lower().startswith("datetime"))
    icol = next(c for c in cols if "carbon intensity" in c.lower()
                and ("life cycle" in c.lower() or "lca" in c.lower()))
    buf = io.StringIO()
    buf.write(f"# zone: {a.zone}\n# year: {a.year}\n"
              f"# source: Electricity Maps data portal, zone {a.zone} {a.year} hourly export, "
              f"column '{icol}'\n"
              "# licence: ODbL-1.0 (Open Database License); attribution: Electricity Maps "
              "(electricitymaps.com); this file is a derived database under the same licence\n"
              "# units: hour start in UTC; life-cycle carbon intensity of consumption, gCO2e/kWh\n"
              "hour_start_utc,gco2e_per_kwh\n")
    for r in rows:
        t = r[tcol].strip().replace(" ", "T")[:13]
        buf.write(f"{t},{float(r[icol]):.1f}\n")
    with gzip.open(a.out, "wt", encoding="utf-8", compresslevel=9) as g:
        g.write(buf.getvalue())
    print(f"wrote {len(rows)} hours to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
