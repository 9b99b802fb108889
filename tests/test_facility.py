"""Facility model: psychrometrics, cooling by the hour, water physics, plan facility."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wattprint.catalog import get_site
from wattprint.catalog.physical import (
    cooling_data,
    households,
    station_for_site,
    stations,
    water_stress_entries,
)
from wattprint.cli.main import run
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.facility import grid_connection, plan_facility
from wattprint.site.climate import dew_point_c, relative_humidity_pct, typical_year, wet_bulb_c
from wattprint.site.facility import (
    COOLING_TYPES,
    chiller_cop,
    cooling_kind,
    site_facility_year,
)
from wattprint.site.water import latent_heat_j_per_kg, with_blowdown
from wattprint.site.water_stress import category, water_stress


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        run(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


# --------------------------------------------------------------------------- data


def test_climate_sites_exist_and_are_physical():
    for site in station_for_site():
        get_site(site)  # every mapped site is in the catalog
    for st_ in stations().values():
        assert all(lo <= hi for lo, hi in zip(st_.tmin_c, st_.tmax_c, strict=True))
        assert st_.temperature.source and st_.humidity.source


def test_water_stress_targets_exist():
    from wattprint.catalog import site_catalog

    countries = {s.country for s in site_catalog().values()}
    for e in water_stress_entries():
        for t in e.applies_to:
            assert t in countries or get_site(t)


def test_cooling_constants_sourced():
    c = cooling_data()
    assert {t.id for t in c.cooling} == set(COOLING_TYPES)
    assert 0.9 < c.common.ups_efficiency.value <= 1.0
    assert households()["USA"].kwh_per_year.year == 2022


# --------------------------------------------------------------------------- psychrometrics


def test_wet_bulb_stull_reference_point():
    assert float(wet_bulb_c(20.0, 50.0)) == pytest.approx(13.7, abs=0.1)  # Stull (2011)


@settings(deadline=None)
@given(st.floats(-15, 45), st.floats(10, 95))
def test_wet_bulb_below_dry_bulb_and_dew_point_roundtrip(t, rh):
    assert float(wet_bulb_c(t, rh)) <= t + 1e-9
    assert float(relative_humidity_pct(t, dew_point_c(t, rh))) == pytest.approx(rh, rel=1e-6)


def test_typical_year_shape_and_extremes():
    y = typical_year("phoenix")
    assert y.dry_bulb_c.shape == (8760,)
    july = y.dry_bulb_c[y.month == 6].reshape(31, 24)
    # the days spread about the normal, and the month keeps its mean daily max and min
    assert july.max(axis=1).mean() == pytest.approx(41.7, abs=0.2)
    assert july.min(axis=1).mean() == pytest.approx(29.4, abs=0.2)
    assert july.max() > 41.7 + 4.0 and july.min() < 29.4 - 4.0
    flat = typical_year("phoenix", sigma_k=0.0).dry_bulb_c[y.month == 6]
    assert flat.max() == pytest.approx(41.7, abs=0.2)
    assert (y.wet_bulb_c <= y.dry_bulb_c + 1e-9).all()


# --------------------------------------------------------------------------- physics


def test_latent_heat_and_blowdown():
    assert float(latent_heat_j_per_kg(20.0)) == pytest.approx(2.454e6, rel=2e-3)  # IAPWS
    assert float(with_blowdown(np.array(4.0), 5.0)) == pytest.approx(5.0)
    with pytest.raises(InputError):
        with_blowdown(np.array(1.0), 1.0)


def test_chiller_cop_falls_with_lift():
    cops = chiller_cop(10.0, np.array([25.0, 35.0, 45.0]), 0.5, 12.0)
    assert cops[0] > cops[1] > cops[2] > 1.0


@pytest.mark.parametrize("kind", COOLING_TYPES)
def test_every_cooling_type_physical(kind):
    fy = site_facility_year("us-az", kind)
    assert 1.0 < fy.pue < fy.peak_pue < 1.6
    assert (fy.water_kg_per_wh >= 0).all()
    pues = fy.monthly_pue()
    assert pues[6] > pues[0]  # July costs more than January in Phoenix


def test_dry_cooling_uses_no_water_and_wet_cooling_does():
    assert site_facility_year("us-az", "liquid-dry").wue_l_per_kwh == 0.0
    assert site_facility_year("us-az", "air-economiser").wue_l_per_kwh == 0.0
    evap = site_facility_year("us-az", "evaporative")
    wue = evap.monthly_wue()
    assert wue[6] > 0.5 and wue[0] < 0.02  # evaporation only when the air is hot


def test_tower_water_is_evaporation_plus_blowdown():
    # 1 kWh of heat, all latent, at 20 C: 3.6e6 / 2.454e6 kg, x 5/4 for blowdown at 5 cycles
    fy = site_facility_year("gcp-us-central1", "chiller-tower")
    assert 0.8 < fy.wue_l_per_kwh < 2.5


def test_cold_site_free_cools_all_winter():
    fy = site_facility_year("gcp-europe-north1", "air-economiser")
    assert fy.monthly_chiller_hours()[0] == 0.0


def test_unknown_cooling_and_site_without_climate():
    with pytest.raises(InputError, match="cooling"):
        cooling_kind("peltier")
    assert cooling_kind("DLC") == "liquid-dry"
    with pytest.raises(UnsupportedError, match="climate"):
        site_facility_year("deu", "evaporative")


# --------------------------------------------------------------------------- water stress


def test_water_stress_site_then_country_then_none():
    az = water_stress("us-az", "USA")
    assert az is not None and az.category == "extremely high"
    assert water_stress("aws-us-east-1", "USA").score == 2.9
    assert water_stress("deu", "DEU") is None  # said so, never zero
    assert category(0.5)[0] == "low" and category(4.2)[1] == "> 80 %"


# --------------------------------------------------------------------------- plan facility


def test_plan_facility_cluster_numbers():
    p = plan_facility(10000, "h100", ["us-az"], ["evaporative"])
    o = p.options[0]
    assert p.it_power_w == pytest.approx(10000 * 850.0)
    assert o.meter_peak_w > o.meter_average_w > p.it_power_w
    assert o.annual_energy_j == pytest.approx(o.meter_average_w * 8760 * 3600, rel=1e-9)
    assert o.peak_month in ("Jun", "Jul", "Aug") and o.peak_month_water_l_per_day > 0
    assert o.households == pytest.approx(o.annual_energy_j / (10791 * 3.6e6))
    assert "MW" in o.grid_connection


def test_plan_facility_constraints_name_the_reason():
    p = plan_facility(10000, "h100", ["us-az", "gcp-europe-north1"],
                      max_power_w=10.8e6, max_water_stress=3.0)
    by = {(o.site, o.cooling): o for o in p.options}
    assert not by["us-az", "chiller-tower"].feasible
    assert "max-power" in by["us-az", "air-economiser"].why_not
    assert "water stress" in by["us-az", "evaporative"].why_not
    assert by["gcp-europe-north1", "chiller-tower"].feasible  # low stress
    assert p.feasible()[0].site == "gcp-europe-north1"


def test_grid_connection_classes():
    assert "distribution" in grid_connection(5e6)
    assert "transmission (>= 230 kV)" in grid_connection(300e6)


def test_cli_plan_facility_json(capsys):
    code, out, _ = cli(["plan", "facility", "--chips", "10000", "--hardware", "h100", "--site",
                        "us-az", "--compare", "none", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert {o["cooling"] for o in doc["options"]} == set(COOLING_TYPES)
    assert all(o["site"] == "us-az" for o in doc["options"])


def test_cli_plan_facility_table(capsys):
    code, out, _ = cli(["plan", "facility", "--chips", "1000", "--site", "us-az",
                        "--max-power", "50MW"], capsys)
    assert code == 0
    assert "us-az" in out and "PUE" in out and "households" in out


@pytest.mark.parametrize("args,needle", [
    (["--chips", "0"], "chips"),
    (["--chips", "10", "--max-power", "lots"], "max-power"),
    (["--chips", "10", "--cooling", "peltier"], "cooling"),
    (["--chips", "10", "--site", "deu", "--compare", "none"], "climate"),
    (["--chips", "10", "--max-water-stress", "9"], "water-stress"),
])
def test_cli_plan_facility_bad_input(args, needle, capsys):
    code, _, err = cli(["plan", "facility", *args], capsys)
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0].lower()


# --------------------------------------------------------------------------- validation


def test_validation_facility_group():
    from wattprint.validation.harness import run_validation

    rep = run_validation(["facility"])
    pue = [r for r in rep.rows if r.quantity == "pue"]
    assert len(pue) >= 5
    assert np.median([abs(r.error) for r in pue]) < 0.05
    fleet = [r for r in rep.rows if r.id == "google-fleet"]
    assert len(fleet) == 1 and fleet[0].unit == "L/kWh"  # fleet-level WUE check


def test_humidification_of_dry_winter_air():
    from wattprint.site.water import (
        humidification_kg_per_j,
        humidity_ratio,
        outside_air_fraction,
    )

    # humidity ratio at 0 C dew point ~3.8 g/kg (psychrometric tables)
    assert float(humidity_ratio(0.0)) == pytest.approx(0.00377, rel=0.03)
    t = np.array([-10.0, 10.0, 24.0, 30.0, 40.0])
    f = outside_air_fraction(t, 24.0, 12.0)
    assert f[0] == pytest.approx(12.0 / 46.0) and f[2] == 1.0 and f[4] == 0.0
    dry = humidification_kg_per_j(t, np.full(5, -15.0), 24.0, 12.0, 5.5)
    moist = humidification_kg_per_j(t, np.full(5, 10.0), 24.0, 12.0, 5.5)
    assert (dry[:4] > 0).all() and dry[4] == 0.0 and (moist == 0).all()
    # a stricter (2011) envelope costs more water than the current one at a dry site
    old = site_facility_year("us-az", "evaporative", min_dew_point_c=5.5)
    new = site_facility_year("us-az", "evaporative")
    assert old.wue_l_per_kwh > new.wue_l_per_kwh


def test_validation_facility_wue_sites_and_swing():
    from wattprint.validation.harness import run_validation

    rep = run_validation(["facility"])
    wue = [r for r in rep.rows if r.quantity == "WUE"]
    assert len({r.id for r in wue}) >= 4 and all(r.unit == "L/kWh" for r in wue)
    prineville = next(r for r in wue if r.id == "meta-prineville")
    assert abs(prineville.error) < 0.25  # humidification + summer evaporation
    assert all("monthly PUE" in r.note and "peak" in r.note for r in rep.rows
               if r.quantity == "pue")


def test_liquid_hybrid_dry_in_winter_wet_in_summer_and_design_values():
    from wattprint.site.facility import facility_year, with_design

    fy = site_facility_year("us-az", "liquid-hybrid")
    wue = fy.monthly_wue()
    assert wue[0] < 0.1 < wue[6]  # dry coolers in January, the tower in July
    dry = site_facility_year("us-az", "liquid-dry")
    assert fy.pue < dry.pue and fy.wue_l_per_kwh > dry.wue_l_per_kwh  # water buys energy
    warm = facility_year(typical_year("phoenix"), "liquid-hybrid",
                         design={"liquid_supply_c": 40.0})
    assert warm.wue_l_per_kwh < fy.wue_l_per_kwh  # warmer water: more dry-cooler hours
    from wattprint.catalog.physical import cooling_data

    c = with_design(cooling_data().common, {"cycles_of_concentration": 12.8})
    assert c.cycles_of_concentration.value == 12.8
    with pytest.raises(InputError, match="design constant"):
        with_design(cooling_data().common, {"nonsense": 1.0})
