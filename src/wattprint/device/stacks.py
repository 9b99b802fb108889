"""Software-stack profiles; read and validated in :mod:`wattprint.catalog.stacks`."""

from __future__ import annotations

from wattprint.catalog.stacks import Stack, get_stack, stack_catalog

__all__ = ["Stack", "get_stack", "stack_catalog"]
