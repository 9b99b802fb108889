"""The background sampler: the power timeline of every device, and the slow counters.

Each *tick* (every ``interval_s``, on a daemon thread) reads every device's power once (W),
or, for devices with a cheap counter (RAPL, amdsmi), the counter, from which power is
derived and wraps are caught. Expensive counters (NVML's total-energy counter, 3.9 ms a
read on an H200) are read by the tick too, but only every ``counter_interval_s`` and
outside the lock, so they never stall a window boundary.

The sampler keeps O(1) state per device: the running power integral (J, trapezoid for
instantaneous readings, rectangle for interval means; for devices not read at boundaries,
each reading held until the next, so a boundary between ticks agrees with the integral),
the counter total, and for slow counters the last read and the counter/integral ratio over
every good segment so far.

A window boundary (:meth:`Sampler.boundary`) only takes a monotonic timestamp plus, for
devices whose reading costs microseconds (``Device.boundary_read``), one reading; other
devices' power is held from their last tick. It returns one :class:`Mark` per device.
Slow counters give every boundary a *counter-corrected* energy: at once, the latest read
plus the power integral since, scaled by the counter/integral ratio so far (provisional);
when the next read closes the segment, the counter's increment over it is apportioned along
the power integral and the mark takes its share (the sampler fills :attr:`Mark.corrected_j`
in). So windows tiling a span between two reads add up to the counter's increment.

Sampled rows ``(unix time s, device key, W)``, from ticks and boundary readings, go to an
optional ``sink`` from the sampler thread at least every ``flush_s`` seconds (default 1 s),
so a crash loses at most about one second of samples.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from wattprint.errors import MeterError
from wattprint.meter.backends.base import Device, EnergyBackend
from wattprint.meter.device_state import DeviceState, Mark, WindowStats

#: A sink receives sampled rows ``(unix time in s, device key, power in W)``.
Sink = Callable[[list[tuple[float, str, float]]], None]
Clock = Callable[[], float]
MAX_PENDING_ROWS = 200_000
class Sampler:
    """Samples power on a daemon thread and integrates it per device.

    Args:
        devices: ``(backend, device)`` pairs to sample.
        interval_s: seconds between ticks (> 0).
        sink: optional callable receiving sampled rows, called ≥ once per ``flush_s``.
        flush_s: the longest time rows wait before reaching the sink (s).
        counter_interval_s: seconds between reads of slow counters (NVML), ≥ 0 (0: every
            tick).
        clock: monotonic clock in seconds (tests inject a fake one).
    """

    def __init__(self, devices: Sequence[tuple[EnergyBackend, Device]], interval_s: float = 0.2,
                 sink: Sink | None = None, flush_s: float = 1.0,
                 counter_interval_s: float = 1.0, clock: Clock | None = None) -> None:
        self.interval_s = interval_s
        self.counter_interval_s = counter_interval_s
        self.flush_s = flush_s
        self.sink = sink
        self.lock = threading.RLock()
        self.clock: Clock = clock or time.monotonic
        self._states = [DeviceState(b, d) for b, d in devices]
        self._state = {st.key: st for st in self._states}
        self._cheap = [st for st in self._states if st.device.boundary_read]
        self._slow = [st for st in self._states if st.slow]
        self._latest: dict[str, float] = {}
        self._observers: list[WindowStats] = []
        self._pending: list[tuple[float, str, float]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mono0 = self.clock()
        self._unix0 = time.time()
        self.sink_error: str | None = None
        self.ticks = 0

    # -- clock -------------------------------------------------------------------------
    def unix(self, mono: float) -> float:
        """Convert a monotonic time (s) to Unix time (s)."""
        return self._unix0 + (mono - self._mono0)

    # -- sampling ----------------------------------------------------------------------
    def _read_slow(self) -> dict[str, float | MeterError]:
        """Read the slow counters that are due (outside the lock: 3.9 ms each on NVML)."""
        out: dict[str, float | MeterError] = {}
        for st in self._slow:
            now = self.clock()
            if now < st.next_read:
                continue
            st.next_read = now + self.counter_interval_s
            try:
                out[st.key] = st.backend.read_counter_j(st.device)
            except MeterError as exc:
                out[st.key] = exc
        return out

    def tick(self) -> tuple[float, dict[str, float]]:
        """Sample every device once now; returns (monotonic time s, power W per device)."""
        raws = self._read_slow()
        with self.lock:
            t = self.clock()
            powers: dict[str, float] = {}
            for st in self._states:
                p = st.read(t)
                if p is not None:
                    powers[st.key] = p
            for key, raw in raws.items():
                self._state[key].counter_read(raw, t)
            self._observed(powers, t)
            self.ticks += 1
            return t, powers

    def _observed(self, powers: dict[str, float], t: float) -> None:
        """Hand readings taken at ``t`` to open windows and to the sink's queue."""
        if not powers:
            return
        if self.sink is not None:
            u = self.unix(t)
            self._pending.extend((u, k, p) for k, p in powers.items())
            if len(self._pending) > MAX_PENDING_ROWS:
                del self._pending[: len(self._pending) - MAX_PENDING_ROWS]
        self._latest.update(powers)
        if self._observers:
            total = sum(self._latest.values())
            for obs in self._observers:
                obs.observe(powers, total)

    def boundary(self, opening: WindowStats | None = None,
                 closing: WindowStats | None = None) -> tuple[float, dict[str, Mark]]:
        """A window boundary now: timestamp, one cheap reading per device that has one.

        ``opening`` starts receiving ticks; ``closing`` stops. Returns (monotonic time s,
        marks by device key).
        """
        with self.lock:
            t = self.clock()
            powers: dict[str, float] = {}
            if self._cheap:
                for st in self._cheap:
                    p = st.read(t)
                    if p is not None:
                        powers[st.key] = p
                self._observed(powers, t)
            marks = {st.key: st.mark(t) for st in self._states}
            if closing is not None:
                self._observers.remove(closing)
            if opening is not None:
                self._observers.append(opening)
            return t, marks

    def add_observer(self, stats: WindowStats) -> None:
        """Start updating ``stats`` on every tick."""
        with self.lock:
            self._observers.append(stats)

    def remove_observer(self, stats: WindowStats) -> None:
        """Stop updating ``stats``."""
        with self.lock:
            if stats in self._observers:
                self._observers.remove(stats)

    # -- thread ------------------------------------------------------------------------
    def flush(self) -> None:
        """Hand pending rows to the sink now (kept for the next try if the sink fails)."""
        if self.sink is None:
            return
        with self.lock:
            rows, self._pending = self._pending, []
        if not rows:
            return
        try:
            self.sink(rows)
            self.sink_error = None
        except Exception as exc:  # noqa: BLE001 - never let the sink kill sampling
            self.sink_error = f"{type(exc).__name__}: {exc}"
            with self.lock:
                self._pending[:0] = rows

    def start(self) -> None:
        """Take a first sample and start the daemon thread."""
        if self._thread is not None:
            return
        self.tick()
        self._thread = threading.Thread(target=self._run, name="wattprint-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        now = time.monotonic()
        next_tick = now + self.interval_s
        last_flush = now  # the next flush is due flush_s after it (read each turn: settable)
        while not self._stop.wait(max(0.0, min(next_tick, last_flush + self.flush_s)
                                      - time.monotonic())):
            now = time.monotonic()
            if now >= next_tick:
                self.tick()
                next_tick += self.interval_s
                if next_tick < now:  # fell behind (suspended): do not burst
                    next_tick = now + self.interval_s
            if now >= last_flush + self.flush_s:
                self.flush()
                last_flush = now

    def stop(self) -> None:
        """Stop the thread, take a last sample and flush."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self.tick()
        self.flush()
