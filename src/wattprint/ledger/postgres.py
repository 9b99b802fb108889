"""The ledger on PostgreSQL: ``WATTPRINT_DB=postgresql://user:pass@host/db`` (psycopg 3).

Same schema and the same migrations as SQLite (:mod:`wattprint.ledger.migrations`), run
through a small dialect translation (:func:`to_postgres`): ``REAL`` becomes ``DOUBLE
PRECISION`` (Unix times need 64 bits), ``AUTOINCREMENT`` keys become ``BIGSERIAL``, every table
gets a ``rowid BIGSERIAL`` column (SQLite's insertion order, used for ordering), ``?``
placeholders become ``%s`` and ``instr`` becomes ``strpos``. Migrations run under a
PostgreSQL advisory lock, so 64 nodes opening the ledger at once apply each exactly once;
every write is one transaction (READ COMMITTED), retried on serialization failures and
deadlocks. Install with ``pip install 'wattprint[postgres]'``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from wattprint.errors import InputError
from wattprint.ledger.migrations import apply_migrations
from wattprint.ledger.retry import retry_transient
from wattprint.ledger.store import Ledger

T = TypeVar("T")
SCHEMES = ("postgresql://", "postgres://")
#: Advisory-lock key of the migrations ("wattprnt" in ASCII, as a bigint).
MIGRATION_LOCK = 0x7761747470726E74
_TABLES_WITHOUT_ROWID = re.compile(r"CREATE TABLE (IF NOT EXISTS )?(\w+) \(", re.I)


def is_postgres_url(text: object) -> bool:
    """Whether ``text`` names a PostgreSQL ledger (``postgresql://`` or ``postgres://``)."""
    s = normalise_url(str(text)) if text is not None else ""
    return s.startswith(SCHEMES)


def normalise_url(text: str) -> str:
    """Undo ``pathlib``'s collapsing of ``//`` (``postgresql:/u@h/db`` → ``postgresql://…``)."""
    for scheme in ("postgresql:", "postgres:"):
        if text.startswith(scheme + "/") and not text.startswith(scheme + "//"):
            return scheme + "//" + text[len(scheme) + 1:]
    return text


def redact(url: str) -> str:
    """The URL without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def to_postgres(sql: str) -> str:
    """Translate the ledger's SQLite SQL to PostgreSQL (see the module docstring)."""
    s = sql.strip()
    up = s.upper()
    if up.startswith("BEGIN"):
        return "BEGIN"
    s = s.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    s = re.sub(r"\bREAL\b", "DOUBLE PRECISION", s)
    s = re.sub(r"\binstr\(", "strpos(", s)
    if up.startswith("CREATE TABLE") and "BIGSERIAL PRIMARY KEY" not in s:
        s = _TABLES_WITHOUT_ROWID.sub(lambda m: m.group(0) + "rowid BIGSERIAL, ", s, count=1)
    if up.startswith("INSERT INTO WINDOWS"):
        s += " RETURNING id"
    return s.replace("?", "%s")


class Row(dict[str, Any]):
    """A result row: a dict that also answers ``row[0]`` (like ``sqlite3.Row``)."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return list(self.values())[key]
        return super().__getitem__(key)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    names = [c.name for c in cursor.description or []]
    return lambda values: Row(zip(names, values, strict=False))


class _Cursor:
    def __init__(self, cur: Any, returning: bool) -> None:
        self._cur = cur
        self.rowcount = cur.rowcount
        self.lastrowid = None
        self._rows: list[Row] | None = None
        if returning:
            row = cur.fetchone()
            self.lastrowid = row[0] if row else None

    def fetchall(self) -> list[Row]:
        return list(self._cur.fetchall()) if self._cur.description else []

    def fetchone(self) -> Row | None:
        return self._cur.fetchone() if self._cur.description else None

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class _Pragma:
    """SQLite PRAGMAs have no PostgreSQL meaning: integrity checks answer ``ok`` (the server
    keeps its own pages consistent), the rest answer nothing."""

    rowcount = 0
    lastrowid = None

    def __init__(self, sql: str) -> None:
        ok = any(w in sql.lower() for w in ("quick_check", "integrity_check"))
        self._rows = [Row(check="ok")] if ok else []

    def fetchall(self) -> list[Row]:
        return list(self._rows)

    def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)


class PgConnection:
    """A psycopg connection that speaks the ledger's SQLite dialect (autocommit; explicit
    ``BEGIN``/``COMMIT`` as with ``sqlite3``'s ``isolation_level=None``)."""

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor | _Pragma:
        if sql.strip().upper().startswith("PRAGMA"):
            return _Pragma(sql)
        q = to_postgres(sql)
        cur = self.raw.cursor(row_factory=_row_factory)
        cur.execute(q, tuple(params) if params else None)
        return _Cursor(cur, q.endswith("RETURNING id"))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> _Cursor:
        cur = self.raw.cursor()
        cur.executemany(to_postgres(sql), [tuple(r) for r in rows])
        return _Cursor(cur, False)

    def close(self) -> None:
        self.raw.close()


def _transient(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, psycopg.errors.SerializationFailure | psycopg.errors.DeadlockDetected)


class PostgresLedger(Ledger):
    """The ledger in a PostgreSQL database (same API as :class:`Ledger`).

    Args:
        path: a ``postgresql://`` URL (default ``$WATTPRINT_DB``).
        create: ignored (the database must exist; the schema is created on first use).
        timeout_s: connection timeout and how long writes are retried (s).

    Raises:
        InputError: psycopg missing, or the server cannot be reached or used.
    """

    def __init__(self, path: Any = None, *, create: bool = True,
                 timeout_s: float = 60.0) -> None:
        import os

        from wattprint.ledger.rows import ENV_DB

        url = normalise_url(str(path) if path is not None else os.environ.get(ENV_DB, ""))
        self.url = url
        self.path = redact(url)  # type: ignore[assignment]
        self.timeout_s = timeout_s
        self._lock = threading.RLock()
        try:
            import psycopg
        except ImportError as exc:
            raise InputError("a postgresql:// ledger needs psycopg 3: pip install "
                             "'wattprint[postgres]'") from exc
        try:
            raw = psycopg.connect(url, autocommit=True, connect_timeout=int(min(timeout_s, 30)))
        except psycopg.Error as exc:
            raise InputError(f"cannot open ledger {self.path}: "
                             f"{str(exc).strip().splitlines()[0]}") from exc
        self.conn = PgConnection(raw)  # type: ignore[assignment]
        try:
            self._migrate()
        except psycopg.Error as exc:
            self.conn.close()
            raise InputError(f"cannot use ledger {self.path}: "
                             f"{str(exc).strip().splitlines()[0]}") from exc

    def _migrate(self) -> None:
        c = self.conn
        c.execute("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
        try:
            apply_migrations(c)
        finally:
            c.execute("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))

    def _retry(self, fn: Callable[[], T]) -> T:
        return retry_transient(fn, self.timeout_s, _transient)

    def close(self) -> None:
        """Close the connection."""
        with self._lock, contextlib.suppress(Exception):
            self.conn.close()
