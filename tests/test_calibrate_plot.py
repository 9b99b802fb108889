"""calibrate plot: the roofline picture, with and without plotly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wattprint.calibrate.plot as plot
from wattprint.device.profile import Profile, load_profile
from wattprint.errors import InputError
from wattprint.testing import cli_run


def test_svg_written_without_plotly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plot, "plotly_available", lambda: False)
    prof = load_profile("h200-microbench")
    res = plot.write_roofline(prof, tmp_path / "r.html")
    assert res.kind == "svg-html" and "plotly not installed" in (res.note or "")
    text = res.path.read_text()
    assert "<svg" in text and "bf16" in text and "pJ/FLOP" in text
    res = plot.write_roofline(prof, tmp_path / "r.png")
    assert res.kind == "svg" and res.path.suffix == ".svg" and "PNG" in (res.note or "")
    assert res.path.read_text().startswith("<svg")


def test_plotly_html_when_installed(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    res = plot.write_roofline(load_profile("h200-microbench"), tmp_path / "r.html")
    assert res.kind == "plotly-html" and res.path.stat().st_size > 1000


def test_plot_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no achieved"):
        plot.write_roofline(Profile(name="empty"), tmp_path / "x.svg")
    with pytest.raises(InputError, match=".html, .png or .svg"):
        plot.write_roofline(load_profile("h200-microbench"), tmp_path / "x.pdf")


def test_cli_plot(tmp_path: Path) -> None:
    out = tmp_path / "h200.svg"
    r = cli_run("calibrate", "plot",
                        "h200-microbench", "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["kind"] == "svg" and out.is_file()
    r = cli_run("calibrate", "plot", "no-such",
                        "-o", str(out))
    assert r.returncode == 2 and "no profile file or built-in profile" in r.stderr
