"""The measurement ledger: runs, windows, devices and power samples in SQLite."""

from wattprint.ledger.migrations import MIGRATIONS, apply_migrations
from wattprint.ledger.rows import default_db_path, run_state
from wattprint.ledger.store import Ledger

__all__ = ["MIGRATIONS", "Ledger", "apply_migrations", "default_db_path", "run_state"]
