"""Apply a calibration profile's measured numbers to the device parameters.

The profile files are read and validated in :mod:`wattprint.catalog.profiles` (re-exported here).
"""

from __future__ import annotations

from typing import Any

from wattprint.catalog.profiles import (
    PROFILE_FORMAT,
    DeviceSection,
    Profile,
    PValue,
    StackSection,
    builtin_profiles,
    load_profile,
    profile_to_json,
    save_profile,
)

__all__ = ["PROFILE_FORMAT", "DeviceSection", "PValue", "Profile", "StackSection",
           "apply_profile", "builtin_profiles", "load_profile", "profile_to_json",
           "save_profile"]


def apply_profile(params: Any, profile: Profile, compute_precision: str,
                  peak_flops: float) -> Any:
    """Return ``DeviceParams`` with the profile's numbers replacing the defaults."""
    changes: dict[str, Any] = {}
    prov = dict(params.provenance)
    tag = f"profile {profile.name} ({profile.source})"
    dev, st = profile.device, profile.stack
    if dev.idle_w:
        changes["idle_w"] = dev.idle_w.tri()
        prov["idle_w"] = f"{tag}: {dev.idle_w.provenance}"
    if dev.tdp_w:
        changes["tdp_w"] = dev.tdp_w.value
        prov["tdp_w"] = f"{tag}: {dev.tdp_w.provenance}"
    if compute_precision in dev.j_per_flop:
        changes["j_per_flop"] = dev.j_per_flop[compute_precision].tri()
        prov["j_per_flop"] = f"{tag}: {dev.j_per_flop[compute_precision].provenance}"
    if "fp32" in dev.j_per_flop:
        changes["j_per_vector_op"] = dev.j_per_flop["fp32"].tri()
    if dev.j_per_byte:
        changes["j_per_byte"] = dev.j_per_byte.tri()
        prov["j_per_byte"] = f"{tag}: {dev.j_per_byte.provenance}"
    if dev.achieved_bandwidth_bps and not st.memory_efficiency:
        eff = min(dev.achieved_bandwidth_bps.value / params.bandwidth_bps, 1.0)
        changes["memory_eff"] = (eff, eff, eff)
        prov["memory_efficiency"] = f"{tag}: achieved / peak bandwidth"
    for key, field_name in (("per_step_s", "per_step_s"), ("per_layer_s", "per_layer_s"),
                           ("per_loop_step_s", "per_loop_step_s"),
                           ("per_layer_seq_s", "per_layer_seq_s")):
        v = getattr(st, key)
        if v is not None:
            changes[field_name] = v.tri()
            prov["overhead"] = f"{tag}: fitted overheads"
    if st.compute_efficiency:
        v, lo, hi = st.compute_efficiency.tri()
        changes["compute_eff"] = (v, hi, lo)
        prov["compute_efficiency"] = f"{tag}: {st.compute_efficiency.provenance}"
    if st.memory_efficiency:
        v, lo, hi = st.memory_efficiency.tri()
        changes["memory_eff"] = (v, hi, lo)
        prov["memory_efficiency"] = f"{tag}: {st.memory_efficiency.provenance}"
    if st.energy_scale:
        s = st.energy_scale.tri()
        jf = changes.get("j_per_flop", params.j_per_flop)
        jb = changes.get("j_per_byte", params.j_per_byte)
        changes["j_per_flop"] = tuple(a * b for a, b in zip(jf, s, strict=True))
        changes["j_per_byte"] = tuple(a * b for a, b in zip(jb, s, strict=True))
        prov["j_per_flop"] = prov.get("j_per_flop", "") + f"; × fitted energy scale ({tag})"
    changes["provenance"] = prov
    return params.replace(**changes)
