"""``Meter``: measure any block of Python, as a context manager, a decorator or named windows.

    meter = Meter()
    with meter.window("prefill") as w:
        run_prefill()
    print(w.measurement.total_energy, w.measurement.to_footprint(site="fra").co2e)

A window's boundaries only take a monotonic timestamp and, for devices whose reading costs
microseconds (NVML instantaneous power, RAPL sysfs), one reading; expensive counters (NVML's
total-energy counter, 3.9 ms a read) are read only by the background sampler, and the
window's energy comes from the sampler's timeline with the counter as the correction
(:mod:`wattprint.meter.energy` lists the methods, best first). The measurement itself is
built lazily, on first access.

Nothing happens at import or construction time: backends are probed and the sampler thread
starts on :meth:`Meter.start` or the first window.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, ParamSpec, TypeVar

from wattprint.errors import InputError
from wattprint.meter.backends.base import Device, EnergyBackend, NullBackend
from wattprint.meter.budget import ON_EXCEED, Budget, BudgetGuard, parse_budget, site_g_per_j
from wattprint.meter.device_state import Mark, WindowStats
from wattprint.meter.energy import RANGES, WindowRecord, build_measurement
from wattprint.meter.measurement import LazyMeasurement, Measurement
from wattprint.meter.sampler import Clock, Sampler, Sink
from wattprint.meter.sync import synchronize_all

__all__ = ["RANGES", "ROOT_WINDOW", "Meter", "Window"]

P = ParamSpec("P")
R = TypeVar("R")
ROOT_WINDOW = "meter"


@dataclass(eq=False)
class Window:
    """An open (or closed) window; ``measurement`` is set when it ends."""

    name: str
    t0: float
    start: dict[str, Mark]
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
        counter_interval_s: seconds between the sampler's reads of slow energy counters
            (NVML: 3.9 ms a read on an H200), ≥ 0; 0 reads them on every tick. Default 1 s.
        clock: monotonic clock in seconds (tests inject a fake one).
        budget: an energy or CO2e budget (``"5kWh"``, ``"2kgCO2e"``, a
            :class:`~wattprint.meter.budget.Budget`, or a ready
            :class:`~wattprint.meter.budget.BudgetGuard`), checked at the sampler's pace
            (:mod:`wattprint.meter.budget`); ``meter.budget_guard`` holds its state.
        on_exceed: ``warn`` (one stderr line, never stops) or ``stop`` (calls ``on_stop``
            once, before the budget is crossed: the caller decides how to stop).
        on_stop: called with the reason when ``on_exceed="stop"`` triggers.
        workload: the run's workload when known, written as ``wattprint estimate``'s
            arguments (``"train --model llama-3.1-8b --tokens 1e9 --hardware h100"``, see
            :mod:`wattprint.meter.prediction`): with a budget, it is predicted on
            :meth:`start`; over the budget it warns, or under ``on_exceed="stop"`` raises
            :class:`~wattprint.meter.budget.BudgetRefused` before anything is measured.
        node_leader: ``None`` (default): in a distributed job (a launcher's environment with a
            job id, :func:`~wattprint.meter.launcher.detect_job`) the job's processes on one
            node elect one leader (:mod:`wattprint.meter.node_lease`), which measures the
            node's devices; the others measure nothing (``meter.leader`` is false and
            ``meter.absent`` says who measures), so each device is counted once. ``False``:
            always measure (no election).

    Windows may nest and overlap; a name may not be open twice at once. Use as ``with
    Meter() as m:`` (one window named ``meter`` around the block, then ``m.measurement``),
    ``with m.window(name) as w:``, ``m.begin_window(name)``/``m.end_window(name)``, or as a
    decorator (``@m.measure("step")`` or ``@Meter()``).
    """

    def __init__(self, backends: list[EnergyBackend] | None = None, site: str | None = None,
                 interval_s: float = 0.2, sink: Sink | None = None,
                 counter_interval_s: float = 1.0, clock: Clock | None = None,
                 budget: Budget | BudgetGuard | str | None = None, on_exceed: str = "warn",
                 on_stop: Callable[[str], None] | None = None,
                 workload: str | None = None, node_leader: bool | None = None) -> None:
        if not (isinstance(interval_s, int | float) and math.isfinite(interval_s)
                and interval_s > 0):
            raise InputError(f"sampling interval must be a positive number of seconds, got "
                             f"{interval_s!r}")
        if not (isinstance(counter_interval_s, int | float)
                and math.isfinite(counter_interval_s) and counter_interval_s >= 0):
            raise InputError(f"counter interval must be a number of seconds ≥ 0, got "
                             f"{counter_interval_s!r}")
        self._given = backends
        self._backends: list[EnergyBackend] | None = None
        self._devices: list[Device] = []
        self._absent: dict[str, str] = {}
        self._unmeasured: list[str] = []
        self._pairs: list[tuple[EnergyBackend, Device]] = []
        self.site = site
        self.interval_s = float(interval_s)
        self.counter_interval_s = float(counter_interval_s)
        self.sink = sink
        self._clock = clock
        self._sampler: Sampler | None = None
        self._open: dict[str, Window] = {}
        self._lock = threading.RLock()
        self.measurements: list[Measurement] = []
        self.measurement: Measurement | None = None
        self.budget_guard: BudgetGuard | None = None
        self._budget = (parse_budget(budget) if isinstance(budget, str) else budget,
                        on_exceed, on_stop)
        if budget is not None and on_exceed not in ON_EXCEED:
            raise InputError(f"on_exceed must be warn or stop, got {on_exceed!r}")
        self._workload = None
        if workload is not None:
            from wattprint.meter.prediction import parse_workload

            if budget is None:
                raise InputError("workload= is used with budget= (to predict the run against "
                                 "it before it starts)")
            self._workload = parse_workload(workload)  # a bad workload fails at once
        self._elect = node_leader is None
        self._lease: Any = None
        #: Whether this meter measures its node's devices (false for a follower rank).
        self.leader = True

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Meter:
        """Probe backends (if not given) and start the sampler; idempotent."""
        with self._lock:
            if self._sampler is not None:
                return self
            follower = self._follow_leader() if self._elect else None
            if follower is not None:
                self._backends = [follower]
            elif self._given is None:
                from wattprint.meter.backends import detect_backends

                self._backends = detect_backends()
            else:
                self._backends = list(self._given)
            pairs = [(b, d) for b in self._backends for d in b.devices()]
            if self._clock is not None:  # plausibility checks run on the sampler's clock
                for b in self._backends:
                    b.use_clock(self._clock)
            self._devices = [d for _, d in pairs]
            self._pairs = pairs
            self._absent = {b.name: b.reason or "no device" for b in self._backends
                            if isinstance(b, NullBackend) or not b.devices()}
            # a follower: NaN with the reason, not 0 J (the leader measures the GPUs)
            self._unmeasured = _unmeasured_gpus(self._absent) if follower is None else \
                [follower.reason or "measured by the node leader"]
            sampler = Sampler(pairs, self.interval_s, self.sink,
                              counter_interval_s=self.counter_interval_s, clock=self._clock)
            try:
                self._watch_budget(sampler)  # may refuse: nothing has started yet
            except BaseException:
                self._undo_start()
                raise
            self._sampler = sampler
            self._sampler.start()
            return self

    def _undo_start(self) -> None:
        """A start that failed (the budget refused the run): release what it took."""
        if self._given is None:
            for b in self._backends or []:
                b.close()
        self._backends = None
        if self._lease is not None:
            self._lease.release()
            self._lease = None

    def _follow_leader(self) -> NullBackend | None:
        """In a distributed job, take the node's lead, or return a follower's null backend
        (``None``: this meter measures)."""
        from wattprint.meter.node_lease import elect

        self._lease, why = elect()
        self.leader = why is None
        return None if why is None else NullBackend("node", why)

    def _watch_budget(self, sampler: Sampler) -> None:
        """Attach the budget guard (if any) to the sampler."""
        budget, on_exceed, on_stop = self._budget
        if budget is None:
            return
        if isinstance(budget, BudgetGuard):
            guard = budget
        else:
            assert isinstance(budget, Budget)
            g_per_j = 0.0
            if budget.kind == "co2e":
                from wattprint.meter.placement import measured_site

                g_per_j = site_g_per_j(measured_site(self.site)[0])
            guard = BudgetGuard(budget, sampler.clock, on_exceed=on_exceed, g_per_j=g_per_j,
                                horizon_s=2 * self.interval_s, on_stop=on_stop)
        if self._workload is not None and guard.predicted is None:
            from wattprint.meter.prediction import predict_for_budget

            guard.predict(predict_for_budget(self._workload, guard.budget.kind, guard.g_per_j))
        self.budget_guard = guard
        sampler.add_observer(guard)

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
            if self._lease is not None:
                self._lease.release()
                self._lease = None

    @property
    def backends(self) -> list[EnergyBackend]:
        """The backends in use (probes them and starts sampling if never started; after
        :meth:`stop` the same backends, without restarting anything)."""
        if self._backends is None:
            self.start()
        assert self._backends is not None
        return list(self._backends)

    @property
    def devices(self) -> list[Device]:
        """Every device measured (probes and starts if never started; never restarts a
        stopped meter)."""
        if self._backends is None:
            self.start()
        return list(self._devices)

    @property
    def absent(self) -> dict[str, str]:
        """Backend name → why it measures nothing."""
        if self._backends is None:
            self.start()
        return dict(self._absent)

    @property
    def sampler(self) -> Sampler:
        """The running sampler (starts the meter if needed)."""
        s = self._sampler
        if s is None:
            self.start()
            s = self._sampler
            assert s is not None
        return s

    # -- windows -----------------------------------------------------------------------
    def begin_window(self, name: str, *, sync: bool = True) -> Window:
        """Open a window named ``name`` (synchronising GPU frameworks first).

        The boundary takes a timestamp and at most one microsecond reading per device.

        Raises:
            InputError: a window of that name is already open.
        """
        s = self._sampler or self.sampler
        with self._lock:
            if name in self._open:
                raise InputError(f"window {name!r} is already open; end it first or use "
                                 "another name")
            synced, errors = synchronize_all() if sync else ([], [])
            stats = WindowStats()
            t0, marks = s.boundary(opening=stats)
            w = Window(name, t0, marks, stats, synced, errors)
            self._open[name] = w
            return w

    def end_window(self, name: str, *, sync: bool = True, complete: bool = True) -> Measurement:
        """Close the window ``name`` and return its measurement (computed on first access).

        Raises:
            InputError: no window of that name is open.
        """
        s = self._sampler or self.sampler
        with self._lock:
            w = self._open.pop(name, None)
            if w is None:
                raise InputError(f"no open window named {name!r}")
            if sync:
                synced, errors = synchronize_all()
                if synced or errors:
                    w.synced = sorted(set(w.synced) | set(synced))
                    w.sync_errors += errors
            t1, marks = s.boundary(closing=w.stats)
            rec = WindowRecord(
                w.name, w.start, marks, w.t0, t1, s.unix(w.t0), s.unix(t1), w.stats,
                self._devices, self._absent, self._unmeasured, self.interval_s,
                self.counter_interval_s, w.synced, w.sync_errors, s.sink_error, complete,
                self.site)
            m = LazyMeasurement(name, complete, self.site,
                                functools.partial(_build_noting_anomalies, rec, self._pairs))
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


#: A boundary's own reads happen just after its timestamp (s): their anomalies count in.
ANOMALY_SLACK_S = 0.01


def _build_noting_anomalies(rec: WindowRecord,
                            pairs: list[tuple[EnergyBackend, Device]]) -> Measurement:
    """:func:`build_measurement`, plus every reading the backends rejected, reinterpreted
    or failed to take inside the window (their :meth:`EnergyBackend.anomalies`), in the
    device's reason and the notes: never a silent correction."""
    m = build_measurement(rec)
    seen = {d.key: b.anomalies(d, rec.t0, rec.t1 + ANOMALY_SLACK_S) for b, d in pairs}
    for i, e in enumerate(m.devices):
        extra = seen.get(e.device.key) or []
        if extra:
            m.devices[i] = replace(e, reason="; ".join(filter(None, [e.reason, *extra])))
            m.notes.extend(x for x in extra if x not in m.notes)
    return m


def _unmeasured_gpus(absent: dict[str, str]) -> list[str]:
    """GPUs the kernel shows but no backend reads (looked up once per start)."""
    gpu_absent = {k: v for k, v in absent.items() if k in ("nvidia", "amd")}
    if not gpu_absent:
        return []
    from wattprint.meter.presence import unmeasured_gpus

    return unmeasured_gpus(gpu_absent)
