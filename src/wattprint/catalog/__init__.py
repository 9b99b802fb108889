"""Catalogs of hardware, sites, facilities and model cards (``wattprint/data/*.toml``).

Loaded lazily and validated on first use; see :mod:`wattprint.catalog.loader`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wattprint.catalog.light import hardware_entry, model_card_entry, site_entry
from wattprint.catalog.loader import (
    Catalog,
    catalog_names,
    clear_caches,
    facility_catalog,
    get_facility,
    get_hardware,
    get_model_card,
    get_site,
    hardware_catalog,
    load_facility_file,
    load_hardware_file,
    load_model_file,
    load_site_file,
    measured_reference_hardware,
    model_catalog,
    normalize_name,
    site_catalog,
)

if TYPE_CHECKING:
    from wattprint.catalog.sources import catalog_sources

__all__ = [
    "Catalog",
    "catalog_names",
    "catalog_sources",
    "clear_caches",
    "facility_catalog",
    "get_facility",
    "get_hardware",
    "get_model_card",
    "get_site",
    "hardware_catalog",
    "hardware_entry",
    "load_facility_file",
    "load_hardware_file",
    "load_model_file",
    "load_site_file",
    "measured_reference_hardware",
    "model_card_entry",
    "model_catalog",
    "normalize_name",
    "site_catalog",
    "site_entry",
]


def __getattr__(name: str) -> Any:
    """``catalog_sources`` on first use (the estimate path does not list sources)."""
    if name == "catalog_sources":
        from wattprint.catalog.sources import catalog_sources

        return catalog_sources
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
