"""``data/operator_costs.toml``: sourced FLOPs per element of non-matmul operator classes and
which stacks fuse elementwise chains (read and validated once)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from wattprint.catalog.loader import data_dir, read_data_toml
from wattprint.catalog.schema import Sourced
from wattprint.errors import DataError

OPERATOR_CLASSES = ("activation", "normalisation", "elementwise", "reduction")


@lru_cache(maxsize=1)
def operator_costs() -> dict[str, Any]:
    """Parsed and validated ``operator_costs.toml`` (cached): ``{"fusion": {stack: bool},
    class: {key: Sourced FLOPs per element}}``."""
    raw = read_data_toml(data_dir() / "operator_costs.toml")
    out: dict[str, Any] = {"fusion": dict(raw.get("fusion", {}))}
    for cls in OPERATOR_CLASSES:
        table: dict[str, Sourced] = {}
        for key, entry in raw.get(cls, {}).items():
            try:
                table[key] = Sourced(**entry["flops_per_element"])
            except (KeyError, TypeError, ValueError) as exc:
                raise DataError(f"operator_costs.toml: {cls}.{key}: {exc}") from exc
        out[cls] = table
    return out
