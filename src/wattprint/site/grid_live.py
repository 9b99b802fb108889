"""Optional live grid-intensity provider: the GB Carbon Intensity API (National Grid ESO).

No key, CC BY 4.0 data. :func:`fetch_uk_intensity` asks ``{base_url}/intensity/{from}/{to}``
and parses it with :func:`wattprint.site.grid_hourly.read_uk_carbon_intensity_json`; callers
cache the result in the ledger (``wattprint grid fetch``) so each hour is asked once. Tests point
``base_url`` at a recorded response served on 127.0.0.1.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime

from wattprint.errors import InputError, UnsupportedError
from wattprint.site.grid_hourly import HourlySeries, read_uk_carbon_intensity_json

UK_API = "https://api.carbonintensity.org.uk"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%MZ")


def fetch_uk_intensity(start_s: float, end_s: float, base_url: str = UK_API,
                       timeout_s: float = 10.0) -> HourlySeries:
    """Hourly GB national intensity between two Unix times (s), from the live API."""
    if end_s <= start_s:
        raise InputError("--to must be after --from")
    if end_s - start_s > 14 * 86400:
        raise InputError("the Carbon Intensity API serves at most 14 days a request")
    url = f"{base_url.rstrip('/')}/intensity/{_iso(start_s)}/{_iso(end_s)}"
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 - http(s) only
            text = resp.read().decode("utf-8")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise UnsupportedError(f"Carbon Intensity API not reachable at {base_url}: "
                               f"{getattr(exc, 'reason', exc)}") from None
    return read_uk_carbon_intensity_json(text, zone="GB")
