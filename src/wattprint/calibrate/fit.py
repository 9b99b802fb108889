"""Fit a software stack's overheads, efficiency and energy scale to measured workloads.

The model is wattprint's own prediction chain (:func:`~wattprint.estimate.estimate_inference`
and :func:`~wattprint.estimate.estimate_training` with a candidate profile), so a fitted
profile reproduces the fit exactly when used with ``estimate --profile``.

Parameters (each multiplicative, fitted in normalised log space ``z``,
``θ = θ₀ · exp(σ₀ · z)``):

* ``per_step_s``: host time per forward call / optimizer step [s];
* ``per_layer_s``: host time per decoder layer per pass [s];
* ``per_loop_step_s``: generation-loop time per decode step [s];
* ``compute_efficiency``: η_max of :func:`~wattprint.device.roofline.gemm_efficiency`;
* ``energy_scale``: multiplies the dynamic (above-idle) energy per FLOP and per byte.

Objective (least squares, Levenberg–Marquardt, numpy only)::

    Σ_rows [ (ln t̂ − ln t)² + (ln Ê − ln E)² ] / σ_d²  +  Σ_params z²

with σ_d = :data:`DATA_SIGMA` (5 %: measurement + model error assumed per figure) and a
Gaussian prior per parameter centred on the stack's default ``θ₀`` whose width ``σ₀`` is
half the log-width of the stack's low–high range. The prior keeps the fit identifiable with
few points: per-step and per-layer overheads are indistinguishable on one model size, and
the prior splits their sum in the stack's proportions, so other model sizes scale sensibly.
Ranges: the Laplace approximation at the optimum (95 %, inflated by the residual scatter),
widened to cover the leave-one-out fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from wattprint.calibrate.least_squares import levenberg_marquardt
from wattprint.calibrate.measurements import WorkloadMeasurement
from wattprint.calibrate.priors import FIT_PARAMS, Prior, stack_priors
from wattprint.device.profile import DeviceSection, Profile, PValue, StackSection
from wattprint.errors import DataError, InputError
from wattprint.units import plural

__all__ = ["DATA_SIGMA", "FIT_PARAMS", "FitResult", "Prior", "candidate_profile",
           "fit_measurements", "predict", "predict_one", "stack_priors"]

#: Relative error assumed for each measured figure (time, energy) in the objective.
DATA_SIGMA = 0.05

# -- prediction ----------------------------------------------------------------------------

@dataclass
class _Row:
    m: WorkloadMeasurement
    spec: Any
    hardware: Any


def _prepare(rows: Sequence[WorkloadMeasurement], hardware: str | None) -> list[_Row]:
    from wattprint.engine import resolve_hardware, resolve_model
    from wattprint.workload.model_spec import spec_from_config

    out: list[_Row] = []
    for m in rows:
        try:
            if m.model_cfg is not None:
                spec = spec_from_config(m.model_cfg, name=m.model or m.id or "model_config")
            else:
                spec = resolve_model(str(m.model))
            hw_name = m.hardware or hardware
            if not hw_name:
                raise InputError("no hardware (give the field hardware or --hardware)")
            hw = resolve_hardware(hw_name)
        except InputError as exc:
            raise DataError(f"{m.where}: {exc}") from exc
        out.append(_Row(m, spec, hw))
    return out


def predict_one(row: _Row, profile: Profile | None, stack: str) -> tuple[float, float]:
    """Predicted (time [s], accelerator energy [J]) of one measured workload."""
    from wattprint.engine import estimate_inference, estimate_training

    m = row.m
    if m.kind == "train":
        assert m.seq_len is not None
        fp = estimate_training(row.spec, row.hardware, tokens=float(m.steps * m.repeats
                                                                     * m.batch * m.seq_len
                                                                     * m.chips),
                               chips=m.chips, precision=m.precision, batch=m.batch,
                               seq_len=m.seq_len, stack=stack, profile=profile)
    else:
        assert m.prompt_tokens is not None
        out = 1 if m.kind == "prefill" else int(m.output_tokens or 1)
        fp = estimate_inference(row.spec, row.hardware, batch=m.batch,
                                prompt_tokens=m.prompt_tokens, output_tokens=out,
                                requests=float(m.batch * m.repeats), precision=m.precision,
                                chips=m.chips, stack=stack, profile=profile)
    return fp["time"].value, fp["accelerator_energy"].value


def predict(rows: Sequence[WorkloadMeasurement], profile: Profile | str | None,
            stack: str = "eager", hardware: str | None = None) -> list[tuple[float, float]]:
    """Predictions (time, energy) of measured workloads with a profile (or the defaults)."""
    from wattprint.device.profile import load_profile

    prof = load_profile(profile) if isinstance(profile, str) else profile
    return [predict_one(r, prof, stack) for r in _prepare(rows, hardware)]


# -- profiles ------------------------------------------------------------------------------

def _stack_section(priors: Sequence[Prior], theta: Sequence[float], stack: str,
                   ranges: Sequence[tuple[float, float]] | None = None,
                   provenance: str = "calibrate fit") -> StackSection:
    vals: dict[str, Any] = {"base": stack}
    for i, (p, v) in enumerate(zip(priors, theta, strict=True)):
        lo, hi = ranges[i] if ranges is not None else (None, None)
        vals[p.name] = PValue(value=float(v), low=lo, high=hi, provenance=provenance)
    return StackSection(**vals)


def candidate_profile(priors: Sequence[Prior], theta: Sequence[float], stack: str,
                      device: DeviceSection | None = None) -> Profile:
    """A profile holding parameter values ``theta`` (used inside the fit)."""
    return Profile(name="candidate", source="calibrate fit (candidate)",
                   device=device or DeviceSection(), stack=_stack_section(priors, theta, stack))


# -- least squares -------------------------------------------------------------------------

@dataclass
class _FitCore:
    z: np.ndarray
    theta: list[float]
    resid: np.ndarray
    jac: np.ndarray
    n_data: int


def _fit_core(rows: Sequence[_Row], priors: Sequence[Prior], stack: str,
              device: DeviceSection | None, z0: np.ndarray | None = None) -> _FitCore:
    meas: list[tuple[int, float, float | None]] = [
        (i, math.log(r.m.time_s or 1.0), math.log(r.m.energy_j) if r.m.energy_j else None)
        for i, r in enumerate(rows)]
    n_data = sum(1 + (e is not None) for _, _, e in meas)

    def resid(z: np.ndarray) -> np.ndarray:
        theta = [p.theta(float(zi)) for p, zi in zip(priors, z, strict=True)]
        prof = candidate_profile(priors, theta, stack, device)
        out: list[float] = []
        for i, lt, le in meas:
            t, e = predict_one(rows[i], prof, stack)
            out.append((math.log(max(t, 1e-30)) - lt) / DATA_SIGMA)
            if le is not None:
                out.append((math.log(max(e, 1e-30)) - le) / DATA_SIGMA)
        out.extend(float(zi) for zi in z)
        return np.array(out)

    start = np.zeros(len(priors)) if z0 is None else z0
    z, r, J = levenberg_marquardt(resid, start, [p.z_bounds for p in priors])
    theta = [p.theta(float(zi)) for p, zi in zip(priors, z, strict=True)]
    return _FitCore(z, theta, r, J, n_data)


# -- public --------------------------------------------------------------------------------

@dataclass
class FitResult:
    """Fitted parameters, their ranges, the leave-one-out table and the profile."""

    profile: Profile
    params: list[dict[str, Any]]
    loo: list[dict[str, Any]]
    in_sample: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def loo_max_abs_error(self) -> float:
        """Largest |relative error| of a held-out prediction (time or energy)."""
        errs = [abs(x) for r in self.loo for x in (r["time_error"], r.get("energy_error"))
                if x is not None]
        return max(errs) if errs else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"profile": self.profile.model_dump(mode="json", exclude_none=True),
                "params": self.params, "leave_one_out": self.loo,
                "in_sample": self.in_sample, "loo_max_abs_error": self.loo_max_abs_error(),
                "notes": self.notes}


def _err(pred: float, meas: float | None) -> float | None:
    return None if meas is None else pred / meas - 1.0


def _table_row(r: _Row, pred: tuple[float, float]) -> dict[str, Any]:
    m = r.m
    return {"id": m.label, "line": m.line, "kind": m.kind,
            "time_s": m.time_s, "predicted_time_s": pred[0],
            "time_error": _err(pred[0], m.time_s),
            "energy_j": m.energy_j, "predicted_energy_j": pred[1],
            "energy_error": _err(pred[1], m.energy_j)}


def _check_rows(measurements: Sequence[WorkloadMeasurement], stack_id: str) -> None:
    """Every row ran on the fitted stack and has a time."""
    from wattprint.catalog.stacks import get_stack

    if not measurements:
        raise InputError("no measurements to fit")
    for m in measurements:
        if m.stack and get_stack(m.stack).id != stack_id:
            raise DataError(f"{m.where}: measured on stack {m.stack!r} but fitting stack "
                            f"{stack_id!r} (use --stack or separate files)")
        if m.time_s is None:
            raise DataError(f"{m.where}: no time_s (ledger row not resolved?)")


def _one_hardware(rows: Sequence[_Row]) -> Any:
    """The one hardware every row ran on (a fit spans one hardware)."""
    hws = sorted({r.hardware.id for r in rows})
    if len(hws) > 1:
        raise DataError(f"measurements span several hardware ({', '.join(hws)}); fit one at a "
                        "time (split the file, or set --hardware and keep only its rows)")
    return rows[0].hardware


def _leave_one_out(rows: Sequence[_Row], priors: Sequence[Prior], stack: str,
                   device: DeviceSection | None
                   ) -> tuple[list[dict[str, Any]], list[list[float]]]:
    """Fit without each row and predict it: (table rows, fitted parameters per fit)."""
    loo: list[dict[str, Any]] = []
    loo_theta: list[list[float]] = []
    for i, r in enumerate(rows):
        others = [x for j, x in enumerate(rows) if j != i]
        core = _fit_core(others, priors, stack, device)
        loo_theta.append(core.theta)
        prof = candidate_profile(priors, core.theta, stack, device)
        loo.append(_table_row(r, predict_one(r, prof, stack)))
    return loo, loo_theta


def _posterior_sd(full: _FitCore, n_params: int) -> np.ndarray:
    """Laplace posterior sd of each normalised parameter, inflated by the residual scatter."""
    data_res = full.resid[:full.n_data]
    s2 = max(1.0, float(data_res @ data_res) / max(full.n_data, 1))
    try:
        cov = np.linalg.inv(full.jac.T @ full.jac) * s2
        return np.asarray(np.sqrt(np.clip(np.diag(cov), 0.0, None)))
    except np.linalg.LinAlgError:
        return np.ones(n_params)


def _param_ranges(full: _FitCore, priors: Sequence[Prior], loo_theta: list[list[float]]
                  ) -> tuple[list[dict[str, Any]], list[tuple[float, float]]]:
    """Laplace ranges (95 %) widened to cover the leave-one-out fits; one row per parameter."""
    sd = _posterior_sd(full, len(priors))
    params: list[dict[str, Any]] = []
    ranges: list[tuple[float, float]] = []
    for k, p in enumerate(priors):
        zlo, zhi = p.z_bounds
        lo = p.theta(max(float(full.z[k] - 1.96 * sd[k]), zlo))
        hi = p.theta(min(float(full.z[k] + 1.96 * sd[k]), zhi))
        loo_vals = [t[k] for t in loo_theta]
        if loo_vals:
            lo, hi = min(lo, *loo_vals), max(hi, *loo_vals)
        ranges.append((lo, hi))
        shrink = float(sd[k])  # posterior sd in prior units: ≈1 means the data said nothing
        params.append({"name": p.name, "value": full.theta[k], "low": lo, "high": hi,
                       "prior": p.value, "prior_low": p.low, "prior_high": p.high,
                       "posterior_sd_over_prior_sd": shrink,
                       "informed_by_data": shrink < 0.8,
                       "loo_values": loo_vals, "prior_source": p.source})
    return params, ranges


@dataclass
class _FitRecord:
    """What the fitted profile records about its fit."""

    stack: str
    hardware: str
    n_rows: int
    source: str
    base: Profile | None
    loo: list[dict[str, Any]]
    in_sample: list[dict[str, Any]]


def _fit_section(rec: _FitRecord, priors: Sequence[Prior]) -> dict[str, Any]:
    """The profile's ``fit`` section: method, data, leave-one-out and priors."""
    loo_errs = [abs(x) for r in rec.loo for x in (r["time_error"], r["energy_error"])
                if x is not None]
    return {"method": "Levenberg-Marquardt least squares in log space on time and energy, "
                      f"σ_data = {DATA_SIGMA:g}, Gaussian log-priors at the stack defaults",
            "stack": rec.stack, "hardware": rec.hardware, "measurements": rec.n_rows,
            "source": rec.source, "base_profile": rec.base.name if rec.base else None,
            "leave_one_out_max_abs_error": max(loo_errs) if loo_errs else None,
            "leave_one_out": rec.loo, "in_sample": rec.in_sample,
            "priors": {p.name: {"value": p.value, "low": p.low, "high": p.high,
                                "source": p.source} for p in priors}}


def fit_measurements(measurements: Sequence[WorkloadMeasurement], *, stack: str = "eager",
                     hardware: str | None = None, base: Profile | None = None,
                     name: str | None = None, leave_one_out: bool = True,
                     source: str = "measurements") -> FitResult:
    """Fit the stack parameters to ``measurements``; returns the profile and diagnostics.

    Args:
        measurements: validated rows (ledger rows already resolved).
        stack: the software stack the measurements ran on (its defaults are the priors).
        hardware: hardware for rows without one (rows naming one keep theirs; a fit spans
            one hardware).
        base: a device profile whose device section is kept (and whose stack section, if
            any, replaces the stack's defaults as priors).
        name: profile name (default ``<hardware>-<stack>-fit``).
        leave_one_out: also fit without each row and predict it.
        source: where the measurements came from (recorded in the profile).
    """
    from wattprint.catalog.stacks import get_stack

    st = get_stack(stack)
    _check_rows(measurements, st.id)
    rows = _prepare(measurements, hardware)
    hw = _one_hardware(rows)
    priors = stack_priors(st.id, base)
    device = base.device if base is not None else None
    notes: list[str] = []
    fixed = [p.name for p in priors if p.value <= 0]
    if fixed:
        raise DataError(f"stack {st.id} has zero {', '.join(fixed)}: nothing to scale; fit "
                        "another stack")
    full = _fit_core(rows, priors, st.id, device)
    in_prof = candidate_profile(priors, full.theta, st.id, device)
    in_sample = [_table_row(r, predict_one(r, in_prof, st.id)) for r in rows]

    loo: list[dict[str, Any]] = []
    loo_theta: list[list[float]] = []
    if leave_one_out and len(rows) > 1:
        loo, loo_theta = _leave_one_out(rows, priors, st.id, device)
    elif leave_one_out:
        notes.append("one measurement: no leave-one-out error (fit on more)")

    params, ranges = _param_ranges(full, priors, loo_theta)
    informed = [x["name"] for x in params if not x["informed_by_data"]]
    if informed:
        notes.append("barely constrained by these measurements (kept near the stack default): "
                     + ", ".join(informed))
    prov = (f"calibrate fit on {plural(len(rows), 'measurement')} from {source}; stack {st.id}, "
            f"{hw.id}; range: 95 % Laplace ∪ leave-one-out")
    rec = _FitRecord(st.id, hw.id, len(rows), source, base, loo, in_sample)
    profile = Profile(
        name=name or f"{hw.id}-{st.id}-fit", hardware=hw.id,
        source=f"wattprint calibrate fit ({source})",
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        device=base.device if base is not None else DeviceSection(),
        stack=_stack_section(priors, full.theta, st.id, ranges, prov),
        fit=_fit_section(rec, priors))
    return FitResult(profile, params, loo, in_sample, notes)
