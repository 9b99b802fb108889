"""Turn accelerator energy and time into a full :class:`~wattprint.footprint.Footprint`.

The chain (see docs/methodology.md §Site): accelerator energy → + host share = IT energy →
× PUE = facility energy → × grid intensity = operational CO2e; water = WUE × IT + off-site
intensity × facility; cost = price × facility; embodied CO2e amortised over life and use.
Estimates and measurements both end here, so they are comparable number for number.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from wattprint.catalog.caches import derived_dict, keep
from wattprint.catalog.defaults import default_value, sourced_quantity
from wattprint.catalog.light import site_entry
from wattprint.footprint import Footprint
from wattprint.quantity import S_PER_HOUR, Quantity, quantity
from wattprint.record import Record
from wattprint.site import formulas as f
from wattprint.site.embodied import embodied_per_chip
from wattprint.site.water_stress import scarcity_factor

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware, Site


class SiteFactors(Record):
    """The resolved factors of one site, each a Quantity with provenance."""

    site_id: str
    site_name: str
    pue: Quantity
    wue_l_per_kwh: Quantity
    water_l_per_kwh: Quantity
    grid_gco2e_per_kwh: Quantity
    price_usd_per_kwh: Quantity
    market_gco2e_per_kwh: Quantity | None = None
    aware_cf: Quantity | None = None  # AWARE m3 world-eq per m3 (None: no factor shipped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready factors (a new dict each call; built once per instance, which is
        frozen, and copied)."""
        d = self.__dict__.get("_as_dict")
        if d is None:
            d = {"site": self.site_id, "name": self.site_name}
            for k in ("pue", "wue_l_per_kwh", "water_l_per_kwh", "grid_gco2e_per_kwh",
                      "price_usd_per_kwh", "market_gco2e_per_kwh", "aware_cf"):
                v = getattr(self, k)
                d[k] = v.to_dict() if v is not None else None
            object.__setattr__(self, "_as_dict", d)
        return {k: dict(v) if isinstance(v, dict) else v for k, v in d.items()}


DEFAULT_SITE = "world"


def resolve_site(site: str | Site | None = None, *, pue: float | None = None,
                 wue_l_per_kwh: float | None = None, grid_gco2e_per_kwh: float | None = None,
                 price_usd_per_kwh: float | None = None,
                 market_gco2e_per_kwh: float | None = None) -> SiteFactors:
    """Resolve a site name (default ``world``) and user overrides into :class:`SiteFactors`."""
    plain = pue is None and wue_l_per_kwh is None and grid_gco2e_per_kwh is None \
        and price_usd_per_kwh is None and market_gco2e_per_kwh is None
    if plain and (site is None or type(site) is str):
        hit = _PLAIN.get(site)  # a catalog site by the name given before: its factors
        if hit is None:
            hit = resolve_site(site_entry(site or DEFAULT_SITE))  # its entry's, shared
            keep(_PLAIN, site, hit, 1024)
        return hit
    s = site_entry(site or DEFAULT_SITE) if site is None or isinstance(site, str) else site
    if plain:  # a site entry as it is: (entry, factors) by its identity, in the same cache
        hit = _PLAIN.get(id(s))
        if hit is not None and hit[0] is s:
            return hit[1]
    sf = _resolve(s, pue, wue_l_per_kwh, grid_gco2e_per_kwh, price_usd_per_kwh,
                  market_gco2e_per_kwh)
    if plain:
        keep(_PLAIN, id(s), (s, sf), 1024)
    return sf


#: Upper bounds of user overrides, by unit: far above any real site or grid (worst grids
#: ~1,100 gCO2e/kWh, worst PUE ~3), so they only catch typos such as 1e29.
OVERRIDE_LIMITS = {"": 10.0, "L/kWh": 100.0, "gCO2e/kWh": 5000.0, "USD/kWh": 100.0}


def check_override(value: float, what: str, unit: str) -> None:
    """An :class:`InputError` when a user's site override is beyond :data:`OVERRIDE_LIMITS`."""
    limit = OVERRIDE_LIMITS.get(unit)
    if limit is not None and value > limit:
        from wattprint.errors import InputError

        raise InputError(f"{what}: {value:g} {unit} is beyond the supported range "
                         f"(≤ {limit:g} {unit})".replace("  ", " ").replace(" )", ")"))


#: Site factors without overrides, one cache: the factors by the site name given (or
#: ``None``; a name shares its entry's factors), and (entry, factors) by site-entry identity
#: (the entry is kept, so an id is not reused while cached). Cleared with the catalog by
#: :func:`~wattprint.catalog.clear_caches` (new entries after a reload miss).
_PLAIN = derived_dict()


def _resolve(s: Site, pue: float | None, wue_l_per_kwh: float | None,
             grid_gco2e_per_kwh: float | None, price_usd_per_kwh: float | None,
             market_gco2e_per_kwh: float | None) -> SiteFactors:
    where = f"site {s.id}"

    def pick(user: float | None, src: Any, unit: str, what: str, *, allow_zero: bool) -> Quantity:
        if user is not None:
            from wattprint.numbers import check_number  # overrides only: not on the plain path

            check_number(user, what, allow_zero=allow_zero)
            check_override(user, what, unit)
            return Quantity(float(user), unit, f"{what}: given by the user", "user")
        return sourced_quantity(src, unit, f"{what} of {where}")

    market = None
    if market_gco2e_per_kwh is not None:
        from wattprint.numbers import check_number

        check_number(market_gco2e_per_kwh, "market-based intensity", allow_zero=True)
        check_override(market_gco2e_per_kwh, "market-based intensity", "gCO2e/kWh")
        market = Quantity(float(market_gco2e_per_kwh), "gCO2e/kWh",
                          "market-based intensity: given by the user", "user")
    pue_q = pick(pue, s.pue, "", "PUE", allow_zero=False)
    if pue_q.value < 1.0:
        from wattprint.errors import InputError

        raise InputError(f"PUE must be ≥ 1 (facility energy ≥ IT energy), got {pue_q.value:g}")
    return SiteFactors(
        site_id=s.id,
        site_name=s.name,
        pue=pue_q,
        wue_l_per_kwh=pick(wue_l_per_kwh, s.wue_l_per_kwh, "L/kWh", "on-site WUE",
                           allow_zero=True),
        water_l_per_kwh=sourced_quantity(s.water_l_per_kwh, "L/kWh",
                                         f"off-site water intensity of electricity at {where}"),
        grid_gco2e_per_kwh=pick(grid_gco2e_per_kwh, s.grid_gco2e_per_kwh, "gCO2e/kWh",
                                "grid intensity (location-based)", allow_zero=True),
        price_usd_per_kwh=pick(price_usd_per_kwh, s.price_usd_per_kwh, "USD/kWh",
                               "electricity price", allow_zero=True),
        market_gco2e_per_kwh=market,
        aware_cf=scarcity_factor(s.id, s.country),
    )


def _ends(q: Quantity | float) -> tuple[float, float, float]:
    if isinstance(q, Quantity):
        v, lo, hi = q.value, q.low, q.high
        return v, v if lo is None else lo, v if hi is None else hi  # Quantity.lo, .hi
    return q, q, q


def _tri(fn: Any, *qs: Quantity | float) -> tuple[float, float, float]:
    """Evaluate a formula increasing in every argument at value, low and high ends."""
    return _at_ends(fn, *map(_ends, qs))


def _at_ends(fn: Any, *ends: tuple[float, float, float]) -> tuple[float, float, float]:
    """:func:`_tri` from the arguments' (value, low, high) ends (:func:`_ends`)."""
    if len(ends) == 2:  # most formulas of the chain: written out, no argument lists built
        (a, a_lo, a_hi), (b, b_lo, b_hi) = ends
        return fn(a, b), fn(a_lo, b_lo), fn(a_hi, b_hi)
    if len(ends) == 3:
        (a, a_lo, a_hi), (b, b_lo, b_hi), (c, c_lo, c_hi) = ends
        return fn(a, b, c), fn(a_lo, b_lo, c_lo), fn(a_hi, b_hi, c_hi)
    if len(ends) == 4:  # water
        (a, a_lo, a_hi), (b, b_lo, b_hi), (c, c_lo, c_hi), (d, d_lo, d_hi) = ends
        return fn(a, b, c, d), fn(a_lo, b_lo, c_lo, d_lo), fn(a_hi, b_hi, c_hi, d_hi)
    return fn(*[e[0] for e in ends]), fn(*[e[1] for e in ends]), fn(*[e[2] for e in ends])


def _q(t: tuple[float, float, float], unit: str, prov: str,
       basis: Literal["measured", "modelled", "default", "user"] = "modelled") -> Quantity:
    v, lo, hi = t
    rng = lo != v or hi != v
    return quantity(v, unit, prov, basis, lo if rng else None, hi if rng else None)


def _formula_q(fn: Any, a: tuple[float, float, float], b: tuple[float, float, float],
               unit: str, prov: str,
               basis: Literal["measured", "modelled", "default", "user"] = "modelled"
               ) -> tuple[Quantity, tuple[float, float, float]]:
    """``_q(_at_ends(fn, a, b), unit, prov, basis)`` and its :func:`_ends`, in one call: a
    formula of two arguments, increasing in both, at their value, low and high ends."""
    v, lo, hi = fn(a[0], b[0]), fn(a[1], b[1]), fn(a[2], b[2])
    if lo != v or hi != v:
        q = quantity(v, unit, prov, basis, lo, hi)
        return q, (v, q.low, q.high)  # type: ignore[return-value]  # both ends set (ordered)
    return quantity(v, unit, prov, basis), (v, v, v)


def _hardware_quantities(hardware: Hardware) -> tuple[Quantity, Quantity]:
    """(host share power W, embodied gCO2e per chip incl. host, network and building share)
    of a hardware entry: built once per entry, by :func:`_hardware_terms` (cached)."""
    return (sourced_quantity(hardware.host_power_w, "W", f"host share of {hardware.id}"),
            embodied_per_chip(hardware))


#: (lifetime, utilisation) sourced defaults and their quantities, rebuilt when the defaults
#: table is reloaded (new entries).
_LIFE_UTIL: list[tuple[Any, Any, Quantity, Quantity]] = []


def _life_and_utilisation() -> tuple[Quantity, Quantity]:
    """Service life [s] and utilisation of embodied carbon's amortisation (defaults.toml),
    as quantities built once per defaults table."""
    life_s, util_s = default_value("embodied", "lifetime_s"), default_value("embodied",
                                                                           "utilisation")
    if _LIFE_UTIL and _LIFE_UTIL[0][0] is life_s and _LIFE_UTIL[0][1] is util_s:
        return _LIFE_UTIL[0][2], _LIFE_UTIL[0][3]
    life = sourced_quantity(life_s, "s", "service life")
    util = sourced_quantity(util_s, "", "utilisation")
    _LIFE_UTIL[:] = [(life_s, util_s, life, util)]
    return life, util


#: :func:`_hardware_terms` by hardware identity (the entry is kept in the value, so an id is
#: never reused while cached); cleared with the defaults by :func:`~wattprint.catalog.clear_caches`.
_HW_TERMS = derived_dict()


def _hardware_terms(hardware: Hardware) -> tuple[Any, ...]:
    """The chain's per-hardware terms, built once per entry: (value, low, high) of the host
    share [W] and its provenance, and the ends of embodied carbon per chip [gCO2e], service
    life [s] and utilisation with the embodied formula's provenance."""
    hit = _HW_TERMS.get(id(hardware))
    if hit is not None and hit[0] is hardware:
        return hit[1]
    hp, emb_chip = _hardware_quantities(hardware)
    life, util = _life_and_utilisation()
    out = (_ends(hp), f"host_energy_j = host_power_w × chips × time; {hp.provenance}",
           _ends(emb_chip), _ends(life), _ends(util),
           "embodied_co2e_g = embodied × chips × t / (life × utilisation); "
           f"{emb_chip.provenance}; {life.provenance}; {util.provenance}")
    keep(_HW_TERMS, id(hardware), (hardware, out))
    return out


def _embodied(hw_terms: tuple[Any, ...], chips: int, t_e: tuple[float, float, float]
              ) -> Quantity:
    """Embodied carbon of ``chips`` chips over the time ``t_e`` (value, low, high) [gCO2e]:
    low at the long-life, high-utilisation end, high at the other."""
    (e, e_lo, e_hi), (life, life_lo, life_hi), (util, util_lo, util_hi), prov = hw_terms[2:]
    return quantity(f.embodied_co2e_g(e, chips, t_e[0], life, util), "gCO2e", prov, "modelled",
                    f.embodied_co2e_g(e_lo, chips, t_e[1], life_hi, util_hi),
                    f.embodied_co2e_g(e_hi, chips, t_e[2], life_lo, util_lo))


def _scarcity_water(water: tuple[float, float, float], site: SiteFactors) -> Quantity | None:
    """Litres (``water``: value, low, high) × the site's AWARE factor [L world-eq], or
    ``None`` without a factor."""
    terms = _site_terms(site)[6]
    if terms is None:
        return None
    cf_e, prov = terms
    return _formula_q(f.scarcity_weighted_water_l, water, cf_e, "L world-eq", prov)[0]


#: :func:`_site_terms` by site identity (the site is kept, so an id is never reused while
#: cached; SiteFactors is frozen); cleared by :func:`~wattprint.catalog.clear_caches`.
_SITE_TERMS = derived_dict()


def _site_terms(site: SiteFactors) -> tuple[Any, ...]:
    """(value, low, high) ends of the site's PUE, grid intensity, WUE, off-site water
    intensity and price, the provenance of the facility, CO2e, water and cost formulas, and
    the AWARE factor's ends and provenance (``None`` without one): built once per site."""
    hit = _SITE_TERMS.get(id(site))
    if hit is not None and hit[0] is site:
        return hit[1]
    prov = (f"facility_energy_j = IT × PUE; {site.pue.provenance}",
            "operational_co2e_g = facility kWh × grid; "
            f"{site.grid_gco2e_per_kwh.provenance}",
            "water_l = IT kWh × WUE + facility kWh × off-site intensity; "
            f"{site.wue_l_per_kwh.provenance}; {site.water_l_per_kwh.provenance}",
            f"energy_cost_usd = facility kWh × price; {site.price_usd_per_kwh.provenance}")
    cf = site.aware_cf
    scarce = None if cf is None else (
        _ends(cf), "scarcity_weighted_water_l = water × AWARE factor (the site's watershed "
        f"factor applied to on-site and off-site litres alike); {cf.provenance}")
    out = (_ends(site.pue), _ends(site.grid_gco2e_per_kwh), _ends(site.wue_l_per_kwh),
           _ends(site.water_l_per_kwh), _ends(site.price_usd_per_kwh), prov, scarce)
    keep(_SITE_TERMS, id(site), (site, out))
    return out


def build_footprint(*, kind: Literal["estimate", "measurement"], time: Quantity, chips: int,
                    accelerator_energy: Quantity, host_energy: Quantity | None,
                    hardware: Hardware | None, site: SiteFactors,
                    details: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
                    inputs: dict[str, Any] | None = None, notes: list[str] | None = None,
                    extra: dict[str, Quantity] | None = None) -> Footprint:
    """Complete a footprint from time and accelerator energy.

    ``host_energy`` (J) is the measured or estimated host share; when ``None`` it is
    modelled as the hardware's ``host_power_w × chips × time``. ``extra`` quantities (e.g.
    per-token figures) are appended to the result. ``details`` may be a function that builds
    them: then they are built on first access (:meth:`Footprint.with_details_of`).
    """
    notes = list(notes or [])
    t_e = _ends(time)
    hw_terms = None if hardware is None else _hardware_terms(hardware)
    if host_energy is None:
        if hw_terms is None:
            host_energy = Quantity(0.0, "J", "host share: not included (no hardware given)",
                                   "default")
            notes.append("host energy not included: no hardware to take a host share from")
        else:
            (hp, hp_lo, hp_hi), host_prov = hw_terms[0], hw_terms[1]
            c = float(chips)
            host_energy = _q((f.host_energy_j(hp, c, t_e[0]), f.host_energy_j(hp_lo, c, t_e[1]),
                              f.host_energy_j(hp_hi, c, t_e[2])), "J", host_prov)
    # each result's (value, low, high) ends are read once and reused by the formulas after it
    pue_e, grid_e, wue_e, offsite_e, price_e, prov, _ = _site_terms(site)
    basis_e = accelerator_energy.basis
    it, it_e = _formula_q(f.it_energy_j, _ends(accelerator_energy), _ends(host_energy), "J",
                          "it_energy_j = accelerator + host",
                          basis_e if host_energy.basis == basis_e else "modelled")
    fac, fac_e = _formula_q(f.facility_energy_j, it_e, pue_e, "J", prov[0])
    co2 = _formula_q(f.operational_co2e_g, fac_e, grid_e, "gCO2e", prov[1])[0]
    water = _q(_at_ends(f.water_l, it_e, fac_e, wue_e, offsite_e), "L", prov[2])
    cost = _formula_q(f.energy_cost_usd, fac_e, price_e, "USD", prov[3])[0]
    if hw_terms is not None:
        emb = _embodied(hw_terms, chips, t_e)
    else:
        emb = Quantity(0.0, "gCO2e", "embodied: not included (no hardware given)", "default")
        notes.append("embodied carbon not included: hardware unknown")
    c_lo, c_hi, e_lo, e_hi = co2.low, co2.high, emb.low, emb.high  # Quantity.lo and .hi
    total = quantity(co2.value + emb.value, "gCO2e", "co2e + embodied_co2e", "modelled",
                     (co2.value if c_lo is None else c_lo) + (emb.value if e_lo is None else e_lo),
                     (co2.value if c_hi is None else c_hi) + (emb.value if e_hi is None else e_hi))
    ch = time.scaled(chips / S_PER_HOUR, "chip-h", f"chip_hours = chips ({chips}) × time")
    q: dict[str, Quantity] = {
        "time": time,
        "chip_hours": ch,
        "accelerator_energy": accelerator_energy,
        "host_energy": host_energy,
        "it_energy": it,
        "facility_energy": fac,
        "co2e": co2,
        "embodied_co2e": emb,
        "total_co2e": total,
        "water": water,
        "cost": cost,
    }
    scarce = _scarcity_water(_ends(water), site)
    if scarce is None:
        notes.append(f"scarcity-weighted water not given: no AWARE factor for site "
                     f"{site.site_id} in data/aware.toml")
    else:
        q["water_scarcity_weighted"] = scarce
    if site.market_gco2e_per_kwh is not None:
        q["co2e_market"] = _q(_at_ends(f.operational_co2e_g, fac_e,
                                       _ends(site.market_gco2e_per_kwh)),
                              "gCO2e", "operational_co2e_g with the user's market-based factor")
    if extra:
        q.update(extra)
    if callable(details):
        return Footprint.with_details_of(kind, q, partial(_with_site, details, site),
                                         dict(inputs or {}), notes)
    d = dict(details or {})
    d["site"] = site.to_dict()
    return Footprint(kind=kind, quantities=q, details=d, inputs=dict(inputs or {}), notes=notes)


def _with_site(details_of: Callable[[], dict[str, Any]], site: SiteFactors) -> dict[str, Any]:
    """``details_of()`` with the site's factors (a footprint's lazily built details)."""
    d = dict(details_of())
    d["site"] = site.to_dict()
    return d
