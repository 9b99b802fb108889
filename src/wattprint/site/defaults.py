"""Sourced defaults (``data/defaults.toml``); read in :mod:`wattprint.catalog.defaults`."""

from __future__ import annotations

from wattprint.catalog.defaults import default_value, sourced_quantity

__all__ = ["default_value", "sourced_quantity"]
