"""What ``wattprint run`` adds around its child: step marks (FIFO and ``--step-regex``).

Kept apart from :mod:`wattprint.cli.meter_cmds` so the run command stays small.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from wattprint.errors import InputError
from wattprint.meter.steps import ENV_STEP_PIPE, StepPipe, StepWindows, tee_lines


def compile_step_regex(text: str | None) -> re.Pattern[str] | None:
    """``--step-regex`` compiled (``None`` when not given).

    Raises:
        InputError: not a valid regular expression.
    """
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise InputError(f"--step-regex {text!r} is not a regular expression: {exc}") from exc


class ChildSteps:
    """Step windows for a ``wattprint run`` child, stored in the ledger as they end.

    Args:
        meter: the started meter.
        ledger: the ledger (``add_window``).
        run_id: the run's id.
        pattern: ``--step-regex`` (the child's stdout and stderr are then piped through
            wattprint, line by line); ``None`` leaves them alone.
        on_step: also called with each step's measurement (the budget guard's projection).
    """

    def __init__(self, meter: Any, ledger: Any, run_id: str,
                 pattern: re.Pattern[str] | None,
                 on_step: Callable[[Any], None] | None = None) -> None:
        def on_window(m: Any) -> None:
            ledger.add_window(run_id, m)
            if on_step is not None:
                on_step(m)

        self.windows = StepWindows(meter, on_window)
        self.pattern = pattern
        self._dir = tempfile.mkdtemp(prefix="wattprint-run-")
        self.pipe: StepPipe | None = None
        try:
            self.pipe = StepPipe(self._dir, self.windows.mark)
        except OSError:  # no FIFOs here (unusual filesystems): regex marks still work
            self.pipe = None
        self._tees: list[threading.Thread] = []
        self._notes: list[str] | None = None

    def popen_kwargs(self) -> dict[str, Any]:
        """Extra ``subprocess.Popen`` arguments (environment, pipes)."""
        env = dict(os.environ)
        if self.pipe is not None:
            env[ENV_STEP_PIPE] = self.pipe.path
        kw: dict[str, Any] = {"env": env}
        if self.pattern is not None:
            kw.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return kw

    def started(self, child: subprocess.Popen[bytes]) -> None:
        """Start copying the child's output (``--step-regex`` only)."""
        if self.pattern is None:
            return
        for src, dst in ((child.stdout, sys.stdout), (child.stderr, sys.stderr)):
            if src is not None:
                self._tees.append(tee_lines(src, dst.buffer, self.pattern,
                                            self.windows.mark))

    def finish(self) -> list[str]:
        """After the child ended: drain output and marks; returns notes for the record
        (idempotent)."""
        if self._notes is not None:
            return self._notes
        for t in self._tees:
            t.join(timeout=10)
        if self.pipe is not None:
            self.pipe.close()
        with contextlib.suppress(OSError):
            shutil.rmtree(self._dir)
        self._notes = self.windows.close()
        return self._notes


def lead_node_or_exec(job: Any, argv: list[str]) -> tuple[Any, list[Any] | None]:
    """For a distributed job: become the node's measuring leader, or run ``argv`` unmeasured.

    Returns:
        (lease, backends): the held :class:`~wattprint.meter.node_lease.NodeLease` (``None``
        when the job is not distributed) and the backends to measure (``None``: detect as
        usual). A process that is not the leader is *replaced* by the command
        (``os.execvp``): its node is measured by the leader, so it records nothing.
    """
    from wattprint.meter.node_lease import elect

    lease, follower = elect(job)
    if lease is None and follower is None:
        return None, None  # not a distributed job
    if lease is None:
        sys.stderr.write(f"wattprint: {follower}; running the command unmeasured\n")
        sys.stderr.flush()
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            sys.stderr.write(f"wattprint: error: cannot run {argv[0]!r}: "
                             f"{exc.strerror or exc}\n")
            os._exit(127)
    return lease, node_backends(job)


def node_backends(job: Any) -> list[Any] | None:
    """Backends for a node leader: the GPUs the scheduler gave the job on this node (Slurm
    GRES) when they are more than this rank sees; ``None`` = the usual detection."""
    gres = job.gpus
    cvd = os.environ.get("CUDA_VISIBLE_DEVICES")
    if not gres or cvd is None or len([x for x in cvd.split(",") if x.strip()]) >= len(gres):
        return None
    from wattprint.meter.backends import detect_backends
    from wattprint.meter.backends.base import NullBackend

    out = detect_backends(visible_devices=",".join(str(g) for g in gres))
    if isinstance(out[0], NullBackend) and "hides every GPU" in (out[0].reason or ""):
        for b in out:
            b.close()
        return None  # GRES indices are not NVML's here (cgroup-constrained): use the usual
    return out


def tag_job(rec: Any, job: Any) -> None:
    """Tag the recorder's run with its job, node and rank (best effort: the ledger may be
    unavailable, the run is measured anyway)."""
    if rec.ledger is not None:
        with contextlib.suppress(Exception):
            rec.ledger.tag_job(rec.run_id, job.to_dict())
