"""One sampler per node: the ranks of a job on one machine elect a leader with a lock file.

The first process of job ``J`` on node ``N`` to take an exclusive, non-blocking ``flock`` on
``<lock dir>/wattprint-<J>-<N>.lock`` is the node's leader and measures the node's devices;
the others measure nothing (so no device is counted twice). The lock is released when the
leader ends (even by SIGKILL: the kernel drops it). The lock directory is node-local:
``$WATTPRINT_LOCK_DIR``, else ``/dev/shm``, else the temporary directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from pathlib import Path

ENV_LOCK_DIR = "WATTPRINT_LOCK_DIR"


def lock_dir() -> Path:
    """Where node-local lock files live."""
    env = os.environ.get(ENV_LOCK_DIR)
    if env:
        return Path(env)
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s)[:80] or "_"


class NodeLease:
    """The node-leader lock of one job on one node.

    Args:
        job_id: the job's id (shared by its ranks).
        node: this node's name.
    """

    def __init__(self, job_id: str, node: str) -> None:
        self.path = lock_dir() / f"wattprint-{_safe(job_id)}-{_safe(node)}.lock"
        self._fd: int | None = None

    def acquire(self, rank: int = 0) -> bool:
        """Try to become the leader (never blocks); records ``pid rank`` in the file."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.set_inheritable(fd, False)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {rank}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """``pid rank`` of the current leader, as written in the lock file ('' if unknown)."""
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""

    def release(self) -> None:
        """Give the lead up (idempotent)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None
