"""Presentation: human units, tables and JSON for footprints and other results."""
