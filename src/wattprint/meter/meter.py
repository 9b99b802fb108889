"""``Meter``: measure any block of Python, as a context manager, a decorator or named windows.

    meter = Meter()
    with meter.window("prefill") as w:
        run_prefill()
    print(w.measurement.total_energy, w.measurement.to_footprint(site="fr").co2e)

How a device's energy over a window is obtained, best first:

1. ``counter``: the device's energy counter read at both boundaries (NVML, RAPL, amdsmi),
   unwrapped (RAPL) and checked for resets (NVML);
2. the sampled power integral (``instant-power integral`` or ``averaged-power integral``):
   when the window is shorter than the counter's update period, the counter went
   backwards (driver reset), a read failed, or the device has no counter; the reason is
   recorded;
3. ``estimate from utilisation × TDP``: CPU/RAM without RAPL (modelled, labelled).

Nothing happens at import or construction time: backends are probed and the sampler thread
starts on :meth:`Meter.start` or the first window.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from wattprint.errors import InputError, MeterError
from wattprint.meter.backends.base import (
    AVERAGED_INTEGRAL,
    COUNTER,
    ESTIMATE,
    INSTANT_INTEGRAL,
    Device,
    EnergyBackend,
    NullBackend,
)
from wattprint.meter.measurement import DeviceEnergy, Measurement
from wattprint.meter.sampler import Sampler, Sink, WindowStats
from wattprint.meter.sync import synchronize_all
from wattprint.quantity import Basis, Quantity

P = ParamSpec("P")
R = TypeVar("R")

#: Relative range of the true energy given an integral (from the H200 NVML notes: the
#: instantaneous integral was within -4.9 %..+7.5 % of the counter, the averaged one within
#: -8.6 %..+55 %), and an assumed ±50 % for utilisation × TDP estimates.
RANGES: dict[str, tuple[float, float]] = {
    INSTANT_INTEGRAL: (1 / 1.075, 1 / 0.951),
    AVERAGED_INTEGRAL: (1 / 1.55, 1 / 0.914),
    ESTIMATE: (0.5, 1.5),
}
ROOT_WINDOW = "meter"


@dataclass
class _Boundary:
    mono: float
    snap: dict[str, tuple[float, float | None, int, str | None]]
    counters: dict[str, tuple[float, int] | str]  # key → (total J, resets) or error text


@dataclass
class Window:
    """An open (or closed) window; ``measurement`` is set when it ends."""

    name: str
    start: _Boundary
    stats: WindowStats = field(default_factory=WindowStats)
    synced: list[str] = field(default_factory=list)
    sync_errors: list[str] = field(default_factory=list)
    measurement: Measurement | None = None


class Meter:
    """Measures energy of named windows on every detected device.

    Args:
        backends: the backends to read; ``None`` probes them on first use
            (:func:`~wattprint.meter.backends.detect_backends`). Tests inject fakes here.
        site: default site for :meth:`Measurement.to_footprint`.
        interval_s: sampler period in seconds (> 0; default 0.2 s).
        sink: optional callable receiving sampled rows ``(unix s, device key, W)`` at least
            once a second (the CLI's ledger writer).

    Windows may nest and overlap; a name may not be open twice at once. Use as ``with
    Meter() as m:`` (one window named ``meter`` around the block, then ``m.measurement``),
    ``with m.window(name) as w:``, ``m.begin_window(name)``/``m.end_window(name)``, or as a
    decorator (``@m.measure("step")`` or ``@Meter()``).
    """

    def __init__(self, backends: list[EnergyBackend] | None = None, site: str | None = None,
                 interval_s: float = 0.2, sink: Sink | None = None) -> None:
        if not (isinstance(interval_s, int | float) and math.isfinite(interval_s)
                and interval_s > 0):
            raise InputError(f"sampling interval must be a positive number of seconds, got "
                             f"{interval_s!r}")
        self._given = backends
        self._backends: list[EnergyBackend] | None = None
        self.site = site
        self.interval_s = float(interval_s)
        self.sink = sink
        self._sampler: Sampler | None = None
        self._open: dict[str, Window] = {}
        self._lock = threading.RLock()
        self.measurements: list[Measurement] = []
        self.measurement: Measurement | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Meter:
        """Probe backends (if not given) and start the sampler; idempotent."""
        with self._lock:
            if self._sampler is not None:
                return self
            if self._given is None:
                from wattprint.meter.backends import detect_backends

                self._backends = detect_backends()
            else:
                self._backends = list(self._given)
            pairs = [(b, d) for b in self._backends for d in b.devices()]
            self._sampler = Sampler(pairs, self.interval_s, self.sink)
            self._sampler.start()
            return self

    def stop(self) -> None:
        """Stop sampling, flush the sink and release backends the meter probed itself."""
        with self._lock:
            if self._sampler is None:
                return
            self._sampler.stop()
            self._sampler = None
            if self._given is None and self._backends:
                for b in self._backends:
                    b.close()

    @property
    def backends(self) -> list[EnergyBackend]:
        """The backends in use (probes them if needed)."""
        self.start()
        assert self._backends is not None
        return list(self._backends)

    @property
    def devices(self) -> list[Device]:
        """Every device measured."""
        return [d for b in self.backends for d in b.devices()]

    @property
    def absent(self) -> dict[str, str]:
        """Backend name → why it measures nothing."""
        return {b.name: b.reason or "no device" for b in self.backends
                if isinstance(b, NullBackend) or not b.devices()}

    @property
    def sampler(self) -> Sampler:
        """The running sampler (starts the meter if needed)."""
        self.start()
        assert self._sampler is not None
        return self._sampler

    # -- windows -----------------------------------------------------------------------
    def _boundary(self) -> _Boundary:
        s = self.sampler
        with s.lock:
            t, _ = s.tick()
            counters: dict[str, tuple[float, int] | str] = {}
            snap = s.snapshot()
            for d in self.devices:
                if not d.has_counter:
                    continue
                if d.poll_counter:
                    _, total, resets, err = snap[d.key]
                    counters[d.key] = err if err is not None else (total or 0.0, resets)
                else:
                    try:
                        counters[d.key] = s.read_boundary_counter(d.key)
                    except MeterError as exc:
                        counters[d.key] = str(exc)
            return _Boundary(t, snap, counters)

    def begin_window(self, name: str, *, sync: bool = True) -> Window:
        """Open a window named ``name`` (synchronising GPU frameworks first).

        Raises:
            InputError: a window of that name is already open.
        """
        with self._lock:
            if name in self._open:
                raise InputError(f"window {name!r} is already open; end it first or use "
                                 "another name")
            synced, errors = synchronize_all() if sync else ([], [])
            w = Window(name, self._boundary(), synced=synced, sync_errors=errors)
            self.sampler.add_observer(w.stats)
            self._open[name] = w
            return w

    def end_window(self, name: str, *, sync: bool = True, complete: bool = True) -> Measurement:
        """Close the window ``name`` and return its measurement.

        Raises:
            InputError: no window of that name is open.
        """
        with self._lock:
            w = self._open.pop(name, None)
            if w is None:
                raise InputError(f"no open window named {name!r}")
            if sync:
                synced, errors = synchronize_all()
                w.synced = sorted(set(w.synced) | set(synced))
                w.sync_errors += errors
            end = self._boundary()
            self.sampler.remove_observer(w.stats)
            m = self._measure(w, end, complete)
            w.measurement = m
            self.measurements.append(m)
            return m

    @contextmanager
    def window(self, name: str, *, sync: bool = True) -> Iterator[Window]:
        """``with meter.window("name") as w:`` ... then ``w.measurement``.

        A window left by an exception is still measured, marked incomplete.
        """
        w = self.begin_window(name, sync=sync)
        ok = False
        try:
            yield w
            ok = True
        finally:
            self.end_window(name, sync=sync, complete=ok)

    def measure(self, name: str | None = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorator: measure every call in a window (default name: the function's).

        The latest call's measurement is in ``meter.measurements[-1]``.
        """
        def deco(fn: Callable[P, R]) -> Callable[P, R]:
            wname: str = name or str(getattr(fn, "__qualname__", "function"))

            @functools.wraps(fn)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                with self.window(wname):
                    return fn(*args, **kwargs)
            return wrapper
        return deco

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """``@Meter()`` decorates a function directly."""
        return self.measure()(fn)

    def __enter__(self) -> Meter:
        self.start()
        self.begin_window(ROOT_WINDOW)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if ROOT_WINDOW in self._open:
                self.measurement = self.end_window(ROOT_WINDOW, complete=exc_type is None)
        finally:
            self.stop()

    # -- arithmetic --------------------------------------------------------------------
    def _measure(self, w: Window, end: _Boundary, complete: bool) -> Measurement:
        s = self.sampler
        dur = max(end.mono - w.start.mono, 0.0)
        entries: list[DeviceEnergy] = []
        notes: list[str] = [f"could not synchronise {e}; queued GPU work may fall outside this "
                             "window" for e in dict.fromkeys(w.sync_errors)]
        for d in self.devices:
            e = _device_energy(d, w, end, dur)
            if e.reason:
                notes.append(f"{d.key}: {e.reason}")
            entries.append(e)
        absent = self.absent
        gpus = [e for e in entries if e.device.kind == "gpu"]
        host = [e for e in entries if e.device.kind != "gpu"]
        acc = _sum(gpus, "sum of GPU energies") if gpus else _no_gpu_energy(absent, notes)
        if host:
            host_q = _sum(host, "sum of CPU and DRAM energies")
        else:
            host_q = Quantity(math.nan, "J", "host energy not measured: no CPU backend",
                              "measured")
            notes.append("host energy not measured")
        total = _sum_q(acc, host_q)
        if sum(1 for e in entries if not e.ok):
            notes.append("devices without a reading are excluded from the totals")
        t = Quantity(dur, "s", "wall clock between window boundaries (monotonic)", "measured")
        avg = total.scaled(1 / dur if dur > 0 else math.nan, "W",
                           "average power = total energy / time")
        peak_v = w.stats.peak_total_w
        if peak_v is None or (not math.isnan(avg.value) and peak_v < avg.value):
            peak = avg.with_(provenance="peak power: no sample inside the window; average "
                             "power shown", low=None, high=None)
        else:
            peak = Quantity(peak_v, "W", f"highest sampled total power (sampled every "
                            f"{self.interval_s:g} s)", "measured" if total.basis == "measured"
                            else "modelled")
        if s.sink_error:
            notes.append(f"sample sink failing: {s.sink_error}")
        return Measurement(
            name=w.name, started_at=s.unix(w.start.mono), ended_at=s.unix(end.mono), time=t,
            devices=entries, accelerator_energy=acc, host_energy=host_q, total_energy=total,
            average_power=avg, peak_power=peak, absent=absent, notes=notes,
            complete=complete, synced=list(w.synced), site=self.site)


def _no_gpu_energy(absent: dict[str, str], notes: list[str]) -> Quantity:
    """No GPU measured: an explained 0 J when none is visible, else NaN with the reason
    (a visible but unreadable GPU is never reported as 0 J measured)."""
    from wattprint.meter.presence import unmeasured_gpus

    gpu_absent = {k: v for k, v in absent.items() if k in ("nvidia", "amd")}
    unread = unmeasured_gpus(gpu_absent) if gpu_absent else []
    if unread:
        why = "; ".join(unread)
        notes.append(f"{why}; accelerator energy is not measured and the totals leave it out")
        return Quantity(math.nan, "J", f"accelerator energy not measured: {why}", "measured")
    why = "; ".join(f"{k}: {v}" for k, v in gpu_absent.items()) or "no GPU backend"
    return Quantity(0.0, "J", f"no accelerator present: {why}", "measured")


def _device_energy(d: Device, w: Window, end: _Boundary, dur: float) -> DeviceEnergy:
    n, peak = w.stats.per_device.get(d.key, (0, None))
    reason: str | None = None
    if d.has_counter:
        c0, c1 = w.start.counters.get(d.key), end.counters.get(d.key)
        can_integrate = d.power_sensor is not None
        if isinstance(c0, str) or isinstance(c1, str) or c0 is None or c1 is None:
            bad = c0 if isinstance(c0, str) else c1
            reason = f"{d.counter_sensor} read failed ({bad})"
        elif c1[1] != c0[1]:
            reason = (f"{d.counter_sensor} went backwards (driver reset?); its delta is "
                      "unusable")
        elif dur < d.counter_period_s and can_integrate:
            reason = (f"window of {dur:.3g} s is shorter than the counter's "
                      f"~{d.counter_period_s:g} s update period")
        else:
            q = Quantity(max(c1[0] - c0[0], 0.0), "J", f"{COUNTER}: {d.counter_sensor}",
                         "measured")
            return DeviceEnergy(d, q, COUNTER, None, n, peak)
    integral = end.snap[d.key][0] - w.start.snap[d.key][0]
    if d.power_sensor is None and d.poll_counter:
        method = COUNTER
        prov = (f"{COUNTER}: {d.counter_sensor} summed over sampler steps up to the last "
                f"good read ({reason})")
        return DeviceEnergy(d, Quantity(integral, "J", prov, "measured"), method, reason, n,
                            peak)
    if d.power_sensor is None:
        prov = f"unavailable: {reason or 'no counter and no power reading'}"
        return DeviceEnergy(d, Quantity(math.nan, "J", prov, "measured"), "unavailable",
                            reason or "no counter and no power reading", n, peak)
    method = d.power_method
    if reason is None and method == ESTIMATE:
        reason = d.note
    elif reason is None:
        reason = d.note or "no energy counter on this device"
    lo, hi = RANGES.get(method, (1.0, 1.0))
    prov = f"{method}: {d.power_sensor}, sampled every tick and at the window boundaries"
    if reason:
        prov += f" (fallback: {reason})"
    q = Quantity(integral, "J", prov, d.basis, integral * lo, integral * hi)
    return DeviceEnergy(d, q, method, reason, n, peak)


def _sum(entries: list[DeviceEnergy], what: str) -> Quantity:
    good = [e for e in entries if e.ok]
    methods = ", ".join(f"{e.device.key}: {e.method}" for e in entries)
    if not good:
        return Quantity(math.nan, "J", f"{what}: no device could be read ({methods})",
                        "measured")
    basis: Basis = "measured" if all(e.energy.basis == "measured" for e in good) \
        else "modelled"
    lo = sum(e.energy.lo for e in good)
    hi = sum(e.energy.hi for e in good)
    v = sum(e.energy.value for e in good)
    rng = any(e.energy.low is not None for e in good)
    return Quantity(v, "J", f"{what} ({methods})", basis, lo if rng else None,
                    hi if rng else None)


def _sum_q(a: Quantity, b: Quantity) -> Quantity:
    parts = [q for q in (a, b) if not math.isnan(q.value)]
    if not parts:
        return Quantity(math.nan, "J", "total energy: nothing measured", "measured")
    basis: Basis = "measured" if all(q.basis == "measured" for q in parts) else "modelled"
    rng = any(q.low is not None for q in parts)
    prov = "total energy = accelerator + host" if len(parts) == 2 else (
        "total energy = host only (accelerator energy NOT measured)" if parts[0] is b
        else "total energy = accelerator only (host energy not measured)")
    return Quantity(sum(q.value for q in parts), "J", prov, basis,
                    sum(q.lo for q in parts) if rng else None,
                    sum(q.hi for q in parts) if rng else None)
