"""Opening a ledger safely, checking it and salvaging what a damaged one still holds.

* :func:`check_file` refuses what is not a ledger before SQLite touches it: a 0-byte file
  (a truncated ledger has lost its runs: never silently start a new one there) and a file
  that is not SQLite at all.
* :func:`connect` opens read-write, or read-only for ``history``/``show``/``export``
  (``mode=ro``; on a read-only directory, where SQLite cannot create the WAL index, it
  falls back to ``immutable=1``).
* :func:`check_identity` refuses another application's SQLite file (its tables are never
  touched) and a ledger written by a newer wattprint (unknown migrations).
* :func:`salvage_chunks` reads a table chunk by chunk, row by row around damaged pages;
  :func:`check_ledger` and :func:`recover_ledger` back ``wattprint ledger check`` /
  ``ledger recover``.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wattprint.errors import InputError
from wattprint.ledger.migrations import APPLICATION_ID, MIGRATIONS


class NotALedgerError(InputError):
    """The path is not a wattprint ledger this version can use (another application's
    file, not SQLite, a directory, a newer schema): the user must pass another path."""


SQLITE_MAGIC = b"SQLite format 3\x00"
TABLES = ("runs", "windows", "devices", "samples")
CHUNK = 512


#: (device, inode) of the ledger files this process has open → how many connections: their
#: header is not read again while one is open. Closing *any* descriptor of a file drops every
#: POSIX lock the process holds on it, SQLite's locks of an open connection included
#: (sqlite.org/howtocorrupt.html §2.2). A header read while this process had a ledger
#: connection open (``wattprint run``'s job budget opens a second one) let another process
#: that closed its own connection think it was the last, checkpoint and reset the WAL under
#: ours: "database disk image is malformed". The last close releases the entry
#: (:func:`forget_opened`), so the set does not grow with every ledger a process opens and a
#: new file on a reused inode is checked again.
_OPENED: dict[tuple[int, int], int] = {}


def remember_opened(path: Path) -> tuple[int, int] | None:
    """Note that this process has one more SQLite connection to ``path`` (see
    :func:`check_file`); returns the key to give :func:`forget_opened` when it is closed
    (``None`` if ``path`` cannot be read)."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = (st.st_dev, st.st_ino)
    _OPENED[key] = _OPENED.get(key, 0) + 1
    return key


def forget_opened(key: tuple[int, int] | None) -> None:
    """One connection noted by :func:`remember_opened` (its ``key``) was closed: the entry is
    released with the last one."""
    if key is None:
        return
    n = _OPENED.pop(key, 0)
    if n > 1:
        _OPENED[key] = n - 1


def check_file(path: Path) -> None:
    """Refuse an existing ``path`` that is empty or not SQLite (a missing one is fine).

    The header of a file this process already has open as a ledger is not read again (that
    read would release the open connection's locks: see :data:`_OPENED`).

    Raises:
        InputError: 0 bytes, not a SQLite file, or unreadable.
    """
    try:
        if not path.exists():
            return
        if not path.is_file():  # a FIFO would block the read below forever
            raise NotALedgerError(f"cannot use {path}: not a regular file, so not a wattprint "
                                  "ledger (pass another --db)")
        st = path.stat()
        if st.st_size and (st.st_dev, st.st_ino) in _OPENED:
            return
        size = st.st_size
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputError(f"cannot read ledger {path}: {exc.strerror or exc}") from exc
    if size == 0:
        raise InputError(f"ledger {path} is empty (0 bytes): a truncated ledger has lost its "
                         "runs; restore it from a backup, or delete it to start a new ledger")
    if head != SQLITE_MAGIC:
        raise NotALedgerError(f"cannot use {path}: not a SQLite file, so not a wattprint ledger "
                         "(pass another --db)")


def connect(path: Path, *, readonly: bool, timeout_s: float = 60.0) -> sqlite3.Connection:
    """Open ``path`` read-write (creating it and its directory) or read-only.

    Raises:
        InputError: it cannot be opened.
    """
    try:
        if not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                _create_atomically(path)
            return sqlite3.connect(str(path), timeout=timeout_s, isolation_level=None,
                                   check_same_thread=False)
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        for extra in ("", "&immutable=1"):
            conn = sqlite3.connect(uri + extra, uri=True, timeout=timeout_s,
                                   isolation_level=None, check_same_thread=False)
            try:
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                conn.execute("PRAGMA query_only = 1")
                return conn
            except sqlite3.OperationalError:
                conn.close()
                if extra:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"cannot open ledger {path}: {exc}" + damage_hint(exc, path)) from exc


def _create_atomically(path: Path) -> None:
    """Create a migrated ledger at ``path`` in one step (a temporary file hard-linked into
    place), so that no process ever sees a half-made, 0-byte ledger, and a 0-byte file is
    always a damaged one."""
    import os
    import tempfile

    from wattprint.ledger.migrations import apply_migrations

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            apply_migrations(conn)
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
        finally:
            conn.close()
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process made it first
            pass
        except OSError:  # no hard links on this file system
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def check_identity(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Make sure ``conn`` is a wattprint ledger this version understands.

    Returns:
        The names of the applied migrations (empty for a brand-new file).

    Raises:
        InputError: another application's database, or a newer wattprint's ledger.
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    user = sorted(t for t in tables if not t.startswith("sqlite_"))
    if app_id not in (0, APPLICATION_ID) or (user and "_migrations" not in tables):
        shown = ", ".join(user[:5]) + (" ..." if len(user) > 5 else "")
        raise NotALedgerError(f"{path} is another application's SQLite database (tables: "
                         f"{shown or 'none'}; application id {app_id}), not a wattprint "
                         "ledger; it was not changed (pass another --db)")
    if "_migrations" not in tables:
        return []
    done = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    known = {n for n, _ in MIGRATIONS}
    newer = [n for n in done if n not in known]
    if newer:
        raise NotALedgerError(f"ledger {path} has schema version {len(done)} (migration "
                         f"{newer[0]!r} unknown here); it was written by a newer wattprint: "
                         "upgrade wattprint to use it")
    return done


def damage_hint(exc: BaseException, path: Path) -> str:
    """A hint to check/recover when ``exc`` says the file is damaged, else ``""``."""
    text = str(exc).lower()
    if any(w in text for w in ("malformed", "not a database", "corrupt", "could not decode")):
        return (f" (the file is damaged: see `wattprint ledger check --db {path}`, and "
                "`wattprint ledger recover` to save every readable run)")
    return ""


def is_damage(exc: BaseException) -> bool:
    """Whether a SQLite error means a damaged file (not a lock or a full disk)."""
    return isinstance(exc, sqlite3.DatabaseError) and bool(damage_hint(exc, Path()))


def _max_rowid(conn: sqlite3.Connection, table: str) -> int | None:
    try:
        row = conn.execute(f"SELECT MAX(rowid) FROM {table}").fetchone()
        return int(row[0] or 0)
    except sqlite3.DatabaseError:
        return None


def _rows_between(conn: sqlite3.Connection, table: str, lo: int, hi: int,
                  ) -> tuple[list[dict[str, Any]], int]:
    """Rows with ``lo <= rowid < hi``, one by one around damage; (rows, unreadable)."""
    sql = f"SELECT rowid AS _rowid, * FROM {table} WHERE rowid >= ? AND rowid < ?"
    try:
        return [dict(r) for r in conn.execute(sql, (lo, hi)).fetchall()], 0
    except sqlite3.DatabaseError:
        pass
    out: list[dict[str, Any]] = []
    bad = 0
    for rid in range(lo, hi):
        try:
            out.extend(dict(r) for r in conn.execute(sql, (rid, rid + 1)).fetchall())
        except sqlite3.DatabaseError:
            bad += 1
    return out, bad


def salvage_chunks(conn: sqlite3.Connection, table: str,
                   ) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Readable rows of ``table`` (dicts with ``_rowid``) chunk by chunk, each with how many
    rowids of the chunk failed.

    Reads by rowid in chunks of :data:`CHUNK`; a chunk that hits a damaged page is read row
    by row, so one bad page costs only the rows on it. Without a readable ``MAX(rowid)`` it
    stops after 64 empty chunks in a row. Memory stays one chunk.
    """
    old = conn.row_factory
    conn.row_factory = sqlite3.Row
    try:
        top = _max_rowid(conn, table)
        empty = 0
        lo = 1
        while (lo <= top) if top is not None else (empty < 64):
            got, bad = _rows_between(conn, table, lo, lo + CHUNK)
            empty = 0 if got or bad else empty + 1
            lo += CHUNK
            yield got, bad
    finally:
        conn.row_factory = old


def salvage_rows(conn: sqlite3.Connection, table: str) -> tuple[list[dict[str, Any]], int]:
    """Every readable row of ``table`` (see :func:`salvage_chunks`) and how many failed."""
    rows: list[dict[str, Any]] = []
    bad = 0
    for got, b in salvage_chunks(conn, table):
        rows.extend(got)
        bad += b
    return rows, bad


def summarise_samples(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per device: sample count, min/mean/max W, first/last t, from rows (salvaged reads)."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in samples:
        by.setdefault(str(r["device"]), []).append(r)
    out = []
    for dev, rs in sorted(by.items()):
        ps = [float(r["power_w"]) for r in rs]
        ts = [float(r["t"]) for r in rs]
        out.append({"device": dev, "samples": len(rs), "min_w": min(ps), "max_w": max(ps),
                    "mean_w": sum(ps) / len(ps), "first_t": min(ts), "last_t": max(ts)})
    return out


def check_ledger(path: Path) -> dict[str, Any]:
    """Integrity and schema of the ledger at ``path`` (opened read-only).

    Returns:
        ``{"path", "ok", "integrity": [messages], "schema_version", "migrations",
        "pending", "rows": {table: readable rows}, "unreadable": {table: rows}}``.

    Raises:
        InputError: missing, empty, not SQLite, another application's, or newer.
    """
    if not path.is_file():
        raise InputError(f"no ledger at {path}")
    check_file(path)
    conn = connect(path, readonly=True)
    try:
        done = check_identity(conn, path)
        try:
            msgs = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as exc:
            msgs = [str(exc)]
        rows: dict[str, int] = {}
        bad: dict[str, int] = {}
        for t in TABLES:
            with contextlib.suppress(sqlite3.DatabaseError):
                rows[t] = bad[t] = 0
                for got, b in salvage_chunks(conn, t):
                    rows[t] += len(got)
                    bad[t] += b
        known = [n for n, _ in MIGRATIONS]
        return {"path": str(path), "ok": msgs == ["ok"], "integrity": msgs,
                "schema_version": len(done), "migrations": done,
                "pending": [n for n in known if n not in done], "rows": rows,
                "unreadable": bad}
    finally:
        conn.close()


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")]


def _insert_all(dst: sqlite3.Connection, *, table: str, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    cols = [c for c in _columns(dst, table) if rows and c in rows[0]]
    if table == "windows":
        cols = [c for c in cols if c != "id"]  # fresh ids keep AUTOINCREMENT consistent
    sql = (f"INSERT OR IGNORE INTO {table} ({', '.join(cols)}) "
           f"VALUES ({', '.join('?' for _ in cols)})")
    before = dst.total_changes
    dst.executemany(sql, ([r.get(c) for c in cols] for r in rows))
    return dst.total_changes - before


def recover_ledger(src_path: Path, dst_path: Path) -> dict[str, Any]:
    """Copy every readable row of a damaged ledger into a new one.

    Args:
        src_path: the damaged ledger (opened read-only, never changed).
        dst_path: the new ledger; must not exist.

    Returns:
        ``{"source", "output", "copied": {table: rows}, "unreadable": {table: rows}}``
        (``-1`` unreadable: the whole table could not be found).

    Raises:
        InputError: ``dst_path`` exists, or ``src_path`` is not a ledger.
    """
    from wattprint.ledger.store import Ledger

    if dst_path.exists():
        raise InputError(f"{dst_path} exists; recover writes a new file (give another -o)")
    if src_path.resolve() == dst_path.resolve():
        raise InputError("recover needs a different output file")
    check_file(src_path)
    if not src_path.is_file():
        raise InputError(f"no ledger at {src_path}")
    src = connect(src_path, readonly=True)
    copied: dict[str, int] = {}
    bad: dict[str, int] = {}
    try:
        check_identity(src, src_path)
        with Ledger(dst_path) as dst:
            for table in TABLES:
                copied[table] = bad[table] = 0
                try:
                    for rows, b in salvage_chunks(src, table):
                        for r in rows:
                            r.pop("_rowid", None)
                        copied[table] += dst._write(functools.partial(
                            _insert_all, table=table, rows=rows))
                        bad[table] += b
                except sqlite3.DatabaseError:
                    bad[table] = -1  # the table itself cannot be found
    finally:
        src.close()
    return {"source": str(src_path), "output": str(dst_path), "copied": copied,
            "unreadable": bad}
