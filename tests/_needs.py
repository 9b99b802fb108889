"""Optional test dependencies: skipped with the reason on a developer's machine, a failure
under CI=true (CI installs every extra and service, so a skip there would hide a gap)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(needed: str, why: str) -> NoReturn:
    """Skip, or fail under ``CI=true``, because ``needed`` is not available (``why``)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{needed} is needed in CI: {why}")
    pytest.skip(f"{needed} not available: {why}")


def need_modules(*modules: str, hint: str = "not installed") -> None:
    """Import each of ``modules``, or :func:`unavailable`."""
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            unavailable(module, hint)
