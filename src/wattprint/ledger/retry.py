"""One retry loop for both ledger back-ends: jittered exponential back-off on transient
errors (SQLite "database is locked", PostgreSQL serialisation/deadlock/connection blips)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def retry_transient(fn: Callable[[], T], timeout_s: float,
                    transient: Callable[[Exception], bool]) -> T:
    """``fn()``, retried while it raises an error ``transient`` accepts, for up to
    ``timeout_s`` seconds [s]; delays start at 5 ms and double up to 0.25 s, with jitter."""
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while True:
        try:
            return fn()
        except Exception as exc:
            if not transient(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.25)
