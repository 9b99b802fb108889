"""Predictions for any model given as operators: a traced ``nn.Module`` or a catalog summary.

``estimate_operators`` prices an :class:`OperatorSummary` (inference: ``samples`` samples in
batches of ``batch``; training: ``samples`` samples, forward + backward + optimizer step);
``estimate_module`` traces a module first (needs the ``torch`` extra). Both return a
:class:`~wattprint.footprint.Footprint` whose ``details["operators"]`` say where the joules go by
operator class (compute vs memory) and how many bytes fusion saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from wattprint.catalog.schema import Hardware
from wattprint.catalog.stacks import Stack, get_stack
from wattprint.device.coefficients import coefficients_for
from wattprint.device.execute import DeviceParams, device_params
from wattprint.device.profile import Profile, apply_profile, load_profile
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.numbers import check_number
from wattprint.operator_price import OpPrice, price_operators
from wattprint.quantity import Quantity
from wattprint.site.chain import SiteFactors, build_footprint, resolve_site
from wattprint.workload.operators.classes import stack_fuses
from wattprint.workload.operators.summary import OperatorSummary
from wattprint.workload.operators.work import OpCost, OperatorWork, operator_work
from wattprint.workload.phases import ADAM_BYTES_PER_PARAM
from wattprint.workload.precision import PrecisionPlan, precision_plan

#: A training step of a forward-only summary: backward ≈ 2 × forward FLOPs and bytes
#: (Kaplan et al. 2020, "Scaling Laws", §2.1: C ≈ 6N per token, forward 2N).
BACKWARD_FACTOR = 2.0
#: Adam's fused step launches (one foreach kernel per parameter group, ~a few per model).
OPTIMIZER_LAUNCHES = 4.0


def _hardware(hardware: str | Hardware) -> Hardware:
    if isinstance(hardware, Hardware):
        return hardware
    from wattprint.catalog import get_hardware

    return get_hardware(hardware)


def device_for(hw: Hardware, st: Stack, plan: PrecisionPlan,
               profile: str | Profile | None) -> tuple[DeviceParams, str | None]:
    """Device parameters (with an optional calibration profile) and a note if mismatched."""
    p = device_params(hw, coefficients_for(hw), st, plan, 1)
    if profile is None:
        return p, None
    prof = profile if isinstance(profile, Profile) else load_profile(str(profile))
    note = None
    if prof.hardware and prof.hardware.lower() not in (hw.id, *hw.aliases):
        note = f"profile {prof.name} was measured on {prof.hardware}, applied to {hw.id}"
    return apply_profile(p, prof, p.compute_precision, p.peak_flops), note


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


def estimate_operators(summary: OperatorSummary, hardware: str | Hardware, *, batch: int = 1,
                       samples: float | None = None, train: bool = False,
                       precision: str = "bf16", stack: str | Stack = "eager",
                       activation: str | None = None,
                       op_precision: dict[str, str] | None = None,
                       site: str | SiteFactors | None = None, pue: float | None = None,
                       profile: str | Profile | None = None,
                       market_gco2e_per_kwh: float | None = None,
                       unit: str | None = None, calls_per_unit: float = 1.0) -> Footprint:
    """Footprint of ``samples`` samples (default one batch) through ``summary``'s operators.

    Inference runs ``samples / batch`` forward calls of ``batch``; training runs as many
    optimizer steps. ``calls_per_unit`` forward calls make one natural unit (e.g. diffusion
    steps × guidance); ``accelerator_energy_per_<unit>`` [J] is reported.
    """
    batch = int(_check_count(batch, "batch", 1e7))
    n = _check_count(float(batch if samples is None else samples), "samples", 1e18)
    hw = _hardware(hardware)
    plan = precision_plan(precision)
    if train and not plan.trainable:
        raise UnsupportedError(f"training in {plan.name} is not modelled; use bf16, fp16, fp8, "
                               "tf32 or fp32")
    st = get_stack(stack)
    params, pnote = device_for(hw, st, plan, profile)
    notes = [pnote] if pnote else []
    fused = stack_fuses(st.id)
    work = operator_work(summary.with_batch(batch), plan, fused=fused, activation=activation,
                         class_precision=op_precision)
    how_train = ""
    if train:
        work, how_train = training_work(work, summary.phase == "train_step")
    elif summary.phase == "train_step":
        raise InputError(f"{summary.name} is a traced training step; estimate it with train")
    price = price_operators(work, params)
    if summary.unpriced:
        notes.append("operators without a FLOP formula (bytes counted, FLOPs not): "
                     + ", ".join(summary.unpriced))
    k = n / batch
    label = unit or summary.unit
    how = (f"modelled: operator roofline on {hw.id}, stack {st.id} "
           f"({'fused' if fused else 'unfused'} elementwise), {plan.name}; {price.regime}-bound")
    time_q = _q(price.time_s, k, "s", f"{how}; {k:g} call(s) of batch {batch}")
    energy_q = _q(price.energy_j, k, "J", f"{how}; accelerator_energy_j = idle × t + "
                  "e_flop·FLOPs + e_vec·vector ops + e_byte·bytes")
    per_unit = calls_per_unit / batch
    extra = {
        f"accelerator_energy_per_{label.replace(' ', '_')}": _q(
            price.energy_j, per_unit, "J", f"one call's energy × {calls_per_unit:g} call(s) "
            f"per {label} / batch {batch}"),
        "flops": Quantity(work.flops * k, "FLOP", "traced operators: tensor + vector FLOPs"
                          + (f" ({how_train})" if train else ""), "modelled"),
    }
    site_f = site if isinstance(site, SiteFactors) else resolve_site(
        site, pue=pue, market_gco2e_per_kwh=market_gco2e_per_kwh)
    details = _details(summary, work, price, params, plan, st, how_train)
    inputs = {"kind": "train" if train else "infer", "model": summary.name, "hardware": hw.id,
              "chips": 1, "batch": batch, "samples": n, "precision": plan.name,
              "stack": st.id, "activation": activation or "as traced",
              "op_precision": op_precision or {}, "site": site_f.site_id,
              "profile": str(profile) if profile is not None else None}
    return build_footprint(kind="estimate", time=time_q, chips=1, accelerator_energy=energy_q,
                           host_energy=None, hardware=hw, site=site_f, details=details,
                           inputs=inputs, notes=notes, extra=extra)


def _details(summary: OperatorSummary, work: OperatorWork, price: OpPrice, params: DeviceParams,
             plan: PrecisionPlan, st: Stack, how_train: str) -> dict[str, Any]:
    return {
        "model": {"name": summary.name, "phase": summary.phase, "unit": summary.unit,
                  "inputs": list(summary.inputs), "params": summary.params,
                  "source": summary.source, "unpriced_operators": summary.unpriced},
        "hardware": params.hardware_id, "precision": plan.name, "stack": st.id,
        "operators": {"fused": work.fused, "regime": price.regime,
                      "by_class": price.by_class, **price.intermediates,
                      "training": how_train or None},
        "device_provenance": params.provenance,
    }


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
