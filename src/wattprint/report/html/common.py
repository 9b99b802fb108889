"""Pieces every report kind shares: site assumptions, headline metrics, provenance table."""

from __future__ import annotations

from typing import Any

from wattprint.report.html.charts import Fig, energy_sankey
from wattprint.report.html.model import Assumption, Metric, Section, metric_from, quantity_text
from wattprint.report.tables import TITLES

#: Site factors shown in every assumptions box, in order.
SITE_FACTORS = (
    ("grid_gco2e_per_kwh", "Grid carbon intensity (location-based)"),
    ("market_gco2e_per_kwh", "Grid carbon intensity (market-based)"),
    ("pue", "PUE (facility ÷ IT energy)"),
    ("wue_l_per_kwh", "WUE, on-site water per IT kWh"),
    ("water_l_per_kwh", "Off-site water per kWh of electricity"),
    ("price_usd_per_kwh", "Electricity price"),
)


def site_assumptions(site: dict[str, Any] | None) -> list[Assumption]:
    """One assumption per site factor (value, range and source); missing ones say so."""
    if not isinstance(site, dict):
        return [Assumption("Site", "unknown: no site factors in this result", "", True)]
    out = [Assumption("Site", f"{site.get('site', '?')} ({site.get('name', '')})")]
    for key, label in SITE_FACTORS:
        q = site.get(key)
        if isinstance(q, dict):
            out.append(Assumption(label, quantity_text(q),
                                  str(q.get("provenance", "")),
                                  q.get("basis") in ("default", "assumption")))
        elif key == "market_gco2e_per_kwh":
            out.append(Assumption(label, "not given (no market-based figure)",
                                  "pass --market-intensity for GHG Scope 2 market-based", True))
    return out


#: Footprint quantities shown as headline metrics, in order.
HEADLINE = ("time", "chip_hours", "accelerator_energy", "host_energy", "it_energy",
            "facility_energy", "co2e", "co2e_market", "embodied_co2e", "total_co2e", "water",
            "cost", "accelerator_energy_per_request", "accelerator_energy_per_output_token",
            "time_to_first_token", "time_per_output_token")


def footprint_metrics(fp: dict[str, Any]) -> list[Metric]:
    """Headline metrics of a ``Footprint.to_dict()`` (absent quantities are skipped)."""
    out = []
    for key in HEADLINE:
        m = metric_from(key, TITLES.get(key, key), fp.get(key))
        if m is not None:
            out.append(m)
    return out


def provenance_section(fp: dict[str, Any]) -> Section:
    """A table of every quantity of a footprint: value, range, basis and full provenance."""
    rows = []
    for key, q in fp.items():
        if isinstance(q, dict) and "value" in q and "provenance" in q:
            m = metric_from(key, TITLES.get(key, key), q)
            if m is None:
                rows.append([TITLES.get(key, key), "—", "", str(q.get("basis")),
                             str(q["provenance"])])
                continue
            val, rng = m.shown()
            rows.append([m.label, val, rng, m.basis, m.provenance])
    return Section("Provenance of every number", table=(
        ["Quantity", "Value", "Range", "Basis", "Provenance"], rows),
        caption="measured: read from a sensor; modelled: a formula with the constants named; "
                "default: a catalogue value nobody overrode.")


def chain_section(fp: dict[str, Any], basis: str) -> Section | None:
    """The Sankey of the energy chain of a footprint, or None without the energies."""
    need = ("accelerator_energy", "host_energy", "it_energy", "facility_energy")
    qs = [q for q in (fp.get(k) for k in need)
          if isinstance(q, dict) and q.get("value") is not None]
    if len(qs) < len(need):
        return None
    vals = [float(q["value"]) for q in qs]
    prov = {k.split("_")[0]: str(q.get("provenance", "")) for k, q in zip(need, qs, strict=True)}
    fig: Fig = energy_sankey(vals[0], vals[1], vals[2], vals[3], prov, basis=basis)
    return Section("The chain: chip → host → facility losses → grid", figure=fig,
                   caption="Width is energy. Cooling and power losses are facility − IT "
                           "(PUE − 1 of IT). Hover a node for its provenance.")


def impact_section(fp: dict[str, Any], site: dict[str, Any] | None) -> Section:
    """Energy → CO2e, water and cost: each with its factor and source."""
    s = site if isinstance(site, dict) else {}
    rows = []
    for key, factor in (("co2e", "grid_gco2e_per_kwh"), ("co2e_market", "market_gco2e_per_kwh"),
                        ("water", "wue_l_per_kwh"), ("cost", "price_usd_per_kwh"),
                        ("embodied_co2e", "")):
        q = fp.get(key)
        if not isinstance(q, dict):
            continue
        f = s.get(factor) if factor else None
        ftext = (quantity_text(f) if isinstance(f, dict)
                 else "hardware life-cycle assessment" if key == "embodied_co2e" else "—")
        rows.append([TITLES.get(key, key), quantity_text(q), ftext,
                     str(q.get("provenance", ""))])
    return Section("Energy → CO2e, water, cost", table=(
        ["Impact", "Value (range)", "Factor", "Formula and source"], rows))
