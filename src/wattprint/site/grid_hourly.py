"""The grid hour by hour: hourly carbon-intensity series, their importers and time-resolved
emissions of a measured run.

Importers (all offline; each returns an :class:`HourlySeries` in UTC hours):

* :func:`read_electricity_maps_csv` - an Electricity Maps data-portal CSV export
  (``Datetime (UTC)``, ``Carbon Intensity gCO₂eq/kWh (LCA)`` or ``(Life cycle)`` /
  ``(direct)``);
* :func:`read_uk_carbon_intensity_json` - a response of the GB Carbon Intensity API
  (``{"data": [{"from", "to", "intensity": {"forecast", "actual"}}]}``, half-hourly, averaged to
  hours; ``actual`` when present, else ``forecast``, and the provenance says how many of each);
* :func:`read_generation_mix_csv` - generation by fuel per hour (EIA-930 balance files or
  ENTSO-E "actual generation per production type" exports) x fuel emission factors
  (``data/fuel_factors.toml``): ``I = sum(G_f * EF_f) / sum(G_f)``.

:func:`time_resolved_co2e_g` integrates a run's power samples hour by hour and multiplies each
hour's energy by that hour's intensity; energy in hours the series lacks is charged at the
fallback (annual) intensity and reported as such, never dropped.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from wattprint.errors import InputError
from wattprint.quantity import J_PER_KWH

FloatArray = npt.NDArray[np.float64]
S_PER_HOUR = 3600.0


@dataclass(frozen=True)
class HourlySeries:
    """Hourly grid carbon intensity of one zone: hour starts (Unix s, UTC) and gCO2e/kWh."""

    zone: str
    hour_start_s: FloatArray
    gco2e_per_kwh: FloatArray
    provenance: str

    def __post_init__(self) -> None:
        if self.hour_start_s.shape != self.gco2e_per_kwh.shape or self.hour_start_s.size == 0:
            raise InputError(f"hourly series for {self.zone!r} is empty or misaligned")
        if not np.isfinite(self.gco2e_per_kwh).all() or (self.gco2e_per_kwh < 0).any():
            raise InputError(f"hourly series for {self.zone!r} has negative or non-finite "
                             "intensities")

    def lookup(self, hour_start_s: FloatArray) -> FloatArray:
        """Intensity of each hour start (NaN where the series has no value)."""
        idx = np.searchsorted(self.hour_start_s, hour_start_s)
        idx = np.clip(idx, 0, self.hour_start_s.size - 1)
        hit = self.hour_start_s[idx] == hour_start_s
        return np.asarray(np.where(hit, self.gco2e_per_kwh[idx], np.nan))

    def daily_profile(self) -> FloatArray:
        """Mean intensity by UTC hour of day (24 values; NaN for an hour never seen)."""
        hours = ((self.hour_start_s // S_PER_HOUR) % 24).astype(int)
        out = np.full(24, np.nan)
        for h in range(24):
            sel = self.gco2e_per_kwh[hours == h]
            if sel.size:
                out[h] = sel.mean()
        return out


def _hour_floor(t: float) -> float:
    return math.floor(t / S_PER_HOUR) * S_PER_HOUR


def parse_time(text: str, what: str) -> float:
    """An ISO-8601 time (``Z``, ``+00:00`` or `` (UTC)``) as Unix seconds; ``what`` names it in
    errors."""
    t = text.strip().replace("Z", "+00:00")
    if t.endswith(" (UTC)"):
        t = t[:-6]
    for fmt in (None, "%d.%m.%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M"):
        try:
            dt = datetime.fromisoformat(t) if fmt is None else datetime.strptime(t, fmt)
        except ValueError:
            continue
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    raise InputError(f"{what}: cannot read time {text!r} (ISO 8601 UTC expected)")


def hourly_mean(zone: str, times_s: list[float], values: list[float],
                provenance: str) -> HourlySeries:
    """Average (time, value) points into UTC hours (sub-hourly data -> hourly means)."""
    if not times_s:
        raise InputError(f"no data rows for zone {zone!r}")
    buckets: dict[float, list[float]] = {}
    for t, v in zip(times_s, values, strict=True):
        buckets.setdefault(_hour_floor(t), []).append(v)
    hours = sorted(buckets)
    return HourlySeries(zone, np.array(hours, dtype=float),
                        np.array([float(np.mean(buckets[h])) for h in hours]), provenance)


def _num(cell: str, what: str) -> float:
    try:
        v = float(cell)
    except ValueError:
        raise InputError(f"{what}: not a number: {cell!r}") from None
    if not math.isfinite(v) or v < 0:
        raise InputError(f"{what}: must be a finite number >= 0, got {cell!r}")
    return v


def read_electricity_maps_csv(text: str, zone: str | None = None) -> HourlySeries:
    """An Electricity Maps CSV export -> hourly series (life-cycle intensity when present)."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise InputError("Electricity Maps CSV: no rows")
    cols = [c for c in rows[0] if isinstance(c, str)]  # a long row's extra cells: key None
    tcol = next((c for c in cols if c.lower().startswith("datetime")), None)
    lca = next((c for c in cols if "carbon intensity" in c.lower()
                and ("lca" in c.lower() or "life cycle" in c.lower())), None)
    direct = next((c for c in cols if "carbon intensity" in c.lower() and "direct" in c.lower()),
                  None)
    icol = lca or direct
    if tcol is None or icol is None:
        raise InputError("Electricity Maps CSV: needs 'Datetime (UTC)' and a 'Carbon Intensity "
                         "gCO2eq/kWh' column")
    zid = zone or rows[0].get("Zone Id") or rows[0].get("Zone id") or "unknown"
    times, vals = [], []
    for i, r in enumerate(rows, start=2):
        if not (r.get(icol) or "").strip():
            continue
        times.append(parse_time(r[tcol] or "", f"Electricity Maps CSV line {i}"))
        vals.append(_num(r[icol], f"Electricity Maps CSV line {i}"))
    kind = "life-cycle" if icol == lca else "direct"
    return hourly_mean(zid, times, vals, f"Electricity Maps export ({kind} intensity), zone "
                       f"{zid}, {len(vals)} rows")


def read_uk_carbon_intensity_json(text: str, zone: str = "GB") -> HourlySeries:
    """A GB Carbon Intensity API response (national or regional) -> hourly series."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"Carbon Intensity API JSON: {exc.msg} at line {exc.lineno}") from None
    data = doc.get("data") if isinstance(doc, dict) else None
    if isinstance(data, dict) and "data" in data:  # regional responses nest one level deeper
        data = data["data"]
    if not isinstance(data, list):
        raise InputError("Carbon Intensity API JSON: no 'data' list")
    times, vals, n_actual = [], [], 0
    for i, item in enumerate(data):
        inten = item.get("intensity", {}) if isinstance(item, dict) else {}
        v = inten.get("actual")
        if v is None:
            v = inten.get("forecast")
        else:
            n_actual += 1
        if v is None:
            continue
        times.append(parse_time(str(item.get("from", "")), f"Carbon Intensity item {i}"))
        vals.append(_num(str(v), f"Carbon Intensity item {i}"))
    return hourly_mean(zone, times, vals, f"GB Carbon Intensity API (National Grid ESO, CC BY "
                       f"4.0): {n_actual} actual, {len(vals) - n_actual} forecast half-hours")


def _fuel_of(column: str, fuels: dict[str, list[str]]) -> str | None:
    c = column.lower()
    if any(k in c for k in ("consumption", "adjusted", "imputed")):
        return None  # ENTSO-E storage consumption; EIA-930 duplicate adjusted columns
    for fuel, keys in fuels.items():
        if any(k in c for k in keys):
            return fuel
    return None


def read_generation_mix_csv(text: str, zone: str) -> HourlySeries:
    """Hourly generation by fuel (EIA-930 or ENTSO-E CSV) x fuel emission factors."""
    from wattprint.catalog.physical import fuel_factors

    ff = fuel_factors()
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise InputError("generation-mix CSV: no rows")
    cols = [c for c in rows[0] if isinstance(c, str)]  # a long row's extra cells: key None
    tcol = next((c for c in cols if c.lower() in ("mtu", "time", "datetime", "period")
                 or "utc time" in c.lower() or c.lower().startswith("mtu")), None)
    fuel_cols = {c: f for c in cols if (f := _fuel_of(c, {k: v.match for k, v in ff.items()}))}
    if tcol is None or not fuel_cols:
        raise InputError("generation-mix CSV: needs a time column (MTU, UTC Time at End of "
                         "Hour, time) and generation columns named by fuel")
    times, vals = [], []
    for i, r in enumerate(rows, start=2):
        t_text = (r[tcol] or "").split(" - ")[0]
        gen = {f: 0.0 for f in ff}
        for c, f in fuel_cols.items():
            cell = (r.get(c) or "").strip().replace(",", "")
            if cell and cell.lower() not in ("n/e", "-", "n/a"):
                gen[f] += max(_num(cell, f"generation-mix CSV line {i}"), 0.0)
        total = sum(gen.values())
        if total <= 0:
            continue
        t = parse_time(t_text, f"generation-mix CSV line {i}")
        if "end of hour" in tcol.lower():
            t -= S_PER_HOUR
        times.append(t)
        vals.append(sum(g * ff[f].factor.value for f, g in gen.items()) / total)
    return hourly_mean(zone, times, vals, "generation mix x fuel factors (IPCC AR5 WG3 Annex "
                       f"III life-cycle medians, data/fuel_factors.toml), {len(vals)} hours")


@dataclass(frozen=True)
class TimeResolved:
    """Emissions of a run from its power samples and an hourly series."""

    energy_j: float
    co2e_g: float
    covered_energy_j: float  # energy in hours the series has
    fallback_gco2e_per_kwh: float
    hours: int
    provenance: str

    @property
    def coverage(self) -> float:
        """Share of the energy charged at a real hourly intensity."""
        return self.covered_energy_j / self.energy_j if self.energy_j > 0 else 0.0


def energy_by_hour(t_s: FloatArray, power_w: FloatArray) -> dict[float, float]:
    """Trapezoidal energy (J) of one device's samples, split at hour boundaries."""
    out: dict[float, float] = {}
    for i in range(len(t_s) - 1):
        t0, t1 = float(t_s[i]), float(t_s[i + 1])
        if t1 <= t0:
            continue
        p0, p1 = float(power_w[i]), float(power_w[i + 1])
        a = t0
        while a < t1:
            b = min(t1, _hour_floor(a) + S_PER_HOUR)
            pa = p0 + (p1 - p0) * (a - t0) / (t1 - t0)
            pb = p0 + (p1 - p0) * (b - t0) / (t1 - t0)
            out[_hour_floor(a)] = out.get(_hour_floor(a), 0.0) + 0.5 * (pa + pb) * (b - a)
            a = b
    return out


def time_resolved_co2e_g(samples: list[dict[str, float | str]], series: HourlySeries,
                         fallback_gco2e_per_kwh: float, pue: float = 1.0) -> TimeResolved:
    """CO2e of a run: each hour's energy (all devices, x PUE) x that hour's intensity.

    ``samples`` are ledger rows ``{t, device, power_w}``. Hours missing from ``series`` are
    charged at ``fallback_gco2e_per_kwh``; the result's ``coverage`` says how much was real.
    """
    if not (math.isfinite(pue) and pue >= 1.0):  # NaN/inf would print as the answer
        raise InputError(f"PUE must be a finite number >= 1 (got {pue})")
    per_hour: dict[float, float] = {}
    devices = sorted({str(s["device"]) for s in samples})
    for d in devices:
        pts = sorted((float(s["t"]), float(s["power_w"])) for s in samples if s["device"] == d)
        arr = np.array(pts, dtype=float).reshape(-1, 2)
        for h, e in energy_by_hour(arr[:, 0], arr[:, 1]).items():
            per_hour[h] = per_hour.get(h, 0.0) + e * pue
    hours = np.array(sorted(per_hour), dtype=float)
    energy = np.array([per_hour[h] for h in hours], dtype=float)
    inten = series.lookup(hours) if hours.size else np.zeros(0)
    have = np.isfinite(inten)
    co2e = float((energy[have] * inten[have]).sum() / J_PER_KWH
                 + energy[~have].sum() / J_PER_KWH * fallback_gco2e_per_kwh)
    prov = (f"sum over hours of E_h x I_h ({series.provenance}); {int((~have).sum())} of "
            f"{hours.size} hours at the fallback {fallback_gco2e_per_kwh:g} gCO2e/kWh")
    return TimeResolved(float(energy.sum()), co2e, float(energy[have].sum()),
                        fallback_gco2e_per_kwh, int(hours.size), prov)
