"""Dashboard pages and their JSON endpoints (each page is a view of one endpoint).

Handlers take the read-only ledger and the query (a dict of strings) and return
``(status, content type, body)``. Names from a query are checked against :data:`NAME` and
then looked up in the catalogues; numbers go through :func:`wattprint.numbers.parse_number`
with bounds, so nothing from a request reaches the filesystem or SQL text.
"""

from __future__ import annotations

import re
from typing import Any

from wattprint.catalog.defaults import default_stack
from wattprint.errors import InputError
from wattprint.report.html.model import Report
from wattprint.report.html.page import esc, page_html, report_body
from wattprint.report.tables import dumps_json

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(\.[0-9]+[A-Za-z0-9_-]*)*$")
NAV = (("/", "Runs"), ("/compare", "Compare runs"), ("/estimate", "Estimate what-if"),
       ("/plan", "Planner frontier"))
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


def _page(title: str, main: str, kind: str, json_href: str | None = None) -> tuple[int, str,
                                                                                  bytes]:
    nav = " · ".join(f"<a href='{h}'>{esc(t)}</a>" for h, t in NAV)
    link = f" · <a href='{esc(json_href)}' id='json-link'>JSON</a>" if json_href else ""
    body = f"<nav class='prov'>wattprint dashboard (read only): {nav}{link}</nav>{main}"
    return 200, HTML, page_html(title, body, kind=kind, script_src="/static/plotly.min.js",
                                footer="Read-only view of the ledger.").encode()


def _json(obj: Any) -> tuple[int, str, bytes]:
    return 200, JSON, (dumps_json(obj) + "\n").encode()


def _name(q: dict[str, str], key: str, default: str | None) -> str | None:
    v = q.get(key) or default
    if v is None:
        return None
    if not NAME.match(v):
        raise InputError(f"{key}: not a catalogue name: {v[:40]!r}")
    return v


def _int(q: dict[str, str], key: str, default: int, hi: int) -> int:
    from wattprint.numbers import parse_number

    v = int(parse_number(q.get(key) or default, key, integer=True))
    if v > hi:
        raise InputError(f"{key}: at most {hi} in the dashboard, got {v}")
    return v


def _given(q: dict[str, str]) -> bool:
    return any(k != "token" for k in q)


def plotly_static(_ledger: Any, _q: dict[str, str]) -> tuple[int, str, bytes]:
    """Plotly's bundled JS from the installed package (the only static file)."""
    from wattprint.report.html.page import plotly_js

    return 200, "text/javascript; charset=utf-8", plotly_js().encode()


# -- runs -------------------------------------------------------------------------------

_RUN_KEYS = ("id", "started_at", "ended_at", "state", "exit_code", "command", "site", "time_s",
             "accelerator_energy_j", "host_energy_j", "total_energy_j", "facility_energy_j",
             "co2e_g", "water_l", "cost_usd", "host")


def runs_api(ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/api/runs?limit=&offset=``: recent runs, newest first."""
    limit, offset = _int(q, "limit", 50, 500), _int(q, "offset", 0, 10**9) if q.get(
        "offset") else 0
    rows = [{k: r.get(k) for k in _RUN_KEYS} for r in ledger.runs(limit=limit, offset=offset)]
    return _json({"count": ledger.count(), "limit": limit, "offset": offset, "runs": rows})


def _when(t: float | None) -> str:
    import datetime as dt

    return "—" if t is None else dt.datetime.fromtimestamp(float(t)).strftime("%Y-%m-%d %H:%M:%S")


def _cmd(r: dict[str, Any]) -> str:
    c = r.get("command")
    return " ".join(c) if isinstance(c, list) else str(c)


def runs_page(ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/``: the runs of the ledger, each linking to its page; tick runs to compare."""
    runs = ledger.runs(limit=_int(q, "limit", 50, 500))
    rows = "".join(
        f"<tr class='run-row'><td><input type='checkbox' name='runs' value='{esc(r['id'])}'>"
        f"</td><td><a class='run-link' href='/run/{esc(r['id'])}'>{esc(r['id'])}</a></td>"
        f"<td>{esc(_when(r.get('started_at')))}</td><td>{esc(_cmd(r)[:60])}</td>"
        f"<td>{esc(r.get('state'))}</td><td class='num'>{_g(r.get('time_s'))}</td>"
        f"<td class='num'>{_g(r.get('total_energy_j'))}</td>"
        f"<td class='num'>{_g(r.get('co2e_g'))}</td></tr>" for r in runs)
    main = (f"<h1>Runs</h1><p class='sub'>{ledger.count()} runs in {esc(ledger.path)}</p>"
            "<form method='get' action='/compare'><table id='runs'><tr><th></th><th>Run</th>"
            "<th>Started</th><th>Command</th><th>State</th><th>Time, s</th>"
            f"<th>IT energy, J</th><th>CO2e, g</th></tr>{rows}</table>"
            "<p><button type='submit'>Compare ticked runs</button></p></form>")
    if not runs:
        main += "<p>No runs yet: measure one with <code>wattprint run -- CMD</code>.</p>"
    return _page("wattprint: runs", main, "runs", "/api/runs")


def _g(x: Any) -> str:
    return "—" if x is None else f"{float(x):.4g}"


def run_api(ledger: Any, rid: str, _q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/api/runs/<id>``: the run, its devices, windows and power series."""
    from wattprint.report.html.measure import run_document

    return _json(run_document(ledger, rid))


def run_page(ledger: Any, rid: str, _q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/run/<id>``: the run report (power over time with windows, devices, chain)."""
    from wattprint.report.html.measure import run_document, run_report

    doc = run_document(ledger, rid)
    rep = run_report(doc)
    extra = f"<p><a href='/report/{esc(doc['run']['id'])}'>Download the offline report</a></p>"
    return _page(rep.title, report_body(rep) + extra, "run", f"/api/runs/{doc['run']['id']}")


def run_report_page(ledger: Any, rid: str, _q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/report/<id>``: the self-contained HTML report of a run (Plotly inlined)."""
    from wattprint.report.html import render
    from wattprint.report.html.measure import run_document

    return 200, HTML, render(run_document(ledger, rid)).encode()


def _compare_ids(q: dict[str, str]) -> list[str]:
    from wattprint.ui.app import RUN_ID

    ids = [s for s in (q.get("runs") or "").split(",") if s]
    if len(ids) > 8:
        raise InputError("compare at most 8 runs")
    bad = [i for i in ids if not RUN_ID.match(i)]
    if bad:
        raise InputError(f"not a run id: {bad[0][:40]!r}")
    return ids


def compare_api(ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/api/compare?runs=a,b``: the runs' documents side by side."""
    from wattprint.report.html.measure import run_document

    return _json({"runs": [run_document(ledger, i, max_points=1000)["run"]
                           for i in _compare_ids(q)]})


def compare_page(ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/compare?runs=a,b``: energy per run and each run's power over time."""
    from wattprint.report.html.measure import job_report, run_document

    ids = _compare_ids(q)
    if not ids:
        main = ("<h1>Compare runs</h1><p>Tick two or more runs on the <a href='/'>runs "
                "page</a>, or give <code>?runs=ID1,ID2</code>.</p>")
        return _page("wattprint: compare", main, "compare")
    rep = job_report([run_document(ledger, i, max_points=1000) for i in ids], "comparison")
    rep.title = f"Comparing {len(ids)} runs"
    return _page(rep.title, report_body(rep), "compare", f"/api/compare?runs={','.join(ids)}")


# -- what-if estimate and planner ------------------------------------------------------------

def _est_fields() -> tuple[tuple[str, str], ...]:
    return (("model", "llama-3.1-8b"), ("hardware", "h100"), ("precision", "bf16"),
            ("stack", default_stack("serve")), ("site", "world"), ("chips", "1"),
            ("batch", "8"), ("prompt_tokens", "512"), ("output_tokens", "256"))


def _estimate(q: dict[str, str]) -> dict[str, Any]:
    from wattprint.estimate import estimate_inference
    from wattprint.workload.model_spec import get_model_spec

    spec = get_model_spec(_name(q, "model", "llama-3.1-8b") or "")
    fp = estimate_inference(
        spec, _name(q, "hardware", "h100") or "", batch=_int(q, "batch", 8, 4096),
        prompt_tokens=_int(q, "prompt_tokens", 512, 1_000_000),
        output_tokens=_int(q, "output_tokens", 256, 1_000_000),
        chips=_int(q, "chips", 1, 1024), precision=_name(q, "precision", "bf16") or "",
        stack=_name(q, "stack", default_stack("serve")) or "", site=_name(q, "site", "world"))
    return fp.to_dict()


def _form(action: str, fields: tuple[tuple[str, str], ...], q: dict[str, str]) -> str:
    inputs = "".join(
        f"<label>{esc(k.replace('_', ' '))} <input name='{esc(k)}' "
        f"value='{esc(q.get(k) or v)}' size='14'></label> " for k, v in fields)
    return (f"<form method='get' action='{esc(action)}' class='box' id='form'>{inputs}"
            "<button type='submit'>Compute</button></form>")


def estimate_api(_ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/api/estimate?model=&hardware=&batch=...``: an inference footprint."""
    return _json(_estimate(q))


def estimate_page(_ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/estimate``: what-if form; with parameters, the estimate's report below it."""
    from urllib.parse import urlencode

    from wattprint.report.html.predict import estimate_report

    form = "<h1>Estimate what-if</h1>" + _form("/estimate", _est_fields(), q)
    if not _given(q):
        return _page("wattprint: what-if", form, "estimate")
    rep: Report = estimate_report(_estimate(q))
    return _page(rep.title, form + report_body(rep), "estimate",
                 "/api/estimate?" + urlencode({k: v for k, v in q.items() if k != "token"}))


_PLAN_FIELDS = (("model", "llama-3.1-8b"), ("demand", "1e6requests/day"),
                ("prompt_tokens", "512"), ("output_tokens", "256"), ("objective", "energy"))


def _plan(q: dict[str, str]) -> dict[str, Any]:
    from wattprint.plan.demand import parse_demand
    from wattprint.plan.sweep import plan_inference
    from wattprint.workload.model_spec import get_model_spec

    demand = q.get("demand") or "1e6requests/day"
    if len(demand) > 40:
        raise InputError("demand: too long")
    d = parse_demand(demand, _int(q, "prompt_tokens", 512, 1_000_000),
                     _int(q, "output_tokens", 256, 1_000_000))
    spec = get_model_spec(_name(q, "model", "llama-3.1-8b") or "")
    res = plan_inference(spec, d, objective=_name(q, "objective", "energy") or "energy", top=5)
    return res.to_dict()


def plan_api(_ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/api/plan?model=&demand=...``: the serving plan and its frontier."""
    return _json(_plan(q))


def plan_page(_ledger: Any, q: dict[str, str]) -> tuple[int, str, bytes]:
    """``/plan``: planner form; with parameters, the Pareto frontier and ranking."""
    from urllib.parse import urlencode

    from wattprint.report.html.planning import plan_report

    form = "<h1>Planner frontier</h1>" + _form("/plan", _PLAN_FIELDS, q)
    if not _given(q):
        return _page("wattprint: planner", form, "plan")
    rep = plan_report(_plan(q))
    return _page(rep.title, form + report_body(rep), "plan",
                 "/api/plan?" + urlencode({k: v for k, v in q.items() if k != "token"}))

