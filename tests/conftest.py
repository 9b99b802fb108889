"""Shared fixtures: every test gets its own ledger path and no user configuration."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("WATTPRINT_DB", str(tmp_path / "ledger.sqlite"))
    monkeypatch.delenv("WATTPRINT_DEBUG", raising=False)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: real subprocesses, servers or frameworks")


#: Test modules that import torch at collection (the tracer): slow tier only.
_TORCH_MODULES = frozenset({"test_operator_trace.py"})


def pytest_ignore_collect(collection_path, config):
    """Under ``-m "not slow"`` do not collect (import) the torch modules (fast tier)."""
    expr = " ".join((config.getoption("markexpr") or "").split())
    if collection_path.name in _TORCH_MODULES and expr == "not slow":
        return True
    return None
