"""The four compliance exports (``wattprint report --format ...``).

* ``eu-ai-act``: EU AI Act (Regulation (EU) 2024/1689) Annex XI, Section 1, point 2(d)
  computational resources (FLOPs, training time, other details) and 2(e) known or estimated
  energy consumption.
* ``ghg-scope2``: GHG Protocol Scope 2 Guidance (2015): location-based and market-based
  totals with their emission factors, and an uncertainty range (ISO 14064-1:2018, 5.3 / 8.3).
* ``hf-model-card``: Hugging Face model-card metadata ``co2_eq_emissions`` (emissions in grams,
  source, training_type, geographical_location, hardware_used).
* ``sci``: Green Software Foundation Software Carbon Intensity, ISO/IEC 21031:2024:
  SCI = (E × I + M) per R.

``docs/reporting.md`` lists which fields of each specification are covered.
"""

from __future__ import annotations

from typing import Any

from wattprint.errors import InputError
from wattprint.report.compliance.fields import (
    basis_word,
    field,
    footprint_of,
    generator,
    kwh,
    site_factor,
)

FORMATS = ("eu-ai-act", "ghg-scope2", "hf-model-card", "sci")

#: ``inputs.kind`` of inference footprints (one batch, or serving at a request rate).
INFERENCE_KINDS = ("infer", "serve")


def _hardware(fp: dict[str, Any]) -> str:
    i = fp.get("inputs") or {}
    if i.get("hardware"):
        return f"{i.get('chips', 1)} x {i['hardware']}"
    devs = ((fp.get("details") or {}).get("measurement") or {}).get("devices") or []
    names = [str(d.get("device", {}).get("name", d.get("name", "?"))) for d in devs
             if isinstance(d, dict)]
    return ", ".join(names) or "not recorded"


def eu_ai_act(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """Annex XI Section 1 point 2(d) and 2(e) of the EU AI Act for a training footprint."""
    fp, origin = footprint_of(doc, kind, want="training")
    i = fp.get("inputs") or {}
    if i.get("kind") in INFERENCE_KINDS:
        raise InputError("eu-ai-act documents training: give a training estimate, demo, "
                         "lifecycle or a measured training run")
    energy = kwh(fp.get("facility_energy"))
    return {
        "format": "eu-ai-act-annex-xi-section1-2de",
        "regulation": "Regulation (EU) 2024/1689, Annex XI, Section 1, points 2(d) and 2(e)",
        "generator": generator(), "source": origin,
        "model": i.get("model"),
        "computational_resources": {
            "training_flops": field(fp.get("flops"), unit="FLOP"),
            "training_time": field(fp.get("time"), scale=1 / 3600, unit="h"),
            "accelerator_hours": field(fp.get("chip_hours"), unit="chip-h"),
            "hardware": _hardware(fp),
            "precision": i.get("precision"), "software_stack": i.get("stack"),
            "training_tokens": i.get("tokens"),
            "model_flops_utilisation": field(fp.get("mfu"), unit="1"),
        },
        "energy_consumption": {
            "known_or_estimated": energy["basis"],
            "facility_energy": energy,
            "it_energy": kwh(fp.get("it_energy")),
            "accelerator_energy": kwh(fp.get("accelerator_energy")),
            "pue": field(site_factor(fp, "pue"), unit="1"),
            "note": "Annex XI 2(e): where energy is unknown it may be based on the "
                    "computational resources used; 'estimated' fields are modelled that way "
                    "(method cited in each field).",
        },
        "not_covered": ["Annex XI 1(a)-(f), 2(a)-(c) and Section 2: model description, data, "
                        "evaluation - not energy data; fill them in by hand"],
    }


def ghg_scope2(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """GHG Protocol Scope 2: location- and market-based, with the uncertainty range."""
    fp, origin = footprint_of(doc, kind)
    loc = field(fp.get("co2e"), scale=1e-6, unit="tCO2e")
    market_q = fp.get("co2e_market")
    market = field(market_q, scale=1e-6, unit="tCO2e") if market_q else {
        "value": None, "unit": "tCO2e", "basis": "missing",
        "method": "no contractual-instrument (market-based) factor given: re-run the command "
                  "with --market-intensity gCO2e/kWh from your supplier, certificate or "
                  "residual mix (Scope 2 Guidance, Table 6.3 hierarchy)"}
    return {
        "format": "ghg-protocol-scope2", "standard": "GHG Protocol Scope 2 Guidance (2015), "
        "dual reporting; uncertainty per ISO 14064-1:2018",
        "generator": generator(), "source": origin,
        "activity_data": {"electricity_consumed": kwh(fp.get("facility_energy")),
                          "site": (fp.get("inputs") or {}).get("site")},
        "location_based": {"emissions": loc,
                           "emission_factor": field(site_factor(fp, "grid_gco2e_per_kwh"))},
        "market_based": {"emissions": market,
                         "emission_factor": field(site_factor(fp, "market_gco2e_per_kwh"))},
        "uncertainty": {
            "method": "interval propagation: low and high corners of every input (energy "
                      "model, PUE, grid factor) carried through the chain; a bounding range, "
                      "not a statistical confidence interval",
            "location_based_range_tco2e": [loc.get("low"), loc.get("high")],
        },
        "memo_items": {"embodied_hardware_emissions_scope3":
                       field(fp.get("embodied_co2e"), scale=1e-6, unit="tCO2e")},
        "reporting_period": _period(doc, kind),
        "gases": "CO2e (CO2, CH4, N2O as in the grid factor's source)",
    }


def _period(doc: dict[str, Any], kind: str) -> str:
    if kind == "run":
        import datetime as dt

        r = doc["run"]
        t = [dt.datetime.fromtimestamp(float(x), dt.UTC).isoformat(timespec="seconds")
             for x in (r.get("started_at"), r.get("ended_at")) if x is not None]
        return " to ".join(t)
    return "prospective estimate (not an inventory of a past period)"


def hf_model_card(doc: dict[str, Any], kind: str, *, training_type: str = "pre-training"
                  ) -> str:
    """The ``co2_eq_emissions`` block of a Hugging Face model card, as YAML front matter."""
    fp, origin = footprint_of(doc, kind, want="training")
    if (fp.get("inputs") or {}).get("kind") in INFERENCE_KINDS:
        raise InputError("hf-model-card co2_eq_emissions is for training: give a training "
                         "estimate, demo, lifecycle or a measured training run")
    q = fp.get("co2e") or {}
    if q.get("value") is None:
        raise InputError("this result has no operational CO2e")
    site = ((fp.get("details") or {}).get("site") or {})
    method = "measured with the wattprint meter" if basis_word(fp.get(
        "accelerator_energy")) == "measured" else "estimated with the wattprint model"
    source = f"wattprint {generator()['version']} ({method}; {origin})"
    lines = ["---", "co2_eq_emissions:", f"  emissions: {float(q['value']):.6g}",
             f"  source: {_yaml_str(source)}",
             f"  training_type: {_yaml_str(training_type)}",
             f"  geographical_location: {_yaml_str(str(site.get('name') or site.get('site')))}",
             f"  hardware_used: {_yaml_str(_hardware(fp))}", "---",
             f"# emissions in grams CO2e, location-based, {basis_word(q)}; range "
             f"{q.get('low', 0):.3g}-{q.get('high', 0):.3g} g; method: "
             f"{str(q.get('provenance', ''))[:300]}"]
    return "\n".join(lines) + "\n"


def _yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _sci_score(o: dict[str, Any], m: dict[str, Any], r_value: float, r_unit: str,
               e: dict[str, Any]) -> dict[str, Any]:
    """(O + M) / R with its range; null with the reason when O or M is missing (never a zero
    standing in for a missing term). A term without a range contributes its value to both ends."""
    unit = f"gCO2e per {r_unit}"
    missing = [name for name, q in (("O", o), ("M", m)) if q.get("value") is None]
    if missing:
        return {"value": None, "unit": unit, "basis": "missing",
                "reason": f"{' and '.join(missing)} not available from this result; "
                          "SCI needs both operational and embodied carbon"}
    total = [o["value"] + m["value"],
             o.get("low", o["value"]) + m.get("low", m["value"]),
             o.get("high", o["value"]) + m.get("high", m["value"])]
    return {"value": total[0] / r_value, "low": total[1] / r_value,
            "high": total[2] / r_value, "unit": unit,
            "basis": "measured" if e.get("basis") == "measured" else "estimated"}


def sci(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """Software Carbon Intensity: (E × I + M) per R, R a functional unit of the work."""
    fp, origin = footprint_of(doc, kind, want="serving")
    i = fp.get("inputs") or {}
    if i.get("kind") in INFERENCE_KINDS:
        r_value, r_unit = float(i.get("requests") or i.get("batch") or 1), "request"
    elif i.get("kind") == "train":
        r_value, r_unit = 1.0, "training run"
    else:
        r_value, r_unit = 1.0, "measured run"
    e = kwh(fp.get("facility_energy"))
    grid = field(site_factor(fp, "grid_gco2e_per_kwh"))
    m = field(fp.get("embodied_co2e"), unit="gCO2e")
    o = field(fp.get("co2e"), unit="gCO2e")
    score = _sci_score(o, m, r_value, r_unit, e)
    return {
        "format": "sci", "standard": "GSF Software Carbon Intensity v1.1 = ISO/IEC 21031:2024",
        "generator": generator(), "source": origin,
        "E": e, "I": grid, "O_equals_E_times_I": o, "M": m,
        "R": {"value": r_value, "unit": r_unit},
        "SCI": score,
        "boundary": {
            "included": ["accelerators", "host CPU, memory and network share",
                         "data-centre overhead via PUE", "embodied carbon of accelerators "
                         "and host share (time-share over service life, utilisation)"],
            "excluded": ["storage systems", "network equipment outside the host",
                         "end-user devices", "idle replicas (single-batch estimates)"]},
        "market_based_measures": "excluded, as the SCI requires (location-based I)",
    }
