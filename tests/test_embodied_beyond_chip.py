"""Embodied carbon beyond the chip: host server, network and building, in one chain."""

from __future__ import annotations

import pytest

from wattprint.catalog import get_hardware, hardware_catalog
from wattprint.catalog.defaults import default_value
from wattprint.engine import estimate_training
from wattprint.site import formulas as f
from wattprint.site.embodied import embodied_per_chip


def test_formula_by_hand():
    # 100 kg board + 700 kg host + 150 kg network + 1.45 kg/W x 1000 W x 4 y / 30 y
    v = f.embodied_per_chip_g(1e5, 7e5, 1.5e5, 1450.0, 1000.0, 4.0, 30.0)
    assert v == pytest.approx(1e5 + 7e5 + 1.5e5 + 1450.0 * 1000.0 * 4 / 30)


def test_datacenter_chip_carries_network_and_building_share():
    hw = get_hardware("h100")
    q = embodied_per_chip(hw)
    it_w = hw.tdp_w.value + hw.host_power_w.value
    life = default_value("embodied", "lifetime_s").value
    bl = default_value("embodied", "building_lifetime_s").value
    bld = default_value("embodied", "building_per_w_it_g").value * it_w * life / bl
    net = default_value("embodied", "network_per_accelerator_g").value
    base = hw.embodied_co2e_g.value + hw.host_embodied_co2e_g.value
    assert q.value == pytest.approx(base + net + bld)
    assert q.lo < q.value < q.hi
    for word in ("board", "host share", "network share", "building"):
        assert word in q.provenance


def test_non_datacenter_hardware_has_no_building_or_network():
    edge = [h for h in hardware_catalog().values() if h.segment != "datacenter"]
    assert edge
    hw = edge[0]
    q = embodied_per_chip(hw)
    assert q.value == pytest.approx(hw.embodied_co2e_g.value + hw.host_embodied_co2e_g.value)
    assert "no network or building share" in q.provenance


def test_footprint_amortises_the_whole_per_chip_figure():
    fp = estimate_training("llama-3.1-8b", "h100", tokens=1e9, chips=8, site="us-va")
    emb = fp["embodied_co2e"]
    t = fp["time"].value
    per_chip = embodied_per_chip(get_hardware("h100")).value
    expect = f.embodied_co2e_g(per_chip, 8, t, default_value("embodied", "lifetime_s").value,
                               default_value("embodied", "utilisation").value)
    assert emb.value == pytest.approx(expect)
    assert "building" in emb.provenance and "network" in emb.provenance


def test_beyond_chip_constants_are_sourced_with_ranges():
    for name in ("network_per_accelerator_g", "building_per_w_it_g", "building_lifetime_s"):
        s = default_value("embodied", name)
        assert s.low is not None and s.high is not None and s.low < s.value < s.high
        assert s.status in ("unconfirmed", "assumption", "derived", "primary") and s.year >= 2023
