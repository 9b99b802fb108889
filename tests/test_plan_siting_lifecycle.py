"""Siting, time-shifting, lifecycle, edge vs cloud and right-sizing: hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wattprint.catalog import get_site
from wattprint.errors import InputError
from wattprint.estimate import estimate_training
from wattprint.plan.budget import dense_spec, get_fit, right_size
from wattprint.plan.data import HourlyProfile, read_profile_csv, site_profile
from wattprint.plan.demand import parse_demand
from wattprint.plan.edge import EdgeSide, edge_vs_cloud
from wattprint.plan.lifecycle import crossover_day, lifecycle
from wattprint.plan.siting import best_start_hour, compare_regions, window_integrals


def test_regions_lower_intensity_wins_by_hand():
    """1 MWh accelerator + 0.1 MWh host, no embodied: CO2e = 1.1 MWh × PUE × grid."""
    acc, host = 3.6e9, 0.36e9
    res = compare_regions(acc, host, 0.0, ["aws-us-east-1", "aws-eu-north-1"],
                          objective="co2e")
    a, b = get_site("aws-eu-north-1"), get_site("aws-us-east-1")
    assert res.verdict.winner == "aws-eu-north-1"
    exp_a = 1100 * a.pue.value * a.grid_gco2e_per_kwh.value
    exp_b = 1100 * b.pue.value * b.grid_gco2e_per_kwh.value
    rows = {r["region"]: r for r in res.rows}
    assert rows[a.id]["total_co2e_g"] == pytest.approx(exp_a)
    assert res.verdict.best.value == pytest.approx(exp_a)
    assert res.verdict.best.unit == "gCO2e" and "aws-eu-north-1" in res.verdict.best.provenance
    assert res.to_dict()["verdict"]["saving_vs_worst"] == pytest.approx(exp_b - exp_a)
    # water = IT kWh × WUE + facility kWh × off-site; on-site + off-site adds up
    r = rows[a.id]
    assert r["water_onsite_l"] == pytest.approx(1100 * a.wue_l_per_kwh.value)
    assert r["water_l"] == pytest.approx(1100 * a.wue_l_per_kwh.value
                                         + 1100 * a.pue.value * a.water_l_per_kwh.value)
    with pytest.raises(InputError):
        compare_regions(-1.0, 0.0, 0.0, ["aws-us-east-1"])


def test_window_integrals_by_hand():
    prof = np.arange(24, dtype=float)
    w = window_integrals(prof, 2.5)
    assert w[0] == pytest.approx(0 + 1 + 0.5 * 2)
    assert w[23] == pytest.approx(23 + 0 + 0.5 * 1)  # wraps to the next day
    assert window_integrals(prof, 48.0)[5] == pytest.approx(2 * prof.sum())


def test_best_start_hour_single_dip():
    vals = np.full(24, 400.0)
    vals[13] = 100.0
    p = HourlyProfile("t", "test", vals, "test", "user")
    res = best_start_hour(p, 1.0, 10.0, now_hour=18)
    assert res.best_hour == 13
    assert res.best.value == pytest.approx(10 * 100)
    assert res.best.unit == "gCO2e" and "window_integrals" in res.best.provenance
    doc = res.to_dict()
    assert doc["saving_vs_now_g"] == pytest.approx(10 * 300)
    assert doc["saving_vs_average_g"] == pytest.approx(10 * (vals.mean() - 100))
    flat = HourlyProfile("f", "flat", np.full(24, 200.0), "flat", "user")
    assert best_start_hour(flat, 3.0, 5.0).to_dict()["saving_vs_worst_g"] == pytest.approx(0.0)
    with pytest.raises(InputError):
        best_start_hour(p, 0.0, 1.0)


def test_site_profile_normalised_to_annual_mean():
    s = get_site("us-ca")
    p = site_profile(s)
    assert p.id == "caiso-spring"
    assert p.values.mean() == pytest.approx(s.grid_gco2e_per_kwh.value)
    assert p.values.argmin() in range(10, 15)  # midday solar dip
    assert site_profile(get_site("world")).id == "world-flat"


def test_profile_csv(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("hour,gco2e_per_kwh\n" + "".join(f"{h},{100 + h}\n" for h in range(24)))
    p = read_profile_csv(f)
    assert p.values[5] == 105
    f.write_text("hour,gco2e_per_kwh\n0,1\n")
    with pytest.raises(InputError, match="hours missing"):
        read_profile_csv(f)
    f.write_text("0,-5\n")
    with pytest.raises(InputError, match="≥ 0"):
        read_profile_csv(f)


def test_lifecycle_crossover_closed_form():
    d = parse_demand("1e7 requests/day", 1000, 300)
    res = lifecycle("llama-3.1-8b", 2e12, d, 400, train_chips=256, serve_hardware="h100",
                    serve_region="aws-us-east-1")
    train = estimate_training("llama-3.1-8b", "h100", tokens=2e12, chips=256)
    row = res.row("energy")
    assert row.training.value == pytest.approx(train["facility_energy"].value)
    assert row.training.unit == "J" and row.training.provenance  # the engine's provenance
    s = res.serving["facility_energy_j"]
    assert row.crossover_day == pytest.approx(train["facility_energy"].value / s)
    assert row.total_at_days == pytest.approx(train["facility_energy"].value + 400 * s)
    co2 = res.row("co2e")
    assert co2.training.value == pytest.approx(train["total_co2e"].value)  # embodied included
    assert res.to_dict()["rows"][0]["training"] == row.training.value
    assert crossover_day(10.0, 0.0) is None
    assert crossover_day(10.0, 4.0) == 2.5


def test_edge_does_not_fit_and_fits():
    res = edge_vs_cloud("llama-3.1-70b", "apple-a17-pro-ane")
    assert res.edge.fits is False
    assert "does not fit" in res.verdict
    res = edge_vs_cloud("llama-3.2-1b", "apple-a17-pro-ane", cloud_region="aws-us-east-1")
    e = res.edge
    assert isinstance(e, EdgeSide) and e.precision == "int4"
    assert e.energy.value == pytest.approx(e.it_energy_j / 0.85)  # charging efficiency
    assert "charging efficiency" in e.energy.provenance
    c = res.cloud
    assert c.energy_j == pytest.approx(c.datacenter.value + c.network.value)
    assert res.comparison is not None
    assert set(res.comparison) >= {"energy_j", "total_co2e_g", "latency_s"}


def test_edge_footprint_goes_through_the_site_chain():
    """Edge CO2e, water and cost are the site chain of the wall energy at the home site: a
    home with a facility overhead (here a data-centre site) gets its PUE and WUE applied."""
    from wattprint.catalog import get_site

    for home in ("residential-world", "gcp-us-east4"):
        e = edge_vs_cloud("llama-3.2-1b", "apple-a17-pro-ane", home=home).edge.to_dict()
        s = get_site(home)
        kwh = e["energy_j"] / 3.6e6
        fac = kwh * s.pue.value
        assert e["co2e_g"] == pytest.approx(fac * s.grid_gco2e_per_kwh.value, rel=1e-12)
        assert e["water_l"] == pytest.approx(kwh * s.wue_l_per_kwh.value
                                             + fac * s.water_l_per_kwh.value, rel=1e-12)
        assert e["cost_usd"] == pytest.approx(fac * s.price_usd_per_kwh.value, rel=1e-12)
        assert e["total_co2e_g"] == pytest.approx(e["co2e_g"] + e["embodied_co2e_g"])


def test_chinchilla_closed_form():
    f = get_fit("hoffmann2022")
    c = 1e23
    n, d = f.optimal(c)
    assert 6 * n * d == pytest.approx(c)
    # the optimum beats its neighbours on the iso-compute curve
    for k in (0.8, 1.25):
        assert f.loss(n, d) < f.loss(n * k, c / (6 * n * k))
    assert f.tokens_for_loss(n, f.loss(n, d)) == pytest.approx(d)
    assert f.tokens_for_loss(1e6, f.E) is None
    b = get_fit("besiroglu2024")
    n2, d2 = b.optimal(c)
    assert 10 < d2 / n2 < 40  # the refit gives ~20 tokens per parameter
    assert abs(dense_spec(7e9).params_total - 7e9) / 7e9 < 0.1


def test_right_size_uses_engine_cost_per_flop():
    res = right_size(energy_j=500 * 3.6e9, hardware="h100", chips=512)
    assert res.flops == pytest.approx(6 * res.params * res.tokens)
    # the budget is spent: tokens × cost per token ≈ budget (model shape rounded)
    assert res.tokens * res.cost_per_token.value == pytest.approx(500 * 3.6e9, rel=0.05)
    assert res.cost_per_token.unit == "J/token" and res.budget.basis == "user"
    assert math.isfinite(res.predicted_loss)
    with pytest.raises(InputError):
        right_size(energy_j=1.0, co2e_g=1.0)
