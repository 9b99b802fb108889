"""Provenance summary of the catalogs: per data file, each distinct source and how many
values cite it (``wattprint catalog sources``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from wattprint.catalog.loader import Catalog, _facilities, _hardware, _models, _sites

if TYPE_CHECKING:
    from wattprint.catalog.schema import Facility, Hardware, Site, Sourced


def _sourced_values(obj: object) -> Iterable[Sourced]:
    from pydantic import BaseModel

    from wattprint.catalog.schema import Sourced

    if isinstance(obj, Sourced):
        yield obj
    elif isinstance(obj, BaseModel):
        for field_name in type(obj).model_fields:
            yield from _sourced_values(getattr(obj, field_name))
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _sourced_values(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _sourced_values(v)


def catalog_sources() -> list[dict[str, object]]:
    """Per data file: entry count and each distinct source (number of values, statuses).

    Model cards carry one ``source`` string per entry instead of sourced values.
    """
    out: list[dict[str, object]] = []
    cats: list[Catalog[Hardware] | Catalog[Site] | Catalog[Facility]] = [
        _hardware(), _sites(), _facilities()]
    for cat in cats:
        n_values: dict[str, int] = {}
        statuses: dict[str, set[str]] = {}
        for entry in cat.entries.values():
            for s in _sourced_values(entry):
                n_values[s.source] = n_values.get(s.source, 0) + 1
                statuses.setdefault(s.source, set()).add(s.status)
        out.append({"file": cat.file, "entries": len(cat.entries),
                    "sources": [{"source": k, "values": n_values[k],
                                 "statuses": sorted(statuses[k])} for k in sorted(n_values)]})
    models = _models()
    n_cards: dict[str, int] = {}
    for card in models.entries.values():
        n_cards[card.source] = n_cards.get(card.source, 0) + 1
    out.append({"file": models.file, "entries": len(models.entries),
                "sources": [{"source": k, "values": v, "statuses": []}
                            for k, v in sorted(n_cards.items())]})
    return out
