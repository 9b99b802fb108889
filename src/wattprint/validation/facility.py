"""Validation group ``facility``: the hour-by-hour facility model vs operator-reported PUE.

Each row of ``data/validation/facility_pue.csv`` names a catalog site (with shipped climate
data), the operator's cooling type and its published annual PUE. The model runs the site's
typical climate year at full load with the constants of ``data/cooling.toml`` (nothing fitted
to these rows) and is compared on PUE and on the overhead PUE - 1 (the part the model
predicts; PUE errors look small because every PUE is close to 1).
"""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from typing import Any


def load_pue_rows() -> list[dict[str, str]]:
    """Rows of ``facility_pue.csv``."""
    text = (files("wattprint") / "data" / "validation" / "facility_pue.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def validate_facility(collector: Any) -> Any:
    """Add PUE and overhead comparisons to ``collector`` (a harness ``_Collector``)."""
    from wattprint.errors import WattprintError
    from wattprint.site.facility import site_facility_year

    wues: list[float] = []
    for row in load_pue_rows():
        rid = row["id"]
        try:
            fy = site_facility_year(row["site"], row["cooling"])
        except WattprintError as exc:
            collector.skip(rid, str(exc))
            continue
        published = float(row["pue"])
        swing = fy.monthly_pue()
        note = (f"{row['cooling']}; monthly PUE {min(swing):.3f}-{max(swing):.3f}; "
                f"modelled WUE {fy.wue_l_per_kwh:.2f} L/kWh; {row['source']}")
        collector.add(rid, "pue", fy.pue, published, "", note)
        collector.add(rid, "overhead (PUE-1)", fy.pue - 1.0, published - 1.0, "", note)
        wues.append(fy.wue_l_per_kwh)
    _fleet_wue(collector, wues)
    return collector


def _fleet_wue(collector: Any, wues: list[float]) -> None:
    """No operator publishes per-campus WUE in our sources: compare the mean modelled WUE of
    the Google campuses with Google's fleet WUE (facilities.toml ``gcp``), a fleet-level check."""
    from wattprint.catalog import get_facility

    if not wues:
        return
    gcp = get_facility("gcp").wue_l_per_kwh
    collector.add("google-fleet", "WUE (mean of campuses vs fleet)", sum(wues) / len(wues),
                  gcp.value, "L/kWh", f"fleet-level check only: {gcp.cite()}; per-campus WUE "
                  "not published in the sources used")
