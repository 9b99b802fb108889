"""Named schema migrations, applied in order, each once, recorded in ``_migrations``.

The sqlite-utils pattern: a list of ``(name, function)``; on open, every migration whose
name is not yet in ``_migrations`` runs inside one ``BEGIN IMMEDIATE`` transaction with
its record, so concurrent openers apply each exactly once. Never edit or reorder a
migration that has shipped: append a new one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

Migration = tuple[str, Callable[[sqlite3.Connection], None]]

#: ``PRAGMA application_id`` of a wattprint ledger ("WATP"): tells it apart from other
#: applications' SQLite files.
APPLICATION_ID = 0x57415450


def _m001_initial(c: sqlite3.Connection) -> None:
    c.execute("""
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            started_at REAL NOT NULL,          -- Unix time, s
            ended_at REAL,
            status TEXT NOT NULL DEFAULT 'running',  -- running | complete | incomplete
            exit_code INTEGER,
            command TEXT NOT NULL,             -- JSON list of argv
            command_text TEXT NOT NULL,        -- argv joined by spaces (for search)
            cwd TEXT, host TEXT, pid INTEGER,
            wattprint_version TEXT,
            site TEXT,
            interval_s REAL,
            time_s REAL,
            accelerator_energy_j REAL,
            host_energy_j REAL,
            total_energy_j REAL,
            facility_energy_j REAL,
            co2e_g REAL,
            water_l REAL,
            cost_usd REAL,
            provenance TEXT,                   -- per-device method summary
            measurement TEXT,                  -- JSON (Measurement.to_dict)
            footprint TEXT,                    -- JSON (Footprint.to_dict)
            notes TEXT                         -- JSON list
        )""")
    c.execute("""
        CREATE TABLE windows (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs(id),
            name TEXT NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL NOT NULL,
            time_s REAL,
            accelerator_energy_j REAL,
            host_energy_j REAL,
            total_energy_j REAL,
            average_power_w REAL,
            peak_power_w REAL,
            complete INTEGER NOT NULL DEFAULT 1,
            provenance TEXT,
            measurement TEXT,
            wattprint_version TEXT,
            pid INTEGER
        )""")
    c.execute("""
        CREATE TABLE devices (
            run_id TEXT NOT NULL REFERENCES runs(id),
            key TEXT NOT NULL,
            kind TEXT, backend TEXT, name TEXT, idx INTEGER, uuid TEXT,
            method TEXT,                       -- counter | instant-power integral | ...
            energy_j REAL,
            basis TEXT,
            provenance TEXT,
            reason TEXT,
            samples INTEGER,
            peak_power_w REAL,
            PRIMARY KEY (run_id, key)
        )""")
    c.execute("""
        CREATE TABLE samples (
            run_id TEXT NOT NULL,
            t REAL NOT NULL,                   -- Unix time, s
            device TEXT NOT NULL,
            power_w REAL NOT NULL
        )""")


def _m002_indexes(c: sqlite3.Connection) -> None:
    c.execute("CREATE INDEX samples_run_t ON samples(run_id, t)")
    c.execute("CREATE INDEX windows_run ON windows(run_id)")
    c.execute("CREATE INDEX runs_started ON runs(started_at)")


def _m003_application_id(c: sqlite3.Connection) -> None:
    c.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _m004_grid_intensity(c: sqlite3.Connection) -> None:
    c.execute("""
        CREATE TABLE grid_intensity (
            zone TEXT NOT NULL,
            hour_start REAL NOT NULL,          -- Unix time of the UTC hour start, s
            gco2e_per_kwh REAL NOT NULL,
            source TEXT NOT NULL,
            fetched_at REAL NOT NULL,          -- when it was imported or fetched, Unix s
            PRIMARY KEY (zone, hour_start)
        )""")


def _m005_jobs(c: sqlite3.Connection) -> None:
    """Distributed runs: the job a run belongs to and where it ran (one run per node)."""
    for col in ("job_id TEXT", "node TEXT", "rank INTEGER", "launcher TEXT",
                "world_size INTEGER"):
        c.execute(f"ALTER TABLE runs ADD COLUMN {col}")
    c.execute("CREATE INDEX runs_job ON runs(job_id)")


def _m006_run_progress(c: sqlite3.Connection) -> None:
    """A running run's energy so far (J at the devices) and when it was written (Unix s):
    each node's leader writes it periodically, so a job-wide budget can read the job's total
    while it runs (:mod:`wattprint.ledger.job_budget`)."""
    for col in ("progress_energy_j REAL", "progress_at REAL"):
        c.execute(f"ALTER TABLE runs ADD COLUMN {col}")


#: Every migration, in order (the schema version is how many are applied).
MIGRATIONS: list[Migration] = [
    ("001_initial", _m001_initial),
    ("002_indexes", _m002_indexes),
    ("003_application_id", _m003_application_id),
    ("004_grid_intensity", _m004_grid_intensity),
    ("005_jobs", _m005_jobs),
    ("006_run_progress", _m006_run_progress),
]


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied, in order."""
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations "
                 "(name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    return [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]


def pending(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Names of the migrations not yet applied."""
    done = set(applied(conn))
    return [n for n, _ in (migrations or MIGRATIONS) if n not in done]


def apply_migrations(conn: sqlite3.Connection,
                     migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations in one transaction; returns the names applied now.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    migs = migrations or MIGRATIONS
    applied(conn)  # ensures the table exists
    conn.execute("BEGIN IMMEDIATE")
    try:
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
        now: list[str] = []
        for name, fn in migs:
            if name in done:
                continue
            fn(conn)
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                         (name, time.time()))
            now.append(name)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return now
