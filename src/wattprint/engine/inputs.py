"""Resolve and check the inputs of an estimate: model, hardware, counts within range."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wattprint.catalog.caches import derived_dict, keep
from wattprint.catalog.light import hardware_entry
from wattprint.catalog.stacks import stack_entry
from wattprint.engine.params import params_for
from wattprint.errors import InputError
from wattprint.workload import hf_config  # noqa: F401 - builds every named model's spec
from wattprint.workload.model_spec import ModelSpec, get_model_spec, load_config_file
from wattprint.workload.precision import PrecisionPlan, check_plan_for_model, precision_plan

if TYPE_CHECKING:
    from wattprint.catalog.profiles import Profile
    from wattprint.catalog.schema import Hardware, Stack
    from wattprint.device.execute import DeviceParams

#: Upper bounds that catch typos (1e147 chips) before they overflow into inf/NaN results.
LIMITS = {"chips": 1e6, "batch": 1e7, "prompt tokens": 1e8, "output tokens": 1e8,
          "sequence length": 1e8, "tokens": 1e17, "requests": 1e18, "chip hours": 1e12,
          "request rate": 1e9}


#: A count without a limit (``tensor parallel``, ``pipeline parallel``) up to this value takes
#: :func:`check_count`'s fast path; beyond it ``check_number`` decides, as before.
_UNLISTED = 1e6


def resolve_model(model: str | ModelSpec | Path) -> ModelSpec:
    """A :class:`ModelSpec` from a spec, a catalog name, or a path to ``config.json``."""
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, Path) or str(model).endswith(".json"):
        return load_config_file(model)
    return get_model_spec(str(model))


def resolve_hardware(hardware: str | Hardware) -> Hardware:
    """A catalog :class:`Hardware` by name/alias, or the object itself. A name gives the
    entry for reading only (:func:`wattprint.catalog.hardware_entry`: a light record, no
    pydantic, when the packaged catalog has its twin)."""
    if not isinstance(hardware, str):
        return hardware
    return hardware_entry(hardware)


def check_limit(value: float, what: str) -> float:
    """``value`` if within the supported range of ``what`` (see :data:`LIMITS`), else an
    :class:`InputError`."""
    limit = LIMITS.get(what)
    if limit is not None and value > limit:
        raise InputError(f"{what}: {value:g} is beyond the supported range (≤ {limit:g})")
    return value


def check_count(value: float, what: str) -> int:
    """A positive whole count within range, as an ``int``."""
    if type(value) is int and 0 < value <= LIMITS.get(what, _UNLISTED):
        return value  # the common case (both bounds are far below check_number's)
    from wattprint.numbers import check_number  # a rare path: not imported by an estimate

    check_number(float(value), what, integer=True)
    check_limit(float(value), what)
    return int(value)


#: :func:`resolved_inputs` by the names given (catalog names, no profile): cleared with the
#: catalog by :func:`~wattprint.catalog.clear_caches`.
_RESOLVED = derived_dict()


def resolved_inputs(model: str | ModelSpec | Path, hardware: str | Hardware, precision: str,
                    kv_cache: str | None, stack: str | Stack | None, default_stack: str,
                    chips: int, profile: str | Profile | None, experts_check: bool = False
                    ) -> tuple[ModelSpec, Hardware, PrecisionPlan, Stack, DeviceParams,
                               list[str]]:
    """The model spec, hardware entry, precision plan, stack entry (``default_stack`` when
    ``stack`` is None), device parameters on ``chips`` chips and their notes of an estimate:
    looked up once per combination of catalog names (a ``config.json`` path, an object or a
    calibration profile is resolved on every call). ``experts_check``: refuse an
    experts-only format for a model without experts (:func:`check_plan_for_model`)."""
    named = profile is None and type(model) is str and not model.endswith(".json") \
        and type(hardware) is str and (stack is None or type(stack) is str)
    key = (model, hardware, precision, kv_cache, stack, default_stack, chips)
    hit = _RESOLVED.get(key) if named else None
    if hit is not None:
        # the check runs on a hit too: the entry may have been cached by a call without it
        if experts_check:
            check_plan_for_model(hit[2], hit[0].n_experts, hit[0].name)
        return (*hit[:5], list(hit[5]))
    spec = resolve_model(model)
    hw = resolve_hardware(hardware)
    plan = precision_plan(precision, kv_cache)
    if experts_check:
        check_plan_for_model(plan, spec.n_experts, spec.name)
    st = stack_entry(stack if stack is not None else default_stack)
    params, notes = params_for(hw, st, plan, chips, profile)
    if named:
        keep(_RESOLVED, key, (spec, hw, plan, st, params, tuple(notes)))
    return spec, hw, plan, st, params, notes
