"""Scarcity-weighted water (AWARE factors) beside litres, and water as a planner objective."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from wattprint.catalog import get_site, site_catalog
from wattprint.catalog.physical import scarcity_entries
from wattprint.cli.main import run
from wattprint.engine import estimate_training
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.demand import parse_demand
from wattprint.plan.facility import plan_facility
from wattprint.plan.siting import compare_regions
from wattprint.plan.sweep import plan_inference, plan_training
from wattprint.site.formulas import scarcity_weighted_water_l
from wattprint.site.water_stress import scarcity_factor


def test_every_catalog_site_has_a_sourced_aware_factor():
    ids = set(site_catalog())
    for e in scarcity_entries():
        assert 0.1 <= e.cf.value <= 100.0
        assert e.cf.year >= 2017 and "AWARE" in e.cf.source
        for target in e.applies_to:
            assert target in ids or target.isupper(), target
    for sid in ids:
        s = get_site(sid)
        q = scarcity_factor(s.id, s.country)
        assert q is not None, sid
        assert q.lo <= q.value <= q.hi


def test_site_entry_beats_country_and_unknown_is_none():
    az = scarcity_factor("us-az", "USA")
    va = scarcity_factor("us-va", "USA")
    assert az is not None and va is not None
    assert az.value == 100.0  # Phoenix: the most depleted AWARE class
    assert va.value < 2.0
    assert scarcity_factor("nowhere", "ATA") is None


def test_formula():
    assert scarcity_weighted_water_l(10.0, 2.5) == 25.0
    arr = scarcity_weighted_water_l(np.array([1.0, 2.0]), np.array([np.nan, 3.0]))
    assert math.isnan(arr[0]) and arr[1] == 6.0


def test_footprint_shows_scarcity_weighted_water_beside_litres():
    fp = estimate_training("llama-3.1-8b", "h100", tokens=1e9, chips=8, site="us-az")
    w, sw = fp["water"], fp["water_scarcity_weighted"]
    assert sw.unit == "L world-eq"
    assert sw.value == pytest.approx(w.value * 100.0)
    assert sw.lo <= sw.value <= sw.hi
    assert "AWARE" in sw.provenance and "scarcity_weighted_water_l" in sw.provenance
    assert fp.to_dict()["details"]["site"]["aware_cf"]["value"] == 100.0


def test_regions_rank_by_scarcity_and_by_stress():
    regions = ["us-az", "us-va", "irl", "world"]
    res = compare_regions(1e10, 2e9, 1e5, regions, objective="water-scarcity")
    order = [r["region"] for r in res.rows]
    assert order[-1] == "us-az" and order[0] in ("irl", "us-va")
    for r in res.rows:
        assert r["water_scarcity_l"] == pytest.approx(r["water_l"] * r["aware_cf"])
    st = compare_regions(1e10, 2e9, 1e5, regions, objective="water-stress")
    assert [r["region"] for r in st.rows] == ["us-va", "us-az"]  # 2.9 < 4.5
    assert {r["region"] for r in st.excluded} == {"irl", "world"}
    assert all("no basin water stress" in r["why_not"] for r in st.excluded)
    with pytest.raises(InputError, match="no candidate region"):
        compare_regions(1e10, 2e9, 1e5, ["irl"], objective="water-stress")


def test_planner_objectives_train_and_infer():
    tr = plan_training("llama-3.1-8b", 1e12, hardware="h100", chips="8",
                       regions="us-az,us-va,gcp-europe-north1", objective="water-scarcity", top=3)
    best = tr.ranked[0]
    assert best["region"] != "us-az"
    assert best["water_scarcity_l"] <= min(r["water_scarcity_l"] for r in tr.ranked)
    inf = plan_inference("llama-3.1-8b", parse_demand("5rps", 500, 200), hardware="h100",
                         regions="us-az,irl,us-va", objective="water-stress", top=3)
    assert inf.ranked[0]["region"] == "us-va"
    assert any("water-stress data" in n for n in inf.notes)
    with pytest.raises(UnsupportedError, match="water-stress data"):
        plan_inference("llama-3.1-8b", parse_demand("5rps", 500, 200), hardware="h100",
                       regions="irl", objective="water-stress")
    with pytest.raises(InputError, match="water-scarcity"):
        plan_training("llama-3.1-8b", 1e12, objective="nonsense")


def test_facility_plan_has_scarcity_weighted_water():
    plan = plan_facility(1000, "h100", ["us-az"], ["evaporative"])
    o = plan.options[0]
    assert o.annual_water_scarcity_l == pytest.approx(o.annual_water_l * 100.0)


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        run(list(args))
    return e.value.code, capsys.readouterr().out


def test_cli_regions_json_and_table(capsys):
    rc, out = cli(["plan", "regions", "-m", "llama-3.1-8b", "-H", "h100", "--tokens", "1B",
              "--chips", "8", "--region", "us-az,irl", "--objective", "water-scarcity",
              "--json"], capsys)
    assert rc == 0
    doc = json.loads(out)
    assert doc["verdict"]["winner"] == "irl" and "AWARE factor" in doc["verdict"]["why"]
    rc, out = cli(["plan", "regions", "-m", "llama-3.1-8b", "-H", "h100", "--tokens", "1B",
              "--chips", "8", "--region", "us-az,irl", "--objective", "water-scarcity"], capsys)
    assert rc == 0
    assert "AWARE" in out
