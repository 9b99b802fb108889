"""One sampler per node: the ranks of a job on one machine elect a leader with a lock file.

The first process of job ``J`` on node ``N`` to take an exclusive, non-blocking ``flock`` on
``<lock dir>/wattprint-<J>-<N>.lock`` is the node's leader and measures the node's devices;
the others measure nothing (so no device is counted twice). The lock is released when the
leader ends (even by SIGKILL: the kernel drops it). The lock directory is node-local:
``$WATTPRINT_LOCK_DIR``, else ``/dev/shm``, else the temporary directory.

Within one process the lease is re-entrant for the same rank: a process that already leads
(say a framework callback) leads again when a ``Meter`` of the same job asks; the lock is
released when the last holder releases it. Another rank is refused, as across processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

ENV_LOCK_DIR = "WATTPRINT_LOCK_DIR"


def lock_dir() -> Path:
    """Where node-local lock files live."""
    env = os.environ.get(ENV_LOCK_DIR)
    if env:
        return Path(env)
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


#: Leases this process holds: lock path → [fd, holders, rank].
_HELD: dict[str, list[int]] = {}
_HELD_LOCK = threading.Lock()


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
        """Try to become the leader (never blocks); records ``pid rank`` in the file.
        Re-entrant within a process: a second lease of the same job and node in a process
        that leads succeeds too."""
        if self._fd is not None:
            return True
        key = str(self.path)
        with _HELD_LOCK:
            held = _HELD.get(key)
            if held is not None:
                if held[2] != rank:
                    return False
                held[1] += 1
                self._fd = held[0]
                return True
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            os.set_inheritable(fd, False)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {rank}\n".encode())
            _HELD[key] = [fd, 1, rank]
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
        if self._fd is None:
            return
        key = str(self.path)
        with _HELD_LOCK:
            held = _HELD.get(key)
            if held is not None and held[0] == self._fd:
                held[1] -= 1
                if held[1] > 0:
                    self._fd = None
                    return
                del _HELD[key]
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None


def elect(job: Any = None) -> tuple[NodeLease | None, str | None]:
    """Elect this process for its node in a distributed job (``job``: default
    :func:`~wattprint.meter.launcher.detect_job`).

    Returns:
        ``(lease, None)`` for the leader (release the lease when done), ``(None, reason)``
        for a follower, ``(None, None)`` outside a distributed job (measure as usual).
    """
    from wattprint.meter.launcher import detect_job

    job = job if job is not None else detect_job()
    if not job.distributed or job.job_id is None:
        return None, None
    lease = NodeLease(job.job_id, job.node)
    if lease.acquire(job.rank):
        return lease, None
    return None, (f"rank {job.rank}: node {job.node} of job {job.job_id} is measured by its "
                  f"leader (pid, rank: {lease.holder() or '?'}); not measured here, so no "
                  "device is counted twice")
