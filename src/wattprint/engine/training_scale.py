"""A multi-chip training run step by step: layout, compute, bubble, exposed communication,
goodput. Used by :func:`wattprint.engine.estimate_training` when no chip-hours or MFU is given
and the run has more than one chip (docs/methodology.md §2.5)."""

from __future__ import annotations

from wattprint.catalog.caches import derived_dict, keep
from wattprint.catalog.defaults import default_value
from wattprint.device.execute import DeviceParams, PhaseResult, run_work
from wattprint.engine.parallelism import (
    Fabric,
    Layout,
    dp_comm_s,
    ep_comm_s,
    exposed,
    goodput,
    tp_comm_s,
)
from wattprint.record import Record, field
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import Traffic, Work, train_step_work
from wattprint.workload.precision import PrecisionPlan


class ScaledRun(Record, frozen=False):
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

    def __init__(self, layout: Layout, steps: float, step: Work, step_r: PhaseResult,
                 comm_s: dict[str, float], bubble_s: float, wall_s: tuple[float, float, float],
                 productive_s: tuple[float, float, float], dynamic_j: float,
                 shares: dict[str, float] | None = None) -> None:
        # written out: one is built per training estimate (the Record's generic path is slower)
        self.layout, self.steps, self.step, self.step_r = layout, steps, step, step_r
        self.comm_s, self.bubble_s, self.wall_s = comm_s, bubble_s, wall_s
        self.productive_s, self.dynamic_j = productive_s, dynamic_j
        self.shares = {} if shares is None else shares

    def breakdown(self) -> str:
        """``compute 62 %, pipeline bubble 8 %, exposed communication 20 %, goodput loss 10 %``."""
        return ", ".join(f"{k} {v * 100:.0f} %" for k, v in self.shares.items())


def _step_time(step_r: PhaseResult, bubble: float, comm: dict[str, float],
               corner: int) -> float:
    base = (step_r.time_s, step_r.time_low_s, step_r.time_high_s)[corner] / (1.0 - bubble)
    return base + sum(t * exposed(k)[corner] for k, t in comm.items())


#: :func:`_replica_step` by the identities of its entries (kept in the value, so an id is
#: never reused while cached) and the layout's value; cleared by
#: :func:`wattprint.catalog.clear_caches`.
_STEPS = derived_dict()


def _replica_step(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic,
                  params: DeviceParams, lay: Layout, recompute: bool
                  ) -> tuple[Work, PhaseResult]:
    """One DP replica's step and its run on TP × PP chips: they do not depend on the token
    count, so they are computed once per model, precision, stack traffic, device parameters,
    layout and recompute setting (all frozen records)."""
    key = (id(spec), id(plan), id(traffic), id(params), lay, recompute)
    hit = _STEPS.get(key)
    if hit is not None and hit[0] is spec and hit[1] is plan and hit[2] is traffic \
            and hit[3] is params:
        return hit[4], hit[5]
    step = train_step_work(spec, plan, traffic, lay.sequences_per_rank, lay.seq_len, recompute)
    step = step.replace(optimizer_bytes=step.optimizer_bytes / lay.dp)
    step_r = run_work(step, params, lay.tp * lay.pp, 0.0)
    keep(_STEPS, key, (spec, plan, traffic, params, step, step_r))
    return step, step_r


def scaled_run(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, params: DeviceParams,
               fabric: Fabric, lay: Layout, tokens: float, recompute: bool) -> ScaledRun:
    """Time and dynamic energy of ``tokens`` tokens on layout ``lay``.

    Step of one DP replica: the sequences of a rank through the whole model, split evenly
    over its TP × PP chips (optimizer state sharded over DP: ZeRO-1). Step time =
    compute / (1 − bubble) + Σ exposed share × collective time (TP, DP, EP). Wall =
    steps × step / goodput.
    """
    step, step_r = _replica_step(spec, plan, traffic, params, lay, recompute)
    comm = {"tp": tp_comm_s(spec, lay, plan.act_bytes, fabric),
            "dp": dp_comm_s(spec, lay, fabric),
            "ep": ep_comm_s(spec, lay, plan.act_bytes, fabric)}
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
