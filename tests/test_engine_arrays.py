"""Every public engine function: the array path agrees with the scalar path to 1e-9.

Each numeric function is called once on numpy arrays and once per element on Python floats;
the grid evaluators are compared with ``estimate_inference`` / ``estimate_training``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import wattprint.engine as engine
from wattprint.catalog import get_hardware, get_site
from wattprint.catalog.stacks import get_stack
from wattprint.errors import UnsupportedError
from wattprint.workload.demand import parse_demand
from wattprint.workload.model_spec import get_model_spec
from wattprint.workload.phases import Work
from wattprint.workload.precision import precision_plan

REL = 1e-9
HW = ["h100", "a100-80gb", "mi300x", "l4", "h200"]
SETTINGS = settings(deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
pos = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)

#: Public engine names that are not numeric formulas (lookups, checks, parameter assembly):
#: nothing to vectorise. Every other public function must be in CHECKED.
NOT_NUMERIC = {"check_count", "check_limit", "compute_rate", "device_params",
               "hardware_precision_pairs", "params_for", "profile_for", "resolve_hardware",
               "resolve_model", "resolve_profile", "run_work", "sparsify", "stack_params",
               "stack_works", "traffic_of",
               # operator-level estimates (issue #10): scalar loops over traced operators,
               # not vectorised over hardware/batch arrays yet
               "estimate_module", "estimate_operator_model", "estimate_operators",
               "estimate_parts", "match_config", "price_operators"}
CHECKED = {"evaluate_phase", "serving_latencies", "tensor_parallel_comm",
           "held_context_tokens", "inference_memory_bytes", "training_memory_bytes",
           "usable_memory_bytes", "power_capped_wall_s",
           "training_energy_j", "site_chain", "estimate_inference", "estimate_training",
           "evaluate_inference_grid", "evaluate_training_grid"}


def close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=REL, atol=0.0)


def test_every_public_function_is_checked() -> None:
    funcs = {n for n in engine.__all__ if inspect.isfunction(getattr(engine, n))}
    assert funcs == CHECKED | NOT_NUMERIC, funcs ^ (CHECKED | NOT_NUMERIC)


def _params(chips: int = 1) -> list[engine.DeviceParams]:
    st_ = get_stack("vllm")
    return [engine.params_for(get_hardware(h), st_, precision_plan("bf16"), chips, None)[0]
            for h in HW]


@SETTINGS
@given(flops=pos, nbytes=pos, passes=st.integers(0, 50), chips=st.sampled_from([1, 2, 8]),
       comm=st.sampled_from([0.0, 1.0]))
def test_evaluate_phase(flops: float, nbytes: float, passes: int, chips: int,
                        comm: float) -> None:
    w = Work("x", float(passes), float(passes * 32), 4096.0 * (passes or 1), flops * 1e12,
             flops * 1e10, 0.0, nbytes * 1e9, nbytes * 1e7, nbytes * 1e8, loop_steps=passes,
             gemm_k=4096.0)
    ps = _params(chips)
    many = engine.stack_params(ps)
    cb = np.array([[comm * 1e8 * (k + 1)] for k in range(len(ps))])
    for corner in (0, 1, 2):
        arr = engine.evaluate_phase(w, many, chips, cb, 64.0, corner)
        for k, p in enumerate(ps):
            one = engine.evaluate_phase(w, p, chips, float(cb[k, 0]), 64.0, corner)
            for key, v in one.items():
                close(np.broadcast_to(arr[key], (len(ps), 1))[k, 0], v)


@SETTINGS
@given(pre=st.lists(pos, min_size=3, max_size=3), dec=st.lists(pos, min_size=3, max_size=3),
       steps=st.integers(0, 500), batch=st.lists(st.integers(1, 256), min_size=3, max_size=3),
       cont=st.booleans())
def test_serving_formulas(pre: list[float], dec: list[float], steps: int, batch: list[int],
                          cont: bool) -> None:
    spec = get_model_spec("llama-3.1-8b")
    plan = precision_plan("fp8")
    ttft, tpot = engine.serving_latencies(np.array(pre), np.array(dec), steps,
                                          np.array(batch, dtype=float), cont)
    cb, calls = engine.tensor_parallel_comm(spec, np.array([2.0, 1.0, 4.0]),
                                            np.array(batch, dtype=float), 1000)
    held = engine.held_context_tokens(np.array(batch, dtype=float), np.array(pre), cont)
    mem = engine.inference_memory_bytes(spec, plan, np.array(batch, dtype=float), 1000.0)
    tmem = engine.training_memory_bytes(spec, np.array(batch, dtype=float))
    use = engine.usable_memory_bytes(np.array(pre), np.array(batch, dtype=float))
    for i in range(3):
        a, o = engine.serving_latencies(pre[i], dec[i], steps, batch[i], cont)
        close(ttft[i], a)
        close(tpot[i], o)
        close(cb[i], engine.tensor_parallel_comm(spec, [2.0, 1.0, 4.0][i], batch[i], 1000)[0])
        close(held[i], engine.held_context_tokens(batch[i], pre[i], cont))
        close(mem[i], engine.inference_memory_bytes(spec, plan, batch[i], 1000.0))
        close(tmem[i], engine.training_memory_bytes(spec, batch[i]))
        close(use[i], engine.usable_memory_bytes(pre[i], batch[i]))
    assert calls == 2.0 * spec.layers


@SETTINGS
@given(step=st.lists(pos, min_size=4, max_size=4), chips=st.lists(
    st.sampled_from([1, 2, 64, 4096]), min_size=4, max_size=4), dyn=pos, idle=pos)
def test_training_formulas(step: list[float], chips: list[int], dyn: float,
                           idle: float) -> None:
    s, n = np.array(step), np.array(chips, dtype=float)
    comm = np.array([0.0, 0.01, 0.1, 1.0])
    wall = engine.power_capped_wall_s(s, comm, 1e5, dyn * 1e6 * n, 700.0 - idle, n)
    e = engine.training_energy_j(wall, dyn * 1e6 * n, idle, 700.0, n)
    for i in range(4):
        c1 = float(comm[i])
        w1 = engine.power_capped_wall_s(step[i], c1, 1e5, dyn * 1e6 * chips[i],
                                        700.0 - idle, chips[i])
        close(wall[i], w1)
        close(e[i], engine.training_energy_j(w1, dyn * 1e6 * chips[i], idle, 700.0,
                                             chips[i]))


@SETTINGS
@given(acc=st.lists(pos, min_size=2, max_size=2), host=pos, emb=pos)
def test_site_chain(acc: list[float], host: float, emb: float) -> None:
    sites = engine.SiteArrays.build([get_site("fra"), get_site("world")])
    arr = engine.site_chain(np.array(acc), host, emb, sites)
    for i, a in enumerate(acc):
        one = engine.site_chain(a, host, emb, sites)
        for key, v in one.items():
            close(arr[key][i], v)


@SETTINGS
@example(batch=16, prompt=2640, output=1, stack="vllm", prec="bf16")  # KV pool admits 15 on L4
@given(batch=st.sampled_from([1, 3, 16]), prompt=st.integers(1, 4000),
       output=st.integers(1, 600), stack=st.sampled_from(["vllm", "eager"]),
       prec=st.sampled_from(["bf16", "fp8", "int4"]))
def test_inference_grid_is_estimate_inference(batch: int, prompt: int, output: int,
                                              stack: str, prec: str) -> None:
    spec = get_model_spec("llama-3.1-8b")
    demand = parse_demand("10rps", prompt, output)
    sites = engine.SiteArrays.build([get_site("fra")])
    hws = [get_hardware(h) for h in HW]
    try:
        g = engine.evaluate_inference_grid(spec, demand, hws, [prec], [1, 2], [batch], sites,
                                           stack=stack)
    except UnsupportedError:
        return
    for k, (hw, pl) in enumerate(g.combos):
        for c, n in enumerate(g.chips):
            try:
                fp = engine.estimate_inference(spec, hw, batch=batch, prompt_tokens=prompt,
                                               output_tokens=output, precision=pl.name,
                                               chips=int(n), stack=stack)
            except UnsupportedError:
                continue  # does not fit in memory: the grid marks it, estimate refuses
            if fp.details["admitted_batch"] < batch:
                # vLLM-like engines queue what the paged KV pool cannot hold: the estimate
                # runs the admitted batch, the planner's grid marks the batch as not fitting
                assert g.dev["mem_need"][k, c, 0] > g.dev["mem_have"][k, c, 0]
                continue
            close(g.dev["cycle_j"][k, c, 0], fp["accelerator_energy"].value)
            close(g.dev["cycle_s"][k, c, 0], fp["time"].value)
            close(g.dev["ttft_s"][k, c, 0], fp["time_to_first_token"].value)
            close(g.dev["tpot_s"][k, c, 0], fp["time_per_output_token"].value)


@SETTINGS
@given(tokens=st.floats(1e9, 1e13), prec=st.sampled_from(["bf16", "fp8"]),
       chips=st.sampled_from([1, 8, 512]))
def test_training_grid_is_estimate_training(tokens: float, prec: str, chips: int) -> None:
    spec = get_model_spec("llama-3.1-8b")
    sfac = engine.SiteArrays.build([get_site("fra")])
    hws = [get_hardware(h) for h in HW]
    try:
        g = engine.evaluate_training_grid(spec, tokens, hws, [prec], [chips], sfac)
    except UnsupportedError:
        return
    for k, (hw, pl) in enumerate(g.combos):
        fp = engine.estimate_training(spec, hw, tokens=tokens, chips=chips, precision=pl.name,
                                      site=sfac.sites[0])
        close(g.dev["time_s"][k, 0], fp["time"].value)
        close(g.dev["accelerator_energy_j"][k, 0], fp["accelerator_energy"].value)
        close(g.tot["facility_energy_j"][k, 0, 0], fp["facility_energy"].value)


@pytest.mark.parametrize("name", sorted(NOT_NUMERIC))
def test_non_numeric_names_exist(name: str) -> None:
    assert callable(getattr(engine, name))
