"""End-to-end predictions: quality bars on our H200 data, physics sanity, errors."""

import json
import math
from pathlib import Path

import pytest

from wattprint.errors import InputError, UnsupportedError
from wattprint.estimate import estimate_inference, estimate_training
from wattprint.workload.model_spec import spec_from_config

DEV = [json.loads(line) for line in (Path(__file__).parent / "data" /
                                     "h200_workloads_dev.jsonl").read_text().splitlines() if line]


def _predict(row):
    spec = spec_from_config(row["model_config"])
    if row["kind"] == "prefill":
        return estimate_inference(spec, "h200", batch=row["batch"],
                                  prompt_tokens=row["prompt_tokens"], output_tokens=1,
                                  requests=row["repeats"] * row["batch"], stack="eager")
    if row["kind"] == "generate":
        return estimate_inference(spec, "h200", batch=row["batch"],
                                  prompt_tokens=row["prompt_tokens"],
                                  output_tokens=row["output_tokens"], stack="eager")
    return estimate_training(spec, "h200", tokens=row["tokens"], batch=row["batch"],
                             seq_len=row["seq_len"], stack="eager")


@pytest.mark.parametrize("row", DEV, ids=[r["id"] for r in DEV])
def test_h200_quality_bar_uncalibrated(row):
    fp = _predict(row)
    bar = 0.50 if row["kind"] == "generate" else 0.25
    e_err = fp["accelerator_energy"].value / row["energy_j"] - 1
    t_err = fp["time"].value / row["time_s"] - 1
    assert abs(e_err) <= bar, e_err
    assert abs(t_err) <= bar, t_err
    # the measured value should sit inside (or near) our range
    q = fp["accelerator_energy"]
    assert q.lo * 0.8 <= row["energy_j"] <= q.hi * 1.2


def test_infer_json_contract():
    fp = estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512,
                            output_tokens=128, stack="vllm", site="fra")
    d = fp.to_dict()
    for key in ("time", "chip_hours", "accelerator_energy", "it_energy", "facility_energy",
                "co2e", "embodied_co2e", "water", "cost", "accelerator_energy_per_output_token",
                "time_per_output_token", "time_to_first_token"):
        q = d[key]
        assert set(q) >= {"value", "low", "high", "unit", "provenance"}
        assert math.isfinite(q["value"]) and q["low"] <= q["value"] <= q["high"]
        assert q["provenance"]
    json.dumps(d, allow_nan=False)
    assert d["it_energy"]["value"] > d["accelerator_energy"]["value"]
    assert d["facility_energy"]["value"] > d["it_energy"]["value"]


def test_power_never_exceeds_tdp():
    for batch in (1, 16, 128):
        fp = estimate_inference("llama-3.1-8b", "h100", batch=batch, prompt_tokens=2048,
                                output_tokens=64, stack="vllm")
        p = fp["accelerator_energy"].value / fp["time"].value
        assert p <= 700 * 1.0001


def test_batching_lowers_energy_per_token():
    e = [estimate_inference("llama-3.1-8b", "h100", batch=b, prompt_tokens=512,
                            output_tokens=256, stack="vllm")
         ["accelerator_energy_per_output_token"].value for b in (1, 8, 64)]
    assert e[0] > e[1] > e[2]


def test_fp8_cheaper_than_bf16_on_hopper_decode():
    kw = dict(batch=32, prompt_tokens=512, output_tokens=256, stack="vllm")
    bf16 = estimate_inference("llama-3.1-8b", "h100", precision="bf16", **kw)
    fp8 = estimate_inference("llama-3.1-8b", "h100", precision="fp8", **kw)
    assert fp8["accelerator_energy"].value < bf16["accelerator_energy"].value


def test_precision_the_chip_lacks():
    with pytest.raises(UnsupportedError, match="fp8"):
        estimate_inference("llama-3.1-8b", "a100-80gb", precision="fp8")


def test_model_that_does_not_fit():
    with pytest.raises(UnsupportedError, match="--chips"):
        estimate_inference("llama-3.1-70b", "h100", precision="bf16")
    fp = estimate_inference("llama-3.1-70b", "h100", chips=4)
    assert fp.inputs["chips"] == 4


def test_training_modes_agree_on_flops_and_energy_scales_with_time():
    kw = dict(tokens=1e12, chips=64)
    roof = estimate_training("llama-3.1-8b", "h100", **kw)
    by_mfu = estimate_training("llama-3.1-8b", "h100", mfu=0.3, **kw)
    by_hours = estimate_training("llama-3.1-8b", "h100", chip_hours=by_mfu["chip_hours"].value,
                                 **kw)
    assert by_hours["time"].value == pytest.approx(by_mfu["time"].value)
    assert by_hours["accelerator_energy"].value == pytest.approx(
        by_mfu["accelerator_energy"].value)
    assert roof["flops"].value == pytest.approx(by_mfu["flops"].value)
    # a slower run idles longer: more energy
    slow = estimate_training("llama-3.1-8b", "h100", mfu=0.15, **kw)
    assert slow["accelerator_energy"].value > by_mfu["accelerator_energy"].value


def test_training_input_errors():
    with pytest.raises(InputError):
        estimate_training("llama-3.1-8b", "h100", tokens=-1)
    with pytest.raises(InputError):
        estimate_training("llama-3.1-8b", "h100", tokens=1e9, mfu=1.5)
    with pytest.raises(InputError):
        estimate_training("llama-3.1-8b", "h100", tokens=1e9, mfu=0.4, chip_hours=10)
    with pytest.raises(UnsupportedError):
        estimate_training("llama-3.1-8b", "h100", tokens=1e9, precision="int4")


def test_moe_active_params_drive_flops():
    dense = estimate_training("mixtral-8x7b", "h100", tokens=1e9, chips=8)
    assert dense["flops"].value < 6 * 20e9 * 1e9  # ~13B active, not 47B


def test_cleaner_grid_wins_on_co2():
    a = estimate_inference("llama-3.1-8b", "h100", site="fra")
    b = estimate_inference("llama-3.1-8b", "h100", site="ind")
    assert a["co2e"].value < b["co2e"].value
    assert a["accelerator_energy"].value == pytest.approx(b["accelerator_energy"].value)
