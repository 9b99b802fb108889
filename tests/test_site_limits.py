"""--max-power and --max-water-stress in plan train, plan infer and plan regions."""

import json

import pytest

from wattprint.cli.main import run
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.serving import plan_inference
from wattprint.plan.siting import compare_regions
from wattprint.plan.training import plan_training
from wattprint.workload.demand import parse_demand


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        run(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_training_max_power_bounds_chips_x_rated_power_x_pue():
    res = plan_training("llama-3.1-8b", 1e12, hardware="h100", regions="us-az,gcp-us-west1",
                        max_power_w=1e6, top=50, verify=False)
    pue = {"us-az": 1.58, "gcp-us-west1": 1.1}
    assert res.ranked
    for row in res.ranked:
        assert row["chips"] * 850.0 * pue[row["region"]] <= 1e6 + 1e-6
    assert any(c.name == "max power" for c in res.constraints)


def test_training_water_stress_drops_stressed_regions_that_use_water():
    res = plan_training("llama-3.1-8b", 1e12, hardware="h100",
                        regions="us-az,gcp-europe-north1", max_water_stress=3.0, top=50,
                        verify=False)
    assert {r["region"] for r in res.ranked} == {"gcp-europe-north1"}


def test_training_max_power_too_small_names_the_constraint():
    with pytest.raises(UnsupportedError, match="peak power at the meter"):
        plan_training("llama-3.1-8b", 1e12, hardware="h100", regions="us-az",
                      max_power_w=100.0, verify=False)


def test_serving_max_power_counts_replicas():
    d = parse_demand("20rps", 500, 200)
    res = plan_inference("llama-3.1-8b", d, hardware="h100", regions="gcp-us-west1",
                         max_power_w=20e3, top=20, verify=False)
    for r in res.ranked:
        assert r["replicas"] * r["chips"] * 850.0 * 1.1 <= 20e3 + 1e-6


def test_regions_stress_column_and_exclusions():
    res = compare_regions(1e12, 1e11, 0.0, "us-az,gcp-europe-north1,deu",
                          peak_it_power_w=1e6, max_water_stress=3.0, max_power_w=1.7e6)
    kept = {r["region"]: r for r in res.rows}
    assert set(kept) == {"gcp-europe-north1"}
    why = {r["region"]: r["why_not"] for r in res.excluded}
    assert "water stress 4.5" in why["us-az"]
    assert "no water-stress figure" in why["deu"]
    assert kept["gcp-europe-north1"]["water_stress_category"] == "low"


def test_regions_max_power_needs_a_power():
    with pytest.raises(InputError, match="chips and hardware"):
        compare_regions(1e12, 0.0, 0.0, "us-az", max_power_w=1e6)


def test_cli_regions_with_limits(capsys):
    code, out, _ = cli(["plan", "regions", "-m", "llama-3.1-8b", "-H", "h100", "--tokens",
                        "1T", "--chips", "4096", "--region", "us-az,gcp-europe-north1",
                        "--max-power", "5MW", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert [r["region"] for r in doc["rows"]] == ["gcp-europe-north1"]
    assert doc["excluded"][0]["region"] == "us-az"


@pytest.mark.parametrize("flag,value,needle", [("--max-power", "-5MW", "max-power"),
                                               ("--max-water-stress", "7", "0 and 5")])
def test_cli_limits_bad_input(flag, value, needle, capsys):
    code, _, err = cli(["plan", "train", "-m", "llama-3.1-8b", "--tokens", "1T", flag, value],
                       capsys)
    assert code == 2 and needle in err
