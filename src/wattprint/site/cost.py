"""Money as a CFO sees it: accelerator-hours (rented or owned) beside the electricity bill.

Two ways to price an accelerator-hour (``data/prices.toml``):

* **rented**: a dated cloud price per accelerator-hour (on-demand, reserved, capacity block);
* **owner**: total cost of ownership per billable hour,
  ``(C_server + C_network)·(1 + m·L) / (L_h·u)  +  F_MW·P_rated / (L_fac_h·u)`` with
  ``C_server`` the server price per accelerator, ``C_network`` the fabric per accelerator, ``m``
  maintenance per year, ``L`` the server life (years; ``L_h`` in hours), ``u`` utilisation,
  ``F_MW`` the facility capex per MW of critical IT load, ``P_rated`` = power limit + host share
  (MW) and ``L_fac_h`` the facility life in hours.

Electricity is never inside these prices: it stays its own line (facility kWh x site price).
"""

from __future__ import annotations

from dataclasses import dataclass

from wattprint.catalog.schema import Hardware
from wattprint.errors import InputError, UnsupportedError

S_PER_HOUR = 3600.0
PRICINGS: tuple[str, ...] = ("owner", "on-demand", "reserved", "capacity-block")


@dataclass(frozen=True)
class HourPrice:
    """USD per accelerator-hour with its range and how it was obtained."""

    usd: float
    low: float
    high: float
    provenance: str
    parts: dict[str, float]


def owner_usd_per_hour(capex_usd: float, network_usd: float, maintenance_per_year: float,
                       lifetime_s: float, utilisation: float, facility_usd_per_mw: float,
                       rated_w: float, facility_lifetime_s: float) -> dict[str, float]:
    """Owner's cost per billable accelerator-hour, by part (USD): ``hardware``,
    ``maintenance``, ``facility`` (formula in the module docstring)."""
    if not 0.0 < utilisation <= 1.0:
        raise InputError(f"utilisation must be in (0, 1], got {utilisation:g}")
    billable_h = lifetime_s / S_PER_HOUR * utilisation
    years = lifetime_s / (365.0 * 86400.0)
    hw = (capex_usd + network_usd) / billable_h
    maint = (capex_usd + network_usd) * maintenance_per_year * years / billable_h
    fac = facility_usd_per_mw * rated_w / 1e6 / (facility_lifetime_s / S_PER_HOUR * utilisation)
    return {"hardware": hw, "maintenance": maint, "facility": fac}


def accelerator_hour_price(hw: Hardware, pricing: str = "owner",
                           utilisation: float | None = None) -> HourPrice:
    """USD per accelerator-hour of ``hw`` under ``pricing`` (owner TCO or a cloud price).

    Raises :class:`UnsupportedError` naming the priced hardware when none is shipped.
    """
    from wattprint.catalog.defaults import default_value
    from wattprint.catalog.physical import price_data

    if pricing not in PRICINGS:
        raise InputError(f"unknown pricing {pricing!r}; choose from {', '.join(PRICINGS)}")
    data = price_data()
    kind = "owner-capex" if pricing == "owner" else pricing
    rows = [p for p in data.price if p.hardware == hw.id and p.kind == kind]
    if not rows:
        have = sorted({p.hardware for p in data.price if p.kind == kind})
        raise UnsupportedError(f"no {pricing} price for {hw.id} in prices.toml (priced: "
                               f"{', '.join(have) or 'none'})")
    p = max(rows, key=lambda r: r.usd.year)  # the newest
    if pricing != "owner":
        return HourPrice(p.usd.value, p.usd.low if p.usd.low is not None else p.usd.value,
                         p.usd.high if p.usd.high is not None else p.usd.value,
                         f"{pricing} price {p.usd.cite()}", {"rent": p.usd.value})
    o = data.owner
    life = default_value("embodied", "lifetime_s")
    util = utilisation if utilisation is not None else default_value("embodied",
                                                                     "utilisation").value
    rated = hw.tdp_w.value + hw.host_power_w.value

    def at(capex: float, lifetime: float) -> dict[str, float]:
        return owner_usd_per_hour(capex, o.network_capex_usd_per_accelerator.value,
                                  o.maintenance_per_year.value, lifetime, util,
                                  o.facility_capex_usd_per_mw.value, rated,
                                  o.facility_lifetime_s.value)

    central = at(p.usd.value, life.value)
    lo = at(p.usd.low if p.usd.low is not None else p.usd.value,
            life.high if life.high is not None else life.value)
    hi = at(p.usd.high if p.usd.high is not None else p.usd.value,
            life.low if life.low is not None else life.value)
    prov = (f"owner TCO: server {p.usd.cite()}; network "
            f"{o.network_capex_usd_per_accelerator.cite()}; maintenance "
            f"{o.maintenance_per_year.cite()}; life {life.cite()}; utilisation {util:g}; "
            f"facility {o.facility_capex_usd_per_mw.cite()} over {o.facility_lifetime_s.cite()}")
    return HourPrice(sum(central.values()), sum(lo.values()), sum(hi.values()), prov, central)
