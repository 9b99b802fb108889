"""Planner constants (``data/planning.toml``) and hourly grid shapes (``grid_profiles.toml``)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

from wattprint.catalog.loader import data_dir
from wattprint.catalog.schema import Sourced
from wattprint.errors import DataError
from wattprint.quantity import Quantity


@lru_cache(maxsize=1)
def planning_data() -> dict[str, Any]:
    """The parsed ``planning.toml``."""
    path = data_dir() / "planning.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"planning.toml: {exc}".splitlines()[0]) from exc


def planning_value(section: str, name: str) -> Sourced:
    """A sourced constant ``[section] name`` of planning.toml."""
    try:
        table: Any = planning_data()
        for part in section.split("."):
            table = table[part]
        return Sourced(**table[name])
    except KeyError as exc:
        raise DataError(f"planning.toml has no [{section}] {name}") from exc
    except (TypeError, ValueError) as exc:
        raise DataError(f"planning.toml [{section}] {name}: {exc}".splitlines()[0]) from exc


def planning_quantity(section: str, name: str, unit: str, what: str) -> Quantity:
    """A planning constant as a :class:`Quantity` with its citation."""
    s = planning_value(section, name)
    return Quantity(s.value, unit, f"{what}: {s.cite()}", "default", s.low, s.high)


def sweep_default(name: str) -> Any:
    """A default of the ``[sweep]`` table (lists of chips, batches, regions ...)."""
    return planning_data()["sweep"][name]


@lru_cache(maxsize=1)
def grid_profile_entries() -> list[dict[str, Any]]:
    """The validated ``[[profile]]`` entries of grid_profiles.toml (24 hourly values each)."""
    path = data_dir() / "grid_profiles.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"grid_profiles.toml: {exc}".splitlines()[0]) from exc
    out = raw.get("profile", [])
    for p in out:
        vals = p.get("values", [])
        if len(vals) != 24 or any(float(v) < 0 for v in vals) or sum(vals) <= 0:
            raise DataError(f"grid_profiles.toml: profile {p.get('id', '?')} needs 24 "
                            "non-negative values")
    return list(out)


def profile_shapes() -> dict[str, dict[str, Any]]:
    """Shipped profile shapes by id (raw TOML entries)."""
    return {p["id"]: p for p in grid_profile_entries()}
