"""Caches a higher layer builds from catalog data (validated operator models, parsed
summaries, per-key results of the estimate path ...): registered here, cleared by
:func:`wattprint.catalog.clear_caches` with the catalog's own, so tests have one reset for
every cache of data."""

from __future__ import annotations

from typing import Any, TypeVar

#: Every registered derived cache: ``lru_cache``-d functions (``cache_clear``) and the dicts
#: of :func:`derived_dict` (``clear``).
DERIVED_CACHES: list[Any] = []

_F = TypeVar("_F")


def register_derived_cache(fn: _F) -> _F:
    """Decorator for an ``lru_cache``-d function of a higher layer that derives from catalog
    data: :func:`wattprint.catalog.clear_caches` clears it too."""
    DERIVED_CACHES.append(fn)
    return fn


def derived_dict() -> dict[Any, Any]:
    """A new per-key cache of values derived from catalog data, registered with
    :func:`wattprint.catalog.clear_caches`; fill it with :func:`keep`. A plain dict, so a hit
    costs one ``dict.get`` (a dict subclass's ``get`` is not specialised by CPython 3.11: about
    1 k more instructions per estimate). Values keyed by an object's ``id`` keep the object (so
    the id is not reused while cached) and are checked with ``is`` on a hit."""
    cache: dict[Any, Any] = {}
    DERIVED_CACHES.append(cache)
    return cache


def keep(cache: dict[Any, Any], key: Any, value: Any, limit: int = 256) -> None:
    """Store ``value`` under ``key`` in ``cache``, first forgetting every value when ``limit``
    are held (a repeated estimate hits; a sweep over many keys does not grow it)."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value


def clear_derived_caches() -> None:
    """Forget every registered derived cache (the catalog data they come from may change)."""
    for c in DERIVED_CACHES:
        if isinstance(c, dict):
            c.clear()
        else:
            c.cache_clear()
