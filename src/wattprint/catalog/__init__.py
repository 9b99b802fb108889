"""Catalogs of hardware, sites, facilities and model cards (``wattprint/data/*.toml``).

Loaded lazily and validated on first use; see :mod:`wattprint.catalog.loader`.
"""

from __future__ import annotations

from wattprint.catalog.loader import (
    Catalog,
    catalog_names,
    catalog_sources,
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
    "load_facility_file",
    "load_hardware_file",
    "load_model_file",
    "load_site_file",
    "measured_reference_hardware",
    "model_catalog",
    "normalize_name",
    "site_catalog",
]
