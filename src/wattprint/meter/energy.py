"""A window's energy from its boundary marks: the arithmetic behind every ``Measurement``.

A closed window is a :class:`WindowRecord` (two :class:`~wattprint.meter.device_state.Mark` per
device and what the sampler saw in between). :func:`build_measurement` turns it into a
:class:`~wattprint.meter.measurement.Measurement`; the meter calls it lazily, on the first
access to the measurement, so closing a window costs microseconds.

How a device's energy over a window is obtained, best first:

1. ``counter``: a cheap counter (RAPL, amdsmi) read at both boundaries, unwrapped; or a slow
   counter (NVML) read by the sampler, its increments apportioned along the power integral
   between reads (the window must contain at least one read);
2. the sampled power integral (``instant-power integral`` or ``averaged-power integral``)
   when the window holds no slow-counter read (shorter than the read interval), is shorter
   than the counter's update period, the counter went backwards (driver reset), a read
   failed, or the device has no counter; the reason is recorded. On devices with a slow
   counter the integral is scaled by the counter/integral ratio seen so far (stated);
3. ``estimate from utilisation × TDP``: CPU/RAM without RAPL (modelled, labelled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wattprint.meter.backends.base import (
    AVERAGED_INTEGRAL,
    COUNTER,
    ESTIMATE,
    INSTANT_INTEGRAL,
    Device,
)
from wattprint.meter.counters import PLAUSIBLE_RATIO
from wattprint.meter.device_state import Mark, WindowStats
from wattprint.meter.measurement import DeviceEnergy, Measurement
from wattprint.quantity import Basis, Quantity

#: Relative range of the true energy given an integral (from the H200 NVML notes: the
#: instantaneous integral was within -4.9 %..+7.5 % of the counter, the averaged one within
#: -8.6 %..+55 %), and an assumed ±50 % for utilisation × TDP estimates.
RANGES: dict[str, tuple[float, float]] = {
    INSTANT_INTEGRAL: (1 / 1.075, 1 / 0.951),
    AVERAGED_INTEGRAL: (1 / 1.55, 1 / 0.914),
    ESTIMATE: (0.5, 1.5),
}


@dataclass(eq=False, slots=True)
class WindowRecord:
    """Everything a closed window needs to become a :class:`Measurement`."""

    name: str
    start: dict[str, Mark]
    end: dict[str, Mark]
    t0: float
    t1: float
    unix0: float
    unix1: float
    stats: WindowStats
    devices: list[Device]
    absent: dict[str, str]
    unmeasured: list[str]  # visible GPUs no backend reads (wattprint.meter.presence)
    interval_s: float
    counter_interval_s: float
    synced: list[str]
    sync_errors: list[str]
    sink_error: str | None
    complete: bool
    site: str | None


def build_measurement(r: WindowRecord) -> Measurement:
    """The measurement of a closed window (see the module docstring for the methods)."""
    dur = max(r.t1 - r.t0, 0.0)
    notes = [f"could not synchronise {e}; queued GPU work may fall outside this window"
             for e in dict.fromkeys(r.sync_errors)]
    entries: list[DeviceEnergy] = []
    for d in r.devices:
        e = device_energy(d, r.start[d.key], r.end[d.key], r.stats, r)
        if e.reason:
            notes.append(f"{d.key}: {e.reason}")
        entries.append(e)
    gpus = [e for e in entries if e.device.kind == "gpu"]
    host = [e for e in entries if e.device.kind != "gpu"]
    acc = _sum(gpus, "sum of GPU energies") if gpus else \
        _no_gpu_energy(r.absent, r.unmeasured, notes)
    if host:
        host_q = _sum(host, "sum of CPU and DRAM energies")
    else:
        host_q = Quantity(math.nan, "J", "host energy not measured: no CPU backend",
                          "measured")
        notes.append("host energy not measured")
    total = _sum_q(acc, host_q)
    if any(not e.ok for e in entries):
        notes.append("devices without a reading are excluded from the totals")
    if r.sink_error:
        notes.append(f"sample sink failing: {r.sink_error}")
    t = Quantity(dur, "s", "wall clock between window boundaries (monotonic)", "measured")
    avg = total.scaled(1 / dur if dur > 0 else math.nan, "W",
                       "average power = total energy / time")
    return Measurement(
        name=r.name, started_at=r.unix0, ended_at=r.unix1, time=t, devices=entries,
        accelerator_energy=acc, host_energy=host_q, total_energy=total, average_power=avg,
        peak_power=_peak(r, avg, total), absent=dict(r.absent), notes=notes,
        complete=r.complete, synced=list(r.synced), site=r.site)


def _no_gpu_energy(absent: dict[str, str], unmeasured: list[str],
                   notes: list[str]) -> Quantity:
    """No GPU measured: an explained 0 J when none is visible, else NaN with the reason
    (a visible but unreadable GPU is never reported as 0 J measured)."""
    if unmeasured:
        why = "; ".join(unmeasured)
        notes.append(f"{why}; accelerator energy is not measured and the totals leave it out")
        return Quantity(math.nan, "J", f"accelerator energy not measured: {why}", "measured")
    why = "; ".join(f"{k}: {v}" for k, v in absent.items() if k in ("nvidia", "amd")) \
        or "no GPU backend"
    return Quantity(0.0, "J", f"no accelerator present: {why}", "measured")


def _peak(r: WindowRecord, avg: Quantity, total: Quantity) -> Quantity:
    peak_v = r.stats.peak_total_w
    if peak_v is None or (not math.isnan(avg.value) and peak_v < avg.value):
        return avg.with_(provenance="peak power: no sample inside the window; average power "
                         "shown", low=None, high=None)
    return Quantity(peak_v, "W", f"highest sampled total power (sampled every "
                    f"{r.interval_s:g} s and at boundaries)",
                    "measured" if total.basis == "measured" else "modelled")


def device_energy(d: Device, m0: Mark, m1: Mark, stats: WindowStats,
                  r: WindowRecord) -> DeviceEnergy:
    """Energy of one device between two marks (method and reason in the result)."""
    n, peak = stats.per_device.get(d.key, (0, None))
    if m0.counter_j is not None and m1.counter_j is not None:
        return _polled(d, m0, m1, n, peak)
    reason: str | None = None
    ratio = 1.0
    integral = m1.power_j - m0.power_j
    if d.has_counter:
        reason = _slow_counter_problem(d, m0, m1, r)
        if reason is None:
            assert m0.corrected_j is not None and m1.corrected_j is not None
            v = max(m1.corrected_j - m0.corrected_j, 0.0)
            prov = (f"{COUNTER}: {d.counter_sensor}, read by the sampler every "
                    f"{r.counter_interval_s:g} s; between reads the increment is apportioned "
                    f"along the power integral ({d.power_sensor})")
            return DeviceEnergy(d, Quantity(v, "J", prov, "measured"), COUNTER, None, n, peak)
        ratio = _counter_share(m0, m1, integral)
    return _integral(d, integral, ratio, reason, n, peak)


def _counter_share(m0: Mark, m1: Mark, integral: float) -> float:
    """Factor from a window's power integral to its share of the slow counter.

    The counter-corrected energies of the marks give it (the window's share of the counter
    between the surrounding reads, or the counter/integral ratio so far while the next read
    is pending); after a reset, or when implausible, the ratio so far.
    """
    if m1.resets != m0.resets or m0.corrected_j is None or m1.corrected_j is None \
            or integral <= 0:
        return m1.ratio
    k = (m1.corrected_j - m0.corrected_j) / integral
    return k if PLAUSIBLE_RATIO[0] <= k <= PLAUSIBLE_RATIO[1] else m1.ratio


def _slow_counter_problem(d: Device, m0: Mark, m1: Mark, r: WindowRecord) -> str | None:
    """Why a slow (sampler-read) counter cannot give this window's energy, or ``None``."""
    dur = m1.t - m0.t
    if m1.resets != m0.resets:
        return f"{d.counter_sensor} went backwards (driver reset?); its delta is unusable"
    if dur < d.counter_period_s:
        return (f"window of {dur:.3g} s is shorter than the counter's ~{d.counter_period_s:g} "
                "s update period")
    if m1.reads == m0.reads:
        err = f"; latest read failed: {m1.counter_error}" if m1.counter_error else ""
        return (f"no {d.counter_sensor} read inside this {dur:.3g} s window (the sampler "
                f"reads it every {r.counter_interval_s:g} s{err})")
    if m0.corrected_j is None or m1.corrected_j is None:
        return f"{d.counter_sensor} had no good read before the window started"
    return None


def _polled(d: Device, m0: Mark, m1: Mark, n: int, peak: float | None) -> DeviceEnergy:
    assert m0.counter_j is not None and m1.counter_j is not None
    reason: str | None = None
    if m0.error or m1.error:
        reason = f"{d.counter_sensor} read failed ({m0.error or m1.error})"
    elif m1.resets != m0.resets:
        reason = f"{d.counter_sensor} went backwards (driver reset?); its delta is unusable"
    else:
        q = Quantity(max(m1.counter_j - m0.counter_j, 0.0), "J",
                     f"{COUNTER}: {d.counter_sensor}", "measured")
        return DeviceEnergy(d, q, COUNTER, None, n, peak)
    if d.power_sensor is None:
        prov = (f"{COUNTER}: {d.counter_sensor} summed over sampler steps up to the last "
                f"good read ({reason})")
        return DeviceEnergy(d, Quantity(m1.power_j - m0.power_j, "J", prov, "measured"),
                            COUNTER, reason, n, peak)
    return _integral(d, m1.power_j - m0.power_j, 1.0, reason, n, peak)


def _integral(d: Device, integral: float, ratio: float, reason: str | None, n: int,
              peak: float | None) -> DeviceEnergy:
    if d.power_sensor is None:
        why = reason or "no counter and no power reading"
        return DeviceEnergy(d, Quantity(math.nan, "J", f"unavailable: {why}", "measured"),
                            "unavailable", why, n, peak)
    method = d.power_method
    if reason is None:
        reason = d.note if method == ESTIMATE else (d.note or "no energy counter on this device")
    lo, hi = RANGES.get(method, (1.0, 1.0))
    how = "at the window boundaries and every tick" if d.boundary_read else \
        "every tick, held between ticks"
    prov = f"{method}: {d.power_sensor}, sampled {how}"
    if ratio != 1.0:
        prov += f", scaled ×{ratio:.4g} to the energy counter (its share between reads)"
    if reason:
        prov += f" (fallback: {reason})"
    v = integral * ratio
    return DeviceEnergy(d, Quantity(v, "J", prov, d.basis, v * lo, v * hi), method, reason,
                        n, peak)


def _sum(entries: list[DeviceEnergy], what: str) -> Quantity:
    good = [e for e in entries if e.ok]
    methods = ", ".join(f"{e.device.key}: {e.method}" for e in entries)
    if not good:
        return Quantity(math.nan, "J", f"{what}: no device could be read ({methods})",
                        "measured")
    basis: Basis = "measured" if all(e.energy.basis == "measured" for e in good) \
        else "modelled"
    rng = any(e.energy.low is not None for e in good)
    return Quantity(sum(e.energy.value for e in good), "J", f"{what} ({methods})", basis,
                    sum(e.energy.lo for e in good) if rng else None,
                    sum(e.energy.hi for e in good) if rng else None)


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
