"""The roofline picture of a profile: achieved ceilings and energy per FLOP and per byte.

Left: attainable FLOP/s against arithmetic intensity ``I`` (FLOP per byte of device memory):
``min(F_prec, I · BW)`` for each precision measured. Right: energy per FLOP at intensity
``I``: dynamic ``e_flop + e_byte / I`` and, with the idle floor shared over the attainable
rate, ``e_flop + e_byte / I + P_idle / min(F, I · BW)``.

Written with plotly (``pip install wattprint[web]``) as interactive HTML, or as PNG when
plotly's image export (kaleido) is installed; otherwise as a hand-written SVG (an ``.html``
request gets the SVG inside a small HTML page). Never fails for lack of plotly: the result
says which was written.
"""

from __future__ import annotations

import html
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wattprint.device.profile import Profile
from wattprint.errors import InputError

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
          "#17becf")


@dataclass(frozen=True)
class Series:
    """One line of a panel."""

    name: str
    x: list[float]
    y: list[float]
    dash: bool = False


@dataclass(frozen=True)
class PlotResult:
    """What was written."""

    path: Path
    kind: str  # plotly-html | plotly-png | svg | svg-html
    note: str | None = None


def roofline_series(profile: Profile) -> tuple[list[Series], list[Series], list[str]]:
    """The series of both panels and the notes (what is missing)."""
    dev = profile.device
    notes: list[str] = []
    if not dev.achieved_flops:
        raise InputError(f"profile {profile.name} has no achieved FLOP/s: nothing to draw "
                         "(run `wattprint calibrate device` to make a device profile)")
    bw = dev.achieved_bandwidth_bps.value if dev.achieved_bandwidth_bps else None
    if bw is None:
        notes.append("no achieved bandwidth: compute ceilings only")
    xs = list(np.logspace(-2, 5, 141))
    perf: list[Series] = []
    energy: list[Series] = []
    eb = dev.j_per_byte.value if dev.j_per_byte else None
    idle = dev.idle_w.value if dev.idle_w else None
    for prec, f in sorted(dev.achieved_flops.items(), key=lambda kv: -kv[1].value):
        att = [min(f.value, x * bw) if bw else f.value for x in xs]
        perf.append(Series(f"{prec}: {f.value / 1e12:.4g} TFLOP/s", xs, att))
        ef = dev.j_per_flop.get(prec)
        if ef is None:
            continue
        dyn = [ef.value + (eb / x if eb else 0.0) for x in xs]
        energy.append(Series(f"{prec} dynamic: {ef.value * 1e12:.3g} pJ/FLOP", xs, dyn,
                             dash=True))
        if idle:
            energy.append(Series(f"{prec} with idle {idle:.4g} W", xs,
                                 [d + idle / a for d, a in zip(dyn, att, strict=True)]))
    if bw:
        perf.append(Series(f"memory: {bw / 1e9:.4g} GB/s", xs, [x * bw for x in xs],
                           dash=True))
    if not energy:
        notes.append("no energy per FLOP in the profile: energy panel empty")
    return perf, energy, notes


def _title(profile: Profile) -> str:
    dev = profile.device
    parts = [f"{profile.name} ({profile.hardware or 'device'})"]
    if dev.j_per_byte:
        parts.append(f"{dev.j_per_byte.value * 1e12:.4g} pJ/byte")
    if dev.idle_w:
        parts.append(f"idle {dev.idle_w.value:.4g} W")
    basis = profile.fit.get("energy_basis") if isinstance(profile.fit, dict) else None
    if basis == "estimated":
        parts.append("energies ESTIMATED (no sensor)")
    return " · ".join(parts)


# -- plotly ---------------------------------------------------------------------------------

def _plotly_figure(profile: Profile, perf: list[Series], energy: list[Series]) -> object:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "Achieved ceilings: attainable FLOP/s", "Energy per FLOP (J)"))
    for i, s in enumerate(perf):
        fig.add_trace(go.Scatter(x=s.x, y=s.y, name=s.name, mode="lines", legendgroup="p",
                                 line={"color": COLORS[i % len(COLORS)],
                                       "dash": "dash" if s.dash else "solid"}), row=1, col=1)
    for i, s in enumerate(energy):
        fig.add_trace(go.Scatter(x=s.x, y=s.y, name=s.name, mode="lines", legendgroup="e",
                                 line={"color": COLORS[(i // 2) % len(COLORS)],
                                       "dash": "dash" if s.dash else "solid"}), row=1, col=2)
    for c in (1, 2):
        fig.update_xaxes(type="log", title_text="arithmetic intensity (FLOP/byte)", row=1,
                         col=c)
        fig.update_yaxes(type="log", row=1, col=c)
    fig.update_yaxes(title_text="FLOP/s", row=1, col=1)
    fig.update_yaxes(title_text="J/FLOP", row=1, col=2)
    fig.update_layout(title_text=_title(profile), template="plotly_white", width=1200,
                      height=520)
    return fig


# -- hand-written SVG -----------------------------------------------------------------------

def _panel_svg(series: list[Series], x0: float, y0: float, w: float, h: float, title: str,
               ylabel: str, color_step: int = 1) -> str:
    out = [f'<text x="{x0 + w / 2:.1f}" y="{y0 - 8:.1f}" text-anchor="middle" '
           f'font-size="14">{html.escape(title)}</text>',
           f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#333"/>']
    pts = [(x, y) for s in series for x, y in zip(s.x, s.y, strict=True) if x > 0 and y > 0]
    if not pts:
        out.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 + h / 2:.1f}" text-anchor="middle" '
                   'font-size="12">no data</text>')
        return "\n".join(out)
    lx = [math.log10(p[0]) for p in pts]
    ly = [math.log10(p[1]) for p in pts]
    xmin, xmax = math.floor(min(lx)), math.ceil(max(lx))
    ymin, ymax = math.floor(min(ly)), math.ceil(max(ly))
    ymax = max(ymax, ymin + 1)

    def px(v: float) -> float:
        return x0 + (math.log10(v) - xmin) / (xmax - xmin) * w

    def py(v: float) -> float:
        return y0 + h - (math.log10(v) - ymin) / (ymax - ymin) * h

    for d in range(xmin, xmax + 1):
        x = x0 + (d - xmin) / (xmax - xmin) * w
        out.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + h}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{y0 + h + 15:.1f}" text-anchor="middle" '
                   f'font-size="10">1e{d}</text>')
    for d in range(ymin, ymax + 1):
        y = y0 + h - (d - ymin) / (ymax - ymin) * h
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 4:.1f}" y="{y + 3:.1f}" text-anchor="end" '
                   f'font-size="10">1e{d}</text>')
    out.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 + h + 32:.1f}" text-anchor="middle" '
               'font-size="11">arithmetic intensity (FLOP/byte)</text>')
    out.append(f'<text x="{x0 - 42:.1f}" y="{y0 + h / 2:.1f}" text-anchor="middle" '
               f'font-size="11" transform="rotate(-90 {x0 - 42:.1f} {y0 + h / 2:.1f})">'
               f'{html.escape(ylabel)}</text>')
    for i, s in enumerate(series):
        color = COLORS[(i // color_step) % len(COLORS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(s.x, s.y, strict=True)
                        if x > 0 and y > 0)
        dash = ' stroke-dasharray="6,4"' if s.dash else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        ly_ = y0 + h + 50 + 15 * i
        out.append(f'<line x1="{x0}" y1="{ly_ - 4}" x2="{x0 + 24}" y2="{ly_ - 4}" '
                   f'stroke="{color}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{x0 + 30}" y="{ly_}" font-size="11">{html.escape(s.name)}'
                   '</text>')
    return "\n".join(out)


def roofline_svg(profile: Profile, perf: list[Series], energy: list[Series],
                 notes: list[str]) -> str:
    """The two panels as a standalone SVG document (no dependency)."""
    w, h = 480.0, 320.0
    rows = max(len(perf), len(energy))
    height = 60 + h + 60 + 15 * rows + 20 * (len(notes) + 1)
    body = [_panel_svg(perf, 80, 60, w, h, "Achieved ceilings: attainable FLOP/s", "FLOP/s"),
            _panel_svg(energy, 680, 60, w, h, "Energy per FLOP", "J/FLOP", color_step=2)]
    y = 60 + h + 60 + 15 * rows + 10
    for n in notes:
        body.append(f'<text x="80" y="{y}" font-size="11" fill="#a00">{html.escape(n)}</text>')
        y += 18
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="{height:.0f}" '
            f'font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n'
            f'<text x="600" y="24" text-anchor="middle" font-size="16">'
            f'{html.escape(_title(profile))}</text>\n' + "\n".join(body) + "\n</svg>\n")


def plotly_available() -> bool:
    """Whether plotly is installed."""
    return importlib.util.find_spec("plotly") is not None


def check_picture_path(path: str | Path) -> Path:
    """``path`` as a roofline picture to write: ``.html``, ``.png`` or ``.svg`` in an existing
    folder (checked before a benchmark runs, not after).

    Raises:
        InputError: another suffix, a missing folder or a directory.
    """
    from wattprint.textfiles import output_file

    if Path(path).suffix.lower() not in (".html", ".htm", ".png", ".svg"):
        raise InputError(f"roofline picture must be .html, .png or .svg, got {str(path)!r}")
    return output_file(path)


def write_roofline(profile: Profile, path: str | Path, backend: str = "auto") -> PlotResult:
    """Write the roofline picture of ``profile`` to ``path`` (``.html``, ``.png`` or ``.svg``).

    ``backend``: ``auto`` (plotly if installed, else SVG), ``plotly`` or ``svg``.

    Raises:
        InputError: unknown suffix or backend, plotly requested but missing, or a profile
            without achieved throughput.
    """
    out = check_picture_path(path)
    suffix = out.suffix.lower()
    if backend not in ("auto", "plotly", "svg"):
        raise InputError(f"unknown plot backend {backend!r} (auto, plotly or svg)")
    if backend == "plotly" and not plotly_available():
        raise InputError("plotly is not installed (pip install 'wattprint[web]'); use "
                         "--backend svg")
    perf, energy, notes = roofline_series(profile)
    use_plotly = backend == "plotly" or (backend == "auto" and plotly_available())
    try:
        if use_plotly and suffix != ".svg":
            fig = _plotly_figure(profile, perf, energy)
            if suffix == ".png":
                if importlib.util.find_spec("kaleido") is not None:
                    fig.write_image(str(out))  # type: ignore[attr-defined]
                    return PlotResult(out, "plotly-png")
                svg_path = out.with_suffix(".svg")
                svg_path.write_text(roofline_svg(profile, perf, energy, notes), "utf-8")
                return PlotResult(svg_path, "svg", "PNG needs plotly's image export "
                                  "(pip install kaleido); wrote an SVG instead")
            fig.write_html(str(out), include_plotlyjs=True)  # type: ignore[attr-defined]
            return PlotResult(out, "plotly-html")
        svg = roofline_svg(profile, perf, energy, notes)
        if suffix == ".svg":
            out.write_text(svg, "utf-8")
            return PlotResult(out, "svg")
        if suffix == ".png":
            svg_path = out.with_suffix(".svg")
            svg_path.write_text(svg, "utf-8")
            return PlotResult(svg_path, "svg", "PNG needs plotly with kaleido "
                              "(pip install 'wattprint[web]' kaleido); wrote an SVG instead")
        page = (f"<!doctype html>\n<html><head><meta charset='utf-8'><title>"
                f"{html.escape(_title(profile))}</title></head><body>\n{svg}</body></html>\n")
        out.write_text(page, "utf-8")
        note = None if backend == "svg" else "plotly not installed: hand-written SVG in HTML"
        return PlotResult(out, "svg-html", note)
    except OSError as exc:
        raise InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
