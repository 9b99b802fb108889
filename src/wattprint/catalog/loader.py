"""The one place the catalog data files are read and validated.

Files live in ``wattprint/data`` (``hardware.toml``, ``sites.toml``, ``facilities.toml``,
``models.toml``). Nothing is read at import time: each catalog is parsed and validated on first
use and cached (``functools.lru_cache``). A malformed file raises :class:`DataError` with the
file name and the entry id in a one-line message; an unknown name raises
:class:`UnknownNameError` listing the closest known names.

Lookups are case-insensitive and match an entry's id, any alias, or its display name; spaces and
underscores count as hyphens, so ``"NVIDIA H100 80GB HBM3"`` (an NVML device name) and
``"nvidia-h100-80gb-hbm3"`` are the same key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wattprint.catalog.parsed import packaged_data_dir, parsed_catalog, parsed_twin
from wattprint.catalog.table import Catalog, E
from wattprint.catalog.unmodelled import unmodelled_reason
from wattprint.errors import DataError, UnknownNameError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from wattprint.catalog.schema import Facility, Hardware, ModelCard, Site

__all__ = ["Catalog", "catalog_from_doc", "normalize_name", "read_data_doc", "read_data_toml"]

HARDWARE_FILE = "hardware.toml"
SITES_FILE = "sites.toml"
FACILITIES_FILE = "facilities.toml"
MODELS_FILE = "models.toml"



@cache
def _separators() -> re.Pattern[str]:
    return re.compile(r"[\s_]+")  # compiled on first need, not at import (~0.1 ms each)


@cache
def _marks() -> re.Pattern[str]:
    return re.compile(r"\((?:r|tm|c)\)")


def normalize_name(name: str) -> str:
    """Lookup key of a name: lower case, trimmed, runs of spaces/underscores as one hyphen."""
    key = name.strip().lower()
    if "_" not in key and " " not in key and key.isprintable():
        return key  # no whitespace (' ' is the only printable one) and no underscore
    return _separators().sub("-", key)


def data_dir() -> Path:
    """The packaged data directory (``wattprint/data``).

    A plain path next to this package (importlib.resources costs ~15 ms of CLI start-up and
    wattprint is never run from a zip file).
    """
    return packaged_data_dir()


# --------------------------------------------------------------------------- parsing


def read_data_doc(path: Traversable | Path, label: str | None = None
                  ) -> tuple[dict[str, Any], bool]:
    """A data file's document and whether it came from the file's hash-checked twin.

    The one reader of the data files: a packaged file that has a generated JSON twin
    (:mod:`wattprint.catalog.parsed`) is read from it, any other with ``tomllib``.

    Raises:
        DataError: one line starting with ``label`` (default: the file name) when the file
            cannot be read, is not UTF-8 or is not valid TOML.
    """
    label = label or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{label}: cannot read data file ({exc.strerror or exc})") from exc
    if isinstance(path, Path):
        doc = parsed_twin(path, raw)  # packaged file: its generated JSON twin, hash-checked
        if doc is not None:
            return doc, True
    import tomllib  # only a file without a parsed twin needs the (pure-Python) parser

    try:
        return tomllib.loads(raw.decode("utf-8")), False
    except UnicodeDecodeError as exc:
        raise DataError(f"{label}: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{label}: invalid TOML: {exc}".splitlines()[0]) from exc


def read_data_toml(path: Traversable | Path, label: str | None = None) -> dict[str, Any]:
    """The document of :func:`read_data_doc` (DataError on a bad file)."""
    return read_data_doc(path, label)[0]


def _raw_names(row: dict[str, object], where: str, label: str) -> Iterable[str]:
    eid = row.get("id")
    if not isinstance(eid, str) or not eid:
        raise DataError(f"{label}: {where}: id must be a non-empty string")
    yield eid
    aliases = row.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise DataError(f"{label}: {where}: aliases must be a list of strings")
    yield from aliases
    name = row.get("name")
    if isinstance(name, str):
        yield name


def _load(path: Traversable | Path, table: str, model: str,
          validate_all: bool = False) -> Catalog[Any]:
    label = path.name
    if not validate_all and isinstance(path, Path):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError(f"{label}: cannot read data file ({exc.strerror or exc})") from exc
        twin = parsed_catalog(path, raw, table)  # hash-checked: rows decoded when used
        if twin is not None:
            return Catalog(label, twin[1], model, twin[0], light=True)
    doc, light = read_data_doc(path, label)
    cat = catalog_from_doc(doc, label, table, model, light and not validate_all)
    if validate_all:
        cat.entries  # noqa: B018 - validates every entry now
    return cat


def catalog_from_doc(doc: dict[str, Any], label: str, table: str, model: str,
                     light: bool = False) -> Catalog[Any]:
    """The catalog of a parsed data file ``doc`` (``[[table]]`` rows of schema class
    ``model``): checks the layout, ids and aliases (DataError) and builds the name index."""
    unknown = sorted(set(doc) - {table})
    if unknown:
        raise DataError(f"{label}: unexpected top-level key(s) {', '.join(unknown)} "
                        f"(expected [[{table}]] entries)")
    rows = doc.get(table)
    if rows is None:
        raise DataError(f"{label}: no [[{table}]] entries")
    if not isinstance(rows, list):
        raise DataError(f"{label}: {table!r} must be an array of tables ([[{table}]])")
    by_id: dict[str, dict[str, object]] = {}
    index: dict[str, str] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise DataError(f"{label}: entry #{i + 1} is not a table")
        eid = row.get("id")
        where = f"entry {eid!r}" if isinstance(eid, str) and eid else f"entry #{i + 1}"
        names = list(_raw_names(row, where, label))
        if names[0] in by_id:
            raise DataError(f"{label}: duplicate id {names[0]!r}")
        for raw_name in names:
            key = normalize_name(raw_name)
            if not key:
                raise DataError(f"{label}: {where}: empty alias")
            owner = index.get(key)
            if owner is not None and owner != names[0]:
                raise DataError(f"{label}: name or alias {key!r} of entry {names[0]!r} is "
                                f"already used by entry {owner!r}")
            index[key] = names[0]
        by_id[names[0]] = row
    if not by_id:
        raise DataError(f"{label}: no [[{table}]] entries")
    return Catalog(label, by_id, model, index, light)


def load_hardware_file(path: Traversable | Path) -> Catalog[Hardware]:
    """Parse and validate a hardware file (``[[hardware]]`` entries)."""
    return _load(path, "hardware", "Hardware", validate_all=True)


def load_site_file(path: Traversable | Path) -> Catalog[Site]:
    """Parse and validate a sites file (``[[site]]`` entries)."""
    return _load(path, "site", "Site", validate_all=True)


def load_facility_file(path: Traversable | Path) -> Catalog[Facility]:
    """Parse and validate a facilities file (``[[facility]]`` entries)."""
    return _load(path, "facility", "Facility", validate_all=True)


def load_model_file(path: Traversable | Path) -> Catalog[ModelCard]:
    """Parse and validate a model-card file (``[[model]]`` entries)."""
    return _load(path, "model", "ModelCard", validate_all=True)


# --------------------------------------------------------------------------- cached catalogs


@lru_cache(maxsize=1)
def _hardware() -> Catalog[Hardware]:
    return _load(data_dir() / HARDWARE_FILE, "hardware", "Hardware")


@lru_cache(maxsize=1)
def _sites() -> Catalog[Site]:
    return _load(data_dir() / SITES_FILE, "site", "Site")


@lru_cache(maxsize=1)
def _facilities() -> Catalog[Facility]:
    return _load(data_dir() / FACILITIES_FILE, "facility", "Facility")


@lru_cache(maxsize=1)
def _models() -> Catalog[ModelCard]:
    return _load(data_dir() / MODELS_FILE, "model", "ModelCard")


def clear_caches() -> None:
    """Forget every parsed data file: catalogs, stacks, defaults, planning data, grid
    profiles, calibration profiles, operator costs, operator models and summaries, and every
    registered derived cache (the next call re-reads the files)."""
    from wattprint.catalog import (
        caches,
        defaults,
        light,
        operator_costs,
        operator_data,
        physical,
        planning,
        profiles,
        stacks,
    )

    physical.clear_physical_caches()
    light.clear_light_caches()
    for fn in (_hardware, _sites, _facilities, _models, stacks.stack_catalog,
               stacks.stack_records, operator_costs.operator_costs,
               operator_data.operator_model_entries, operator_data.operator_summary_data,
               defaults.defaults_table, planning.planning_data, planning.grid_profile_entries,
               profiles.cached_profile):
        fn.cache_clear()
    caches.clear_derived_caches()


# --------------------------------------------------------------------------- lookups

_HW_PREFIXES = ("nvidia-", "tesla-", "amd-", "instinct-", "intel-", "google-", "apple-")


def _candidates(name: str, prefixes: tuple[str, ...] = ()) -> list[str]:
    key = normalize_name(name)
    out = [key]
    if "(" in key:
        unmarked = normalize_name(_marks().sub("", key.replace("-", " ")))
    else:  # the same without a mark to drop: runs of hyphens as one, none at the ends
        unmarked = "-".join(p for p in key.split("-") if p)
    if unmarked != key:
        out.append(unmarked)
    for k in list(out):
        for p in prefixes:
            if k.startswith(p) and len(k) > len(p):
                out.append(k[len(p):])
    return out


def _lookup(cat: Catalog[E], name: str, what: str, prefixes: tuple[str, ...] = (),
            light: bool = False) -> E:
    if not isinstance(name, str) or not name.strip():
        raise UnknownNameError(what, str(name), cat.names())
    read = cat.entry if light else cat.get
    hit = cat._resolved.get((name, prefixes))  # a name typed before: no normalising again
    if hit is not None:
        return read(hit)
    for key in _candidates(name, prefixes):
        eid = cat.index.get(key)
        if eid is not None:
            entry = read(eid)  # validates (DataError) before the name is remembered
            cat._resolved[(name, prefixes)] = eid
            return entry
    reason = unmodelled_reason(name) if what == "models" else None
    raise UnknownNameError(what, name, cat.names(), reason=reason)


def measured_reference_hardware(light: bool = False) -> Hardware:
    """The first chip with measured energy per FLOP (bf16) and per byte: the reference from
    which other chips' coefficients are derived (validates only that entry; ``light``: a
    read-only record as :func:`hardware_entry`)."""
    cat = _hardware()
    for eid in cat.ids():
        if not cat.may_hold(eid, "j_per_byte"):  # most chips: their row is not decoded
            continue
        row = cat.row(eid)
        jf = row.get("j_per_flop")
        if row.get("j_per_byte") is not None and isinstance(jf, dict) and "bf16" in jf:
            return cat.entry(eid) if light else cat.get(eid)
    raise DataError(f"{cat.file}: no entry has measured j_per_flop.bf16 and j_per_byte")


def hardware_catalog() -> dict[str, Hardware]:
    """Every hardware entry, by id (a new dict each call; the entries are frozen)."""
    return dict(_hardware().entries)


def get_hardware(name: str) -> Hardware:
    """A hardware entry by id, alias or name (case-insensitive; NVML names work too)."""
    return _lookup(_hardware(), name, "hardware", _HW_PREFIXES)


def site_catalog() -> dict[str, Site]:
    """Every site (country, grid region, cloud region, residential, world), by id."""
    return dict(_sites().entries)


def get_site(name: str) -> Site:
    """A site by id, alias or name (case-insensitive)."""
    return _lookup(_sites(), name, "sites")


def facility_catalog() -> dict[str, Facility]:
    """Every facility default (operators and cooling types), by id."""
    return dict(_facilities().entries)


def get_facility(name: str) -> Facility:
    """A facility default by id or name (case-insensitive)."""
    return _lookup(_facilities(), name, "facilities")


def model_catalog() -> dict[str, ModelCard]:
    """Every model card, by id."""
    return dict(_models().entries)


def get_model_card(name: str) -> ModelCard:
    """A model card by id, alias (e.g. a lower-cased Hugging Face repo id) or name."""
    return _lookup(_models(), name, "models")


def catalog_names(what: str) -> list[str]:
    """Every id and alias of one catalog: ``hardware``, ``sites``, ``facilities`` or ``models``."""
    if what == "hardware":
        return _hardware().names()
    if what == "sites":
        return _sites().names()
    if what == "facilities":
        return _facilities().names()
    if what == "models":
        return _models().names()
    raise UnknownNameError("catalog", what, ("hardware", "sites", "facilities", "models"))
