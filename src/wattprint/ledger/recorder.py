"""``RunRecorder``: store a measured run so that storage problems never stop or hide it.

``wattprint run`` measures the command whatever happens to the ledger. When the ledger
cannot be opened (read-only, full disk, damaged, another application's file) or a write
fails mid-run (disk full), samples are kept in memory and retried at every flush (so they
land as soon as space allows); if the run still cannot be stored at the end, the whole
record (run, measurement, footprint, samples) goes to a fallback JSON file, named in the
message, that ``wattprint ledger import FILE`` puts back into a ledger later.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wattprint.errors import InputError, WattprintError
from wattprint.ledger.integrity import NotALedgerError
from wattprint.ledger.rows import default_db_path, encode_json, finite_or_none, wattprint_version
from wattprint.ledger.store import Ledger

if TYPE_CHECKING:
    from wattprint.footprint import Footprint
    from wattprint.meter.measurement import Measurement

FORMAT = "wattprint-unsaved-run/1"
#: Samples kept in memory while the ledger cannot take them (~100 B each).
MAX_PENDING = 2_000_000
#: Largest fallback file `ledger import` reads (bytes): MAX_PENDING samples as written
#: (``dumps_json``, indented) take ~140 MiB, over ``textfiles.MAX_BYTES`` (64 MiB).
MAX_FALLBACK_BYTES = 1024 * 1024 * 1024
STORAGE_ERRORS = (WattprintError, sqlite3.Error, OSError)


def _why(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class RunRecorder:
    """One run's storage: the ledger when it works, memory and a fallback file when not.

    Args:
        db: ledger path (``None``: the default ledger).
        argv: the measured command.
        site: site id stored with the run.
        interval_s: sampling interval stored with the run (s).
    """

    def __init__(self, db: str | Path | None, argv: Sequence[str], *, site: str | None,
                 interval_s: float) -> None:
        self.path = Path(db).expanduser() if db is not None else default_db_path()
        self.run_id = uuid.uuid4().hex[:12]
        self.argv = list(argv)
        self.site = site
        self.interval_s = interval_s
        self.started_at = time.time()
        self.problems: list[str] = []
        self.pending: list[tuple[float, str, float]] = []
        self.windows: list[dict[str, Any]] = []
        self.dropped = 0
        self.ledger: Ledger | None = None
        self.stored = False
        self._started = False
        try:
            self.ledger = Ledger(self.path)
            self._refuse_damaged(self.ledger)
        except NotALedgerError:
            raise  # the user's mistake (another file, a directory): nothing has run yet
        except STORAGE_ERRORS as exc:
            self._problem(exc)
            if self.ledger is not None:
                self.ledger.close()
                self.ledger = None
        self._try_start()

    @staticmethod
    def _refuse_damaged(ledger: Ledger) -> None:
        """Never append to a damaged ledger: check the tables every listing reads (runs,
        windows; ~1 ms for a thousand runs) and raise if a page is bad."""
        for table in ("runs", "windows"):
            try:
                res = [str(r[0]) for r in ledger.conn.execute(f"PRAGMA quick_check({table})")]
            except sqlite3.DatabaseError as exc:
                res = [str(exc)]
            if res != ["ok"]:
                why = " ".join(res[0].replace("*** in database main ***", "").split())
                raise InputError(f"ledger {ledger.path} is damaged ({why}); this run is not "
                                 "appended to it (see `wattprint ledger check` and "
                                 "`wattprint ledger recover`)")

    def _problem(self, exc: BaseException) -> None:
        msg = _why(exc)
        if msg not in self.problems:
            self.problems.append(msg)

    def _try_start(self) -> bool:
        if self._started or self.ledger is None:
            return self._started
        try:
            self.ledger.start_run(self.argv, site=self.site, interval_s=self.interval_s,
                                  started_at=self.started_at, run_id=self.run_id)
            self._started = True
        except STORAGE_ERRORS as exc:
            self._problem(exc)
        return self._started

    def sink(self, rows: list[tuple[float, str, float]]) -> None:
        """Sampler sink: write rows (and any kept back) now, else keep them. Never raises."""
        self.pending.extend(rows)
        if len(self.pending) > MAX_PENDING:
            self.dropped += len(self.pending) - MAX_PENDING
            del self.pending[: len(self.pending) - MAX_PENDING]
        if self.ledger is None or not self._try_start():
            return
        try:
            self.ledger.add_samples(self.run_id, self.pending)
            self.pending = []
        except STORAGE_ERRORS as exc:
            self._problem(exc)

    def add_window(self, run_id: str, m: Measurement) -> None:
        """Store a step window (ledger, else kept for the fallback file). Never raises."""
        if self.ledger is not None and self._try_start():
            try:
                self.ledger.add_window(run_id, m)
                return
            except STORAGE_ERRORS as exc:
                self._problem(exc)
        self.windows.append(m.to_dict())

    def finish(self, *, complete: bool, exit_code: int | None,
               measurement: Measurement | None, footprint: Footprint | None,
               notes: Sequence[str] = ()) -> Path | None:
        """Finalise the run in the ledger, else write the fallback file.

        Returns:
            ``None`` when the ledger has the whole run, else the fallback file written (or
            ``None`` with :attr:`problems` saying nothing could be written: check
            :attr:`stored`).
        """
        notes = list(notes)
        if self.dropped:
            notes.append(f"{self.dropped} power samples dropped: the ledger could not take "
                         "them and memory for them ran out")
        self.sink([])
        if self.ledger is not None and self._started and not self.pending:
            try:
                self.ledger.finish_run(self.run_id, complete=complete, exit_code=exit_code,
                                       measurement=measurement, footprint=footprint,
                                       notes=notes)
                self.stored = True
                return None
            except STORAGE_ERRORS as exc:
                self._problem(exc)
        self.stored = False
        record = self.record(complete=complete, exit_code=exit_code, measurement=measurement,
                             footprint=footprint, notes=notes)
        return write_fallback(record, self.path, self.run_id)

    def record(self, *, complete: bool, exit_code: int | None,
               measurement: Measurement | None, footprint: Footprint | None,
               notes: Sequence[str]) -> dict[str, Any]:
        """The whole run as one JSON-ready dict (the fallback file's content)."""
        return {
            "format": FORMAT, "ledger": str(self.path), "problems": list(self.problems),
            "run": {"id": self.run_id, "started_at": self.started_at, "command": self.argv,
                    "cwd": os.getcwd(), "host": socket.gethostname(), "pid": os.getpid(),
                    "wattprint_version": wattprint_version(), "site": self.site,
                    "interval_s": self.interval_s},
            "finish": {"complete": complete, "exit_code": exit_code, "notes": list(notes),
                       "ended_at": measurement.ended_at if measurement else time.time()},
            "measurement": measurement.to_dict() if measurement else None,
            "footprint": footprint.to_dict() if footprint else None,
            "samples": [list(r) for r in self.pending],
            "windows": list(self.windows),
        }

    def close(self) -> None:
        """Close the ledger connection."""
        if self.ledger is not None:
            self.ledger.close()


def fallback_dirs(ledger_path: Path) -> list[Path]:
    """Where a fallback file may go, in order: next to the ledger, the temporary
    directory, the home directory, the working directory."""
    out = [ledger_path.parent, Path(tempfile.gettempdir()), Path.home(), Path.cwd()]
    return list(dict.fromkeys(out))


def write_fallback(record: dict[str, Any], ledger_path: Path, run_id: str) -> Path | None:
    """Write ``record`` to the first fallback directory that takes it; ``None`` if none.

    A partly written file (disk full) is removed before trying the next directory.
    """
    from wattprint.jsonio import dumps_json

    text = dumps_json(record) + "\n"
    for d in fallback_dirs(ledger_path):
        target = d / f"wattprint-unsaved-{run_id}.json"
        try:
            with open(target, "x", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            return target
        except OSError:
            with contextlib.suppress(OSError):
                target.unlink()
    return None


def _q(d: dict[str, Any] | None, name: str) -> float | None:
    v = (d or {}).get(name)
    if isinstance(v, dict) and v.get("value") is not None:
        return finite_or_none(v.get("value"))
    return None


def import_record(ledger: Ledger, path: Path) -> str:
    """Put a fallback file's run into ``ledger``; returns the run id.

    A run whose start reached the ledger before storage failed (still ``running``) is
    completed; the file holds only the samples that were not stored.

    Raises:
        InputError: not a fallback file, or the run is already finished in the ledger.
    """
    from wattprint.textfiles import read_text

    # missing, a directory, a FIFO, unreadable: one line, and not a question of format
    text = read_text(path, "file", max_bytes=MAX_FALLBACK_BYTES)
    try:
        rec = json.loads(text)
        run, fin = rec["run"], rec["finish"]
        ok = rec.get("format") == FORMAT
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path} is not a wattprint fallback file: {_why(exc)}") from exc
    if not ok:
        raise InputError(f"{path} is not a wattprint fallback file (format {FORMAT!r})")
    rid = str(run["id"])
    have = ledger._query("SELECT status FROM runs WHERE id = ?", (rid,))
    if have and have[0]["status"] != "running":
        raise InputError(f"run {rid} is already in {ledger.path}")
    m, fp = rec.get("measurement"), rec.get("footprint")
    devices = (m or {}).get("devices") or []
    vals = {
        "ended_at": fin.get("ended_at"), "exit_code": fin.get("exit_code"),
        "status": "complete" if fin.get("complete") else "incomplete",
        "notes": encode_json(list(fin.get("notes") or []) + list((m or {}).get("notes") or [])),
        "time_s": _q(m, "time"), "accelerator_energy_j": _q(m, "accelerator_energy"),
        "host_energy_j": _q(m, "host_energy"), "total_energy_j": _q(m, "total_energy"),
        "facility_energy_j": _q(fp, "facility_energy"), "co2e_g": _q(fp, "co2e"),
        "water_l": _q(fp, "water"), "cost_usd": _q(fp, "cost"),
        "provenance": "; ".join(f"{d.get('key')}: {d.get('method')}" for d in devices),
        "measurement": encode_json(m) if m else None, "footprint": encode_json(fp) if fp else None,
    }
    if not have:  # else its start (and the samples stored before the failure) are there
        ledger.start_run(run.get("command") or [], site=run.get("site"),
                         interval_s=run.get("interval_s"), started_at=run.get("started_at"),
                         run_id=rid)
    ledger.add_samples(rid, [tuple(s) for s in rec.get("samples") or []])
    for w in rec.get("windows") or []:
        _import_window(ledger, rid, w)
    sets = ", ".join(f"{k} = ?" for k in vals)
    ledger._write(lambda c: c.execute(f"UPDATE runs SET {sets}, cwd = ?, host = ?, pid = ? "
                                      "WHERE id = ?", (*vals.values(), run.get("cwd"),
                                                       run.get("host"), run.get("pid"), rid)))
    return rid


def _import_window(ledger: Ledger, rid: str, w: dict[str, Any]) -> None:
    """Insert one window kept in a fallback file (``Measurement.to_dict`` form)."""
    devs = w.get("devices") or []
    row = (rid, str(w.get("name")), w.get("started_at"), w.get("ended_at"), _q(w, "time"),
           _q(w, "accelerator_energy"), _q(w, "host_energy"), _q(w, "total_energy"),
           _q(w, "average_power"), _q(w, "peak_power"), int(bool(w.get("complete"))),
           "; ".join(f"{d.get('key')}: {d.get('method')}" for d in devs), encode_json(w),
           wattprint_version(), None)
    ledger._write(lambda c: c.execute(
        "INSERT INTO windows (run_id, name, started_at, ended_at, time_s,"
        " accelerator_energy_j, host_energy_j, total_energy_j, average_power_w,"
        " peak_power_w, complete, provenance, measurement, wattprint_version, pid)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row))
