"""Step markers: make any run measured by ``wattprint run`` extrapolable.

In the training script, one line per step (after the optimizer step)::

    import wattprint; wattprint.step()

``wattprint run`` creates a FIFO and passes its path in ``$WATTPRINT_STEP_PIPE``;
:func:`step` writes one byte-line to it (non-blocking, a few µs; a no-op when the variable
is unset, and on ranks other than 0 of a distributed job). Or, without touching the
script, ``wattprint run --step-regex 'step \\d+'`` matches the command's output lines.

In ``wattprint run`` every mark closes the current ``step`` window and opens the next (the
first mark opens the first one; the part after the last mark is not a step), each stored
in the ledger, so ``wattprint calibrate extrapolate RUN --total-steps N`` works.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
from collections.abc import Callable
from typing import IO, Any

ENV_STEP_PIPE = "WATTPRINT_STEP_PIPE"
STEP_WINDOW = "step"
_STOP = b"\x00"

_state: dict[str, Any] = {"fd": None, "pid": None}


def _rank_zero() -> bool:
    for n in ("RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"):
        v = os.environ.get(n)
        if v is not None and v.strip().isdigit():
            return int(v) == 0
    return True


def _open_pipe() -> int | None:
    path = os.environ.get(ENV_STEP_PIPE)
    if not path or not _rank_zero():
        return None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.close(fd)
            return None
    except OSError:
        return None
    return fd


def step() -> None:
    """Mark the end of one training step for ``wattprint run`` (see the module docstring).

    Never raises and never blocks: if the meter is gone or behind, the mark is dropped.
    """
    pid = os.getpid()
    if _state["pid"] != pid:  # first call in this process (or after a fork)
        _state["pid"], _state["fd"] = pid, _open_pipe()
    fd = _state["fd"]
    if fd is None:
        return
    try:
        os.write(fd, b"s\n")
    except BlockingIOError:
        return
    except OSError:
        _state["fd"] = None


class StepWindows:
    """Turns marks into consecutive meter windows named ``step``.

    Args:
        meter: a started :class:`~wattprint.meter.Meter`.
        on_window: called with each finished step's measurement (e.g. a ledger writer).
    """

    def __init__(self, meter: Any, on_window: Callable[[Any], None]) -> None:
        self.meter = meter
        self.on_window = on_window
        self.count = 0
        self.errors: list[str] = []
        self._open = False
        self._lock = threading.Lock()

    def mark(self) -> None:
        """End the open step window (if any) and open the next."""
        with self._lock:
            try:
                if self._open:
                    m = self.meter.end_window(STEP_WINDOW, sync=False)
                    self._open = False
                    if self.meter.measurements and self.meter.measurements[-1] is m:
                        self.meter.measurements.pop()  # long runs: do not keep every step
                    self.count += 1
                    self.on_window(m)
                self.meter.begin_window(STEP_WINDOW, sync=False)
                self._open = True
            except Exception as exc:  # noqa: BLE001 - never take the run down
                if len(self.errors) < 5:
                    self.errors.append(f"{type(exc).__name__}: {exc}")

    def close(self) -> list[str]:
        """Drop the window after the last mark; returns notes for the run record."""
        with self._lock:
            if self._open:
                with contextlib.suppress(Exception):
                    self.meter.end_window(STEP_WINDOW, sync=False, complete=False)
                    self.meter.measurements.pop()
                self._open = False
        notes = []
        if self.count:
            notes.append(f"{self.count} step windows recorded from step marks")
        notes += [f"step window failed: {e}" for e in self.errors]
        return notes


class StepPipe:
    """The parent's end: a FIFO in ``directory`` whose lines call ``on_mark``."""

    def __init__(self, directory: str, on_mark: Callable[[], None]) -> None:
        self.path = os.path.join(directory, "steps.fifo")
        os.mkfifo(self.path, 0o600)
        # O_RDWR: the read end never sees EOF while writers come and go.
        self._fd = os.open(self.path, os.O_RDWR)
        self._on_mark = on_mark
        self._thread = threading.Thread(target=self._loop, name="wattprint-steps",
                                        daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 4096)
            except OSError:
                return
            for _ in range(data.count(b"\n")):
                self._on_mark()
            if _STOP in data or not data:
                return

    def close(self) -> None:
        """Handle the marks already written, then stop and remove the FIFO."""
        with contextlib.suppress(OSError):
            os.write(self._fd, _STOP)
        self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def tee_lines(src: IO[bytes], dst: IO[bytes], pattern: re.Pattern[str],
              on_mark: Callable[[], None]) -> threading.Thread:
    """Copy ``src`` to ``dst`` line by line in a thread; call ``on_mark`` per matching line."""
    def loop() -> None:
        for line in iter(src.readline, b""):
            with contextlib.suppress(OSError, ValueError):
                dst.write(line)
                dst.flush()
            if pattern.search(line.decode("utf-8", "replace")):
                on_mark()
        with contextlib.suppress(OSError):
            src.close()
    t = threading.Thread(target=loop, name="wattprint-tee", daemon=True)
    t.start()
    return t
