"""Shared fixtures: every test gets its own ledger path and no user configuration."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

#: Hypothesis profiles. "fast" (the default) keeps the fast tier fast: 10 random examples a
#: property (plus its explicit @example cases). "thorough" (200 a property) is what CI's
#: property step runs: ``pytest -m "hypothesis and not slow" --hypothesis-profile=thorough``.
#: Neither has a deadline: no timing assertions in tests (a loaded machine is not a failure).
settings.register_profile("fast", max_examples=10, deadline=None)
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))

#: Numbers the per-test directories (unique within a session).
_SEQ = itertools.count()


#: A RAM file system for the per-test directories, when the machine has one
#: (``WATTPRINT_TEST_RAM_DIR=/nonexistent`` puts them on disk, under pytest's basetemp).
_RAM_DIR = Path(os.environ.get("WATTPRINT_TEST_RAM_DIR", "/dev/shm"))


def _force_remove(func: object, path: str, _exc: object) -> None:
    """``shutil.rmtree`` error handler: make a read-only directory writable and retry."""
    parent = os.path.dirname(path)
    os.chmod(parent, 0o700)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, 0o700)
        shutil.rmtree(path, onerror=_force_remove)
    else:
        os.unlink(path)


@pytest.fixture(scope="session")
def _tmp_root(tmp_path_factory: pytest.TempPathFactory,
              request: pytest.FixtureRequest) -> Iterator[Path]:
    """One folder for all the per-test directories of this session.

    On ``/dev/shm`` (RAM) where the machine has it: a new ledger fsyncs its migrations, ~50 ms
    on this disk against ~3 ms in RAM, and about a hundred fast tests create one. It is
    removed at the end unless a test failed (then its path is printed to look at). Elsewhere,
    under pytest's own basetemp.
    """
    if not (_RAM_DIR.is_dir() and os.access(_RAM_DIR, os.W_OK | os.X_OK)):
        yield tmp_path_factory.mktemp("t", numbered=False)
        return
    root = Path(tempfile.mkdtemp(prefix="wattprint-tests-", dir=_RAM_DIR))
    yield root
    if request.session.testsfailed:
        print(f"\nper-test directories kept for a look: {root}")
    else:
        shutil.rmtree(root, onerror=_force_remove)


@pytest.fixture
def tmp_path(_tmp_root: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh empty directory for this test (replaces pytest's own ``tmp_path``).

    pytest's also scans its basetemp folder (O(tests)) and re-points a ``-current`` symlink
    for each test: ~3-5 ms a test on this disk, several seconds of the fast tier, since every
    test gets one (:func:`_isolated_env`). Here: one ``mkdir``, named after the test.
    """
    name = re.sub(r"\W", "_", request.node.name)[:30]
    path = _tmp_root / f"{name}-{next(_SEQ)}"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def validation_report() -> Any:
    """``run_validation()`` over every group, once per session (~1 s): tests only read it
    (each group's rows carry their group, so a test of one group filters on it)."""
    from wattprint.validation.harness import run_validation

    return run_validation(None)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTPRINT_DB", str(tmp_path / "ledger.sqlite"))
    monkeypatch.delenv("WATTPRINT_DEBUG", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: real subprocesses, servers or frameworks")


#: Test modules that import torch at collection (the tracer): slow tier only.
_TORCH_MODULES = frozenset({"test_operator_trace.py"})


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under ``-m "not slow"`` do not collect (import) the torch modules (fast tier)."""
    expr = " ".join((config.getoption("markexpr") or "").split())
    if collection_path.name in _TORCH_MODULES and expr == "not slow":
        return True
    return None
