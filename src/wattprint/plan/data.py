"""Hourly grid profiles of sites (shapes from the catalog, or a user CSV).

The planning data files are read in :mod:`wattprint.catalog.planning` (re-exported here).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wattprint.catalog.planning import (
    planning_data,
    planning_quantity,
    planning_value,
    profile_shapes,
    sweep_default,
)
from wattprint.catalog.schema import Site
from wattprint.errors import DataError, InputError

__all__ = ["HourlyProfile", "planning_data", "planning_quantity", "planning_value",
           "profile_shapes", "read_profile_csv", "site_profile", "sweep_default"]


@dataclass(frozen=True)
class HourlyProfile:
    """24 hourly grid intensities [gCO2e/kWh] (local time) with provenance."""

    id: str
    name: str
    values: np.ndarray
    provenance: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "name": self.name, "gco2e_per_kwh": [float(v) for v in
                                                                     self.values],
                "provenance": self.provenance, "status": self.status}


def site_profile(site: Site) -> HourlyProfile:
    """The hourly profile of ``site``: its shape scaled to the site's annual mean intensity.

    ``values_h = shape_h / mean(shape) × grid_gco2e_per_kwh(site)``. The shape is the site's
    own ``hourly_profile`` if named, else the first shipped profile whose ``applies_to`` lists
    the site id or its country, else flat.
    """
    shapes = profile_shapes()
    chosen = None
    if site.hourly_profile:
        if site.hourly_profile not in shapes:
            raise DataError(f"site {site.id} names hourly profile {site.hourly_profile!r}, "
                            "which grid_profiles.toml does not have")
        chosen = shapes[site.hourly_profile]
    else:
        for p in shapes.values():
            targets = p.get("applies_to", [])
            if site.id in targets or site.country in targets:
                chosen = p
                break
    if chosen is None:
        chosen = shapes.get("world-flat") or {"id": "flat", "name": "flat", "values": [1.0] * 24,
                                              "source": "flat", "year": 2026,
                                              "status": "assumption"}
    shape = np.asarray(chosen["values"], dtype=float)
    mean = site.grid_gco2e_per_kwh.value
    vals = shape / shape.mean() * mean
    prov = (f"hourly shape {chosen['id']} ({chosen['source']}, {chosen['year']}, "
            f"{chosen['status']}) × annual mean {mean:g} gCO2e/kWh of site {site.id} "
            f"({site.grid_gco2e_per_kwh.cite()})")
    return HourlyProfile(chosen["id"], chosen["name"], vals, prov, chosen["status"])


#: Highest plausible grid intensity (gCO2e/kWh): lignite plants emit ~1,200; 10,000 leaves
#: room for any real grid while catching unit mistakes and overflow.
MAX_INTENSITY = 10_000.0


def read_profile_csv(path: str | Path) -> HourlyProfile:
    """A user profile from a CSV file with columns ``hour,gco2e_per_kwh`` (24 rows, 0-23).

    A header row is optional. Hours must be the integers 0-23, each once; intensities must be
    finite and ≥ 0. Any problem raises :class:`InputError` naming the line.
    """
    from wattprint.textfiles import read_text

    p = Path(path)
    text = read_text(p, "profile CSV")
    vals: dict[int, float] = {}
    for lineno, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not c.strip() for c in row) or row[0].strip().startswith("#"):
            continue
        if len(row) < 2:
            raise InputError(f"{p.name}:{lineno}: expected 'hour,gco2e_per_kwh'")
        h_txt, v_txt = row[0].strip(), row[1].strip()
        try:
            h = float(h_txt)
            v = float(v_txt)
        except ValueError as exc:
            if lineno == 1 or not vals:
                continue  # header
            raise InputError(f"{p.name}:{lineno}: not numbers: {h_txt!r}, {v_txt!r}") from exc
        if h != int(h) or not 0 <= h <= 23:
            raise InputError(f"{p.name}:{lineno}: hour must be an integer 0-23, got {h_txt}")
        if not np.isfinite(v) or not 0 <= v <= MAX_INTENSITY:
            raise InputError(f"{p.name}:{lineno}: intensity must be a number ≥ 0 and ≤ "
                             f"{MAX_INTENSITY:g} gCO2e/kWh, got {v_txt}")
        if int(h) in vals:
            raise InputError(f"{p.name}:{lineno}: hour {int(h)} given twice")
        vals[int(h)] = v
    missing = [h for h in range(24) if h not in vals]
    if missing:
        raise InputError(f"{p.name}: hours missing: {', '.join(map(str, missing[:6]))}"
                         f"{' ...' if len(missing) > 6 else ''} (need 0-23)")
    arr = np.array([vals[h] for h in range(24)], dtype=float)
    return HourlyProfile(f"csv:{p.name}", f"user profile {p.name}", arr,
                         f"user-supplied hourly profile {p}", "user")
