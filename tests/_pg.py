"""A real PostgreSQL server for the ledger tests.

``$WATTPRINT_TEST_PG_URL`` (a superuser URL) if set; else a private cluster started here with
``initdb``/``pg_ctl`` (Debian's ``postgresql`` package; run as the ``postgres`` user when we
are root) in a temporary directory, listening on 127.0.0.1 only, stopped at the end.
Absent PostgreSQL skips the tests, except under ``CI=true`` where it fails them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator

import pytest

from _needs import unavailable


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return found[-1] if found else shutil.which(name)


def _unavailable(why: str) -> None:
    unavailable("PostgreSQL", why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def private_cluster() -> Iterator[str]:
    """Start a throw-away cluster; yields a superuser URL."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        _unavailable("initdb/pg_ctl not found (apt-get install postgresql)")
    assert initdb and pg_ctl
    root = tempfile.mkdtemp(prefix="wattprint-pg-")
    data = os.path.join(root, "data")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    port = _free_port()
    try:
        subprocess.run([*as_user, initdb, "-D", data, "-A", "trust", "-U", "wattprint",
                        "--no-sync", "-E", "UTF8"], check=True, capture_output=True,
                       timeout=120)
        opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
                "-c max_connections=200")
        subprocess.run([*as_user, pg_ctl, "-D", data, "-o", opts, "-l",
                        os.path.join(root, "log"), "-w", "-t", "60", "start"], check=True,
                       capture_output=True, timeout=90)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"could not start a cluster: {exc}")
    try:
        yield f"postgresql://wattprint@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A superuser URL of a running PostgreSQL server."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'wattprint[postgres]')")
    url = os.environ.get("WATTPRINT_TEST_PG_URL")
    if url:
        yield url
        return
    with private_cluster() as u:
        yield u


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database on the server (dropped afterwards)."""
    import psycopg

    name = f"wp_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    base, _, _ = pg_server.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
