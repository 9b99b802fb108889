"""Predictions for any model given as operators: a traced ``nn.Module`` or a catalog summary.

``estimate_operators`` prices an :class:`OperatorSummary` (inference: ``samples`` samples in
batches of ``batch``; training: ``samples`` samples, forward + backward + optimizer step);
``estimate_module`` traces a module first (needs the ``torch`` extra). Both return a
:class:`~wattprint.footprint.Footprint` whose ``details["operators"]`` say where the joules go by
operator class (compute vs memory) and how many bytes fusion saved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from wattprint.catalog.defaults import default_stack
from wattprint.catalog.profiles import Profile
from wattprint.catalog.schema import Hardware
from wattprint.catalog.stacks import Stack, get_stack
from wattprint.device.execute import DeviceParams
from wattprint.engine.inputs import resolve_hardware
from wattprint.engine.memory import USABLE_MEMORY
from wattprint.engine.operators import OpPrice, price_operators
from wattprint.engine.params import params_for
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.numbers import check_number
from wattprint.quantity import Quantity
from wattprint.site.chain import SiteFactors, build_footprint, resolve_site
from wattprint.units import plural
from wattprint.workload.operators.classes import stack_fuses
from wattprint.workload.operators.summary import OperatorSummary
from wattprint.workload.operators.work import (
    OpCost,
    OperatorWork,
    decode_work,
    operator_work,
)
from wattprint.workload.phases import ADAM_BYTES_PER_PARAM
from wattprint.workload.precision import PrecisionPlan, precision_plan

#: A training step of a forward-only summary: backward ≈ 2 × forward FLOPs and bytes
#: (Kaplan et al. 2020, "Scaling Laws", §2.1: C ≈ 6N per token, forward 2N).
BACKWARD_FACTOR = 2.0
#: Adam's fused step launches (one foreach kernel per parameter group, ~a few per model).
OPTIMIZER_LAUNCHES = 4.0


def training_work(work: OperatorWork, traced_step: bool) -> tuple[OperatorWork, str]:
    """Add the backward pass (if not traced) and Adam's optimizer traffic to a pass."""
    costs = list(work.costs)
    how = "traced forward + backward"
    if not traced_step:
        k = 1.0 + BACKWARD_FACTOR
        costs = [replace(c, tensor_flops=c.tensor_flops * k, vector_flops=c.vector_flops * k,
                         bytes=c.bytes * k, saved_bytes=c.saved_bytes * k,
                         launches=c.launches * k) for c in costs]
        how = (f"forward × {k:g} (backward ≈ {BACKWARD_FACTOR:g} × forward, Kaplan et al. "
               "2020)")
    params = work.summary.params
    costs.append(OpCost("adam_step", "elementwise", OPTIMIZER_LAUNCHES, 0.0, 10.0 * params,
                        ADAM_BYTES_PER_PARAM * params, 0.0, 0.0, 0.0))
    return replace(work, costs=tuple(costs)), how + f"; Adam step {ADAM_BYTES_PER_PARAM:g} B/param"


def _q(tri: tuple[float, float, float], k: float, unit: str, prov: str) -> Quantity:
    return Quantity(tri[0] * k, unit, prov, "modelled", tri[1] * k, tri[2] * k)


def _check_count(value: float, what: str, limit: float) -> float:
    check_number(float(value), what)
    if value <= 0 or value > limit:
        raise InputError(f"{what} must be in (0, {limit:g}], got {value:g}")
    return float(value)


@dataclass(frozen=True)
class Part:
    """One traced component of a prediction and how it runs per batch."""

    role: str
    summary: OperatorSummary
    calls: float = 1.0  # forward calls per batch
    batch: int = 1  # samples per call (guidance doubles it)
    decode_steps: float = 1.0  # > 1: generated token by token


@dataclass(frozen=True)
class Options:
    """How the parts run: hardware, stack, precision and the what-ifs."""

    hardware: Hardware
    stack: Stack
    plan: PrecisionPlan
    params: DeviceParams
    activation: str | None = None
    op_precision: dict[str, str] | None = None
    train: bool = False


def _price_part(part: Part, o: Options) -> tuple[OperatorWork, OpPrice, str]:
    work = operator_work(part.summary.with_batch(part.batch), o.plan,
                         fused=stack_fuses(o.stack.id), activation=o.activation,
                         class_precision=o.op_precision)
    how = ""
    if o.train:
        work, how = training_work(work, part.summary.phase == "train_step")
    elif part.summary.phase == "train_step":
        raise InputError(f"{part.summary.name} is a traced training step; estimate it with "
                         "train")
    work = decode_work(work, part.decode_steps)
    return work, price_operators(work, o.params, passes=part.decode_steps), how


def _merge(into: dict[str, dict[str, float]], add: dict[str, dict[str, float]], k: float) -> None:
    for cls, row in add.items():
        d = into.setdefault(cls, dict.fromkeys(row, 0.0))
        for key, v in row.items():
            d[key] = d.get(key, 0.0) + v * k


def harness_host_time_s(queries: float, per_query_host_s: float) -> float:
    """Benchmark-harness host time of one batch [s]: ``t_h = n_queries × s_query``.

    The chip waits at its idle floor meanwhile, so it adds ``P_idle × t_h`` joules
    (:func:`estimate_parts`); ``s_query`` is the stack's ``per_query_host_s`` (0 for stacks
    without one). docs/methodology.md §Benchmark harness.
    """
    return queries * per_query_host_s


def _harness(o: Options, queries: float) -> tuple[list[float], list[float], str]:
    """(time, energy) per corner of the harness's host work for one batch, and a note."""
    q = o.stack.per_query_host_s
    if q is None:
        return [0.0] * 3, [0.0] * 3, ""
    tq = (q.value, q.low if q.low is not None else q.value,
          q.high if q.high is not None else q.value)
    t = [harness_host_time_s(queries, s) for s in tq]
    e = [o.params.idle_w[i] * t[i] for i in range(3)]
    return t, e, (f"benchmark harness: {queries:g} quer(ies) per batch × {tq[0] * 1e3:.2f} ms "
                  f"host time at the {o.params.idle_w[0]:.0f} W idle floor "
                  f"({q.cite()})")


def _check_memory(parts: list[Part], o: Options) -> None:
    need = sum(p.summary.params for p in {id(p.summary): p for p in parts}.values()) \
        * o.plan.weight_bytes
    have = o.hardware.memory_bytes.value * USABLE_MEMORY
    if need > have:
        raise UnsupportedError(f"the weights need {need / 1e9:.1f} GB at {o.plan.name} but one "
                               f"{o.hardware.id} offers {have / 1e9:.1f} GB usable; use a lower "
                               "precision or a larger chip")


def estimate_parts(parts: list[Part], o: Options, *, name: str, unit: str,
                   units_per_batch: float, units: float, site: str | SiteFactors | None = None,
                   pue: float | None = None, market_gco2e_per_kwh: float | None = None,
                   notes: list[str] | None = None, queries_per_batch: float = 1.0) -> Footprint:
    """Footprint of ``units`` natural units, ``units_per_batch`` at a time, through ``parts``.

    Every part runs ``calls`` forward calls per batch; times and energies add (the parts run
    one after another on one chip). A stack with ``per_query_host_s`` (a benchmark harness)
    adds ``queries_per_batch`` × that host time per batch at the idle floor.
    """
    _check_memory(parts, o)
    notes = list(notes or [])
    n_batches = units / units_per_batch
    t, e, harness_note = _harness(o, queries_per_batch)
    if harness_note:
        notes.append(harness_note)
    by_class: dict[str, dict[str, float]] = {}
    rows: list[dict[str, Any]] = []
    flops, how_train, regimes = 0.0, "", []
    for part in parts:
        work, price, how_train = _price_part(part, o)
        for i in range(3):
            t[i] += price.time_s[i] * part.calls
            e[i] += price.energy_j[i] * part.calls
        _merge(by_class, price.by_class, part.calls)
        flops += work.flops * part.calls
        regimes.append(price.regime)
        rows.append({"role": part.role, "summary": part.summary.name, "calls": part.calls,
                     "batch": part.batch, "decode_steps": part.decode_steps,
                     "regime": price.regime, "time_s": price.time_s[0] * part.calls,
                     "energy_j": price.energy_j[0] * part.calls, **price.intermediates})
        if part.summary.unpriced:
            notes.append(f"{part.summary.name}: operators without a FLOP formula (bytes "
                         f"counted, FLOPs not): {', '.join(part.summary.unpriced)}")
    main = max(rows, key=lambda r: r["time_s"])
    fused = stack_fuses(o.stack.id)
    how = (f"modelled: operator roofline on {o.hardware.id}, stack {o.stack.id} "
           f"({'fused' if fused else 'unfused'} elementwise), {o.plan.name}; "
           f"{main['role']} {main['regime']}-bound")
    tt, ee = (t[0], min(t[1:]), max(t[1:])), (e[0], min(e[1:]), max(e[1:]))
    label = unit.replace(" ", "_")
    extra = {
        f"accelerator_energy_per_{label}": _q(ee, 1.0 / units_per_batch, "J",
                                              "one batch's energy / "
                                              + plural(units_per_batch, unit)),
        "flops": Quantity(flops * n_batches, "FLOP", "traced operators: tensor + vector FLOPs"
                          + (f" ({how_train})" if o.train else ""), "modelled"),
    }
    site_f = site if isinstance(site, SiteFactors) else resolve_site(
        site, pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh)
    details = {
        "model": {"name": name, "unit": unit, "parts": rows},
        "hardware": o.hardware.id, "precision": o.plan.name, "stack": o.stack.id,
        "operators": {"fused": fused, "by_class": by_class, "flops": flops,
                      "bytes": sum(r["bytes"] * r["calls"] for r in rows),
                      "saved_bytes": sum(r["saved_bytes"] * r["calls"] for r in rows),
                      "launches": sum(r["launches"] * r["calls"] for r in rows),
                      "regime": main["regime"], "training": how_train or None},
        "device_provenance": o.params.provenance,
    }
    inputs = {"kind": "train" if o.train else "infer", "model": name,
              "hardware": o.hardware.id, "chips": 1, "units": units,
              "units_per_batch": units_per_batch, "unit": unit, "precision": o.plan.name,
              "stack": o.stack.id, "activation": o.activation or "as traced",
              "op_precision": o.op_precision or {}, "site": site_f.site_id}
    return build_footprint(
        kind="estimate", time=_q(tt, n_batches, "s", f"{how}; {plural(n_batches, 'batch')}"),
        chips=1, accelerator_energy=_q(ee, n_batches, "J", f"{how}; accelerator_energy_j = "
                                       "idle × t + e_flop·FLOPs + e_vec·vector ops + "
                                       "e_byte·bytes"),
        host_energy=None, hardware=o.hardware, site=site_f, details=details, inputs=inputs,
        notes=notes, extra=extra)


def options(hardware: str | Hardware, *, precision: str = "bf16",
            stack: str | Stack | None = None, activation: str | None = None,
            op_precision: dict[str, str] | None = None, train: bool = False,
            profile: str | Profile | None = None) -> tuple[Options, list[str]]:
    """Resolve hardware, stack, precision and device parameters (plus notes)."""
    hw = resolve_hardware(hardware)
    plan = precision_plan(precision)
    if train and not plan.trainable:
        raise UnsupportedError(f"training in {plan.name} is not modelled; use bf16, fp16, fp8, "
                               "tf32 or fp32")
    st = get_stack(stack if stack is not None else default_stack("module"))
    params, notes = params_for(hw, st, plan, 1, profile)
    return Options(hw, st, plan, params, activation, op_precision, train), notes


def estimate_operators(summary: OperatorSummary, hardware: str | Hardware, *, batch: int = 1,
                       samples: float | None = None, train: bool = False,
                       precision: str = "bf16", stack: str | Stack | None = None,
                       activation: str | None = None,
                       op_precision: dict[str, str] | None = None,
                       site: str | SiteFactors | None = None, pue: float | None = None,
                       profile: str | Profile | None = None,
                       market_gco2e_per_kwh: float | None = None) -> Footprint:
    """Footprint of ``samples`` samples (default one batch) through ``summary``'s operators.

    Inference runs ``samples / batch`` forward calls of ``batch``; training runs as many
    optimizer steps. ``accelerator_energy_per_<unit>`` [J] is reported.
    """
    batch = int(_check_count(batch, "batch", 1e7))
    n = _check_count(float(batch if samples is None else samples), "samples", 1e18)
    o, notes = options(hardware, precision=precision, stack=stack, activation=activation,
                       op_precision=op_precision, train=train, profile=profile)
    return estimate_parts([Part("model", summary, 1.0, batch)], o, name=summary.name,
                          unit=summary.unit, units_per_batch=float(batch), units=n, site=site,
                          pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh, notes=notes,
                          queries_per_batch=float(batch))


def estimate_module(model: Any, example_inputs: Any, hardware: str | Hardware, *,
                    batch: int = 1, samples: float | None = None, train: bool = False,
                    name: str | None = None, unit: str = "sample",
                    **kwargs: Any) -> Footprint:
    """Trace ``model`` (an ``nn.Module`` or a callable building one) and estimate it.

    ``example_inputs``: tensors or per-sample shapes such as ``(3, 224, 224)``. Other keyword
    arguments go to :func:`estimate_operators`. Needs the ``torch`` extra.
    """
    from wattprint.workload.operators.trace import trace_module

    summary = trace_module(model, example_inputs, batch=1, name=name, unit=unit, train=train)
    return estimate_operators(summary, hardware, batch=batch, samples=samples, train=train,
                              **kwargs)
