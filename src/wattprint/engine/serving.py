"""Serving over a whole grid: hardware × precision × chips × batch (× region) at once.

The same formulas as :func:`wattprint.engine.estimate_inference` (one batch-cycle = a prefill
plus ``output − 1`` decode steps through :func:`wattprint.device.execute.evaluate_phase`), on
arrays; then the serving model of docs/planning.md §Serving for a demand of ``λ`` requests/s:

    replicas R = max(1, ⌈λ·T / batch⌉)
    cycles/day = λ · 86 400 / batch
    accelerator J/day = cycles · E + P_idle · chips · (R · 86 400 − cycles · T)
    host J/day = P_host · chips · R · 86 400
    embodied g/day = E_emb · chips · R · 86 400 / lifetime      (reserved full time)

and the site chain (:func:`wattprint.site.arrays.site_chain`) per region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wattprint.catalog.defaults import default_stack, default_value
from wattprint.catalog.profiles import Profile
from wattprint.catalog.schema import Hardware
from wattprint.catalog.stacks import Stack, get_stack
from wattprint.device.execute import evaluate_phase
from wattprint.engine.grid import hardware_precision_pairs, stack_params, stack_works
from wattprint.engine.inference import (
    serving_latencies,
    tensor_parallel_comm,
)
from wattprint.engine.memory import serving_memory
from wattprint.engine.params import params_for, profile_for, resolve_profile, traffic_of
from wattprint.errors import UnsupportedError
from wattprint.quantity import S_PER_DAY
from wattprint.site import formulas as sf
from wattprint.site.arrays import SiteArrays, site_chain
from wattprint.site.embodied import embodied_per_chip
from wattprint.workload.demand import Demand
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import Work, decode_work, prefill_work, replicate_kv
from wattprint.workload.precision import PrecisionPlan

ProgressFn = Callable[[int, int], None]


@dataclass
class InferenceGrid:
    """Every serving configuration's numbers, shape (combo, chips, batch[, region])."""

    spec: ModelSpec
    demand: Demand
    combos: list[tuple[Hardware, PrecisionPlan]]
    chips: np.ndarray
    batches: np.ndarray
    sites: SiteArrays
    stack: Stack
    dev: dict[str, np.ndarray]
    day: dict[str, np.ndarray]
    skipped: list[str]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(combos, chips, batches, regions)."""
        return (len(self.combos), self.chips.size, self.batches.size, len(self.sites.sites))

    @property
    def n_configs(self) -> int:
        """Configurations evaluated (including those that do not fit)."""
        return int(np.prod(self.shape))


@dataclass
class _Tables:
    """Per precision × batch work tables and the per-combo arrays the chunks need."""

    pidx: np.ndarray
    pre: list[list[Work]]
    dec: list[list[Work]] | None
    act: np.ndarray
    steps: int


def _tables(spec: ModelSpec, demand: Demand, combos: list[tuple[Hardware, PrecisionPlan]],
            b_arr: np.ndarray, stack: Stack) -> _Tables:
    p_in, o_out = demand.prompt_tokens, demand.output_tokens
    steps = o_out - 1
    mean_ctx = p_in + o_out / 2.0
    traffic = traffic_of(stack)
    plans = list(dict.fromkeys(pl for _, pl in combos))
    pidx = np.array([plans.index(pl) for _, pl in combos])
    pre = [[prefill_work(spec, pl, traffic, b, p_in) for b in b_arr] for pl in plans]
    dec = [[decode_work(spec, pl, traffic, b, mean_ctx, steps=max(steps, 0))
            for b in b_arr] for pl in plans] if steps > 0 else None
    act = np.array([pl.act_bytes for pl in plans])[pidx][:, None]
    return _Tables(pidx, pre, dec, act, steps)


def _chunk_columns(spec: ModelSpec, demand: Demand, combos: list[tuple[Hardware, PrecisionPlan]],
                   tab: _Tables, sl: slice, c_arr: np.ndarray, b_arr: np.ndarray,
                   stack: Stack, prof: Profile | None) -> dict[str, np.ndarray]:
    """Device numbers of one chunk of combos, shape (combos in chunk, chips, batches)."""
    pre_w = stack_works(tab.pre, tab.pidx[sl])
    dec_w = stack_works(tab.dec, tab.pidx[sl]) if tab.dec is not None else None
    cols: dict[str, list[np.ndarray]] = {}
    for c in c_arr:
        params = stack_params([params_for(hw, stack, pl, int(c), profile_for(prof, hw))[0]
                               for hw, pl in combos[sl]])
        cb, calls = tensor_parallel_comm(spec, tab.act[sl], b_arr[None, :],
                                         demand.prompt_tokens)
        pre = evaluate_phase(replicate_kv(pre_w, spec, c), params, int(c), cb, calls)
        shape = pre["t"].shape
        got = {"t_prefill": pre["t"], "e_prefill": pre["e"],
               "idle_w": np.broadcast_to(params.idle_w[0], shape)}
        if dec_w is not None:
            cb, calls = tensor_parallel_comm(spec, tab.act[sl], b_arr[None, :], 1)
            dec = evaluate_phase(replicate_kv(dec_w, spec, c), params, int(c), cb * tab.steps,
                                 calls * tab.steps)
            got.update(t_decode=dec["t"], e_decode=dec["e"],
                       decode_memory_share=np.broadcast_to(
                           (dec["t_memory"] + dec["t_elementwise"])
                           / np.maximum(dec["t_uncapped"], 1e-300), shape))
        else:
            z = np.zeros(shape)
            got.update(t_decode=z, e_decode=z, decode_memory_share=z)
        for k, v in got.items():
            cols.setdefault(k, []).append(np.broadcast_to(np.asarray(v, dtype=float), shape))
    return {k: np.stack(v, axis=1) for k, v in cols.items()}  # (k, C, B)


def _serving_day(dev: dict[str, np.ndarray], combos: list[tuple[Hardware, PrecisionPlan]],
                 demand: Demand, n: np.ndarray, bb: np.ndarray, sites: SiteArrays
                 ) -> dict[str, Any]:
    """Replicas, utilisation and the per-day totals through the site chain."""
    host_w = np.array([hw.host_power_w.value for hw, _ in combos])[:, None, None]
    emb_chip = np.array([embodied_per_chip(hw).value for hw, _ in combos])[:, None, None]
    # per batch-cycle (comparable with estimate_inference for one batch)
    dev["host_cycle_j"] = sf.host_energy_j(host_w, n, dev["cycle_s"])
    lam = demand.requests_per_s
    cycles = lam * S_PER_DAY / bb
    busy = cycles * dev["cycle_s"]
    replicas = np.maximum(1.0, np.ceil(lam * dev["cycle_s"] / bb - 1e-9))
    dev["replicas"] = replicas
    dev["utilisation"] = busy / (replicas * S_PER_DAY)
    dev["fill_ok"] = (lam * dev["cycle_s"] >= bb) | (bb == 1)
    accel_day = cycles * dev["cycle_j"] + dev["idle_w"] * n * (replicas * S_PER_DAY - busy)
    host_day = sf.host_energy_j(host_w, n * replicas, S_PER_DAY)
    life = default_value("embodied", "lifetime_s").value
    emb_day = sf.embodied_co2e_g(emb_chip, n * replicas, S_PER_DAY, life, 1.0)
    day = site_chain(accel_day, host_day, emb_day, sites)
    day["host_energy_j"] = np.broadcast_to(np.asarray(host_day)[..., None],
                                           day["facility_energy_j"].shape)
    return day


def evaluate_inference_grid(spec: ModelSpec, demand: Demand, hardware: Sequence[Hardware],
                            precisions: Sequence[str], chips: Sequence[int],
                            batches: Sequence[int], sites: SiteArrays, *,
                            stack: str | Stack | None = None, kv_cache: str | None = None,
                            profile: str | Profile | None = None,
                            progress: ProgressFn | None = None) -> InferenceGrid:
    """Evaluate every hardware × precision × chips × batch (× region) serving configuration.

    ``dev`` holds per-batch-cycle device numbers (``cycle_s`` [s], ``cycle_j`` [J],
    ``ttft_s``, ``tpot_s``, memory need/have [B], replicas, utilisation); ``day`` the
    per-day totals per region (J, gCO2e, L, USD).
    """
    st = get_stack(stack if stack is not None else default_stack("serve"))
    prof = resolve_profile(profile)
    combos, skipped = hardware_precision_pairs(hardware, precisions, st, kv_cache)
    if not combos:
        raise UnsupportedError("no hardware × precision pair to sweep: " + "; ".join(skipped[:3]))
    c_arr = np.asarray(sorted(set(int(c) for c in chips)), dtype=float)
    b_arr = np.asarray(sorted(set(int(b) for b in batches)), dtype=float)
    tab = _tables(spec, demand, combos, b_arr, st)
    plans = list(dict.fromkeys(pl for _, pl in combos))
    mem_need = np.array([[[serving_memory(spec, pl, b, demand.prompt_tokens,
                                          demand.output_tokens, int(c),
                                          st.continuous_batching)[0] for b in b_arr]
                          for c in c_arr] for pl in plans])[tab.pidx]
    share = serving_memory(spec, plans[0], 1.0, demand.prompt_tokens, demand.output_tokens,
                           1, st.continuous_batching)[1]
    K = len(combos)
    chunk = max(1, min(K, 24))
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, K, chunk):
        sl = slice(start, min(K, start + chunk))
        parts.append(_chunk_columns(spec, demand, combos, tab, sl, c_arr, b_arr, st, prof))
        if progress is not None:
            progress(min(K, start + chunk), K)
    dev: dict[str, np.ndarray] = {k: np.concatenate([q[k] for q in parts], axis=0)
                                  for k in parts[0]}
    n = c_arr[None, :, None]
    bb = b_arr[None, None, :]
    mem = np.array([hw.memory_bytes.value for hw, _ in combos])[:, None, None]
    dev["mem_have"] = np.broadcast_to(mem * n * share, dev["t_prefill"].shape)
    dev["mem_need"] = np.broadcast_to(mem_need, dev["t_prefill"].shape)
    dev["cycle_s"] = dev["t_prefill"] + dev["t_decode"]
    dev["cycle_j"] = dev["e_prefill"] + dev["e_decode"]
    dev["ttft_s"], dev["tpot_s"] = serving_latencies(dev["t_prefill"], dev["t_decode"],
                                                     tab.steps, bb, st.continuous_batching)
    day = _serving_day(dev, combos, demand, n, bb, sites)
    return InferenceGrid(spec, demand, combos, c_arr, b_arr, sites, st, dev, day, skipped)
