"""Meter behaviour with injected fake backends (ReplayBackend, fake amdsmi, fake torch)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
import types
from typing import Any

import pytest

from wattprint.errors import CounterError, InputError, MeterUnavailable
from wattprint.meter import Measurement, Meter
from wattprint.meter.backends.amd import AmdBackend
from wattprint.testing import FakeClock, ReplayBackend


def replay(**kw: Any) -> ReplayBackend:
    powers = kw.pop("powers_w", {"gpu0": 200.0, "cpu": 50.0})
    kinds = kw.pop("kinds", {"gpu0": "gpu", "cpu": "cpu"})
    return ReplayBackend(powers, kinds=kinds, **kw)


@pytest.mark.slow
def test_import_and_construction_do_no_work() -> None:
    code = ("import sys, threading, wattprint.meter as wm; m = wm.Meter(); "
            "assert 'pynvml' not in sys.modules and 'torch' not in sys.modules; "
            "assert threading.active_count() == 1; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "ok"


def test_constructor_does_not_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    import wattprint.meter.backends as backends

    def boom(**_: Any) -> list[Any]:
        raise AssertionError("probed")

    monkeypatch.setattr(backends, "detect_backends", boom)
    Meter()  # fine
    with pytest.raises(AssertionError, match="probed"):
        Meter().start()


def test_bad_interval() -> None:
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(InputError):
            Meter(interval_s=bad)


def test_window_measures_time_energy_power() -> None:
    m = Meter(backends=[replay()], interval_s=3600)
    with m.window("w") as w:
        m.sampler.tick()
        m.sampler.tick()
    me = w.measurement
    assert isinstance(me, Measurement)
    t = me.time.value
    assert me.accelerator_energy.value == pytest.approx(200.0 * t, rel=1e-9)
    assert me.host_energy.value == pytest.approx(50.0 * t, rel=1e-9)
    assert me.total_energy.value == pytest.approx(250.0 * t, rel=1e-9)
    assert me.average_power.value == pytest.approx(250.0)
    assert me.peak_power.value == pytest.approx(250.0)
    assert me.device("gpu0").samples == 3  # two ticks + the end boundary
    assert me.device("gpu0").energy.provenance.startswith("instant-power integral")
    json.dumps(me.to_dict(), allow_nan=False)
    text = str(me)  # print(w.measurement): a short readable summary, not the repr
    assert text.startswith("window 'w':") and "gpu0:" in text and "total" in text
    assert len(text.splitlines()) < 10 and "Quantity(" not in text
    m.stop()


def test_peak_power_from_samples() -> None:
    b = ReplayBackend({"g": [100.0, 100.0, 400.0, 100.0]}, kinds={"g": "gpu"})
    m = Meter(backends=[b], interval_s=3600)
    m.start()  # first read: 100
    with m.window("w") as w:  # boundary: 100
        m.sampler.tick()      # 400
    assert w.measurement.peak_power.value == pytest.approx(400.0)  # type: ignore[union-attr]
    m.stop()


def test_nested_and_overlapping_windows() -> None:
    # the counter reads 110 J per second of 100 W power: every window gets 1.1 x its integral
    clock = FakeClock()
    b = replay(powers_w={"gpu0": 100.0}, kinds={"gpu0": "gpu"},
               counters_j={"gpu0": [110.0 * i for i in range(10)]})
    m = Meter(backends=[b], interval_s=3600, counter_interval_s=0, clock=clock)
    m.start()                                   # t=0: counter read 1

    def at(t: float) -> None:
        while int(clock.t) + 1 <= t:            # a sampler tick (and counter read) each second
            clock.t = int(clock.t) + 1.0
            m.sampler.tick()
        clock.t = t

    at(0.5)
    m.begin_window("a")
    at(1.25)
    m.begin_window("b")
    at(2.5)
    a = m.end_window("a")
    at(2.75)
    with m.window("c") as c:
        at(3.5)
    at(3.75)
    bm = m.end_window("b")
    assert a.device("gpu0").energy.value == pytest.approx(1.1 * 100 * 2.0)
    assert a.device("gpu0").method == "counter"
    assert bm.device("gpu0").energy.value == pytest.approx(1.1 * 100 * 2.5)
    assert c.measurement.device("gpu0").energy.value == pytest.approx(1.1 * 75)  # type: ignore[union-attr]
    assert [x.name for x in m.measurements] == ["a", "c", "b"]
    m.stop()


def test_window_name_rules() -> None:
    m = Meter(backends=[replay()], interval_s=3600)
    m.begin_window("x")
    with pytest.raises(InputError, match="already open"):
        m.begin_window("x")
    m.end_window("x")
    with pytest.raises(InputError, match="no open window"):
        m.end_window("x")
    m.begin_window("x")  # reusable once closed
    m.end_window("x")
    m.stop()


def test_decorators() -> None:
    m = Meter(backends=[replay()], interval_s=3600)

    @m.measure("step")
    def step(x: int) -> int:
        return x * 2

    assert step(21) == 42 and step(1) == 2
    assert [x.name for x in m.measurements] == ["step", "step"]
    m.stop()

    bare = Meter(backends=[replay()], interval_s=3600)

    @bare
    def work() -> str:
        return "done"

    assert work() == "done"
    assert bare.measurements[-1].name.endswith("work")
    bare.stop()


def test_context_manager_and_exception() -> None:
    with Meter(backends=[replay()], interval_s=3600) as m:
        pass
    assert m.measurement is not None and m.measurement.complete
    assert m._sampler is None  # stopped

    m2 = Meter(backends=[replay()], interval_s=3600)
    with pytest.raises(RuntimeError), m2.window("boom"):
        raise RuntimeError("x")
    assert m2.measurements[-1].complete is False
    m2.stop()


def test_counter_raising_uses_integral_with_reason() -> None:
    b = replay(counters_j={"gpu0": [5.0, CounterError("sensor gone")]})
    m = Meter(backends=[b], interval_s=3600, counter_interval_s=0)
    with m.window("w") as w:
        m.sampler.tick()
    d = w.measurement.device("gpu0")  # type: ignore[union-attr]
    assert d.method == "instant-power integral" and "sensor gone" in (d.reason or "")
    m.stop()


def test_to_footprint() -> None:
    m = Meter(backends=[replay()], interval_s=3600, site="world")
    with m.window("w") as w:
        m.sampler.tick()
    fp = w.measurement.to_footprint(pue=1.5)  # type: ignore[union-attr]
    assert fp.kind == "measurement"
    it = fp["it_energy"].value
    assert it == pytest.approx(w.measurement.total_energy.value)  # type: ignore[union-attr]
    assert fp["facility_energy"].value == pytest.approx(1.5 * it)
    for k in ("co2e", "water", "cost"):
        assert fp[k].value > 0
    json.dumps(fp.to_dict(), allow_nan=False)
    m.stop()


def test_sink_receives_rows_from_the_thread() -> None:
    got: list[tuple[float, str, float]] = []
    lock = threading.Lock()

    def sink(rows: list[tuple[float, str, float]]) -> None:
        with lock:
            got.extend(rows)

    m = Meter(backends=[replay()], interval_s=0.02, sink=sink)
    m.start()
    s = m.sampler
    s.flush_s = 0.05
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # waits for the thread, asserts nothing about time
        with lock:
            if len(got) >= 4:
                break
        time.sleep(0.01)
    m.stop()
    assert {k for _, k, _ in got} == {"gpu0", "cpu"}
    assert all(p in (200.0, 50.0) for _, _, p in got)


def test_sink_failure_does_not_stop_sampling() -> None:
    def bad(rows: list[tuple[float, str, float]]) -> None:
        raise OSError("disk full")

    m = Meter(backends=[replay()], interval_s=3600, sink=bad)
    with m.window("w") as w:
        m.sampler.tick()
        m.sampler.flush()
    assert any("disk full" in n for n in w.measurement.notes)  # type: ignore[union-attr]
    m.stop()


def test_sync_uses_already_imported_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    cuda = types.SimpleNamespace(is_available=lambda: True, is_initialized=lambda: True,
                                 device_count=lambda: 2, synchronize=calls.append)
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))
    m = Meter(backends=[replay()], interval_s=3600)
    with m.window("w") as w:
        pass
    assert calls == [0, 1, 0, 1]
    assert w.measurement.synced == ["torch"]  # type: ignore[union-attr]
    with m.window("nosync", sync=False):
        pass
    assert len(calls) == 4
    m.stop()


class FakeAmdsmi:
    """An amdsmi-like module: two GPUs, counter in 15.3 µJ units."""

    def __init__(self) -> None:
        self.acc = [1000, 2000]

    def amdsmi_init(self) -> None: ...
    def amdsmi_shut_down(self) -> None: ...

    def amdsmi_get_processor_handles(self) -> list[int]:
        return [0, 1]

    def amdsmi_get_gpu_asic_info(self, h: int) -> dict[str, str]:
        return {"market_name": "AMD Instinct MI300X"}

    def amdsmi_get_energy_count(self, h: int) -> dict[str, float]:
        self.acc[h] += 1_000_000
        return {"energy_accumulator": self.acc[h], "counter_resolution": 15.3}

    def amdsmi_get_power_info(self, h: int) -> dict[str, Any]:
        return {"current_socket_power": 500, "average_socket_power": 480}


def test_amd_backend_with_fake_amdsmi() -> None:
    b = AmdBackend(amdsmi=FakeAmdsmi())
    assert [d.name for d in b.devices()] == ["AMD Instinct MI300X"] * 2
    m = Meter(backends=[b], interval_s=3600)
    with m.window("w") as w:
        pass
    d = w.measurement.device("amd:0")  # type: ignore[union-attr]
    assert d.method == "counter"  # cheap counter: read at both boundaries
    assert d.energy.value == pytest.approx(1_000_000 * 15.3 / 1e6)
    m.stop()


def test_amd_absent_is_explained() -> None:
    class Broken:
        def amdsmi_init(self) -> None:
            raise RuntimeError("no ROCm")

    with pytest.raises(MeterUnavailable, match="no ROCm"):
        AmdBackend(amdsmi=Broken())


def test_failed_framework_sync_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_i: int) -> None:
        raise RuntimeError("CUDA error: device lost")

    cuda = types.SimpleNamespace(is_available=lambda: True, is_initialized=lambda: True,
                                 device_count=lambda: 1, synchronize=broken)
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(cuda=cuda))
    m = Meter(backends=[replay()], interval_s=3600)
    with m.window("w") as w:
        pass
    meas = w.measurement
    assert meas is not None and meas.synced == []
    assert any("could not synchronise torch: RuntimeError" in n for n in meas.notes)


def test_held_power_windows_are_never_negative_and_add_up() -> None:
    # a device not read at boundaries (the utilisation estimate): power falls from 100 W to
    # 1 W between ticks; windows between ticks use the held reading and stay consistent
    clock = FakeClock()
    b = ReplayBackend({"cpu": [100.0, 1.0, 50.0, 1.0]}, kinds={"cpu": "cpu"})
    b._devices = [dataclasses.replace(d, boundary_read=False) for d in b._devices]
    m = Meter(backends=[b], interval_s=3600, clock=clock)
    m.start()                         # reads 100 W
    got = []
    for t in (0.9, 1.0, 1.05, 1.95, 2.1, 3.0):
        clock.t = t - 0.001
        m.begin_window("w")
        clock.t = t
        got.append(m.end_window("w").total_energy.value)
        if t in (1.0, 2.1):
            m.sampler.tick()
    assert all(e >= 0 for e in got)
    with m.window("all") as w:
        clock.advance(1.0)
        m.sampler.tick()
        clock.advance(0.5)
    assert w.measurement.total_energy.value == pytest.approx(50.0 * 1.0 + 1.0 * 0.5)  # type: ignore[union-attr]
    m.stop()


def test_apportioning_formulas() -> None:
    from wattprint.meter.counters import apportioned_energy_j, provisional_energy_j

    # counter 100 -> 160 J while the power integral went 10 -> 40 J: a point at integral 25
    # is half way, so it gets half the increment
    assert apportioned_energy_j(100.0, 160.0, 10.0, 40.0, 25.0) == pytest.approx(130.0)
    assert apportioned_energy_j(100.0, 160.0, 10.0, 40.0, 99.0) == pytest.approx(160.0)
    assert provisional_energy_j(160.0, 40.0, 50.0, 1.1) == pytest.approx(171.0)
