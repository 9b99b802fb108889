"""Device parameters of one hardware × stack × precision, with a calibration profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wattprint.catalog.caches import derived_dict, keep
from wattprint.device.coefficients import coefficients_for
from wattprint.device.execute import DeviceParams, compute_rate, device_params
from wattprint.workload.phases import Traffic
from wattprint.workload.precision import PrecisionPlan

if TYPE_CHECKING:
    from wattprint.catalog.profiles import Profile
    from wattprint.catalog.schema import Hardware, Stack


#: :func:`traffic_of` by stack entry identity (the entry is kept, so an id is never reused
#: while cached; a catalog reload makes new entries); cleared by
#: :func:`~wattprint.catalog.clear_caches`.
_TRAFFIC = derived_dict()


def traffic_of(stack: Stack) -> Traffic:
    """The activation traffic a stack's kernels cause (passes over hidden/FFN activations);
    one frozen record per stack entry."""
    hit = _TRAFFIC.get(id(stack))
    if hit is not None and hit[0] is stack:
        return hit[1]
    out = Traffic(stack.act_passes_hidden.value, stack.act_passes_ffn.value,
                  stack.fused_attention)
    keep(_TRAFFIC, id(stack), (stack, out))
    return out


def resolve_profile(profile: str | Profile | None) -> Profile | None:
    """A calibration profile by name or path (``None`` stays ``None``)."""
    if profile is None:
        return None
    from wattprint.catalog.profiles import Profile, load_profile  # only with a profile

    return profile if isinstance(profile, Profile) else load_profile(str(profile))


def profile_for(profile: Profile | None, hw: Hardware) -> Profile | None:
    """A calibration profile applies to the hardware it was measured on (or to all if it
    names none); otherwise ``None``."""
    if profile is None or not profile.hardware:
        return profile
    return profile if profile.hardware.lower() in (hw.id, *hw.aliases) else None


#: Uncalibrated parameters by (hardware, stack) identity, precision plan and chips: catalog
#: entries are built once per catalog load, so new entries (cleared caches) miss; cleared by
#: :func:`~wattprint.catalog.clear_caches`.
_PARAMS = derived_dict()


def _base_params(hw: Hardware, stack: Stack, plan: PrecisionPlan,
                 chips: int) -> tuple[DeviceParams, list[str]]:
    """:func:`device_params` and the compute-format note, cached (``DeviceParams`` is
    frozen): a repeated scalar estimate does not re-derive them."""
    key = (id(hw), id(stack), plan, chips)
    hit = _PARAMS.get(key)
    if hit is not None and hit[0] is hw and hit[1] is stack:
        return hit[2], list(hit[3])
    p = device_params(hw, coefficients_for(hw), stack, plan, chips)
    notes = tuple(n for n in (compute_rate(hw, plan)[1],) if n)
    keep(_PARAMS, key, (hw, stack, p, notes), 1024)
    return p, list(notes)


def params_for(hw: Hardware, stack: Stack, plan: PrecisionPlan, chips: int,
               profile: str | Profile | None) -> tuple[DeviceParams, list[str]]:
    """The device parameters (profile applied) and the notes to show with the result: an
    emulated compute format, or a profile measured on other hardware."""
    p, notes = _base_params(hw, stack, plan, chips)
    prof = resolve_profile(profile)
    if prof is None:
        return p, notes
    if prof.hardware and prof.hardware.lower() not in (hw.id, *hw.aliases):
        notes.append(f"profile {prof.name} was measured on {prof.hardware}, applied to {hw.id}")
    from wattprint.device.profile import apply_profile

    return apply_profile(p, prof, p.compute_precision, p.peak_flops), notes
