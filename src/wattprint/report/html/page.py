"""Draw a :class:`~wattprint.report.html.model.Report` as one self-contained HTML page.

The page works offline: Plotly's bundled JavaScript (from the ``plotly`` package of the ``web``
extra) is inlined, figures are plain JSON drawn by ``Plotly.newPlot``; no CDN, no fetch.
Every text from data goes through :func:`html.escape`; JSON in ``<script>`` blocks has ``<``
escaped, so no value can close the script element.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from wattprint.errors import InputError
from wattprint.report.html.model import Report, Section
from wattprint.report.tables import clean_json

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2327;
 background:#fafafa;line-height:1.4}
main{max-width:1100px;margin:0 auto;padding:1.2rem 1.5rem 3rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem;
 border-bottom:1px solid #ddd;padding-bottom:.2rem}
.sub{color:#555;margin:0 0 1rem}
.box{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.6rem .9rem;margin:.6rem 0}
.assume{border-left:4px solid #bf8700}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tag{font-size:.75rem;padding:0 .35rem;border-radius:3px;background:#eef}
.tag.measured{background:#dafbe1}.tag.default{background:#fff8c5}
.prov{color:#555;font-size:.8rem}
.chart{width:100%;min-height:380px}
.note{color:#7a4b00}
footer{color:#777;font-size:.8rem;margin-top:2rem}
@media print{body{background:#fff}.chart{break-inside:avoid}}
"""

_RENDER_JS = """
document.querySelectorAll('script[type="application/json"][data-fig]').forEach(function(s){
  var f = JSON.parse(s.textContent);
  var cfg = {displaylogo:false, responsive:true};
  Plotly.newPlot(document.getElementById(s.dataset.fig), f.data, f.layout || {}, cfg);
});
"""


def plotly_js() -> str:
    """The text of Plotly's bundled ``plotly.min.js`` (``web`` extra).

    Raises:
        InputError: plotly is not installed.
    """
    try:
        return (resources.files("plotly") / "package_data" / "plotly.min.js").read_text(
            encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise InputError("HTML reports need plotly: pip install 'wattprint[web]'") from exc


def esc(x: Any) -> str:
    """HTML-escaped text of ``x``."""
    return html.escape("" if x is None else str(x), quote=True)


def script_json(obj: Any) -> str:
    """JSON safe to put inside a ``<script>`` element."""
    text = json.dumps(clean_json(obj), allow_nan=False, default=str, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _assumptions(rep: Report) -> str:
    if not rep.assumptions:
        return ""
    tag = " <span class='tag default'>default</span>"
    rows = "".join(
        f"<tr><th>{esc(a.name)}</th><td>{esc(a.value)}{tag if a.default else ''}</td>"
        f"<td class='prov'>{esc(a.source)}</td></tr>" for a in rep.assumptions)
    return (f"<section class='box assume' id='assumptions'><h2>Assumptions</h2>"
            f"<p class='prov'>Every input this result depends on; "
            f"<span class='tag default'>default</span> marks a value nobody gave.</p>"
            f"<table>{rows}</table></section>")


def _metrics(rep: Report) -> str:
    if not rep.metrics:
        return ""
    rows = []
    for m in rep.metrics:
        val, rng = m.shown()
        rows.append(
            f"<tr data-key='{esc(m.key)}' data-value='{m.value!r}' data-unit='{esc(m.unit)}'>"
            f"<th>{esc(m.label)}</th><td class='num value'>{esc(val)}</td>"
            f"<td class='num range'>{esc(rng)}</td>"
            f"<td><span class='tag {esc(m.basis)}'>{esc(m.basis)}</span></td>"
            f"<td class='prov' title='{esc(m.provenance)}'>{esc(_short(m.provenance))}</td></tr>")
    return ("<section class='box' id='headline'><h2>Result</h2><table><tr><th>Quantity</th>"
            "<th>Value</th><th>Range (low – high)</th><th>Basis</th><th>Provenance</th></tr>"
            + "".join(rows) + "</table></section>")


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_html(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    """An escaped HTML table; cells that look numeric are right-aligned."""
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(
            f"<td class='{'num' if _numeric(c) else ''}'>{esc(c)}</td>" for c in r) + "</tr>"
        for r in rows)
    return f"<table class='{esc(cls)}'><tr>{th}</tr>{body}</table>"


def _numeric(c: str) -> bool:
    return bool(c) and (c[0].isdigit() or c[0] in "$-−+") and len(c) < 40


def _section(sec: Section, n: int) -> str:
    parts = [f"<section class='box'><h2>{esc(sec.title)}</h2>"]
    if sec.caption:
        parts.append(f"<p class='prov'>{esc(sec.caption)}</p>")
    if sec.figure is not None:
        fid = sec.fig_id or f"fig{n}"
        parts.append(f"<div class='chart' id='{esc(fid)}'></div>"
                     f"<script type='application/json' data-fig='{esc(fid)}'>"
                     f"{script_json(sec.figure)}</script>")
    if sec.table is not None:
        parts.append(table_html(*sec.table))
    parts.append("</section>")
    return "".join(parts)


def report_body(rep: Report) -> str:
    """The inside of ``<main>``: assumptions first, then result, charts, notes."""
    notes = "".join(f"<li class='note'>{esc(n)}</li>" for n in rep.notes)
    body = [f"<h1>{esc(rep.title)}</h1>", f"<p class='sub'>{esc(rep.subtitle)}</p>",
            _assumptions(rep), _metrics(rep)]
    body += [_section(s, i) for i, s in enumerate(rep.sections)]
    if notes:
        body.append(f"<section class='box'><h2>Notes</h2><ul>{notes}</ul></section>")
    return "".join(body)


def page_html(title: str, main: str, *, kind: str, script_src: str | None = None,
              head_extra: str = "", data: Any = None, footer: str = "") -> str:
    """A whole HTML page: Plotly inlined (``script_src`` None) or loaded from a URL."""
    plotly = (f"<script>{plotly_js()}</script>" if script_src is None
              else f"<script src='{esc(script_src)}'></script>")
    data_js = ("" if data is None else
               f"<script type='application/json' id='wattprint-data'>{script_json(data)}</script>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{esc(title)}</title><style>{CSS}</style>{head_extra}{plotly}</head>"
        f"<body data-report-kind='{esc(kind)}'><main>{main}<footer>{footer}</footer></main>"
        f"{data_js}<script>{_RENDER_JS}</script></body></html>")


def render_html(rep: Report, *, version: str = "") -> str:
    """The self-contained page of a report (Plotly inlined, data embedded as JSON)."""
    return page_html(rep.title, report_body(rep), kind=rep.kind, data=rep.data,
                     head_extra=f"<meta name='generator' content='wattprint {esc(version)}'>",
                     footer=f"Made by wattprint {esc(version)}, report kind {esc(rep.kind)}. "
                            "Works offline; the data behind it is embedded as JSON.")
