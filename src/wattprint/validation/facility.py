"""Validation group ``facility``: the hour-by-hour facility model vs operator-reported PUE/WUE.

Each row of ``data/validation/facility_pue.csv`` names a catalog site or a climate station
(``data/climate.toml``), the operator's cooling type, its published annual PUE and, where the
operator publishes it, its annual WUE (L per kWh of IT energy); a row may publish only one of
the two. The model runs the typical
climate year at full load with the constants of ``data/cooling.toml`` (nothing fitted to these
rows) and is compared on PUE, on the overhead PUE - 1 (the part the model predicts; PUE errors
look small because every PUE is close to 1) and on WUE. Each row's note explains the seasonal
swing: the months with the highest PUE and water use and the months a chiller or the
evaporative media run.
"""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wattprint.site.facility import FacilityYear

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def load_pue_rows() -> list[dict[str, str]]:
    """Rows of ``facility_pue.csv``."""
    text = (files("wattprint") / "data" / "validation" / "facility_pue.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def row_facility_year(row: dict[str, str]) -> FacilityYear:
    """The modelled year of one validation row: its station's climate when it names one,
    else the climate of its catalog site."""
    from wattprint.site.climate import typical_year
    from wattprint.site.facility import facility_year, site_facility_year

    station = (row.get("station") or "").strip()
    min_dew = envelope_min_dew_point_c(row.get("humidity_envelope") or "")
    design = parse_design(row.get("design") or "")
    if station:
        return facility_year(typical_year(station), row["cooling"], site=row["id"],
                             min_dew_point_c=min_dew, design=design)
    return site_facility_year(row["site"], row["cooling"], min_dew_point_c=min_dew,
                              design=design)


def parse_design(text: str) -> dict[str, float]:
    """``name=value;name=value`` published design values of a facility (cooling.toml names)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, value = part.partition("=")
        out[name.strip()] = float(value)
    return out


def envelope_min_dew_point_c(envelope: str) -> float | None:
    """The minimum dew point (degrees C) of the ASHRAE recommended envelope a row's facility
    ran under: ``ashrae-2011`` (reported before the 2015 edition) or None for the current one."""
    from wattprint.catalog.physical import cooling_data

    if envelope.strip() == "ashrae-2011":
        return cooling_data().common.min_dew_point_2011_c.value
    return None


def _month_list(values: list[float], threshold: float) -> str:
    """The months whose value is above ``threshold``: a run of three or more months as
    ``first-last`` (a run may wrap over the new year, e.g. ``Dec-Feb`` in the southern
    summer), otherwise listed; ``none`` when there are none."""
    on = [v > threshold for v in values]
    if not any(on):
        return "none"
    if all(on):
        return "Jan-Dec"
    start = next(i for i in range(12) if on[i] and not on[i - 1])  # first month of a run
    run = [MONTHS[(start + k) % 12] for k in range(12) if on[(start + k) % 12]]
    contiguous = all(on[(start + k) % 12] for k in range(len(run)))
    if contiguous and len(run) > 2:
        return f"{run[0]}-{run[-1]}"
    return ", ".join(MONTHS[i] for i in range(12) if on[i])


def swing_note(fy: FacilityYear) -> str:
    """One line explaining the seasonal swing of a modelled year: monthly PUE and WUE range
    with their peak months, the months the chiller runs and the share of the year's water used
    in the three wettest months."""
    pue, wue = fy.monthly_pue(), fy.monthly_wue()
    chill = fy.monthly_chiller_hours()
    peak_p = MONTHS[max(range(12), key=pue.__getitem__)]
    peak_w = MONTHS[max(range(12), key=wue.__getitem__)]
    total = sum(wue)
    top3 = sum(sorted(wue)[-3:]) / total if total > 0 else 0.0
    humid = fy.humidification_share()
    water = (f"monthly WUE {min(wue):.2f}-{max(wue):.2f} L/kWh (peak {peak_w}; "
             f"{top3:.0%} of the water in the 3 wettest months"
             + (f"; {humid:.0%} of the year's water humidifies dry winter air" if humid >= 0.005
                else "") + ")" if total > 0 else "no evaporation in any month")
    return (f"monthly PUE {min(pue):.3f}-{max(pue):.3f} (peak {peak_p}); chiller runs in "
            f"{_month_list(chill, 0.0)}; {water}")


def validate_facility(collector: Any) -> Any:
    """Add PUE, overhead and WUE comparisons to ``collector``
    (a :class:`~wattprint.validation.data.Collector`)."""
    from wattprint.errors import WattprintError

    wues: list[float] = []
    for row in load_pue_rows():
        rid = row["id"]
        try:
            fy = row_facility_year(row)
        except WattprintError as exc:
            collector.skip(rid, str(exc))
            continue
        note = (f"{row['cooling']}; {swing_note(fy)}; modelled PUE {fy.pue:.3f}, WUE "
                f"{fy.wue_l_per_kwh:.2f} L/kWh; {row['source']}")
        pue = (row.get("pue") or "").strip()
        if pue:  # a row may publish WUE only
            collector.add(rid, "pue", fy.pue, float(pue), "", note)
            collector.add(rid, "overhead (PUE-1)", fy.pue - 1.0, float(pue) - 1.0, "", note)
        wue = (row.get("wue_l_per_kwh") or "").strip()
        if wue:
            collector.add(rid, "WUE", fy.wue_l_per_kwh, float(wue), "L/kWh", note)
        elif rid.startswith("google-"):
            wues.append(fy.wue_consumed_l_per_kwh)
    _fleet_wue(collector, wues)
    return collector


def _fleet_wue(collector: Any, wues: list[float]) -> None:
    """Google publishes no per-campus WUE: compare the mean modelled water *consumption* of the
    Google campuses (Google reports consumption, withdrawal minus discharge, so the towers'
    blowdown is not in its figure) with Google's fleet WUE (facilities.toml ``gcp``), a
    fleet-level check."""
    from wattprint.catalog import get_facility

    if not wues:
        return
    gcp = get_facility("gcp").wue_l_per_kwh
    collector.add("google-fleet", "WUE (mean of campuses vs fleet)", sum(wues) / len(wues),
                  gcp.value, "L/kWh", f"fleet-level check only, water consumed (evaporation; "
                  f"blowdown is discharged): {gcp.cite()}; per-campus WUE not published in the "
                  "sources used")
