"""The time line of a training run: wall time, dynamic energy and lost-time energy, each as
(central, low, high), for one chip, for a multi-chip layout, or from a given time.

:func:`wattprint.engine.estimate_training` turns a :class:`Timeline` into a footprint; the
formulas are in :mod:`wattprint.engine.training` and :mod:`wattprint.engine.training_scale`
(docs/methodology.md §2.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wattprint.catalog.defaults import default_value
from wattprint.device.execute import DeviceParams, PhaseResult, run_work
from wattprint.engine.parallelism import choose_layout, fabric_of, goodput
from wattprint.engine.params import traffic_of
from wattprint.engine.training_formulas import power_capped_wall_s, training_energy_j
from wattprint.engine.training_scale import ScaledRun, lost_time_energy_j, scaled_run
from wattprint.quantity import S_PER_HOUR
from wattprint.record import Record, field
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import Work, train_step_work
from wattprint.workload.precision import PrecisionPlan

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware, Stack

Tri = tuple[float, float, float]


class Timeline(Record, frozen=False):
    """Everything :func:`~wattprint.engine.estimate_training` needs after the device model."""

    wall: Tri  # [s] central, low, high (before the power cap)
    dyn: Tri  # dynamic energy of the productive work, all chips [J]
    lost: Tri  # extra energy of lost (non-goodput) time above idle [J]
    how: str
    regime: str
    steps: float
    tokens_per_step: float
    total_flops: float
    step: Work
    step_r: PhaseResult
    comm_s: float  # exposed communication per step [s]
    run: ScaledRun | None = None
    notes: list[str] = field(default_factory=list)

    def __init__(self, wall: Tri, dyn: Tri, lost: Tri, how: str, regime: str, steps: float,
                 tokens_per_step: float, total_flops: float, step: Work, step_r: PhaseResult,
                 comm_s: float, run: ScaledRun | None = None,
                 notes: list[str] | None = None) -> None:
        # written out: the generic Record keyword path costs ~9 µs per training estimate
        self.wall, self.dyn, self.lost, self.how, self.regime = wall, dyn, lost, how, regime
        self.steps, self.tokens_per_step, self.total_flops = steps, tokens_per_step, total_flops
        self.step, self.step_r, self.comm_s, self.run = step, step_r, comm_s, run
        self.notes = [] if notes is None else notes


def calibrated_spread(name: str) -> tuple[float, float]:
    """(low, high) multipliers of a calibrated interval (defaults.toml ``[training] name``):
    the spread of published / predicted over the development set's training runs."""
    v = default_value("training", name)
    return (v.low if v.low is not None else v.value, v.high if v.high is not None else v.value)


def _dyn_corners(dyn: float, params: DeviceParams) -> Tri:
    return (dyn, dyn * params.j_per_flop[1] / params.j_per_flop[0],
            dyn * params.j_per_flop[2] / params.j_per_flop[0])


def one_chip(spec: ModelSpec, plan: PrecisionPlan, st: Stack, params: DeviceParams,
             tokens: float, batch: int, seq_len: int, recompute: bool) -> Timeline:
    """One chip: ``tokens / (batch · seq_len)`` steps, each from the roofline."""
    step = train_step_work(spec, plan, traffic_of(st), batch, seq_len, recompute)
    steps = tokens / (batch * seq_len)
    r = run_work(step, params, 1, 0.0)
    return Timeline(
        wall=(r.time_s * steps, r.time_low_s * steps, r.time_high_s * steps),
        dyn=_dyn_corners(r.intermediates["dynamic_energy_j"] * steps, params),
        lost=(0.0, 0.0, 0.0),
        how=f"roofline of one step ({r.regime}-bound) × {steps:.4g} steps", regime=r.regime,
        steps=steps, tokens_per_step=batch * seq_len, total_flops=step.flops * steps,
        step=step, step_r=r, comm_s=0.0)


def multi_chip(spec: ModelSpec, hw: Hardware, plan: PrecisionPlan, st: Stack,
               params: DeviceParams, chips: int, tokens: float, seq_len: int,
               recompute: bool, global_batch_tokens: float | None, tp: int | None,
               pp: int | None) -> Timeline:
    """A layout (given or chosen) on ``chips`` chips: compute, bubble, exposed collectives and
    goodput (:func:`~wattprint.engine.training_scale.scaled_run`). The [low, high] of the
    wall time is the calibrated interval ``[training] time_spread`` around the central value
    (the physical corners alone cover too few published runs; docs/validation.md)."""
    lay = choose_layout(spec, chips, hw.memory_bytes.value, seq_len, global_batch_tokens, tp,
                        pp)
    run = scaled_run(spec, plan, traffic_of(st), params, fabric_of(hw), lay, tokens, recompute)
    lo, hi = calibrated_spread("time_spread")
    wall = run.wall_s[0]
    gp = default_value("training", "goodput")
    spread = default_value("training", "time_spread")
    bd = run.breakdown()
    notes = [lay.describe(),
             f"time: {bd} (goodput {goodput()[0]:g}: {gp.source})",
             f"time range ×{lo:g}–×{hi:g}: calibrated interval ({spread.source})"]
    return Timeline(
        wall=(wall, wall * lo, wall * hi), dyn=_dyn_corners(run.dynamic_j, params),
        lost=(lost_time_energy_j(run, 0), lost_time_energy_j(run, 1) * lo,
              lost_time_energy_j(run, 2) * hi),
        how=(f"layout step ({run.step_r.regime}-bound compute) × {run.steps:.4g} steps / "
             f"goodput; {bd}"),
        regime=run.step_r.regime, steps=run.steps, tokens_per_step=lay.global_batch_tokens,
        total_flops=run.step.flops * run.steps * lay.dp, step=run.step, step_r=run.step_r,
        comm_s=sum(run.comm_s.values()), run=run, notes=notes)


def given_time(t: Timeline, chips: int, params: DeviceParams, chip_hours: float | None,
               mfu: float | None) -> Timeline:
    """Replace the modelled time by ``chip_hours`` (``t = H/n``) or an ``mfu``
    (``t = FLOPs/(n·peak·MFU)``); no lost-time energy (the given time holds it all)."""
    if chip_hours is not None:
        wall = chip_hours * S_PER_HOUR / chips
        t.how, t.regime = f"from the given chip-hours ({chip_hours:g})", "given chip-hours"
    else:
        assert mfu is not None
        wall = t.total_flops / (chips * params.peak_flops * mfu)
        t.how, t.regime = f"from MFU {mfu:g}: FLOPs / (chips × peak × MFU)", "given MFU"
    t.wall, t.lost = (wall, wall, wall), (0.0, 0.0, 0.0)
    t.notes = [n for n in t.notes if not n.startswith("time range")]
    return t


def productive(t: Timeline, energy: Any, chips: int) -> dict[str, list[float]] | None:
    """Chip-hours and accelerator energy of the productive time only (goodput excluded), for
    comparisons with figures derived from steady-state throughput; ``None`` on one chip.
    ``energy(wall, dyn, corner)`` is the run's accelerator energy at that time."""
    if t.run is None:
        return None
    lo, hi = calibrated_spread("time_spread")
    p = t.run.productive_s[0]
    walls = (p, p * lo, p * hi)
    return {"chip_hours": [w * chips / S_PER_HOUR for w in walls],
            "accelerator_energy_j": [float(energy(walls[c], t.dyn[c], c)) for c in range(3)]}


def central_totals(t: Timeline, params: DeviceParams, chips: int,
                   modelled: bool = True) -> tuple[float, float]:
    """Central wall time [s] (a modelled time stretched by the power cap,
    :func:`power_capped_wall_s`) and accelerator energy [J] (:func:`training_energy_j` plus the
    lost-time energy)."""
    wall = t.wall[0]
    if modelled:
        wall = float(power_capped_wall_s(wall, 0.0, 1.0, t.dyn[0],
                                         params.tdp_w - params.idle_w[0], chips))
    energy = float(training_energy_j(wall, t.dyn[0], params.idle_w[0], params.tdp_w, chips))
    return wall, energy + t.lost[0]


def scaled_totals(spec: ModelSpec, plan: PrecisionPlan, st: Stack, params: DeviceParams,
                  hw: Hardware, chips: int, tokens: float, seq_len: int,
                  recompute: bool) -> dict[str, float]:
    """Central wall time [s], accelerator energy [J], FLOPs, step time [s] and exposed
    communication per step [s] of a multi-chip run on the recipe's layout: the same
    :func:`multi_chip` and :func:`central_totals` as
    :func:`wattprint.engine.estimate_training`, for the planner's training grid."""
    t = multi_chip(spec, hw, plan, st, params, chips, tokens, seq_len, recompute, None, None,
                   None)
    wall, energy = central_totals(t, params, chips)
    return {"time_s": wall, "accelerator_energy_j": energy, "flops": t.total_flops,
            "step_s": t.step_r.time_s, "comm_s_per_step": t.comm_s}
