"""Light tables of the estimate path: packaged data files read as plain records.

A packaged file with a hash-checked parsed twin (:mod:`wattprint.catalog.parsed`) is read as
:mod:`wattprint.catalog.entries` records, without importing pydantic; a file without its twin
(edited, or not twinned) gives ``None`` here and the caller falls back to the validated
(pydantic) reader. ``tests/test_light_entries.py`` checks every record against validation.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from wattprint.catalog.entries import KINDS, Entry, SourcedEntry, sourced
from wattprint.catalog.loader import (
    _HW_PREFIXES,
    _hardware,
    _lookup,
    _models,
    _sites,
    data_dir,
    read_data_doc,
)
from wattprint.catalog.parsed import TwinRows, parsed_rows
from wattprint.errors import DataError

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware, ModelCard, Site


@cache
def light_rows(file: str, table: str) -> tuple[dict[str, Any], ...] | None:
    """The ``[[table]]`` rows of packaged data file ``file`` as parsed (file order), or
    ``None`` when the file has no matching twin."""
    doc, light = read_data_doc(data_dir() / file)
    return tuple(doc.get(table, [])) if light else None


@cache
def light_row_twin(file: str, table: str) -> tuple[dict[str, str], TwinRows] | None:
    """The ``keys`` (empty when the file has none) and the rows (decoded on first use) of a
    packaged :data:`~wattprint.catalog.parsed.ROW_TABLES` file, or ``None`` when it has no
    matching twin: the estimate path decodes one stack and one AWARE factor, not the files."""
    path = data_dir() / file
    try:
        raw = path.read_bytes()
    except OSError:
        return None  # the callers' validated path says what is wrong
    twin = parsed_rows(path, raw, table)
    if twin is None:
        return None
    keys = twin[0].get("keys", {})
    return (keys if isinstance(keys, dict) else {}), twin[1]


def light_keyed(file: str, table: str, kind: str, keys: tuple[str, ...]) -> Entry | None:
    """The record of the first row of a keyed row twin (:func:`light_row_twin`) that holds
    the first of ``keys`` any row holds (one row decoded, one record built), or ``None`` when
    no row holds one. Call only when :func:`light_row_twin` is not ``None``."""
    index, rows = light_row_twin(file, table) or ({}, None)
    for key in keys:
        eid = index.get(key)
        if eid is not None and rows is not None:
            try:
                return KINDS[kind].build(rows.decoded(eid))
            except ValueError as exc:
                raise DataError(f"{file}: parsed twin unusable ({exc}); "
                                "run tools/gen_parsed_data.py") from None
    return None


@cache
def light_table(file: str, table: str, kind: str) -> tuple[Entry, ...] | None:
    """The ``[[table]]`` rows of packaged data file ``file`` as records of schema class
    ``kind`` (file order), or ``None`` when the file has no matching twin."""
    rows = light_rows(file, table)
    return None if rows is None else tuple(KINDS[kind].build(row) for row in rows)


@lru_cache(maxsize=1)
def light_defaults() -> dict[str, dict[str, SourcedEntry]] | None:
    """``defaults.toml`` as sourced records by section and name, or ``None`` without its
    twin."""
    doc, light = read_data_doc(data_dir() / "defaults.toml")
    if not light:
        return None
    return {sec: {k: sourced(v) for k, v in vals.items()} for sec, vals in doc.items()}


def operator_key(name: str) -> str:
    """Lookup key of an operator-catalog model name: lower case, ``_`` and spaces as ``-``."""
    return name.strip().lower().replace("_", "-").replace(" ", "-")


@lru_cache(maxsize=1)
def operator_model_keys() -> frozenset[str] | None:
    """The keys (:func:`operator_key`) of every id and alias in ``operator_models.toml``, or
    ``None`` without its twin: lets the CLI tell an LLM name from an operator-priced one
    without validating the operator catalog."""
    doc, light = read_data_doc(data_dir() / "operator_models.toml")
    if not light:
        return None
    rows: list[dict[str, Any]] = doc.get("model", [])
    return frozenset(operator_key(n) for r in rows for n in (r["id"], *r.get("aliases", [])))


def clear_light_caches() -> None:
    """Forget the light tables (with :func:`wattprint.catalog.clear_caches`)."""
    light_rows.cache_clear()
    light_row_twin.cache_clear()
    light_table.cache_clear()
    light_defaults.cache_clear()
    operator_model_keys.cache_clear()


def hardware_entry(name: str) -> Hardware:
    """:func:`get_hardware` for reading only (the estimate path): the entry's values as a
    light record without pydantic when the packaged file has its twin
    (:mod:`wattprint.catalog.entries`), else the validated entry. Not for ``model_dump``."""
    return _lookup(_hardware(), name, "hardware", _HW_PREFIXES, light=True)


def site_entry(name: str) -> Site:
    """:func:`get_site` for reading only (see :func:`hardware_entry`)."""
    return _lookup(_sites(), name, "sites", light=True)


def model_card_entry(name: str) -> ModelCard:
    """:func:`get_model_card` for reading only (see :func:`hardware_entry`)."""
    return _lookup(_models(), name, "models", light=True)
