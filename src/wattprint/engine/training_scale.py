"""A multi-chip training run step by step: layout, compute, bubble, exposed communication,
goodput. Used by :func:`wattprint.engine.estimate_training` when no chip-hours or MFU is given
and the run has more than one chip (docs/methodology.md §2.5)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from wattprint.catalog.defaults import default_value
from wattprint.device.execute import DeviceParams, PhaseResult, run_work
from wattprint.engine.parallelism import (
    Layout,
    dp_comm_s,
    ep_comm_s,
    exposed,
    goodput,
    tp_comm_s,
)
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import Traffic, Work, train_step_work
from wattprint.workload.precision import PrecisionPlan


@dataclass
class ScaledRun:
    """Every intermediate of a multi-chip run; times per step are per chip, central."""

    layout: Layout
    steps: float
    step: Work  # one DP replica's step (all of its TP × PP chips)
    step_r: PhaseResult  # that step on TP × PP chips
    comm_s: dict[str, float]  # exposed collective time per step, by kind
    bubble_s: float
    wall_s: tuple[float, float, float]  # central, low, high (goodput included)
    productive_s: tuple[float, float, float]
    dynamic_j: float  # all chips, whole run, productive work
    shares: dict[str, float] = field(default_factory=dict)

    def breakdown(self) -> str:
        """``compute 62 %, pipeline bubble 8 %, exposed communication 20 %, goodput loss 10 %``."""
        return ", ".join(f"{k} {v * 100:.0f} %" for k, v in self.shares.items())


def _step_time(step_r: PhaseResult, bubble: float, comm: dict[str, float],
               corner: int) -> float:
    base = (step_r.time_s, step_r.time_low_s, step_r.time_high_s)[corner] / (1.0 - bubble)
    return base + sum(t * exposed(k)[(0, 1, 2)[corner]] for k, t in comm.items())


def scaled_run(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, params: DeviceParams,
               lay: Layout, tokens: float, recompute: bool) -> ScaledRun:
    """Time and dynamic energy of ``tokens`` tokens on layout ``lay``.

    Step of one DP replica: the sequences of a rank through the whole model, split evenly
    over its TP × PP chips (optimizer state sharded over DP: ZeRO-1). Step time =
    compute / (1 − bubble) + Σ exposed share × collective time (TP, DP, EP). Wall =
    steps × step / goodput.
    """
    step = train_step_work(spec, plan, traffic, lay.sequences_per_rank, lay.seq_len, recompute)
    step = replace(step, optimizer_bytes=step.optimizer_bytes / lay.dp)
    step_r = run_work(step, params, lay.tp * lay.pp, 0.0)
    comm = {"tp": tp_comm_s(spec, lay, plan.act_bytes, params.link_bps),
            "dp": dp_comm_s(spec, lay, params.link_bps),
            "ep": ep_comm_s(spec, lay, plan.act_bytes, params.link_bps)}
    steps = tokens / lay.global_batch_tokens
    step_t = [_step_time(step_r, lay.bubble, comm, c) for c in range(3)]
    gp = goodput()
    productive = (step_t[0] * steps, step_t[1] * steps, step_t[2] * steps)
    wall = (productive[0] / gp[0], productive[1] / gp[2], productive[2] / gp[1])
    dyn = step_r.intermediates["dynamic_energy_j"] * lay.dp * steps
    run = ScaledRun(lay, steps, step, step_r,
                    {k: v * exposed(k)[0] for k, v in comm.items()},
                    step_r.time_s / (1.0 - lay.bubble) - step_r.time_s, wall, productive,
                    dyn)
    run.shares = {
        "compute": step_r.time_s * steps / wall[0],
        "pipeline bubble": run.bubble_s * steps / wall[0],
        "exposed communication": sum(run.comm_s.values()) * steps / wall[0],
        "goodput loss": 1.0 - productive[0] / wall[0],
    }
    return run


def lost_time_energy_j(run: ScaledRun, corner: int) -> float:
    """Dynamic energy drawn during lost (non-goodput) time [J]: that time at the job's mean
    dynamic power × ``lost_time_dynamic_share`` (re-computation runs at full power, restarts
    near idle; defaults.toml [training])."""
    share = default_value("training", "lost_time_dynamic_share")
    k = (share.value, share.low if share.low is not None else share.value,
         share.high if share.high is not None else share.value)[corner]
    lost = run.wall_s[corner] - run.productive_s[corner]
    return lost * run.dynamic_j / max(run.productive_s[0], 1e-300) * k


def scaled_totals(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic,
                  params: DeviceParams, memory_bytes: float, chips: int, tokens: float,
                  seq_len: int, recompute: bool) -> dict[str, float]:
    """Central wall time [s], accelerator energy [J], FLOPs, step time [s] and exposed
    communication per step [s] of a multi-chip run on the recipe's layout — the numbers
    :func:`wattprint.engine.estimate_training` reports, for the planner's training grid."""
    from wattprint.engine.parallelism import choose_layout
    from wattprint.engine.training import training_energy_j

    run = scaled_run(spec, plan, traffic, params,
                     choose_layout(spec, chips, memory_bytes, seq_len), tokens, recompute)
    budget = params.tdp_w - params.idle_w[0]
    wall = max(run.wall_s[0], run.dynamic_j / (budget * chips))
    energy = float(training_energy_j(wall, run.dynamic_j, params.idle_w[0], params.tdp_w,
                                     chips)) + lost_time_energy_j(run, 0)
    return {"time_s": wall, "accelerator_energy_j": energy,
            "flops": run.step.flops * run.steps * run.layout.dp,
            "step_s": run.step_r.time_s, "comm_s_per_step": sum(run.comm_s.values())}
