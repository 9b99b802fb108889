"""One catalog data file's entries by id, with its lookup index of normalised names.

Split from :mod:`wattprint.catalog.loader` (which reads the files). A packaged catalog read
from its hash-checked twin (:mod:`wattprint.catalog.parsed`) keeps each entry as the JSON text
the generator wrote and decodes an entry only when it is used: a first estimate decodes the
three or so entries it needs, not the ~1,000 rows of ``hardware.toml``, ``sites.toml`` and
``models.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from wattprint.catalog.entries import KINDS
from wattprint.errors import DataError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from wattprint.catalog.parsed import TwinRows
    from wattprint.catalog.schema import Facility, Hardware, ModelCard, Site

if TYPE_CHECKING:
    E = TypeVar("E", Hardware, Site, Facility, ModelCard)
else:  # at run time the constraints are not used (as strings each compiles a ForwardRef)
    E = TypeVar("E")


def schema_class(name: str) -> Any:
    """The pydantic class ``name`` of :mod:`wattprint.catalog.schema` (imported on first
    validation: pydantic is not loaded on the light estimate path)."""
    from wattprint.catalog import schema

    return getattr(schema, name)


def _first_error(exc: ValidationError) -> str:
    """The first of a pydantic error's messages, one line, with its location."""
    errs = exc.errors()
    if not errs:  # pragma: no cover - pydantic always reports at least one
        return str(exc).splitlines()[0]
    err = errs[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or "(entry)"
    more = f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""
    msg = str(err.get("msg", "invalid")).replace("\n", " ")
    return f"{loc}: {msg}{more}"


class Catalog(Generic[E]):
    """Entries of one data file, by id, with a lookup index of normalised names.

    The index is built from the raw TOML at once (duplicate names are caught there), or
    comes precomputed from a packaged file's twin; each entry is validated with pydantic the
    first time it is used, so a one-off lookup from the CLI validates one entry, not the
    whole file. ``entries`` validates them all. ``model`` names the schema class
    (``"Hardware"``...). ``rows`` maps each id to its parsed row or, from a twin, to the
    row's JSON text (decoded on first use). ``light`` says the rows are those of a packaged
    file's hash-checked twin: :meth:`entry` may then hand out a light record
    (:mod:`wattprint.catalog.entries`) instead of a validated one.
    """

    def __init__(self, file: str, rows: Mapping[str, Any], model: str,
                 index: dict[str, str], light: bool = False) -> None:
        self.file = file
        self.index = index  # normalised id / alias / name -> id
        self._rows = rows
        self._model = model
        self._light = light
        self._valid: dict[str, E] = {}
        self._records: dict[str, E] = {}
        self._resolved: dict[tuple[str, tuple[str, ...]], str] = {}  # typed name -> id

    def ids(self) -> Iterable[str]:
        """Every entry id, in file order."""
        return self._rows.keys()

    def row(self, eid: str) -> dict[str, Any]:
        """The parsed row of entry ``eid`` (as in the TOML; KeyError if unknown)."""
        try:
            row = self._rows[eid]
            if isinstance(row, bytes):  # a twin's JSON text: decoded and checked once
                row = cast("TwinRows", self._rows).decoded(eid)
        except ValueError as exc:  # a damaged twin: never answered from the wrong row
            raise DataError(f"{self.file}: entry {eid!r}: parsed twin unusable ({exc}); "
                            "run tools/gen_parsed_data.py") from None
        return cast(dict[str, Any], row)

    def may_hold(self, eid: str, key: str) -> bool:
        """Whether entry ``eid`` may have the field ``key``: ``False`` only when it certainly
        has not (its twin JSON text, not decoded, has no ``"key"`` in it), so a search for
        entries with a field decodes only the rows that mention it."""
        try:
            row = self._rows[eid]
        except ValueError:  # a damaged twin: :meth:`row` says so
            return True
        if isinstance(row, bytes):
            return f'"{key}"'.encode() in row
        return key in row

    def get(self, eid: str) -> E:
        """The validated entry ``eid`` (DataError naming the file and entry if invalid)."""
        hit = self._valid.get(eid)
        if hit is None:
            from pydantic import ValidationError

            try:
                hit = schema_class(self._model).model_validate(self.row(eid))
            except ValidationError as exc:
                raise DataError(f"{self.file}: entry {eid!r}: {_first_error(exc)}") from None
            self._valid[eid] = cast(E, hit)
        return cast(E, hit)

    def entry(self, eid: str) -> E:
        """Entry ``eid`` for reading only: a light record with the validated entry's
        attributes when the rows come from a packaged file's twin, else :meth:`get`."""
        if not self._light:
            return self.get(eid)
        hit = self._records.get(eid)
        if hit is None:
            hit = cast(E, KINDS[self._model].build(self.row(eid)))
            self._records[eid] = hit
        return hit

    @property
    def entries(self) -> dict[str, E]:
        """Every entry, validated, in file order."""
        return {eid: self.get(eid) for eid in self._rows}

    def names(self) -> list[str]:
        """Every id and alias (what a user can type), sorted."""
        return sorted(self.index)
