"""Calibration profiles (read and validated here): measured device and stack numbers that
override catalog defaults.

A profile is a JSON file (``wattprint-profile/1``) written by ``wattprint calibrate device``
or ``wattprint calibrate fit`` and read by ``wattprint estimate ... --profile PROFILE``.
Built-in profiles live in ``wattprint/data/profiles/`` and are named without ``.json``.
Every field is optional; what a profile gives replaces the default, and says so in the
provenance of each number it touched.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from wattprint.catalog.loader import data_dir
from wattprint.errors import DataError, InputError

PROFILE_FORMAT = "wattprint-profile/1"


class PValue(BaseModel):
    """A profile number with optional range and provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float
    low: float | None = None
    high: float | None = None
    provenance: str = "calibration profile"

    @model_validator(mode="after")
    def _physical(self) -> PValue:
        """Finite, non-negative, and ``low ≤ value ≤ high``: a profile number is a physical
        quantity (W, J/FLOP, s, a fraction), never NaN, infinite or negative."""
        for name in ("value", "low", "high"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number ≥ 0, got {v}")
        if self.low is not None and self.low > self.value:
            raise ValueError(f"low {self.low:g} is above the value {self.value:g}")
        if self.high is not None and self.high < self.value:
            raise ValueError(f"high {self.high:g} is below the value {self.value:g}")
        return self

    def tri(self) -> tuple[float, float, float]:
        """(value, low, high), the ends defaulting to the value."""
        return (self.value, self.value if self.low is None else self.low,
                self.value if self.high is None else self.high)


class DeviceSection(BaseModel):
    """Device numbers measured by ``calibrate device`` (all optional)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    idle_w: PValue | None = None
    idle_no_context_w: PValue | None = None
    tdp_w: PValue | None = None
    j_per_flop: dict[str, PValue] = {}
    j_per_byte: PValue | None = None
    achieved_flops: dict[str, PValue] = {}
    achieved_bandwidth_bps: PValue | None = None
    launch_overhead_s: PValue | None = None

    @model_validator(mode="after")
    def _positive(self) -> DeviceSection:
        _must_be_positive({"tdp_w": self.tdp_w, "j_per_byte": self.j_per_byte,
                           "achieved_bandwidth_bps": self.achieved_bandwidth_bps,
                           **{f"j_per_flop.{k}": v for k, v in self.j_per_flop.items()},
                           **{f"achieved_flops.{k}": v for k, v in self.achieved_flops.items()}})
        return self


class StackSection(BaseModel):
    """Stack numbers fitted by ``calibrate fit`` (all optional)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    base: str | None = None  # stack id the fit started from
    per_step_s: PValue | None = None
    per_layer_s: PValue | None = None
    per_loop_step_s: PValue | None = None
    per_layer_seq_s: PValue | None = None
    compute_efficiency: PValue | None = None
    memory_efficiency: PValue | None = None
    energy_scale: PValue | None = None  # multiplies dynamic energy (fitted)

    @model_validator(mode="after")
    def _positive(self) -> StackSection:
        _must_be_positive({"compute_efficiency": self.compute_efficiency,
                           "memory_efficiency": self.memory_efficiency,
                           "energy_scale": self.energy_scale})
        return self


def _must_be_positive(values: dict[str, PValue | None]) -> None:
    """Rates, efficiencies and scales divide or multiply energies: zero is not physical."""
    for name, v in values.items():
        if v is not None and v.value <= 0:
            raise ValueError(f"{name} must be > 0, got {v.value:g}")


class Profile(BaseModel):
    """A calibration profile (device and/or stack)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    format: str = Field(default=PROFILE_FORMAT)
    name: str
    hardware: str | None = None
    source: str = "calibration"
    created: str | None = None
    device: DeviceSection = DeviceSection()
    stack: StackSection = StackSection()
    fit: dict[str, Any] = {}


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with wattprint."""
    d = data_dir() / "profiles"
    try:
        return sorted(p.name[:-5] for p in d.iterdir() if p.name.endswith(".json"))
    except (FileNotFoundError, NotADirectoryError):
        return []


def load_profile(name_or_path: str) -> Profile:
    """Load a profile from a path or a built-in name; one-line errors for bad files.

    Files are cached by path, modification time and size, so a profile rewritten by
    ``calibrate`` in the same process is read again.
    """
    p = Path(name_or_path)
    stamp: tuple[int, int] | None = None
    try:
        st = p.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:  # missing, or not even a valid path: a built-in name, or an error later
        stamp = None
    return cached_profile(name_or_path, stamp)


@lru_cache(maxsize=32)
def cached_profile(name_or_path: str, stamp: tuple[int, int] | None) -> Profile:
    """The profile at ``name_or_path`` as of file ``stamp`` (mtime, size); cached."""
    from wattprint.textfiles import loads_json, read_text

    p = Path(name_or_path)
    try:
        is_file = p.suffix == ".json" or p.exists()
    except OSError as exc:  # e.g. a name too long for the file system
        raise InputError(f"no profile file or built-in profile {name_or_path[:60]!r}: "
                         f"{exc.strerror or exc}") from exc
    if is_file:
        text = read_text(p, "profile")
        where = str(p)
    else:
        ref = data_dir() / "profiles" / f"{name_or_path}.json"
        try:
            text = ref.read_text(encoding="utf-8")
        except (FileNotFoundError, OSError) as exc:
            known = ", ".join(builtin_profiles()) or "none"
            raise InputError(f"no profile file or built-in profile {name_or_path!r} "
                             f"(built-in: {known})") from exc
        where = f"built-in profile {name_or_path}"
    data = loads_json(text, where, DataError)
    if not isinstance(data, dict):
        raise DataError(f"{where}: not a wattprint profile (not a JSON object)")
    try:
        prof = Profile(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first.get("loc", ()))
        raise DataError(f"{where}: not a valid wattprint profile: {loc}: "
                        f"{first.get('msg', exc)}") from exc
    except TypeError as exc:
        raise DataError(f"{where}: not a wattprint profile ({exc})") from exc
    if prof.format != PROFILE_FORMAT:
        raise DataError(f"{where}: unsupported profile format {prof.format!r}")
    return prof




def profile_to_json(profile: Profile) -> str:
    """The profile as indented JSON (``None`` fields left out), ending in a newline."""
    data = profile.model_dump(mode="json", exclude_none=True)
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def save_profile(profile: Profile, path: str | Path) -> Path:
    """Write ``profile`` to ``path`` (JSON); one-line errors when it cannot be written."""
    out = Path(path)
    try:
        out.write_text(profile_to_json(profile), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write profile {str(path)!r}: {exc.strerror or exc}") from exc
    return out
