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
