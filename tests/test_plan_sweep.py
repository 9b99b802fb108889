"""The vectorised planner: parity with the engine, hand-checked cases, Pareto properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wattprint.catalog import get_hardware, get_site
from wattprint.errors import InputError, UnsupportedError
from wattprint.estimate import estimate_inference, estimate_training, resolve_model
from wattprint.plan.demand import parse_demand
from wattprint.plan.sweep import (
    SiteArrays,
    evaluate_inference_grid,
    evaluate_training_grid,
    pareto_mask,
    parse_budget,
    parse_duration,
    parse_latency_slo,
    plan_inference,
    plan_training,
    skyline_candidates,
)
from wattprint.quantity import J_PER_KWH, S_PER_DAY
from wattprint.site.embodied import embodied_per_chip

REL = 1e-6


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b), 1e-30)


@pytest.mark.parametrize("model,hw,prec,chips,batch,p,o,stack", [
    ("llama-3.1-8b", "h100", "bf16", 1, 1, 512, 256, "vllm"),
    ("llama-3.1-8b", "h100", "fp8", 2, 64, 1000, 300, "vllm"),
    ("llama-3.1-8b", "a100-80gb", "int4", 1, 16, 128, 64, "vllm"),
    ("llama-3.1-70b", "h200", "fp8", 8, 32, 2000, 500, "vllm"),
    ("mixtral-8x7b", "h100", "bf16", 4, 8, 512, 128, "vllm"),
    ("llama-3.2-1b", "l4", "int8", 1, 256, 256, 1, "eager"),
    ("qwen3-30b-a3b", "mi300x", "bf16", 1, 4, 700, 90, "graphs"),
])
def test_grid_matches_estimate_inference(model, hw, prec, chips, batch, p, o, stack):
    spec = resolve_model(model)
    site = get_site("aws-eu-west-1")
    g = evaluate_inference_grid(spec, parse_demand("3rps", p, o), [get_hardware(hw)], [prec],
                                [chips], [batch], SiteArrays.build([site]), stack=stack)
    fp = estimate_inference(spec, hw, batch=batch, prompt_tokens=p, output_tokens=o,
                            precision=prec, chips=chips, stack=stack, site=site.id)
    d = g.dev
    assert _close(d["cycle_j"][0, 0, 0], fp["accelerator_energy"].value)
    assert _close(d["cycle_s"][0, 0, 0], fp["time"].value)
    assert _close(d["ttft_s"][0, 0, 0], fp["time_to_first_token"].value)
    assert _close(d["tpot_s"][0, 0, 0], fp["time_per_output_token"].value)
    assert _close(d["mem_need"][0, 0, 0], fp.details["memory_required_bytes"])
    # per batch at the site: (accelerator + host) × PUE, CO2e = kWh × grid
    pue = site.pue.value
    fac = (d["cycle_j"][0, 0, 0] + d["host_cycle_j"][0, 0, 0]) * pue
    assert _close(fac, fp["facility_energy"].value)
    assert _close(fac / J_PER_KWH * site.grid_gco2e_per_kwh.value, fp["co2e"].value)


@pytest.mark.parametrize("model,hw,prec,chips", [
    ("llama-3.1-8b", "h100", "bf16", 1), ("llama-3.1-8b", "h100", "fp8", 64),
    ("llama-3.1-70b", "b200", "bf16", 1024), ("llama-3.2-1b", "tpu-v5p", "bf16", 16),
    ("mixtral-8x7b", "mi300x", "bf16", 8),
])
def test_training_grid_matches_estimate_training(model, hw, prec, chips):
    spec = resolve_model(model)
    site = get_site("gcp-europe-west9")
    g = evaluate_training_grid(spec, 2e12, [get_hardware(hw)], [prec], [chips],
                               SiteArrays.build([site]))
    fp = estimate_training(spec, hw, tokens=2e12, chips=chips, precision=prec, site=site.id)
    assert _close(g.dev["time_s"][0, 0], fp["time"].value)
    assert _close(g.dev["accelerator_energy_j"][0, 0], fp["accelerator_energy"].value)
    for key, q in (("facility_energy_j", "facility_energy"), ("total_co2e_g", "total_co2e"),
                   ("water_l", "water"), ("cost_usd", "cost")):
        assert _close(g.tot[key][0, 0, 0], fp[q].value), key


def test_ranked_rows_checked_against_engine():
    res = plan_inference("llama-3.1-8b", parse_demand("5rps", 500, 200), hardware="h100,l4",
                         regions="aws-us-east-1", top=3)
    for row in res.ranked:
        assert row["check"]["relative_difference"] < REL


def test_daily_serving_model_by_hand():
    """replicas = ⌈λT/b⌉; accel/day = cycles·E + idle·chips·(R·86400 − cycles·T)."""
    spec = resolve_model("llama-3.1-8b")
    hw = get_hardware("h100")
    site = get_site("aws-us-east-1")
    lam = 7.0
    g = evaluate_inference_grid(spec, parse_demand(lam, 1000, 300), [hw], ["bf16"], [1], [32],
                                SiteArrays.build([site]))
    fp = estimate_inference(spec, hw, batch=32, prompt_tokens=1000, output_tokens=300,
                            stack="vllm")
    t, e = fp["time"].value, fp["accelerator_energy"].value
    replicas = math.ceil(lam * t / 32)
    cycles = lam * 86400 / 32
    accel = cycles * e + hw.idle_w.value * 1 * (replicas * 86400 - cycles * t)
    host = hw.host_power_w.value * replicas * 86400
    fac = (accel + host) * site.pue.value
    assert g.dev["replicas"][0, 0, 0] == replicas
    assert _close(g.day["facility_energy_j"][0, 0, 0, 0], fac)
    emb = embodied_per_chip(hw).value * replicas * S_PER_DAY / 126144000.0
    assert _close(g.day["total_co2e_g"][0, 0, 0, 0],
                  fac / J_PER_KWH * site.grid_gco2e_per_kwh.value + emb)


def test_lower_intensity_region_wins_on_co2e():
    """Two regions with the same PUE (1.1): the one with the lower grid wins, by fac × Δgrid."""
    a, b = get_site("gcp-europe-west9"), get_site("gcp-us-east4")
    assert a.pue.value == b.pue.value and a.grid_gco2e_per_kwh.value < \
        b.grid_gco2e_per_kwh.value
    res = plan_inference("llama-3.1-8b", parse_demand("10rps", 500, 200), hardware="h100",
                         precisions="bf16", regions=[b.id, a.id], objective="co2e", top=50,
                         verify=False)
    assert res.ranked[0]["region"] == a.id
    by = {(r["chips"], r["batch"], r["region"]): r for r in res.ranked}
    r0 = res.ranked[0]
    other = by.get((r0["chips"], r0["batch"], b.id))
    if other is not None:
        diff = other["total_co2e_g"] - r0["total_co2e_g"]
        hand = r0["facility_energy_j"] / J_PER_KWH * (b.grid_gco2e_per_kwh.value
                                                      - a.grid_gco2e_per_kwh.value)
        assert _close(diff, hand)


def test_model_that_does_not_fit_is_excluded():
    """Llama-3.1-70B in bf16 needs ≥ 70.5e9 × 2 B × 1.1 = 155 GB: not on 1-4 L4 (22 GB usable)."""
    spec = resolve_model("llama-3.1-70b")
    need_weights = spec.params_total * 2 * 1.1
    usable = get_hardware("l4").memory_bytes.value * 0.92
    assert need_weights > 4 * usable
    res = plan_inference(spec, parse_demand("2rps", 256, 64), hardware="l4",
                         precisions="bf16", chips="1,2,4,8", regions="aws-us-east-1", top=20,
                         verify=False)
    assert all(r["chips"] == 8 for r in res.ranked + res.frontier)
    assert res.constraints[0].name == "memory"
    with pytest.raises(UnsupportedError, match="fits in memory"):
        plan_inference(spec, parse_demand("2rps", 256, 64), hardware="l4", precisions="bf16",
                       chips="1,2,4", regions="aws-us-east-1")


def test_empty_set_names_the_constraint():
    with pytest.raises(UnsupportedError, match=r"budget 1kWh/day .* emptied the set"):
        plan_inference("llama-3.1-8b", parse_demand("20rps", 1000, 300),
                       budgets=[parse_budget("1kWh/day")])
    with pytest.raises(UnsupportedError, match="time to first token"):
        plan_inference("llama-3.1-8b", parse_demand("5rps"), ttft_s=1e-4)
    # each constraint alone is satisfiable, together they are not
    kw = dict(hardware="h100", regions="aws-us-east-1", top=1, verify=False)
    free = plan_training("llama-3.1-8b", 15e12, **kw).ranked[0]["facility_energy_j"]
    fast = plan_training("llama-3.1-8b", 15e12, deadline_s=86400 * 5,
                         **kw).ranked[0]["facility_energy_j"]
    assert fast > free
    mid = f"{(free + fast) / 2 / 3.6e9:.6f}MWh"
    plan_training("llama-3.1-8b", 15e12, budgets=[parse_budget(mid)], **kw)
    with pytest.raises(UnsupportedError, match="contradict"):
        plan_training("llama-3.1-8b", 15e12, deadline_s=86400 * 5,
                      budgets=[parse_budget(mid)], **kw)


@settings(deadline=None)
@given(ttft=st.floats(0.05, 5.0), tpot=st.floats(0.005, 0.2))
def test_feasible_results_satisfy_the_slo(ttft, tpot):
    try:
        res = plan_inference("llama-3.2-3b", parse_demand("4rps", 400, 100), ttft_s=ttft,
                             tpot_s=tpot, hardware="h100,l4,a100-80gb",
                             regions="aws-us-east-1,aws-eu-north-1", top=10, verify=False)
    except UnsupportedError:
        return
    for r in res.ranked + res.frontier:
        assert r["ttft_s"] <= ttft and r["tpot_s"] <= tpot


def _dominates(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a <= b) and np.any(a < b))


@settings(deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 6)] * 4), min_size=1, max_size=40))
def test_pareto_members_never_dominated(rows):
    c = np.array(rows, dtype=float)
    m = pareto_mask(c)
    assert m.any()
    for i in np.flatnonzero(m):
        assert not any(_dominates(c[j], c[i]) for j in range(len(c)))
    for i in np.flatnonzero(~m):  # every excluded row is dominated or duplicates a member
        assert any(_dominates(c[j], c[i]) or (np.all(c[j] == c[i]) and m[j])
                   for j in range(len(c)))


@settings(deadline=None)
@given(st.integers(0, 10_000))
def test_skyline_prefilter_keeps_the_frontier(seed):
    rng = np.random.default_rng(seed)
    D, G = 30, 4
    it = rng.integers(1, 8, D).astype(float)
    emb = rng.integers(0, 5, D).astype(float)
    alive = rng.random((D, G)) < 0.7
    pue, grid, w, price = (rng.uniform(1, 2, G), rng.integers(0, 500, G).astype(float),
                           rng.uniform(0, 3, G), rng.uniform(0.05, 0.3, G))
    fac = it[:, None] * pue
    metrics = np.stack([fac, fac * grid + emb[:, None], it[:, None] * w + fac,
                        fac * price], axis=-1).reshape(-1, 4)
    flat = np.flatnonzero(alive.reshape(-1))
    if flat.size == 0:
        return
    full = set(flat[pareto_mask(metrics[flat])])
    pool = skyline_candidates(alive, it, emb)
    fast = set(pool[pareto_mask(metrics[pool])])
    # same frontier up to exact duplicates
    key = {tuple(metrics[i]) for i in full}
    assert {tuple(metrics[i]) for i in fast} == key


def test_parsers():
    assert parse_budget("500kWh/day").limit_per(S_PER_DAY) == pytest.approx(500 * 3.6e6)
    assert parse_budget("365t/year").limit_per(S_PER_DAY) == pytest.approx(1e6)
    b = parse_budget("5m3/day")
    assert (b.metric, b.limit) == ("water", 5000.0)
    assert parse_budget("$200/day").metric == "cost"
    assert parse_budget("500MWh").period_s is None
    for bad in ("-5kWh/day", "5 parsecs", "10kWh/fortnight", ""):
        with pytest.raises(InputError):
            parse_budget(bad)
    assert parse_latency_slo("ttft=500ms,tpot=50ms") == (0.5, 0.05)
    assert parse_duration("30days", "d") == 30 * 86400
    with pytest.raises(InputError):
        parse_latency_slo("ttft=-1s")
    with pytest.raises(InputError):
        parse_latency_slo("latency=1s")


def test_demand_parsing():
    assert parse_demand("10rps").requests_per_s == 10
    assert parse_demand("1e6 requests/day").requests_per_day == pytest.approx(1e6)
    # 5M tokens/day of 500 + 200 tokens each = 7142.86 requests/day
    assert parse_demand("5M tokens/day", 500, 200).requests_per_day == pytest.approx(5e6 / 700)
    assert parse_demand("2M output tokens/day", 500, 200).requests_per_day == \
        pytest.approx(1e4)
    for bad in ("-3rps", "0rps", "abc", "5 requests/fortnight"):
        with pytest.raises(InputError):
            parse_demand(bad)
    with pytest.raises(InputError):
        parse_demand("1rps", 0, 10)
