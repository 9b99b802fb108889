"""Money as a CFO sees it: accelerator-hour prices, owner TCO, total-cost objective."""

import json

import pytest

from wattprint.catalog import get_hardware
from wattprint.cli.main import run
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.facility import plan_facility
from wattprint.plan.training import plan_training
from wattprint.site.cost import accelerator_hour_price, owner_usd_per_hour

YEAR_S = 365 * 86400.0


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        run(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_owner_formula_by_hand():
    parts = owner_usd_per_hour(33750, 4247, 0.05, 4 * YEAR_S, 0.6, 11.7e6, 850.0, 20 * YEAR_S)
    billable = 4 * 8760 * 0.6
    assert parts["hardware"] == pytest.approx(37997 / billable)
    assert parts["maintenance"] == pytest.approx(37997 * 0.05 * 4 / billable)
    assert parts["facility"] == pytest.approx(11.7e6 * 850e-6 / (20 * 8760 * 0.6))


def test_h100_prices_owner_below_rent():
    h100 = get_hardware("h100")
    owner = accelerator_hour_price(h100, "owner")
    assert owner.low < owner.usd < owner.high
    assert "Cushman" in owner.provenance and "SemiAnalysis" in owner.provenance
    assert accelerator_hour_price(h100, "capacity-block").usd == pytest.approx(4.916)
    assert owner.usd < accelerator_hour_price(h100, "on-demand").usd


def test_unpriced_and_unknown_pricing():
    with pytest.raises(UnsupportedError, match="priced: nvidia-h100-sxm"):
        accelerator_hour_price(get_hardware("google-tpu-v4"), "owner")
    with pytest.raises(InputError, match="pricing"):
        accelerator_hour_price(get_hardware("h100"), "barter")


def test_total_cost_objective_adds_accelerator_hours_to_electricity():
    res = plan_training("llama-3.1-8b", 1e12, regions="gcp-us-west1", objective="total-cost",
                        top=3, verify=False)
    price = accelerator_hour_price(get_hardware("h100"), "owner").usd
    for r in res.ranked:
        assert r["hardware"] == "nvidia-h100-sxm"  # the only hardware with an owner price
        assert r["hardware_usd"] == pytest.approx(r["chips"] * r["time_s"] / 3600 * price)
        assert r["total_cost_usd"] == pytest.approx(r["hardware_usd"] + r["cost_usd"])
        assert r["hardware_usd"] > 10 * r["cost_usd"]  # electricity is the small part
    assert any(c.name == "priced" for c in res.constraints)


def test_lifecycle_has_total_cost_row(capsys):
    code, out, _ = cli(["lifecycle", "--model", "llama-3.1-8b", "--training-tokens", "1T",
                        "--demand", "1M/day", "--days", "30", "--hardware", "h100",
                        "--objective", "total-cost", "--json"], capsys)
    assert code == 0
    row = next(r for r in json.loads(out)["rows"] if r["metric"] == "total-cost")
    cost = next(r for r in json.loads(out)["rows"] if r["metric"] == "cost")
    assert row["training"] > cost["training"] and row["serving_per_day"] > 0


def test_plan_facility_owner_cost_per_year():
    p = plan_facility(10000, "h100", ["us-az"], ["evaporative"])
    price = accelerator_hour_price(get_hardware("h100"), "owner").usd
    assert p.options[0].owner_usd_per_year == pytest.approx(10000 * price * 8760 * 0.6)
    assert p.options[0].owner_usd_per_year > 10 * p.options[0].electricity_usd


def test_cli_bad_pricing(capsys):
    code, _, err = cli(["plan", "train", "-m", "llama-3.1-8b", "--tokens", "1T", "--pricing",
                        "barter"], capsys)
    assert code == 2 and "pricing" in err
