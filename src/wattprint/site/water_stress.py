"""Basin water stress beside the litres: WRI Aqueduct baseline water stress per site.

A litre evaporated in a basin that already withdraws more than 80 % of its renewable supply
(Aqueduct "extremely high", score 4-5) is not the same as a litre in a basin that withdraws
under 10 % (score 0-1). Scores come from ``data/water_stress.toml``: a site id entry wins over
its country's entry. A site with neither gets ``None`` and the reason, never a zero.

Scarcity-weighted water uses AWARE factors (WULCA, Boulay et al. 2018) from ``data/aware.toml``:
litres × factor = litres world-equivalent (1 = a litre where water is as available as on the
world average; 100 = the most depleted basins).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from wattprint.quantity import Quantity
from wattprint.record import Record

if TYPE_CHECKING:
    from wattprint.catalog.physical import ScarcityFactor

#: Aqueduct baseline-water-stress categories: (upper score, label, share of supply withdrawn).
CATEGORIES: tuple[tuple[float, str, str], ...] = (
    (1.0, "low", "< 10 %"),
    (2.0, "low-medium", "10-20 %"),
    (3.0, "medium-high", "20-40 %"),
    (4.0, "high", "40-80 %"),
    (5.0, "extremely high", "> 80 %"),
)


class Stress(Record):
    """Aqueduct baseline water stress of one site."""

    score: float  # 0-5
    low: float
    high: float
    category: str
    withdrawn: str  # share of renewable supply withdrawn, as text
    source: str


def category(score: float) -> tuple[str, str]:
    """Aqueduct category label and withdrawal share of a 0-5 score."""
    for upper, label, share in CATEGORIES:
        if score <= upper:
            return label, share
    return CATEGORIES[-1][1], CATEGORIES[-1][2]


def water_stress(site_id: str, country: str) -> Stress | None:
    """Aqueduct baseline water stress of a site (site entry first, then its ISO3 country)."""
    from wattprint.catalog.physical import water_stress_entries

    entries = water_stress_entries()
    hit = next((e for e in entries if site_id in e.applies_to), None)
    if hit is None:
        hit = next((e for e in entries if country.upper() in e.applies_to), None)
    if hit is None:
        return None
    s = hit.score
    label, share = category(s.value)
    return Stress(s.value, s.low if s.low is not None else s.value,
                  s.high if s.high is not None else s.value, label, share, s.cite())


def _scarcity_hit(site_id: str, country: str) -> ScarcityFactor | None:
    """aware.toml's entry of a site (its id first, then its ISO3 country): a light record
    from the twin (no pydantic, one record built), else the validated entry."""
    from wattprint.catalog.light import light_keyed, light_row_twin

    keys = (site_id, country.upper())
    if light_row_twin("aware.toml", "scarcity") is not None:  # one row decoded, by its keys
        hit = light_keyed("aware.toml", "scarcity", "ScarcityFactor", keys)
        return cast("ScarcityFactor | None", hit)
    from wattprint.catalog.physical import scarcity_entries

    entries = scarcity_entries()
    for key in keys:
        found = next((e for e in entries if key in e.applies_to), None)
        if found is not None:
            return found
    return None


def scarcity_factor(site_id: str, country: str) -> Quantity | None:
    """AWARE water-scarcity factor of a site [m3 world-eq per m3] (site entry first, then its
    ISO3 country), with the watershed's monthly minimum and maximum as its range; ``None``
    when ``data/aware.toml`` has neither (said so by the caller, never a silent 1)."""
    hit = _scarcity_hit(site_id, country)
    if hit is None:
        return None
    c = hit.cf
    return Quantity(c.value, "m3 world-eq/m3", f"AWARE factor of site {site_id}: {c.cite()}",
                    "default", c.low, c.high)
