"""A read-only view of a ledger for reports and the dashboard.

The SQLite file is opened with ``mode=ro`` and ``PRAGMA query_only``: nothing a reader does
can change the ledger (no migrations, no WAL checkpoint writes from us). Every query is a
fixed SQL text with ``?`` parameters; no caller-supplied text is ever put into SQL.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wattprint.errors import InputError
from wattprint.ledger.rows import decorate_run, default_db_path


class ReadOnlyLedger:
    """Read a ledger without writing to it.

    Args:
        path: the ledger file; ``None`` → the default ledger.

    Raises:
        InputError: no such file, or not a wattprint ledger.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_db_path()
        if not self.path.is_file():
            raise InputError(f"no ledger at {self.path} (run `wattprint run -- CMD` first, or "
                             "pass --db)")
        self._lock = threading.Lock()
        try:
            self.conn = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro",
                                        uri=True, check_same_thread=False, timeout=10)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA query_only = ON")
            self.conn.execute("SELECT 1 FROM runs LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise InputError(f"cannot read ledger {self.path}: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def runs(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Recent runs, newest first (every column, JSON columns decoded)."""
        rows = self._query("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC "
                           "LIMIT ? OFFSET ?", (int(limit), int(offset)))
        return [decorate_run(r) for r in rows]

    def count(self) -> int:
        """How many runs the ledger holds."""
        return int(self._query("SELECT COUNT(*) AS n FROM runs")[0]["n"])

    def resolve_id(self, run: str) -> str:
        """The full id of a run from its id or a unique prefix (≥ 4 characters).

        Raises:
            InputError: unknown, too short or ambiguous.
        """
        if not isinstance(run, str) or len(run) < 4 or len(run) > 64:
            raise InputError("a run id has 4 to 64 characters")
        rows = self._query("SELECT id FROM runs WHERE id = ? OR substr(id, 1, ?) = ? LIMIT 3",
                           (run, len(run), run))
        ids = sorted({r["id"] for r in rows})
        if run in ids:
            return run
        if len(ids) != 1:
            raise InputError(f"{'ambiguous' if ids else 'unknown'} run {run!r} in {self.path}")
        return str(ids[0])

    def run(self, run: str) -> dict[str, Any]:
        """One run by id or unique prefix."""
        rid = self.resolve_id(run)
        return decorate_run(self._query("SELECT * FROM runs WHERE id = ?", (rid,))[0])

    def windows(self, run_id: str) -> list[dict[str, Any]]:
        """The windows of a run, in order of ending."""
        rows = self._query("SELECT * FROM windows WHERE run_id = ? ORDER BY id", (run_id,))
        for r in rows:
            r["complete"] = bool(r["complete"])
            r["measurement"] = None
        return rows

    def devices(self, run_id: str) -> list[dict[str, Any]]:
        """The per-device energies of a run."""
        return self._query("SELECT * FROM devices WHERE run_id = ? ORDER BY rowid", (run_id,))

    def samples(self, run_id: str) -> list[dict[str, Any]]:
        """Power samples (``t, device, power_w``) of one run in time order."""
        return self._query("SELECT t, device, power_w FROM samples WHERE run_id = ? "
                           "ORDER BY t, device", (run_id,))

    def sample_counts(self, run_id: str) -> dict[str, int]:
        """Samples per device of a run."""
        rows = self._query("SELECT device, COUNT(*) AS n FROM samples WHERE run_id = ? "
                           "GROUP BY device", (run_id,))
        return {str(r["device"]): int(r["n"]) for r in rows}

    def samples_thinned(self, run_id: str, max_points: int) -> list[dict[str, Any]]:
        """Every k-th sample per device (k so that at most ``max_points`` remain), thinned
        inside SQLite so a long run is not read into Python whole; time order."""
        return self._query(
            "SELECT t, device, power_w FROM (SELECT t, device, power_w, ROW_NUMBER() OVER "
            "(PARTITION BY device ORDER BY t) - 1 AS i, COUNT(*) OVER (PARTITION BY device) "
            "AS n FROM samples WHERE run_id = ?) WHERE i % MAX(1, (n + ? - 1) / ?) = 0 "
            "ORDER BY t, device", (run_id, int(max_points), int(max_points)))
