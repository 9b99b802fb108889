"""Hourly grid intensities cached in the ledger (table ``grid_intensity``).

Imported files and live-provider responses land here once, keyed by zone and UTC hour start;
a later import of the same hour replaces it (newest data wins). Readers get plain rows; the
``site.grid_hourly.HourlySeries`` is built by the caller.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from wattprint.ledger.store import Ledger

GRID_MIGRATION = "004_grid_intensity"  # the migration that creates ``grid_intensity``


def store_intensities(ledger: Ledger, zone: str, rows: Iterable[tuple[float, float]],
                      source: str) -> int:
    """Upsert ``(hour_start unix s, gCO2e/kWh)`` rows of ``zone``; returns how many."""
    now = time.time()
    data = [(zone, float(h), float(v), source, now) for h, v in rows]
    if data:
        ledger._write(lambda c: c.executemany(
            "INSERT OR REPLACE INTO grid_intensity (zone, hour_start, gco2e_per_kwh, source,"
            " fetched_at) VALUES (?,?,?,?,?)", data))
    return len(data)


def has_cache(ledger: Ledger) -> bool:
    """Whether the ledger has the grid cache: a ledger written by an older wattprint and opened
    read-only (no migration runs then) has none, which reads as "nothing cached"."""
    rows = ledger._query("SELECT name FROM _migrations WHERE name = ?", [GRID_MIGRATION])
    return bool(rows)


def load_intensities(ledger: Ledger, zone: str, start_s: float | None = None,
                     end_s: float | None = None) -> list[dict[str, float | str]]:
    """Cached rows of ``zone`` (``hour_start, gco2e_per_kwh, source``), oldest first; none
    on a ledger that predates the cache."""
    if not has_cache(ledger):
        return []
    sql = "SELECT hour_start, gco2e_per_kwh, source FROM grid_intensity WHERE zone = ?"
    params: list[object] = [zone]
    if start_s is not None:
        sql += " AND hour_start >= ?"
        params.append(start_s)
    if end_s is not None:
        sql += " AND hour_start < ?"
        params.append(end_s)
    return ledger._query(sql + " ORDER BY hour_start", params)


def zones(ledger: Ledger) -> list[dict[str, float | str]]:
    """Each cached zone with its hour count and first/last hour."""
    if not has_cache(ledger):
        return []
    return ledger._query("SELECT zone, COUNT(*) AS hours, MIN(hour_start) AS first,"
                         " MAX(hour_start) AS last FROM grid_intensity GROUP BY zone ORDER BY"
                         " zone")
