"""``wattprint merge``: import per-node SQLite ledgers into one ledger (SQLite or PostgreSQL).

For clusters without a shared database: each node writes its own file, then
``wattprint merge node*.sqlite --db team.sqlite`` copies every run (with its windows, devices
and power samples) that the target does not have yet, one transaction per run, so a merge can
be repeated or interrupted without duplicates or half-copied runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wattprint.errors import InputError


def _insert(c: Any, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = list(rows[0])
    c.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                  f"({', '.join('?' for _ in cols)})", [tuple(r[k] for k in cols) for r in rows])


def _copy_run(dest: Any, src: Any, run: dict[str, Any]) -> int:
    rid = run["id"]
    if dest._query("SELECT 1 FROM runs WHERE id = ?", (rid,)):
        return 0  # already there: skip before reading its samples (checked again below)
    windows = [{k: v for k, v in w.items() if k != "id"}
               for w in src._query("SELECT * FROM windows WHERE run_id = ? ORDER BY id", (rid,))]
    devices = src._query("SELECT * FROM devices WHERE run_id = ?", (rid,))
    samples = src._query("SELECT run_id, t, device, power_w FROM samples WHERE run_id = ?",
                         (rid,))

    def do(c: Any) -> int:
        if c.execute("SELECT 1 FROM runs WHERE id = ?", (rid,)).fetchall():
            return 0
        _insert(c, "runs", [run])
        _insert(c, "windows", windows)
        _insert(c, "devices", devices)
        _insert(c, "samples", samples)
        return 1
    return int(dest._write(do))


def merge_ledgers(dest: Any, sources: Iterable[str | Path]) -> dict[str, Any]:
    """Copy every run of ``sources`` (SQLite ledger files) missing from ``dest``.

    Returns:
        ``{"runs_copied": n, "runs_skipped": m, "sources": [...]}``.

    Raises:
        InputError: a source is missing or not a wattprint ledger.
    """
    from wattprint.ledger.store import Ledger

    copied = skipped = 0
    names: list[str] = []
    for path in sources:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"no ledger at {p}")
        with Ledger(p, create=False) as src:
            if str(getattr(dest, "path", "")) == str(src.path):
                raise InputError(f"{p} is the target ledger itself")
            for run in src._query("SELECT * FROM runs ORDER BY started_at"):
                if _copy_run(dest, src, run):
                    copied += 1
                else:
                    skipped += 1
        names.append(str(p))
    return {"runs_copied": copied, "runs_skipped": skipped, "sources": names}
