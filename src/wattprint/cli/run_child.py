"""The measured command of ``wattprint run``: start it, forward signals to it, SIGKILL it when
it outlives the grace period, and say in notes how it ended."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from typing import Any

#: Signals forwarded to the command.
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def signal_name(n: int) -> str:
    """``SIGTERM`` for 15 (``signal N`` when unknown)."""
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def die_with_parent() -> None:
    """In the child, before exec: on Linux ask for SIGTERM if wattprint itself dies (even by
    SIGKILL), so a killed meter never leaves an unmeasured orphan running."""
    if sys.platform != "linux":
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def in_terminal_foreground() -> bool:
    """Whether this process group owns the controlling terminal (then Ctrl-C already
    reached the child through the process group, and forwarding SIGINT would double it)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


class MeasuredChild:
    """The command's process and what happened to it: signals received and forwarded, a
    budget stop, a SIGKILL after ``grace`` seconds."""

    def __init__(self, argv: list[str], grace: float) -> None:
        self.argv, self.grace = argv, grace
        self.process: subprocess.Popen[bytes] | None = None
        self.received: list[int] = []
        self.budget_stop: list[str] = []
        self.killed = False
        self._killer: threading.Timer | None = None
        self._old: dict[int, Any] = {}

    def install_handlers(self) -> None:
        """Forward SIGINT, SIGTERM and SIGHUP to the command (see :meth:`restore_handlers`)."""
        self._old = {s: signal.signal(s, self.on_signal) for s in FORWARDED}

    def restore_handlers(self) -> None:
        """Put back the signal handlers that were there before."""
        for s, h in self._old.items():
            signal.signal(s, h)

    def on_signal(self, signum: int, _frame: Any) -> None:
        """A signal for wattprint: remember it and pass it on."""
        self.received.append(signum)
        self.escalate(signum)

    def stop_for_budget(self, why: str) -> None:
        """The budget guard's stop: SIGTERM the command, noting why."""
        self.budget_stop.append(why)
        self.escalate(signal.SIGTERM)

    def escalate(self, signum: int) -> None:
        """Send ``signum`` to the command, then SIGKILL it after the grace period."""
        child = self.process
        if child is None or child.returncode is not None:
            return
        if self._killer is None:  # escalate if the command ignores the signal
            self._killer = threading.Timer(self.grace, self._kill)
            self._killer.daemon = True
            self._killer.start()
        if signum == signal.SIGINT and in_terminal_foreground():
            return  # the terminal delivered Ctrl-C to the child's process group already
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    def _kill(self) -> None:
        """SIGKILL a command that outlived the grace period after a forwarded signal."""
        child = self.process
        if child is not None and child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
                self.killed = True

    def check_not_signalled(self) -> None:
        """Raise ``InterruptedError`` when a signal came before the command could start."""
        if self.received:
            raise InterruptedError(f"{signal_name(self.received[0])} before the command "
                                   "started")

    def start(self, popen_kwargs: dict[str, Any]) -> subprocess.Popen[bytes]:
        """Start the command."""
        self.process = subprocess.Popen(self.argv, preexec_fn=die_with_parent, **popen_kwargs)
        return self.process

    def wait(self) -> int:
        """Wait for the command; its return code (−N when killed by signal N)."""
        assert self.process is not None, "the command was not started"
        return self.process.wait()

    def started(self) -> None:
        """After start: a budget that ran out while the command was starting stops it."""
        if self.budget_stop:
            self.escalate(signal.SIGTERM)

    def not_started_code(self) -> int:
        """Exit code when the command could not start: 128+N after signal N, else 127."""
        return 128 + self.received[0] if self.received else 127

    def cancel(self) -> None:
        """Cancel a pending SIGKILL."""
        if self._killer is not None:
            self._killer.cancel()

    def notes(self, rc: int) -> list[str]:
        """How the command ended (``rc``: its return code, −N when killed by signal N)."""
        out: list[str] = []
        if rc < 0:
            out.append(f"the command was killed by signal {-rc} "
                       f"({signal_name(-rc)}); measured up to its end")
        if self.received:
            out.append("wattprint received "
                       + ", ".join(sorted({signal_name(s) for s in self.received}))
                       + " and forwarded it to the command; the run is incomplete")
        if self.killed:
            out.append(f"the command was still running {self.grace:g} s after the signal "
                       "and was killed with SIGKILL")
        return out
