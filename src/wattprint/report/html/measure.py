"""Reports of measurements: one run of the ledger, or a job (several runs together)."""

from __future__ import annotations

from typing import Any

from wattprint.report.html.charts import power_timeline, stacked_bars
from wattprint.report.html.common import (
    chain_section,
    footprint_metrics,
    impact_section,
    provenance_section,
)
from wattprint.report.html.model import Assumption, Metric, Report, Section

#: At most this many power samples per device go into a page (evenly thinned beyond).
MAX_POINTS = 4000

_RUN_METRICS = (("time_s", "Wall time", "s"), ("accelerator_energy_j", "Accelerator energy", "J"),
                ("host_energy_j", "Host energy", "J"), ("total_energy_j", "IT energy (measured)",
                                                       "J"),
                ("facility_energy_j", "Facility energy (× PUE)", "J"),
                ("co2e_g", "Operational CO2e", "gCO2e"), ("water_l", "Water", "L"),
                ("cost_usd", "Electricity cost", "USD"))


def run_document(ledger: Any, run: str, *, max_points: int = MAX_POINTS) -> dict[str, Any]:
    """One run as a JSON-ready dict: the run row, devices, windows and thinned power series.

    Args:
        ledger: an open :class:`~wattprint.ledger.store.Ledger` (read only here).
        run: run id or unique prefix.
        max_points: most samples kept per device (every k-th beyond; the count is noted).
    """
    r = ledger.run(run)
    rid = r["id"]
    if hasattr(ledger, "samples_thinned"):  # read-only ledger: thinned inside SQLite
        counts = ledger.sample_counts(rid)
        rows, limit = ledger.samples_thinned(rid, max_points), None
    else:
        rows, limit, counts = ledger.samples(rid), max_points, {}
    series: dict[str, dict[str, list[float]]] = {}
    for s in rows:
        d = series.setdefault(s["device"], {"t": [], "power_w": []})
        d["t"].append(s["t"])
        d["power_w"].append(s["power_w"])
    thinned = {}
    for dev, d in series.items():
        n = counts.get(dev, len(d["t"]))
        step = max(1, -(-len(d["t"]) // limit)) if limit else 1
        thinned[dev] = {"t": d["t"][::step], "power_w": d["power_w"][::step],
                        "samples": n, "every": max(1, -(-n // max_points))}
    windows = [{k: v for k, v in w.items() if k != "measurement"} for w in ledger.windows(rid)]
    return {"kind": "run", "run": r, "devices": ledger.devices(rid), "windows": windows,
            "series": thinned, "ledger": str(ledger.path)}


def _run_metrics(r: dict[str, Any], prefix: str = "") -> list[Metric]:
    fp = r.get("footprint") if isinstance(r.get("footprint"), dict) else None
    if fp:
        out = footprint_metrics(fp)
        for m in out:
            m.key = prefix + m.key
        return out
    prov = str(r.get("provenance") or "measured by the wattprint meter")
    return [Metric(prefix + k, label, float(r[k]), unit,
                   "measured" if k.endswith("energy_j") and "facility" not in k else "modelled",
                   prov) for k, label, unit in _RUN_METRICS if r.get(k) is not None]


def _command(r: dict[str, Any]) -> str:
    c = r.get("command")
    return " ".join(c) if isinstance(c, list) else str(c)


def run_report(doc: dict[str, Any]) -> Report:
    """A :class:`Report` of :func:`run_document`."""
    r = doc["run"]
    fp = r.get("footprint") if isinstance(r.get("footprint"), dict) else {}
    rep = Report("run", f"Run {r['id']}: {_command(r)[:80]}",
                 f"state {r.get('state')}, exit code {r.get('exit_code')}, host {r.get('host')}, "
                 f"ledger {doc.get('ledger')}", data=doc,
                 notes=[str(n) for n in r.get("notes") or []])
    site = ((fp.get("details") or {}).get("site")) if fp else None
    rep.assumptions = [Assumption("Site", str(r.get("site") or "world"),
                                  "given with --site" if r.get("site") else "default", not r.get(
                                      "site")),
                       Assumption("Sampling interval", f"{r.get('interval_s')} s"),
                       Assumption("wattprint version", str(r.get("wattprint_version")))]
    if site:
        from wattprint.report.html.common import site_assumptions

        rep.assumptions += site_assumptions(site)[1:]
    rep.metrics = _run_metrics(r)
    t0 = float(r["started_at"])
    series = {dev: (s["t"], s["power_w"]) for dev, s in doc["series"].items()}
    if series:
        thin = [f"{dev}: every {s['every']}th of {s['samples']} samples"
                for dev, s in doc["series"].items() if s["every"] > 1]
        rep.sections.append(Section("Power over time", figure=power_timeline(
            series, doc["windows"], t0), caption="; ".join(thin) or "every sample shown",
            fig_id="power-timeline"))
    else:
        rep.notes.append("no power samples were recorded for this run")
    if fp:
        chain = chain_section(fp, "measured")
        if chain:
            rep.sections.append(chain)
        rep.sections.append(impact_section(fp, site))
    rep.sections.append(Section("Devices", table=(
        ["Device", "Name", "Method", "Energy, J", "Peak W", "Basis", "Provenance / reason"],
        [[d["key"], str(d.get("name")), str(d.get("method")), _g(d.get("energy_j")),
          _g(d.get("peak_power_w")), str(d.get("basis")),
          str(d.get("reason") or d.get("provenance") or "")] for d in doc["devices"]])))
    if doc["windows"]:
        rep.sections.append(Section("Windows", table=(
            ["Window", "Time, s", "Energy, J", "Average W", "Peak W", "Complete"],
            [[w["name"], _g(w.get("time_s")), _g(w.get("total_energy_j")),
              _g(w.get("average_power_w")), _g(w.get("peak_power_w")), str(w.get("complete"))]
             for w in doc["windows"]])))
    if fp:
        rep.sections.append(provenance_section(fp))
    return rep


def _g(x: Any) -> str:
    return "—" if x is None else f"{float(x):.4g}"


def job_report(docs: list[dict[str, Any]], name: str = "") -> Report:
    """A :class:`Report` of several runs reported together (a job: steps, ranks or retries)."""
    runs = [d["run"] for d in docs]
    rep = Report("job", f"Job {name or ''}: {len(runs)} runs".replace("  ", " "),
                 "runs of the ledger reported together; totals are sums of the runs",
                 data={"kind": "job", "runs": [d["run"] for d in docs]})
    rep.assumptions = [Assumption("Runs", ", ".join(r["id"] for r in runs)),
                       Assumption("Sites", ", ".join(sorted({str(r.get('site') or 'world')
                                                             for r in runs})))]
    for k, label, unit in _RUN_METRICS:
        vals = [r.get(k) for r in runs]
        if all(v is not None for v in vals):
            rep.metrics.append(Metric(f"total.{k}", f"Total {label.lower()}",
                                      float(sum(vals)), unit,
                                      "measured" if "facility" not in k else "modelled",
                                      f"sum over {len(runs)} runs"))
    ids = [r["id"] for r in runs]
    parts = {"accelerator": [float(r.get("accelerator_energy_j") or 0) / 3.6e6 for r in runs],
             "host": [float(r.get("host_energy_j") or 0) / 3.6e6 for r in runs]}
    rep.sections.append(Section("Energy per run", figure=stacked_bars(
        "Measured IT energy per run, kWh", ids, parts, "kWh")))
    for d in docs:
        series = {f"{d['run']['id'][:8]} {dev}": (s["t"], s["power_w"])
                  for dev, s in d["series"].items()}
        if series:
            rep.sections.append(Section(f"Power over time: run {d['run']['id']}",
                                        figure=power_timeline(series, d["windows"],
                                                              float(d["run"]["started_at"]))))
    rep.sections.append(Section("Runs", table=(
        ["Run", "Command", "State", "Time, s", "IT energy, J", "CO2e, g"],
        [[r["id"], _command(r)[:60], str(r.get("state")), _g(r.get("time_s")),
          _g(r.get("total_energy_j")), _g(r.get("co2e_g"))] for r in runs])))
    return rep
