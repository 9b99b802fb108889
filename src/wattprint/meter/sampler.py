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
from dataclasses import dataclass, field

from wattprint.errors import MeterError
from wattprint.meter.backends.base import Device, EnergyBackend

#: A sink receives sampled rows ``(unix time in s, device key, power in W)``.
Sink = Callable[[list[tuple[float, str, float]]], None]
Clock = Callable[[], float]
MAX_PENDING_ROWS = 200_000
#: A counter/integral ratio outside this range is implausible (the instant-power integral
#: was within -5 %..+8 % of the counter on an H200, the averaged one within -9 %..+55 %):
#: integrals are then left unscaled.
PLAUSIBLE_RATIO = (0.5, 2.0)


class CounterTracker:
    """Turns a raw energy counter (J) into a monotonic total (J).

    A backwards step is a wrap when the counter has a known range (``range_j``, RAPL's
    ``max_energy_range_uj``): the increment is ``raw + range - last``. Without a range
    (NVML's 64-bit counter) a backwards step is a reset (driver reload): the increment of
    that step is unknown, counted as zero, and :attr:`resets` goes up so the meter can fall
    back to the power integral for the windows it spans. A total never decreases.
    """

    __slots__ = ("range_j", "last_raw", "total", "resets")

    def __init__(self, range_j: float | None) -> None:
        self.range_j = range_j
        self.last_raw: float | None = None
        self.total = 0.0
        self.resets = 0

    def update(self, raw_j: float) -> float:
        """Feed one raw reading (J); returns the running total (J)."""
        if self.last_raw is not None:
            step = raw_j - self.last_raw
            if step < 0:
                if self.range_j:
                    step += self.range_j
                if step < 0 or not self.range_j:
                    self.resets += 1
                    step = 0.0
            self.total += step
        self.last_raw = raw_j
        return self.total


def apportioned_energy_j(c0_j: float, c1_j: float, e0_j: float, e1_j: float,
                        e_j: float) -> float:
    """Counter-corrected energy [J] at a point between two reads of an energy counter.

    ``C0 + (C1 − C0) × clamp((E − E0) / (E1 − E0), 0, 1)``: the counter at the first read
    (``c0_j``) plus the counter's increment shared out along the power integral, whose
    values at the reads are ``e0_j`` < ``e1_j`` and at the point ``e_j`` (all J,
    cumulative).
    """
    share = (e_j - e0_j) / (e1_j - e0_j)
    return c0_j + (c1_j - c0_j) * min(max(share, 0.0), 1.0)


def provisional_energy_j(c_j: float, e_c_j: float, e_j: float, ratio: float) -> float:
    """Counter-corrected energy [J] at a point after the latest counter read, until the next
    read: ``C + k × (E − E_C)``, the counter ``c_j`` at that read plus the power integral
    since (``e_j − e_c_j``, J) scaled by the counter/integral ratio ``k`` seen so far."""
    return c_j + ratio * (e_j - e_c_j)


@dataclass(slots=True)
class Mark:
    """One device at one window boundary; energies are cumulative since the sampler started.

    Attributes:
        t: monotonic time (s).
        power_j: power integral up to ``t`` (J); held from the last reading for devices not
            read at boundaries.
        counter_j: polled (cheap) counter total at ``t`` (J), ``None`` without one.
        resets: counter resets seen so far.
        error: the device's latest read error (``None`` after a good read).
        reads: good slow-counter reads so far (the segment ``t`` lies in).
        corrected_j: slow counter only: the counter-corrected energy at ``t`` (J),
            provisional until the sampler's next read apportions the segment.
        ratio: counter / power integral over the good segments so far (1 when unknown or
            implausible).
        counter_error: the latest slow-counter read error, else ``None``.
    """

    t: float
    power_j: float
    counter_j: float | None = None
    resets: int = 0
    error: str | None = None
    reads: int = 0
    corrected_j: float | None = None
    ratio: float = 1.0
    counter_error: str | None = None


@dataclass(eq=False)
class WindowStats:
    """What the sampler saw during one open window."""

    ticks: int = 0
    peak_total_w: float | None = None
    per_device: dict[str, tuple[int, float]] = field(default_factory=dict)  # key: (n, peak W)

    def observe(self, powers: dict[str, float], total_w: float) -> None:
        """Record the powers read now (W per device) and the total with held ones (W)."""
        if not powers:
            return
        self.ticks += 1
        if self.peak_total_w is None or total_w > self.peak_total_w:
            self.peak_total_w = total_w
        for k, p in powers.items():
            n, peak = self.per_device.get(k, (0, p))
            self.per_device[k] = (n + 1, max(peak, p))


class _DevState:
    """Running state of one device (touched only under the sampler's lock)."""

    __slots__ = ("backend", "device", "key", "polled", "slow", "last_t", "last_p", "power_j",
                 "tracker", "error", "reads", "c_t", "c_total", "c_power_j", "k_num",
                 "k_den", "c_error", "next_read", "pending")

    def __init__(self, backend: EnergyBackend, device: Device) -> None:
        self.backend, self.device, self.key = backend, device, device.key
        # a counter without a power reading must be polled: nothing else gives a timeline
        self.polled = device.has_counter and (device.poll_counter or device.power_sensor is None)
        self.slow = device.has_counter and not self.polled
        self.last_t: float | None = None
        self.last_p: float | None = None
        self.power_j = 0.0
        self.tracker = CounterTracker(device.counter_range_j) if device.has_counter else None
        self.error: str | None = None
        self.reads = 0
        self.c_t = self.c_total = self.c_power_j = 0.0
        self.k_num = self.k_den = 0.0
        self.c_error: str | None = None
        self.next_read = -float("inf")
        self.pending: list[Mark] = []  # boundary marks inside the open counter segment

    def read(self, t: float) -> float | None:
        """Read the device now (time ``t``) and integrate; returns power (W) or ``None``."""
        d = self.device
        p: float | None = None
        self.error = None
        if d.power_sensor is not None:
            try:
                p = self.backend.read_power_w(d)
            except MeterError as exc:
                self.error = str(exc)
        if self.polled:
            p = self._poll(t, p)
        if p is None:
            return None
        if d.power_sensor is not None and self.last_t is not None:
            if not d.boundary_read and self.last_p is not None:
                # held from the last reading until this one, as boundaries between ticks
                # see it: the running integral and every mark agree (never negative)
                self.power_j += self.last_p * (t - self.last_t)
            elif d.power_kind == "instant" and self.last_p is not None:
                self.power_j += 0.5 * (p + self.last_p) * (t - self.last_t)
            else:
                self.power_j += p * (t - self.last_t)
        self.last_t, self.last_p = t, p
        return p

    def _poll(self, t: float, p: float | None) -> float | None:
        """Read the cheap counter; without a power reading, derive power from its step."""
        assert self.tracker is not None
        before = self.tracker.total
        try:
            self.tracker.update(self.backend.read_counter_j(self.device))
        except MeterError as exc:
            self.error = str(exc)
            return p
        if self.device.power_sensor is not None:
            return p
        step = self.tracker.total - before
        if self.last_t is None:
            self.last_t = t
            return None
        self.power_j += step
        derived = step / (t - self.last_t) if t > self.last_t else None
        if derived is None:
            return None
        return derived

    def energy_at(self, t: float) -> float:
        """Power integral up to ``t`` (J), power held since the last reading."""
        e = self.power_j
        if self.last_t is not None and self.last_p is not None and t > self.last_t \
                and self.device.power_sensor is not None:
            e += self.last_p * (t - self.last_t)
        return e

    def ratio(self) -> float:
        """Counter / power integral over the good slow-counter segments (1 if unknown)."""
        if self.k_den <= 0:
            return 1.0
        k = self.k_num / self.k_den
        return k if PLAUSIBLE_RATIO[0] <= k <= PLAUSIBLE_RATIO[1] else 1.0

    def mark(self, t: float) -> Mark:
        """This device at time ``t`` (power held since the last reading)."""
        e = self.energy_at(t)
        tr = self.tracker
        if tr is None:  # the common case, kept short: a boundary costs microseconds
            return Mark(t, e, None, 0, self.error)
        m = Mark(t, e, tr.total if self.polled else None, tr.resets, self.error)
        if self.slow:
            k = self.ratio()
            m.reads, m.ratio, m.counter_error = self.reads, k, self.c_error
            if self.reads:
                m.corrected_j = provisional_energy_j(self.c_total, self.c_power_j, e, k)
                self.pending.append(m)
        return m

    def counter_read(self, raw: float | MeterError, t: float) -> None:
        """Apply one slow-counter read taken just before time ``t`` (after :meth:`read`).

        Boundary marks taken since the previous read get their share of the counter's
        increment, apportioned along the power integral, unless the counter reset or the
        segment's counter/integral ratio is implausible (they keep the provisional value).
        """
        if isinstance(raw, MeterError):
            self.c_error = str(raw)
            return
        assert self.tracker is not None
        self.c_error = None
        resets = self.tracker.resets
        total = self.tracker.update(raw)
        e = self.energy_at(t)
        if self.reads and self.tracker.resets == resets:
            dc, de = total - self.c_total, e - self.c_power_j
            lo, hi = PLAUSIBLE_RATIO
            if de > 0 and lo <= dc / de <= hi:
                self.k_num += dc
                self.k_den += de
                for m in self.pending:
                    m.corrected_j = apportioned_energy_j(self.c_total, total, self.c_power_j,
                                                         e, m.power_j)
        self.pending.clear()
        self.reads += 1
        self.c_t, self.c_total, self.c_power_j = t, total, e


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
        self._states = [_DevState(b, d) for b, d in devices]
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
        next_flush = now + self.flush_s
        while not self._stop.wait(max(0.0, min(next_tick, next_flush) - time.monotonic())):
            now = time.monotonic()
            if now >= next_tick:
                self.tick()
                next_tick += self.interval_s
                if next_tick < now:  # fell behind (suspended): do not burst
                    next_tick = now + self.interval_s
            if now >= next_flush:
                self.flush()
                next_flush = now + self.flush_s

    def stop(self) -> None:
        """Stop the thread, take a last sample and flush."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self.tick()
        self.flush()
