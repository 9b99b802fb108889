"""``Ledger``: the SQLite store of runs, windows, devices and power samples.

* Location: ``--db`` / ``Ledger(path)``, else ``$WATTPRINT_DB``, else
  ``platformdirs.user_data_dir("wattprint")/ledger.sqlite``.
* WAL journal, ``busy_timeout``, and every write in a ``BEGIN IMMEDIATE`` transaction that
  is retried (with jittered back-off) on ``database is locked``: many processes can write
  at once without losing or corrupting rows.
* A run starts as ``running``; ``finish_run`` marks it ``complete`` or ``incomplete``. A run
  whose process died without finishing (SIGKILL, power loss) stays ``running`` in the
  table and is *shown* as ``incomplete`` (see :func:`~wattprint.ledger.rows.run_state`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from wattprint.errors import InputError
from wattprint.ledger.integrity import (
    NotALedgerError,
    check_file,
    check_identity,
    connect,
    damage_hint,
    forget_opened,
    is_damage,
    remember_opened,
    salvage_rows,
    summarise_samples,
)
from wattprint.ledger.migrations import apply_migrations
from wattprint.ledger.retry import retry_transient
from wattprint.ledger.rows import (
    ENV_DB,
    HOST,
    decorate_run,
    default_db_path,
    encode_json,
    finite_or_none,
    wattprint_version,
)

if TYPE_CHECKING:
    from wattprint.footprint import Footprint
    from wattprint.meter.measurement import Measurement

T = TypeVar("T")


def _busy(exc: Exception) -> bool:
    """A locked/busy SQLite database: worth retrying."""
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


class Ledger:
    """The measurement ledger (SQLite).

    Args:
        path: database file; ``None`` → :func:`default_db_path`.
        create: create the file (and its directory) if missing; read-only commands pass
            ``False`` so a mistyped path is an error, not a new empty ledger.
        timeout_s: how long a write waits for other writers before giving up (s).

    Raises:
        InputError: the path cannot be opened or is not a wattprint ledger.
    """

    def __new__(cls, path: str | Path | None = None, **kw: Any) -> Ledger:
        """``Ledger(URL)`` with a ``postgresql://`` URL (or ``$WATTPRINT_DB``) gives a
        :class:`~wattprint.ledger.postgres.PostgresLedger`."""
        if cls is Ledger:
            target = path if path is not None else os.environ.get(ENV_DB)
            if target is not None and str(target).startswith(("postgresql:", "postgres:")):
                from wattprint.ledger.postgres import PostgresLedger

                return super().__new__(PostgresLedger)
        return super().__new__(cls)

    def __init__(self, path: str | Path | None = None, *, create: bool = True,
                 readonly: bool = False, timeout_s: float = 60.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_db_path()
        self.timeout_s = timeout_s
        self.readonly = readonly
        #: Problems met while reading (a damaged page skipped ...), for the CLI to print.
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._forget: Callable[[], object] = lambda: None  # drops its integrity._OPENED
        if (not create or readonly) and not self.path.is_file():
            raise InputError(f"no ledger at {self.path} (run `wattprint run -- CMD` first, or "
                             "pass --db)")
        if self.path.is_dir():
            raise NotALedgerError(f"ledger path {self.path} is a directory")
        check_file(self.path)
        self.conn = connect(self.path, readonly=readonly, timeout_s=timeout_s)
        self.conn.row_factory = sqlite3.Row
        try:
            check_identity(self.conn, self.path)
            # released on close, or when a ledger nobody closed is collected
            self._forget = weakref.finalize(self, forget_opened, remember_opened(self.path))
            if not readonly:
                self.conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
                self._retry(lambda: self.conn.execute("PRAGMA journal_mode = WAL").fetchone())
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self._retry(lambda: apply_migrations(self.conn))
        except InputError:
            self.close()
            raise
        except sqlite3.DatabaseError as exc:
            self.close()
            raise InputError(f"cannot use ledger {self.path}: {exc}"
                             + damage_hint(exc, self.path)) from exc

    # -- plumbing -----------------------------------------------------------------------
    def _retry(self, fn: Callable[[], T]) -> T:
        return retry_transient(fn, self.timeout_s, _busy)

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction, retried while locked."""
        def attempt() -> T:
            with self._lock:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    out = fn(self.conn)
                    self.conn.execute("COMMIT")
                    return out
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                    raise
        return self._retry(attempt)

    def _query(self, sql: str, params: Sequence[Any] = (), *, table: str | None = None,
               keep: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Run a read; on a damaged file, read ``table`` row by row around the damage and
        return the rows ``keep`` accepts (the caller sorts and limits), with a warning."""
        try:
            with self._lock:
                rows = self._retry(lambda: self.conn.execute(sql, params).fetchall())
        except sqlite3.DatabaseError as exc:
            if table is None or not is_damage(exc):
                raise InputError(f"cannot read ledger {self.path}: {exc}"
                                 + damage_hint(exc, self.path)) from exc
            with self._lock:
                got, bad = salvage_rows(self.conn, table)
            msg = (f"ledger {self.path} is damaged ({exc}); {bad or 'some'} {table} rows "
                   f"unreadable, the rest shown" + damage_hint(exc, self.path))
            if msg not in self.warnings:
                self.warnings.append(msg)
            return [r for r in got if keep is None or keep(r)]
        return [dict(r) for r in rows]

    def close(self) -> None:
        """Close the connection and release its open-file entry (``integrity.forget_opened``)."""
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._forget()  # once: a finalizer that ran does nothing
            self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes -------------------------------------------------------------------------
    def start_run(self, command: Sequence[str], *, site: str | None = None,
                  interval_s: float | None = None, started_at: float | None = None,
                  run_id: str | None = None) -> str:
        """Record a new run as ``running``; returns its id (12 hex digits)."""
        rid = run_id or uuid.uuid4().hex[:12]
        cmd = list(command)
        self._write(lambda c: c.execute(
            "INSERT INTO runs (id, started_at, status, command, command_text, cwd, host, pid,"
            " wattprint_version, site, interval_s) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (rid, started_at or time.time(), "running", encode_json(cmd), " ".join(cmd),
             os.getcwd(), HOST, os.getpid(), wattprint_version(), site, interval_s)))
        return rid

    def tag_job(self, run_id: str, job: dict[str, Any]) -> None:
        """Record the job a run belongs to (``job_id``, ``node``, ``rank``, ``launcher``,
        ``world_size``; see :class:`wattprint.meter.launcher.JobContext`)."""
        self._write(lambda c: c.execute(
            "UPDATE runs SET job_id = ?, node = ?, rank = ?, launcher = ?, world_size = ?"
            " WHERE id = ?", (job.get("job_id"), job.get("node"), job.get("rank"),
                              job.get("launcher"), job.get("world_size"), run_id)))

    def job_runs(self, job_id: str) -> list[dict[str, Any]]:
        """The runs of one job (one per node), by node."""
        rows = self._query("SELECT * FROM runs WHERE job_id = ? ORDER BY node, rank",
                           (job_id,))
        return [decorate_run(r) for r in rows]

    def add_samples(self, run_id: str, rows: Iterable[tuple[float, str, float]]) -> int:
        """Append power samples ``(unix s, device key, W)``; returns how many."""
        data = [(run_id, float(t), str(k), float(p)) for t, k, p in rows
                if p is not None and math.isfinite(p)]
        if data:
            self._write(lambda c: c.executemany(
                "INSERT INTO samples (run_id, t, device, power_w) VALUES (?,?,?,?)", data))
        return len(data)

    def sample_sink(self, run_id: str) -> Callable[[list[tuple[float, str, float]]], None]:
        """A sampler sink writing into this run (for ``Meter(sink=...)``)."""
        def sink(rows: list[tuple[float, str, float]]) -> None:
            self.add_samples(run_id, rows)
        return sink

    def add_window(self, run_id: str, m: Measurement) -> int:
        """Store one window's measurement; returns the window row id."""
        prov = "; ".join(f"{d.device.key}: {d.method}" for d in m.devices)
        row = (run_id, m.name, m.started_at, m.ended_at, finite_or_none(m.time.value),
               finite_or_none(m.accelerator_energy.value), finite_or_none(m.host_energy.value),
               finite_or_none(m.total_energy.value), finite_or_none(m.average_power.value),
               finite_or_none(m.peak_power.value), int(m.complete), prov, encode_json(m.to_dict()),
               wattprint_version(), os.getpid())

        def do(c: sqlite3.Connection) -> int:
            cur = c.execute(
                "INSERT INTO windows (run_id, name, started_at, ended_at, time_s,"
                " accelerator_energy_j, host_energy_j, total_energy_j, average_power_w,"
                " peak_power_w, complete, provenance, measurement, wattprint_version, pid)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            return int(cur.lastrowid or 0)
        return self._write(do)

    def finish_run(self, run_id: str, *, complete: bool, exit_code: int | None,
                   measurement: Measurement | None = None, footprint: Footprint | None = None,
                   notes: Sequence[str] = (), ended_at: float | None = None) -> None:
        """Finalise a run: status, exit code, totals, devices and the full JSON."""
        m, fp = measurement, footprint

        def q(name: str) -> float | None:
            return finite_or_none(fp[name].value) if fp is not None and name in fp else None

        vals: dict[str, Any] = {
            "ended_at": ended_at or (m.ended_at if m else time.time()),
            "status": "complete" if complete else "incomplete",
            "exit_code": exit_code,
            "notes": encode_json(list(notes) + (list(m.notes) if m else [])),
        }
        if m is not None:
            vals.update(
                time_s=finite_or_none(m.time.value),
                accelerator_energy_j=finite_or_none(m.accelerator_energy.value),
                host_energy_j=finite_or_none(m.host_energy.value),
                total_energy_j=finite_or_none(m.total_energy.value),
                provenance="; ".join(f"{d.device.key}: {d.method}" for d in m.devices),
                measurement=encode_json(m.to_dict()))
        if fp is not None:
            vals.update(facility_energy_j=q("facility_energy"), co2e_g=q("co2e"),
                        water_l=q("water"), cost_usd=q("cost"), footprint=encode_json(fp.to_dict()))
        sets = ", ".join(f"{k} = ?" for k in vals)

        def do(c: sqlite3.Connection) -> None:
            cur = c.execute(f"UPDATE runs SET {sets} WHERE id = ?", (*vals.values(), run_id))
            if cur.rowcount != 1:
                raise InputError(f"unknown run {run_id!r}")
            if m is not None:
                c.execute("DELETE FROM devices WHERE run_id = ?", (run_id,))
                c.executemany(
                    "INSERT INTO devices (run_id, key, kind, backend, name, idx, uuid, method,"
                    " energy_j, basis, provenance, reason, samples, peak_power_w)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(run_id, d.device.key, d.device.kind, d.device.backend, d.device.name,
                      d.device.index, d.device.uuid, d.method, finite_or_none(d.energy.value),
                      d.energy.basis, d.energy.provenance, d.reason, d.samples,
                      finite_or_none(d.peak_power_w)) for d in m.devices])
        self._write(do)

    # -- reads --------------------------------------------------------------------------
    def runs(self, *, limit: int | None = 20, since: float | datetime | None = None,
             command_contains: str | None = None) -> list[dict[str, Any]]:
        """Recent runs, newest first, each with a ``state`` (see :func:`run_state`).

        Args:
            limit: at most this many (``None``: all).
            since: only runs started at or after this time (Unix s or datetime).
            command_contains: only runs whose command contains this text.
        """
        where: list[str] = ["1=1"]
        params: list[Any] = []
        t0 = None if since is None else (since.timestamp() if isinstance(since, datetime)
                                         else float(since))
        if t0 is not None:
            where.append("started_at >= ?")
            params.append(t0)
        if command_contains:
            where.append("instr(command_text, ?) > 0")
            params.append(command_contains)
        sql = (f"SELECT * FROM runs WHERE {' AND '.join(where)} "
               "ORDER BY started_at DESC, rowid DESC")
        if limit is not None:
            sql += f" LIMIT {max(0, min(int(limit), 2**62))}"

        def keep(r: dict[str, Any]) -> bool:
            return (t0 is None or float(r["started_at"]) >= t0) and (
                not command_contains or command_contains in str(r["command_text"]))
        rows = self._query(sql, params, table="runs", keep=keep)
        if rows and "_rowid" in rows[0]:  # salvaged: sort and limit here
            rows.sort(key=lambda r: (r["started_at"], r["_rowid"]), reverse=True)
            rows = rows[:limit] if limit is not None else rows
            for r in rows:
                r.pop("_rowid", None)
        return [decorate_run(r) for r in rows]

    def resolve_id(self, run: str) -> str:
        """The full id of a run given its id or a unique prefix (≥ 4 characters).

        Raises:
            InputError: no run, or an ambiguous prefix.
        """
        if not run or len(run) < 4 and not self._query("SELECT 1 FROM runs WHERE id = ?",
                                                        (run,)):
            raise InputError(f"run id {run!r} is too short (give at least 4 characters)")
        rows = self._query("SELECT id FROM runs WHERE id = ? OR substr(id, 1, ?) = ? LIMIT 3",
                           (run, len(run), run), table="runs",
                           keep=lambda r: str(r["id"]).startswith(run))
        ids = sorted({r["id"] for r in rows})
        if run in ids:
            return run
        if not ids:
            raise InputError(f"unknown run {run!r} in {self.path} (see `wattprint history`)")
        if len(ids) > 1:
            raise InputError(f"run id {run!r} is ambiguous: {', '.join(ids)} ...")
        return str(ids[0])

    def run(self, run_id: str) -> dict[str, Any]:
        """One run by id or unique prefix.

        Raises:
            InputError: unknown or ambiguous id.
        """
        rid = self.resolve_id(run_id)
        row = self._query("SELECT * FROM runs WHERE id = ?", (rid,), table="runs",
                          keep=lambda r: r["id"] == rid)[0]
        row.pop("_rowid", None)
        return decorate_run(row)

    def windows(self, run_id: str) -> list[dict[str, Any]]:
        """The windows of a run, in order of ending."""
        rows = self._query("SELECT * FROM windows WHERE run_id = ? ORDER BY id", (run_id,),
                           table="windows", keep=lambda r: r["run_id"] == run_id)
        for r in rows:
            r.pop("_rowid", None)
            r["complete"] = bool(r["complete"])
            r["measurement"] = json.loads(r["measurement"]) if r["measurement"] else None
        return rows

    def devices(self, run_id: str) -> list[dict[str, Any]]:
        """The per-device energies of a finished run."""
        rows = self._query("SELECT * FROM devices WHERE run_id = ? ORDER BY rowid",
                           (run_id,), table="devices", keep=lambda r: r["run_id"] == run_id)
        for r in rows:
            r.pop("_rowid", None)
        return rows

    def samples(self, run_id: str | None = None, *,
                limit: int | None = None) -> list[dict[str, Any]]:
        """Power samples (``run_id, t, device, power_w``) of one run or of all, in time order."""
        sql = "SELECT run_id, t, device, power_w FROM samples"
        params: list[Any] = []
        if run_id is not None:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        sql += " ORDER BY run_id, t, device"
        if limit is not None:
            sql += f" LIMIT {max(0, min(int(limit), 2**62))}"
        rows = self._query(sql, params, table="samples",
                           keep=lambda r: run_id is None or r["run_id"] == run_id)
        if rows and "_rowid" in rows[0]:
            rows = sorted(({k: r[k] for k in ("run_id", "t", "device", "power_w")}
                           for r in rows), key=lambda r: (r["run_id"], r["t"], r["device"]))
            rows = rows[:limit] if limit is not None else rows
        return rows

    def sample_summary(self, run_id: str) -> list[dict[str, Any]]:
        """Per device: sample count, min/mean/max power (W), first/last time and duration (s)."""
        try:
            rows = self._query(
                "SELECT device, COUNT(*) AS samples, MIN(power_w) AS min_w, AVG(power_w) AS"
                " mean_w, MAX(power_w) AS max_w, MIN(t) AS first_t, MAX(t) AS last_t FROM"
                " samples WHERE run_id = ? GROUP BY device ORDER BY device", (run_id,))
        except InputError:  # damaged: summarise the readable samples
            rows = summarise_samples(self.samples(run_id))
        for r in rows:
            r["duration_s"] = r["last_t"] - r["first_t"]
        return rows

