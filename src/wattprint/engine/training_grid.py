"""Training over a whole grid: hardware × precision × chips (× region) for one run.

The same formulas as :func:`wattprint.engine.estimate_training` (roofline time of one step per
chip, exposed gradient all-reduce, power cap, energy capped at TDP) on arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wattprint.catalog.defaults import default_stack, default_value
from wattprint.catalog.profiles import Profile
from wattprint.catalog.schema import Hardware
from wattprint.catalog.stacks import Stack, get_stack
from wattprint.device.execute import evaluate_phase
from wattprint.engine.grid import hardware_precision_pairs, stack_params, stack_works
from wattprint.engine.memory import USABLE_MEMORY, training_memory_bytes
from wattprint.engine.params import params_for, profile_for, resolve_profile, traffic_of
from wattprint.engine.training_formulas import (
    power_capped_wall_s,
    training_energy_j,
)
from wattprint.engine.training_run import scaled_totals
from wattprint.errors import UnsupportedError
from wattprint.site import formulas as sf
from wattprint.site.arrays import SiteArrays, site_chain
from wattprint.site.embodied import embodied_per_chip
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import train_step_work
from wattprint.workload.precision import PrecisionPlan

ProgressFn = Callable[[int, int], None]


@dataclass
class TrainingGrid:
    """Every training configuration's numbers, shape (combo, chips[, region])."""

    spec: ModelSpec
    tokens: float
    combos: list[tuple[Hardware, PrecisionPlan]]
    chips: np.ndarray
    sites: SiteArrays
    dev: dict[str, np.ndarray]
    tot: dict[str, np.ndarray]
    skipped: list[str]
    stacks: list[str]

    @property
    def shape(self) -> tuple[int, int, int]:
        """(combos, chips, regions)."""
        return (len(self.combos), self.chips.size, len(self.sites.sites))


def _step_columns(spec: ModelSpec, combos: list[tuple[Hardware, PrecisionPlan]],
                  c_arr: np.ndarray, stacks: tuple[Stack, Stack], batch: int, seq_len: int,
                  recompute: bool, prof: Profile | None,
                  progress: ProgressFn | None) -> dict[str, np.ndarray]:
    """One optimizer step per chip for every combo × chip count, shape (K, C)."""
    st_one, st_multi = stacks
    plans = list(dict.fromkeys(pl for _, pl in combos))
    pidx = np.array([plans.index(pl) for _, pl in combos])
    tables = {st.id: [[train_step_work(spec, pl, traffic_of(st), batch, seq_len, recompute)]
                      for pl in plans] for st in stacks}
    K = len(combos)
    cols: dict[str, list[np.ndarray]] = {}
    for j, c in enumerate(c_arr):
        st = st_one if c == 1 else st_multi
        work = stack_works(tables[st.id], pidx)
        if c > 1:  # optimizer state sharded over data-parallel chips, as estimate_training
            work = work.replace(optimizer_bytes=work.optimizer_bytes / c)
        params = stack_params([params_for(hw, st, pl, int(c), profile_for(prof, hw))[0]
                               for hw, pl in combos])
        out = evaluate_phase(work, params, 1)
        for k, v in (("t", out["t"]), ("e_dyn", out["e_dyn"]), ("flops", work.flops),
                     ("link_bps", params.link_bps), ("idle_w", params.idle_w[0]),
                     ("tdp_w", params.tdp_w), ("peak_flops", params.peak_flops)):
            cols.setdefault(k, []).append(np.broadcast_to(np.asarray(v, dtype=float)
                                                          .reshape(-1, 1)
                                                          if np.ndim(v) else v, (K, 1)))
        if progress is not None:
            progress(j + 1, len(c_arr))
    return {k: np.concatenate(v, axis=1) for k, v in cols.items()}  # (K, C)


def _multi_chip_columns(spec: ModelSpec, tokens: float,
                        combos: list[tuple[Hardware, PrecisionPlan]], c_arr: np.ndarray,
                        st: Stack, seq_len: int, recompute: bool, prof: Profile | None,
                        out: dict[str, np.ndarray]) -> None:
    """Overwrite the multi-chip columns of ``out`` with the layout-aware run of
    :func:`~wattprint.engine.training_run.scaled_totals` (TP × PP × DP, global batch,
    bubble, exposed collectives, goodput): the same physics as ``estimate_training``."""
    for j, c in enumerate(c_arr):
        if c <= 1:
            continue
        for k, (hw, pl) in enumerate(combos):
            params = params_for(hw, st, pl, int(c), profile_for(prof, hw))[0]
            tot = scaled_totals(spec, pl, st, params, hw,
                                int(c), tokens, seq_len, recompute)
            for key, arr in out.items():
                arr[k, j] = tot[key]


def evaluate_training_grid(spec: ModelSpec, tokens: float, hardware: Sequence[Hardware],
                           precisions: Sequence[str], chips: Sequence[int], sites: SiteArrays,
                           *, batch: int = 8, seq_len: int = 2048, recompute: bool = False,
                           stack: str | None = None, profile: str | Profile | None = None,
                           progress: ProgressFn | None = None) -> TrainingGrid:
    """Evaluate hardware × precision × chips (× region) for a run of ``tokens`` tokens.

    ``dev`` holds per-configuration time [s], accelerator energy [J], FLOPs, memory need/have
    [B] and MFU; ``tot`` the run's totals per region (J, gCO2e, L, USD).
    """
    prof = resolve_profile(profile)
    c_arr = np.asarray(sorted(set(int(c) for c in chips)), dtype=float)
    st_multi = get_stack(stack or default_stack("train", 2))
    st_one = get_stack(stack or default_stack("train", 1))
    combos, skipped = hardware_precision_pairs(hardware, precisions, st_multi, None,
                                               trainable=True)
    if not combos:
        raise UnsupportedError("no hardware × precision pair to sweep: " + "; ".join(skipped[:3]))
    p = _step_columns(spec, combos, c_arr, (st_one, st_multi), batch, seq_len, recompute, prof,
                      progress)
    n = c_arr[None, :]
    # One chip: no communication. Multi-chip columns are overwritten below by
    # _multi_chip_columns through scaled_totals, the same layout physics as estimate_training.
    comm_t = 0.0 * n
    steps = tokens / (batch * seq_len * n)
    dyn = p["e_dyn"] * steps * n
    wall = power_capped_wall_s(p["t"], comm_t, steps, dyn, p["tdp_w"] - p["idle_w"], n)
    accel = training_energy_j(wall, dyn, p["idle_w"], p["tdp_w"], n)
    host_w = np.array([hw.host_power_w.value for hw, _ in combos])[:, None]
    emb_chip = np.array([embodied_per_chip(hw).value for hw, _ in combos])[:, None]
    flops = p["flops"] * steps * n
    step_s = np.array(p["t"], dtype=float)
    comm_t = np.array(comm_t + 0 * wall, dtype=float)
    wall, accel = np.array(wall, dtype=float), np.array(accel, dtype=float)
    _multi_chip_columns(spec, tokens, combos, c_arr, st_multi, seq_len, recompute, prof,
                        {"time_s": wall, "accelerator_energy_j": accel, "flops": flops,
                         "step_s": step_s, "comm_s_per_step": comm_t})
    host = sf.host_energy_j(host_w, n, wall)
    emb = sf.embodied_co2e_g(emb_chip, n, wall, default_value("embodied", "lifetime_s").value,
                             default_value("embodied", "utilisation").value)
    mem = np.array([hw.memory_bytes.value for hw, _ in combos])[:, None] * USABLE_MEMORY
    dev = {"time_s": wall, "accelerator_energy_j": accel, "flops": flops,
           "mem_need": training_memory_bytes(spec, 1) / n + 0 * wall, "mem_have": mem + 0 * wall,
           "comm_s_per_step": comm_t, "step_s": step_s,
           "mfu": flops / (n * wall) / p["peak_flops"]}
    tot = site_chain(accel, host, emb, sites)
    tot["host_energy_j"] = np.broadcast_to(np.asarray(host)[..., None],
                                           tot["facility_energy_j"].shape)
    return TrainingGrid(spec, tokens, combos, c_arr, sites, dev, tot, skipped,
                        [st_one.id, st_multi.id])
