"""The site chain: golden worked example from docs/methodology.md §Site."""

import pytest

from wattprint.errors import InputError
from wattprint.quantity import J_PER_KWH, Quantity
from wattprint.site import formulas as f
from wattprint.site.chain import build_footprint, resolve_site


def test_water_does_not_count_pue_twice():
    # 1 kWh IT, PUE 1.5, WUE 0.5 L/kWh, off-site 2 L/kWh: 1*0.5 + 1.5*2 = 3.5 L
    assert f.water_l(J_PER_KWH, 1.5 * J_PER_KWH, 0.5, 2.0) == pytest.approx(3.5)


def test_golden_chain():
    site = resolve_site("world", pue=1.5, wue_l_per_kwh=0.5, grid_gco2e_per_kwh=400.0,
                        price_usd_per_kwh=0.1)
    acc = Quantity(2 * J_PER_KWH, "J", "test", "measured")
    host = Quantity(1 * J_PER_KWH, "J", "test", "measured")
    fp = build_footprint(kind="measurement", time=Quantity(3600.0, "s", "t", "measured"),
                         chips=1, accelerator_energy=acc, host_energy=host, hardware=None,
                         site=site)
    assert fp["it_energy"].value == pytest.approx(3 * J_PER_KWH)
    assert fp["facility_energy"].value == pytest.approx(4.5 * J_PER_KWH)
    assert fp["co2e"].value == pytest.approx(4.5 * 400)
    water_off = site.water_l_per_kwh.value * 4.5
    assert fp["water"].value == pytest.approx(3 * 0.5 + water_off)
    assert fp["cost"].value == pytest.approx(0.45)
    assert fp["it_energy"].basis == "measured"
    assert "user" in fp["co2e"].provenance or "given by the user" in fp["co2e"].provenance


def test_embodied_amortisation():
    # 100 kg over 4 years at 50 % utilisation, 1 hour on 2 chips
    g = f.embodied_co2e_g(100_000.0, 2, 3600.0, 4 * 365 * 86400.0, 0.5)
    assert g == pytest.approx(100_000 * 2 * 3600 / (4 * 365 * 86400 * 0.5))


def test_pue_below_one_rejected():
    with pytest.raises(InputError, match="PUE"):
        resolve_site("world", pue=0.9)


def test_market_based_factor_adds_quantity():
    site = resolve_site("world", market_gco2e_per_kwh=0.0)
    fp = build_footprint(kind="estimate", time=Quantity(1.0, "s", "t"), chips=1,
                         accelerator_energy=Quantity(J_PER_KWH, "J", "x"), host_energy=None,
                         hardware=None, site=site)
    assert fp["co2e_market"].value == 0.0
    assert any("host energy not included" in n for n in fp.notes)
