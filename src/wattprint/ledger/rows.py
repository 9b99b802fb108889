"""Run rows as readers see them, and values as the ledger stores them.

* :func:`run_state`: a ``running`` row whose process is gone (same host, pid not alive) was
  never finalised (the recorder was SIGKILLed): it is shown as incomplete.
* :func:`encode_json` / :func:`finite_or_none`: NaN and infinities are stored as NULL, never
  as a number.
* :func:`default_db_path`: ``$WATTPRINT_DB`` or ``user_data_dir("wattprint")/ledger.sqlite``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
from pathlib import Path
from typing import Any

ENV_DB = "WATTPRINT_DB"
#: This machine's host name (recorded with each run; a run on it can be checked for life).
HOST = socket.gethostname()


def wattprint_version() -> str:
    """The installed wattprint version (``unknown`` when not installed)."""
    try:
        from importlib.metadata import version

        return version("wattprint")
    except Exception:  # noqa: BLE001
        return "unknown"


def default_db_path() -> Path:
    """``$WATTPRINT_DB`` or ``user_data_dir("wattprint")/ledger.sqlite``."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("wattprint")) / "ledger.sqlite"


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_state(row: dict[str, Any]) -> str:
    """How to show a run: ``complete``, ``incomplete`` or ``running``.

    A ``running`` row whose process is gone (same host, pid not alive) was never finalised
    (the recorder was SIGKILLed): it is incomplete.
    """
    status = str(row.get("status"))
    if status != "running":
        return status
    if row.get("host") == HOST and not _pid_alive(row.get("pid")):
        return "incomplete"
    return "running"


def _clean(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def encode_json(x: Any) -> str:
    """JSON text of ``x`` with NaN and infinities as null."""
    return json.dumps(_clean(x), allow_nan=False, default=str)


def finite_or_none(x: float | None) -> float | None:
    """``x`` as a float, or None when missing, NaN or infinite."""
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)


def decorate_run(r: dict[str, Any]) -> dict[str, Any]:
    """A runs row as readers see it: its state, ``complete`` and the JSON columns decoded."""
    r["state"] = run_state(r)
    r["complete"] = r["state"] == "complete"
    for k in ("command", "notes", "measurement", "footprint"):
        if isinstance(r.get(k), str):
            with contextlib.suppress(ValueError):
                r[k] = json.loads(r[k])
    return r
