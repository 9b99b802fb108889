"""Caches a higher layer builds from catalog data (validated operator models, parsed
summaries ...): registered here, cleared by :func:`wattprint.catalog.clear_caches` with the
catalog's own, so tests have one reset for every cache of data."""

from __future__ import annotations

from typing import Any, TypeVar

#: Every registered derived cache (``lru_cache``-d functions and :class:`DerivedDict`).
DERIVED_CACHES: list[Any] = []

_F = TypeVar("_F")


class DerivedDict(dict[Any, Any]):
    """A dict of values derived from catalog data, to register with
    :func:`register_derived_cache` (its ``cache_clear`` empties it), or made registered by
    :func:`derived_dict`. It holds at most ``limit`` values: :meth:`keep` forgets them all
    when full (a repeated estimate hits; a sweep over many keys does not grow it)."""

    __slots__ = ("limit",)

    def __init__(self, limit: int = 256) -> None:
        super().__init__()
        self.limit = limit

    def cache_clear(self) -> None:
        """Forget every value (the catalog data they come from may change)."""
        self.clear()

    def keep(self, key: Any, value: Any) -> None:
        """Store ``value`` under ``key``, first forgetting every value if ``limit`` are held."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value


def register_derived_cache(fn: _F) -> _F:
    """Decorator for an ``lru_cache``-d function of a higher layer that derives from catalog
    data: :func:`wattprint.catalog.clear_caches` clears it too."""
    DERIVED_CACHES.append(fn)
    return fn


def derived_dict(limit: int = 256) -> DerivedDict:
    """A new :class:`DerivedDict` of at most ``limit`` values, registered with
    :func:`wattprint.catalog.clear_caches`. Values keyed by an object's ``id`` keep the object
    (so the id is not reused while cached) and are checked with ``is`` on a hit."""
    return register_derived_cache(DerivedDict(limit))
