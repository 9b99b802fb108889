"""Monthly climate inputs of ``data/climate.toml`` from a typical-year EPW weather file.

Prints, per month, the mean daily maximum and minimum dry bulb (degrees C) and the mean dew
point turned into relative humidity at the month's mean temperature (the model's input:
``site/climate.py`` holds that dew point over the day). Used for the TMY3 / IWEC stations
(sydney-airport, stockholm-arlanda, chicago-ohare, tokyo-hyakuri), read from the weather files
that the sinergym package ships (sinergym/data/weather/). Only these monthly means are shipped.

    python tools/epw_monthly.py path/to/file.epw [...]
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict

from wattprint.site.climate import relative_humidity_pct

EPW_HEADER_LINES = 8  # LOCATION ... DATA PERIODS
COL_MONTH, COL_DAY, COL_DRY_BULB, COL_DEW_POINT = 1, 2, 6, 7


def monthly(path: str) -> dict[str, list[float]]:
    """``tmax_c``, ``tmin_c`` and ``rh_pct`` (12 values each) of one EPW file."""
    with open(path, encoding="latin-1") as fh:
        rows = list(csv.reader(fh))[EPW_HEADER_LINES:]
    days: dict[tuple[int, int], list[float]] = defaultdict(list)
    dew: dict[int, list[float]] = defaultdict(list)
    for r in rows:
        month, day = int(r[COL_MONTH]), int(r[COL_DAY])
        days[(month, day)].append(float(r[COL_DRY_BULB]))
        dew[month].append(float(r[COL_DEW_POINT]))
    out: dict[str, list[float]] = {"tmax_c": [], "tmin_c": [], "rh_pct": []}
    for m in range(1, 13):
        month_days = [v for (mm, _), v in days.items() if mm == m]
        tmax = sum(max(v) for v in month_days) / len(month_days)
        tmin = sum(min(v) for v in month_days) / len(month_days)
        dew_c = sum(dew[m]) / len(dew[m])
        out["tmax_c"].append(round(tmax, 1))
        out["tmin_c"].append(round(tmin, 1))
        out["rh_pct"].append(float(round(float(relative_humidity_pct(0.5 * (tmax + tmin), dew_c)))))
    return out


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(p)
        for key, values in monthly(p).items():
            print(f"{key} = {values}")
