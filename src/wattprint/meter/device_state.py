"""What the sampler keeps per device (O(1)): the running power integral, the counter total and,
for slow counters, the counter segment open now; and what it hands out at a boundary (a
:class:`Mark`) and per open window (:class:`WindowStats`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from wattprint.errors import MeterError
from wattprint.meter.backends.base import Device, EnergyBackend
from wattprint.meter.counters import (
    PLAUSIBLE_RATIO,
    CounterTracker,
    apportioned_energy_j,
    provisional_energy_j,
)


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


class DeviceState:
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
