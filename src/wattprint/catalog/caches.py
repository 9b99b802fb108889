"""Caches a higher layer builds from catalog data (validated operator models, parsed
summaries ...): registered here, cleared by :func:`wattprint.catalog.clear_caches` with the
catalog's own, so tests have one reset for every cache of data."""

from __future__ import annotations

from typing import Any, TypeVar

#: Every registered derived cache (``lru_cache``-d functions).
DERIVED_CACHES: list[Any] = []

_F = TypeVar("_F")


class DerivedDict(dict[Any, Any]):
    """A dict of values derived from catalog data, to register with
    :func:`register_derived_cache` (its ``cache_clear`` empties it)."""

    def cache_clear(self) -> None:
        """Forget every value (the catalog data they come from may change)."""
        self.clear()


def register_derived_cache(fn: _F) -> _F:
    """Decorator for an ``lru_cache``-d function of a higher layer that derives from catalog
    data: :func:`wattprint.catalog.clear_caches` clears it too."""
    DERIVED_CACHES.append(fn)
    return fn
