"""Software-stack profiles (``data/stacks.toml``): overheads, efficiencies, fusion.

The :class:`~wattprint.catalog.schema.Stack` schema lives with the other schemas and is
imported from here on first use: :func:`stack_entry` (the estimate path) reads the packaged
file's twin without pydantic.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from wattprint.catalog.entries import KINDS
from wattprint.catalog.loader import data_dir, read_data_toml
from wattprint.errors import DataError, UnknownNameError

if TYPE_CHECKING:
    from wattprint.catalog.parsed import TwinRows
    from wattprint.catalog.schema import Stack


def __getattr__(name: str) -> Any:
    """``Stack`` (the pydantic schema) on first use."""
    if name == "Stack":
        from wattprint.catalog.schema import Stack

        return Stack
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=1)
def stack_catalog() -> dict[str, Stack]:
    """All stacks by id (loaded once, validated)."""
    from pydantic import ValidationError

    from wattprint.catalog.schema import Stack

    path = data_dir() / "stacks.toml"
    raw = read_data_toml(path)
    out: dict[str, Stack] = {}
    for entry in raw.get("stack", []):
        try:
            s = Stack(**entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DataError(f"stacks.toml: entry {entry.get('id', '?')}: "
                            f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
        out[s.id] = s
    return out


def _find(cat: Mapping[str, Stack], name: str) -> Stack:
    key = name.strip().lower()
    if key in cat:
        return cat[key]
    for s in cat.values():
        if key in s.aliases:
            return s
    names = list(cat) + [a for s in cat.values() for a in s.aliases]
    raise UnknownNameError("stacks", name, names)


def get_stack(name: str | Stack) -> Stack:
    """A stack by id or alias (case-insensitive)."""
    if not isinstance(name, str):
        return name
    return _find(stack_catalog(), name)


def stack_entry(name: str | Stack) -> Stack:
    """:func:`get_stack` for reading only (the estimate path): a light record of the packaged
    file's twin without pydantic (:mod:`wattprint.catalog.light`), else the validated stack."""
    if not isinstance(name, str):
        return name
    records = stack_records()
    return get_stack(name) if records is None else _find(records, name)


class LightStacks(Mapping[str, "Stack"]):
    """Stacks by id, in file order, from the rows of the packaged file's twin: each built as a
    light record (:mod:`wattprint.catalog.entries`) on first access, so an estimate builds the
    one stack it runs, not all of them."""

    def __init__(self, rows: TwinRows) -> None:
        self._rows = rows  # each row's JSON text, decoded on first access
        self._built: dict[str, Stack] = {}

    def __getitem__(self, sid: str) -> Stack:
        hit = self._built.get(sid)
        if hit is None:
            try:
                row = self._rows.decoded(sid)
            except ValueError as exc:
                raise DataError(f"stacks.toml: parsed twin unusable ({exc}); "
                                "run tools/gen_parsed_data.py") from None
            hit = cast("Stack", KINDS["Stack"].build(row))
            self._built[sid] = hit
        return hit

    def __contains__(self, sid: object) -> bool:
        return sid in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@lru_cache(maxsize=1)
def stack_records() -> LightStacks | None:
    """Stacks by id as light records (built on first access), or ``None`` when stacks.toml
    has no matching twin."""
    from wattprint.catalog.light import light_row_twin

    twin = light_row_twin("stacks.toml", "stack")
    return None if twin is None else LightStacks(twin[1])
