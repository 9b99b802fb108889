"""Air-side physics of outside-air halls and the UPS part-load curve (site/facility_air.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wattprint.catalog.physical import cooling_data
from wattprint.errors import InputError
from wattprint.site.climate import typical_year
from wattprint.site.facility import facility_year, site_facility_year
from wattprint.site.facility_air import (
    air_flow_ratio,
    fan_power_ratio,
    floating_supply_c,
    outside_air_allowed,
    trim_share,
    ups_efficiency_at_load,
)


def test_fan_affinity_law_is_cubic_with_a_minimum_speed():
    assert float(fan_power_ratio(1.0, 0.3)) == 1.0
    assert float(fan_power_ratio(2.0, 0.3)) == pytest.approx(8.0)
    assert float(fan_power_ratio(0.1, 0.3)) == pytest.approx(0.027)  # held at the minimum


def test_warmer_supply_needs_more_air():
    # design 24 C supply, 12 K rise: the exhaust stays near 36 C
    assert float(air_flow_ratio(24.0, 24.0, 12.0)) == pytest.approx(1.0)
    assert float(air_flow_ratio(27.0, 24.0, 12.0)) == pytest.approx(12.0 / 9.0)
    assert float(air_flow_ratio(40.0, 24.0, 12.0)) == pytest.approx(4.0)  # capped


def test_supply_floats_then_trim_takes_the_rest():
    t = np.array([10.0, 24.0, 26.0, 27.0, 31.5, 36.0, 40.0])
    assert floating_supply_c(t, 24.0, 27.0).tolist() == [24.0, 24.0, 26.0, 27.0, 27.0, 27.0,
                                                         27.0]
    m = trim_share(t, 24.0, 27.0, 12.0)
    assert m.tolist() == pytest.approx([0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0])


def test_outside_air_only_below_the_dew_point_limit():
    assert outside_air_allowed(np.array([10.0, 21.0, 22.0]), 21.0).tolist() == [True, True,
                                                                              False]


@settings(deadline=None)
@given(st.floats(0.05, 1.0))
def test_ups_efficiency_falls_at_part_load(load):
    c = cooling_data().common
    coeff = (c.ups_no_load_loss.value, c.ups_proportional_loss.value, c.ups_square_loss.value)
    full = ups_efficiency_at_load(1.0, *coeff)
    assert full == pytest.approx(c.ups_efficiency.value, abs=5e-4)  # the 97 % full-load value
    assert ups_efficiency_at_load(load, *coeff) <= full + 1e-12
    assert ups_efficiency_at_load(1.0, *coeff, rating_share=0.5) < full  # 2N: half-loaded UPS


def test_ups_load_out_of_range_is_an_input_error():
    with pytest.raises(InputError):
        ups_efficiency_at_load(0.0, 0.01, 0.01, 0.01)


def test_humid_site_recirculates_instead_of_evaporating():
    """Taiwan's summer dew point is above the 21 C allowable limit: the hall closes its dampers
    and the trim coil runs, so it uses more power and less water than if outside air were
    allowed all year."""
    air = typical_year("taichung")
    limited = facility_year(air, "evaporative")
    open_ = facility_year(air, "evaporative", design={"max_dew_point_c": 40.0})
    assert limited.pue > open_.pue + 0.03
    assert limited.wue_l_per_kwh < open_.wue_l_per_kwh
    assert max(limited.monthly_chiller_hours()) > 0.9  # (dew point never above the dry bulb)


def test_part_load_fans_fall_and_fixed_loads_weigh_more():
    full = site_facility_year("us-az", "liquid-dry", load=1.0)
    half = site_facility_year("us-az", "liquid-dry", load=0.5)
    # fans at (0.5)^3 of design, but UPS no-load losses and fixed loads per W of IT grow
    assert half.pue != full.pue
    assert 1.0 < half.pue < 1.5


def test_power_chain_central_ups_or_distributed_batteries():
    from wattprint.site.facility import with_design
    from wattprint.site.facility_air import ups_stage_efficiency

    c = cooling_data().common
    central = ups_stage_efficiency(1.0, c)  # 2N: each UPS at half its rating
    assert 0.95 < central < c.ups_efficiency.value
    assert ups_stage_efficiency(0.3, c) < central  # part load: the no-load losses weigh more
    battery = with_design(c, {"central_ups": 0.0})
    assert ups_stage_efficiency(0.3, battery) == c.distributed_ups_efficiency.value
    air = typical_year("pelton-dam")
    conventional = facility_year(air, "evaporative")
    meta = facility_year(air, "evaporative", design={"central_ups": 0.0, "pdu_efficiency": 1.0,
                                                      "transformer_efficiency": 0.98})
    assert conventional.pue - meta.pue > 0.04  # UPS + PDU losses of the conventional chain


def test_facility_overhead_accuracy_guard():
    """The overhead PUE - 1 over the operator rows (issue #13: median 37.8 %, bias -26.6 %
    before the power chain and air-side physics)."""
    from wattprint.validation.harness import run_validation

    rep = run_validation(["facility"])
    over = [r.error for r in rep.rows if r.quantity == "overhead (PUE-1)"]
    assert len(over) == 24
    assert float(np.median(np.abs(over))) < 0.25
    assert abs(float(np.median(over))) < 0.20


@settings(deadline=None, max_examples=25)
@given(st.floats(0.05, 1.0), st.sampled_from(["air-economiser", "evaporative", "chiller-tower",
                                              "liquid-dry", "liquid-hybrid", "liquid-tower"]),
       st.booleans())
def test_facility_power_is_physical_at_any_load(load, cooling, central):
    fy = facility_year(typical_year("phoenix"), cooling, load,
                       design={"central_ups": 1.0 if central else 0.0})
    assert np.isfinite(fy.facility_w_per_w).all()
    assert fy.pue > 1.0 and fy.peak_pue >= fy.pue
    assert fy.wue_l_per_kwh >= 0.0


def test_facility_year_cites_the_power_chain_it_used():
    c = cooling_data().common
    air = typical_year("pelton-dam")
    conventional = facility_year(air, "evaporative")
    assert c.ups_no_load_loss.cite() in conventional.sources
    assert c.pdu_efficiency.cite() in conventional.sources
    assert c.distributed_ups_efficiency.cite() not in conventional.sources
    assert "eta_pdu" in conventional.provenance
    batteries = facility_year(air, "evaporative", design={"central_ups": 0.0})
    assert c.distributed_ups_efficiency.cite() in batteries.sources
    assert c.ups_no_load_loss.cite() not in batteries.sources
