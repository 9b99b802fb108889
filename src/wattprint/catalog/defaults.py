"""Sourced defaults (``data/defaults.toml``: lifetime, utilisation, host share, network energy)
and the default software stacks."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, cast

from wattprint.catalog.loader import data_dir, read_data_toml
from wattprint.errors import DataError
from wattprint.quantity import Quantity

if TYPE_CHECKING:
    from wattprint.catalog.schema import Sourced


@lru_cache(maxsize=1)
def defaults_table() -> dict[str, dict[str, Sourced]]:
    """Every ``[section] name`` of defaults.toml as a sourced value (read once): light
    records from the packaged file's twin (:mod:`wattprint.catalog.light`, no pydantic), else
    validated :class:`~wattprint.catalog.schema.Sourced` values."""
    from wattprint.catalog.light import light_defaults

    path = data_dir() / "defaults.toml"
    try:
        light = light_defaults()
        if light is not None:
            return cast("dict[str, dict[str, Sourced]]", light)
        from wattprint.catalog.schema import Sourced

        raw = read_data_toml(path)
        return {sec: {k: Sourced(**v) for k, v in vals.items()} for sec, vals in raw.items()}
    except (OSError, TypeError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise DataError(f"defaults.toml: {exc}".splitlines()[0]) from exc


def default_value(section: str, name: str) -> Sourced:
    """The sourced default ``[section] name`` from defaults.toml."""
    try:
        return defaults_table()[section][name]
    except KeyError as exc:
        raise DataError(f"defaults.toml has no [{section}] {name}") from exc


def sourced_quantity(s: Sourced, unit: str, what: str) -> Quantity:
    """A :class:`Quantity` with ``default`` basis from a sourced data value."""
    return Quantity(s.value, unit, f"{what}: {s.cite()}", "default", s.low, s.high)


#: Default software stack of an estimate when none is given: ``eager`` (plain PyTorch) for
#: inference and single-chip training, ``megatron`` (a distributed framework) for multi-chip
#: training, ``eager`` (unfused operators) for a model priced by traced operators
#: (``module``). Serving (``serve``: a rate, the planner) uses ``[sweep] stack`` of
#: planning.toml, a personal device (``edge``) ``[edge] stack``.
DEFAULT_STACKS = {"infer": "eager", "train": "eager", "train-distributed": "megatron",
                  "module": "eager"}


def default_stack(kind: str, chips: int = 1) -> str:
    """THE default stack id for ``kind`` (``infer``, ``train``, ``serve``, ``edge`` or
    ``module``) on ``chips`` chips; every default stack in the code comes from here."""
    if kind in ("serve", "edge"):
        from wattprint.catalog.planning import planning_data

        return str(planning_data()["sweep" if kind == "serve" else "edge"]["stack"])
    if kind == "train" and chips > 1:
        return DEFAULT_STACKS["train-distributed"]
    return DEFAULT_STACKS[kind]
