"""Shared fixtures: every test gets its own ledger path and no user configuration."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    monkeypatch.setenv("WATTPRINT_DB", str(tmp_path / "ledger.sqlite"))
    monkeypatch.delenv("WATTPRINT_DEBUG", raising=False)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: real subprocesses, servers or frameworks")
