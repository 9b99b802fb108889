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
    """

    def __init__(self, meter: Any, ledger: Any, run_id: str,
                 pattern: re.Pattern[str] | None) -> None:
        self.windows = StepWindows(meter, lambda m: ledger.add_window(run_id, m))
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
