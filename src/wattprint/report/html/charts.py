"""Plotly figures as plain dicts (no plotly import: the page's inlined JS draws them).

Each function returns ``{"data": [...], "layout": {...}}`` for ``Plotly.newPlot``. Energies
are in kWh on axes (SI J in the data they come from); hover text carries provenance.
"""

from __future__ import annotations

from typing import Any

from wattprint.quantity import J_PER_KWH

Fig = dict[str, Any]

COLOURS = ("#0969da", "#bf3989", "#1a7f37", "#bc4c00", "#8250df", "#57606a", "#cf222e",
           "#116329", "#953800", "#0550ae")


def _layout(title: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"title": {"text": title, "font": {"size": 14}},
                            "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
                            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
                            "hovermode": "closest", "font": {"size": 12}}
    for axis in ("xaxis", "yaxis"):  # plotly.js 3 takes axis titles as {"text": ...} only
        ax = kw.get(axis)
        if isinstance(ax, dict) and isinstance(ax.get("title"), str):
            kw[axis] = {**ax, "title": {"text": ax["title"]}, "automargin": True}
    base.update(kw)
    return base


def energy_sankey(accelerator_j: float, host_j: float, it_j: float, facility_j: float,
                  provenance: dict[str, str], *, basis: str = "modelled") -> Fig:
    """The energy chain as a Sankey: grid → facility → {IT, cooling and power losses};
    IT → {accelerators, host}. Values in kWh; ``provenance`` keyed by node name."""
    kwh = [x / J_PER_KWH for x in (accelerator_j, host_j, it_j, facility_j)]
    acc, host, it, fac = kwh
    losses = max(fac - it, 0.0)
    other_it = max(it - acc - host, 0.0)
    labels = ["Grid", "Facility (at the wall)", "IT equipment",
              "Cooling & power losses (PUE − 1)", "Accelerators", "Host (CPU, RAM, network)",
              "Other IT"]
    links = [(0, 1, fac), (1, 2, it), (1, 3, losses), (2, 4, acc), (2, 5, host),
             (2, 6, other_it)]
    links = [lk for lk in links if lk[2] > 1e-6 * max(fac, 1e-30)]
    node_prov = [provenance.get(n, basis) for n in
                 ("grid", "facility", "it", "losses", "accelerator", "host", "other")]
    return {
        "data": [{
            "type": "sankey", "valueformat": ".3~g", "valuesuffix": " kWh",
            "node": {"label": labels, "pad": 18, "thickness": 18,
                     "color": ["#57606a", "#bc4c00", "#0969da", "#cf222e", "#8250df",
                               "#1a7f37", "#999999"],
                     "customdata": node_prov,
                     "hovertemplate": "%{label}: %{value}<br>%{customdata}<extra></extra>"},
            "link": {"source": [lk[0] for lk in links], "target": [lk[1] for lk in links],
                     "value": [lk[2] for lk in links]},
        }],
        "layout": _layout(f"Energy chain ({basis}), kWh", height=360),
    }


def bars_with_ranges(title: str, labels: list[str], values: list[float],
                     lows: list[float | None], highs: list[float | None], unit: str,
                     hover: list[str] | None = None) -> Fig:
    """Horizontal bars with low–high error bars (asymmetric) and hover provenance."""
    plus = [(h - v) if h is not None else 0.0 for v, h in zip(values, highs, strict=True)]
    minus = [(v - lo) if lo is not None else 0.0 for v, lo in zip(values, lows, strict=True)]
    return {
        "data": [{"type": "bar", "orientation": "h", "y": labels, "x": values,
                  "marker": {"color": COLOURS[0]},
                  "error_x": {"type": "data", "symmetric": False, "array": plus,
                              "arrayminus": minus, "color": "#444"},
                  "customdata": hover or [""] * len(values),
                  "hovertemplate": "%{y}: %{x:.3~g} " + unit
                  + "<br>%{customdata}<extra></extra>"}],
        "layout": _layout(title, xaxis={"title": unit}, yaxis={"automargin": True},
                          height=max(220, 60 + 38 * len(values))),
    }


def stacked_bars(title: str, categories: list[str], series: dict[str, list[float]],
                 unit: str) -> Fig:
    """Vertical stacked bars: one bar per category, one colour per series."""
    data = [{"type": "bar", "name": name, "x": categories, "y": vals,
             "marker": {"color": COLOURS[i % len(COLOURS)]},
             "hovertemplate": name + ": %{y:.3~g} " + unit + "<extra></extra>"}
            for i, (name, vals) in enumerate(series.items())]
    return {"data": data, "layout": _layout(title, barmode="stack", yaxis={"title": unit},
                                            height=360)}


def power_timeline(series: dict[str, tuple[list[float], list[float]]],
                   windows: list[dict[str, Any]], t0: float) -> Fig:
    """Power over time per device (W vs s since ``t0``), windows shaded and named."""
    data = [{"type": "scatter", "mode": "lines", "name": dev, "x": [t - t0 for t in ts],
             "y": ps, "line": {"width": 1.5, "color": COLOURS[i % len(COLOURS)]},
             "hovertemplate": dev + ": %{y:.4~g} W at %{x:.2f} s<extra></extra>"}
            for i, (dev, (ts, ps)) in enumerate(series.items())]
    shapes, notes = [], []
    for i, w in enumerate(windows):
        x0, x1 = float(w["started_at"]) - t0, float(w["ended_at"]) - t0
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": x0, "x1": x1,
                       "y0": 0, "y1": 1, "fillcolor": COLOURS[(i + 3) % len(COLOURS)],
                       "opacity": 0.12, "line": {"width": 0}})
        notes.append({"x": (x0 + x1) / 2, "y": 1.0, "xref": "x", "yref": "paper",
                      "text": str(w.get("name", "")), "showarrow": False,
                      "yanchor": "bottom", "font": {"size": 11}})
    return {"data": data, "layout": _layout(
        "Power over time per device (shaded: windows)", xaxis={"title": "time since start, s"},
        yaxis={"title": "power, W", "rangemode": "tozero"}, shapes=shapes, annotations=notes,
        height=400, legend={"orientation": "h", "y": -0.2})}


def front_2d(points: list[dict[str, Any]], x_key: str, y_key: str) -> list[dict[str, Any]]:
    """Points no other point beats on both ``x_key`` and ``y_key`` (lower is better), by x."""
    out: list[dict[str, Any]] = []
    best_y = float("inf")
    for p in sorted(points, key=lambda p: (p[x_key], p[y_key])):
        if p[y_key] < best_y:
            out.append(p)
            best_y = p[y_key]
    return out


def pareto(points: list[dict[str, Any]], x_key: str, y_key: str, x_title: str,
           y_title: str) -> Fig:
    """Configurations (``label``, ``group`` and the two keys) with their 2-D frontier line."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        groups.setdefault(str(p.get("group", "")), []).append(p)
    hover = "%{text}<br>" + x_title + ": %{x:.3~g}<br>" + y_title + ": %{y:.3~g}<extra></extra>"
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "markers", "name": g, "x": [p[x_key] for p in ps],
         "y": [p[y_key] for p in ps], "text": [p.get("label", "") for p in ps],
         "marker": {"size": 10, "color": COLOURS[i % len(COLOURS)]}, "hovertemplate": hover}
        for i, (g, ps) in enumerate(groups.items())]
    front = front_2d(points, x_key, y_key)
    data.append({"type": "scatter", "mode": "lines", "name": "frontier on these two axes",
                 "x": [p[x_key] for p in front], "y": [p[y_key] for p in front],
                 "line": {"dash": "dot", "color": "#444", "shape": "hv"}, "hoverinfo": "skip"})
    return {"data": data, "layout": _layout(
        "Pareto frontier: no configuration is better on both axes",
        xaxis={"title": x_title, "type": "log"}, yaxis={"title": y_title, "type": "log"},
        height=440)}


def lifecycle_curve(days: list[float], training: float, totals: list[float],
                    crossover_day: float | None, unit: str, title: str) -> Fig:
    """Cumulative training (flat) vs serving (grows) vs total, crossover marked."""
    serving = [t - training for t in totals]
    data = [
        {"type": "scatter", "mode": "lines", "name": "training (one-off)", "x": days,
         "y": [training] * len(days), "line": {"color": COLOURS[0]}},
        {"type": "scatter", "mode": "lines", "name": "serving (cumulative)", "x": days,
         "y": serving, "line": {"color": COLOURS[1]}},
        {"type": "scatter", "mode": "lines", "name": "total", "x": days, "y": totals,
         "line": {"color": COLOURS[5], "dash": "dash"}},
    ]
    shapes, notes = [], []
    if crossover_day is not None and days and crossover_day <= days[-1]:
        shapes.append({"type": "line", "x0": crossover_day, "x1": crossover_day, "y0": 0,
                       "y1": 1, "yref": "paper", "line": {"color": COLOURS[6], "dash": "dot"}})
        notes.append({"x": crossover_day, "y": 1, "yref": "paper", "showarrow": False,
                      "text": f"crossover day {crossover_day:.0f}", "yanchor": "bottom"})
    return {"data": data, "layout": _layout(title, xaxis={"title": "day of serving"},
                                            yaxis={"title": unit, "rangemode": "tozero"},
                                            shapes=shapes, annotations=notes, height=400)}


def predicted_vs_published(groups: dict[str, list[dict[str, Any]]], unit: str,
                           title: str) -> Fig:
    """Log-log scatter of predicted vs published with the ±25 % and ±50 % bands."""
    xs = [r["published"] for rows in groups.values() for r in rows]
    lo, hi = (min(xs) / 2, max(xs) * 2) if xs else (1.0, 10.0)
    data: list[dict[str, Any]] = []
    for band, colour in ((0.5, "rgba(191,135,0,0.10)"), (0.25, "rgba(26,127,55,0.15)")):
        data.append({"type": "scatter", "mode": "lines", "x": [lo, hi, hi, lo, lo],
                     "y": [lo * (1 - band), hi * (1 - band), hi * (1 + band), lo * (1 + band),
                           lo * (1 - band)], "fill": "toself", "fillcolor": colour,
                     "line": {"width": 0}, "name": f"±{band * 100:.0f} %",
                     "hoverinfo": "skip"})
    data.append({"type": "scatter", "mode": "lines", "x": [lo, hi], "y": [lo, hi],
                 "line": {"color": "#444", "dash": "dot"}, "name": "predicted = published",
                 "hoverinfo": "skip"})
    for i, (g, rows) in enumerate(groups.items()):
        data.append({"type": "scatter", "mode": "markers", "name": g,
                     "x": [r["published"] for r in rows], "y": [r["predicted"] for r in rows],
                     "text": [f"{r['id']} ({r['quantity']}): error {r['error'] * 100:+.0f} %"
                              for r in rows],
                     "marker": {"size": 8, "color": COLOURS[i % len(COLOURS)]},
                     "hovertemplate": "%{text}<extra></extra>"})
    return {"data": data, "layout": _layout(
        title, xaxis={"title": f"published, {unit}", "type": "log"},
        yaxis={"title": f"predicted, {unit}", "type": "log"}, height=440)}
