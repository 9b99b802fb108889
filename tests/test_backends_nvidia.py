"""NVIDIA backend against a fake NVML module (the hardware boundary), never a real GPU."""

from __future__ import annotations

import json
import math

import pytest

from wattprint.errors import CounterError, MeterPermissionDenied, MeterUnavailable
from wattprint.meter import Meter, detect_backends
from wattprint.meter.backends import NullBackend, nvidia
from wattprint.meter.backends.nvidia import NvidiaBackend, select_visible
from wattprint.testing import FakeClock, FakeGpu, FakeNvml

UUIDS = ["GPU-aaaa1111-0000", "GPU-bbbb2222-0000", "GPU-bbbc3333-0000"]


@pytest.fixture
def no_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counter update period 0: every window may use the counter (no sleeping in tests)."""
    monkeypatch.setattr(nvidia, "COUNTER_PERIOD_S", 0.0)


def meter_for(fake: FakeNvml, visible: str | None = None,
              clock: FakeClock | None = None) -> tuple[Meter, NvidiaBackend]:
    """A meter whose sampler reads the energy counter on every (manual) tick."""
    b = NvidiaBackend(nvml=fake, visible_devices=visible)
    return Meter(backends=[b], interval_s=3600, counter_interval_s=0, clock=clock), b


# -- CUDA_VISIBLE_DEVICES -------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "want"), [
    (None, [0, 1, 2]),
    ("1,0", [1, 0]),
    ("2", [2]),
    ("GPU-bbbb2222-0000", [1]),
    ("bbbb", [1]),           # unique prefix, GPU- optional
    ("GPU-aaaa", [0]),
    ("0,0,1", [0, 1]),
    ("", []),
    ("-1", []),
    ("0,7,1", [0]),          # CUDA stops at the first invalid entry
    ("bbb,0", []),           # ambiguous prefix is invalid
])
def test_select_visible(spec: str | None, want: list[int]) -> None:
    got, notes = select_visible(spec, UUIDS)
    assert got == want
    if spec in ("0,7,1", "bbb,0"):
        assert notes and "ignored" in notes[0]


def test_mig_is_unsupported_clearly() -> None:
    with pytest.raises(MeterUnavailable, match="MIG"):
        select_visible("MIG-4b1e6a9a-1c1f-5f7e-9b1a-000000000000", UUIDS)
    rs = detect_backends(nvml=FakeNvml(2), visible_devices="MIG-abc", powercap_root="/nonexistent")
    null = [b for b in rs if b.name == "nvidia"][0]
    assert isinstance(null, NullBackend) and "MIG" in (null.reason or "")


def test_env_cuda_visible_devices_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeNvml(3)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", f"{fake.gpus[2].uuid},1")
    b = NvidiaBackend(nvml=fake)
    assert [d.key for d in b.devices()] == ["nvidia:2", "nvidia:1"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with pytest.raises(MeterUnavailable, match="hides every GPU"):
        NvidiaBackend(nvml=fake)


# -- errors at the boundary -----------------------------------------------------------------

@pytest.mark.parametrize(("code", "exc"), [
    (FakeNvml.NVML_ERROR_LIBRARY_NOT_FOUND, MeterUnavailable),
    (FakeNvml.NVML_ERROR_DRIVER_NOT_LOADED, MeterUnavailable),
    (FakeNvml.NVML_ERROR_NO_PERMISSION, MeterPermissionDenied),
    (FakeNvml.NVML_ERROR_UNKNOWN, CounterError),
])
def test_nvml_errors_are_translated(code: int, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        NvidiaBackend(nvml=FakeNvml(1, init_error=code))


def test_absent_gpu_is_a_null_backend_with_reason(tmp_path: object) -> None:
    rs = detect_backends(nvml=FakeNvml(1, init_error=FakeNvml.NVML_ERROR_LIBRARY_NOT_FOUND),
                         powercap_root="/nonexistent")
    m = Meter(backends=rs, interval_s=3600)
    with m.window("w") as w:
        pass
    m.stop()
    acc = w.measurement.accelerator_energy  # type: ignore[union-attr]
    assert acc.value == 0.0
    assert acc.provenance.startswith("no accelerator present:")
    assert "no NVIDIA driver" in acc.provenance
    assert "nvidia" in w.measurement.absent  # type: ignore[union-attr]


def test_no_gpu_at_all() -> None:
    with pytest.raises(MeterUnavailable, match="no NVIDIA GPU"):
        NvidiaBackend(nvml=FakeNvml(0))


# -- counter and fallbacks ------------------------------------------------------------------

def test_counter_delta(no_period: None) -> None:
    fake = FakeNvml(2)
    clock = FakeClock()
    m, b = meter_for(fake, clock=clock)
    fake.gpus[0].counter_script = [1_000_000, 1_004_000]  # read by the sampler's ticks
    fake.gpus[1].counter_script = [5_000, 5_500]
    m.start()                 # tick: first counter read
    with m.window("w") as w:
        clock.advance(1.0)
        m.sampler.tick()      # second read, at the window's end time
    me = w.measurement
    assert me is not None
    d0 = me.device("nvidia:0")
    assert d0.method == "counter" and d0.energy.basis == "measured"
    assert d0.energy.value == pytest.approx(4.0)
    assert d0.energy.provenance.startswith("counter: NVML total-energy counter, read by the "
                                           "sampler")
    assert me.device("nvidia:1").energy.value == pytest.approx(0.5)
    assert me.accelerator_energy.value == pytest.approx(4.5)
    assert me.accelerator_energy.basis == "measured"
    m.stop()
    assert fake.shutdown_count == 0  # injected backends are the caller's to close
    b.close()
    assert fake.shutdown_count == 1


def test_window_boundaries_never_read_the_energy_counter(no_period: None) -> None:
    fake = FakeNvml(1)
    m, _ = meter_for(fake)
    m.start()
    reads = fake.gpus[0].counter_reads
    for _ in range(50):
        with m.window("w"):
            pass
    assert fake.gpus[0].counter_reads == reads  # the window's path reads instant power only
    m.sampler.tick()
    assert fake.gpus[0].counter_reads == reads + 1  # the sampler reads it at its own pace


def test_sampler_reads_the_counter_at_its_own_pace() -> None:
    fake = FakeNvml(1)
    clock = FakeClock()
    m = Meter(backends=[NvidiaBackend(nvml=fake)], interval_s=3600, counter_interval_s=1.0,
              clock=clock)
    m.start()
    reads = fake.gpus[0].counter_reads
    for _ in range(10):  # ten ticks in 0.9 s: no read due
        clock.advance(0.09)
        m.sampler.tick()
    assert fake.gpus[0].counter_reads == reads
    clock.advance(0.2)
    m.sampler.tick()
    assert fake.gpus[0].counter_reads == reads + 1
    m.stop()


def _steady_gpu(clock: FakeClock, watts: float, counter_ratio: float) -> tuple[Meter, FakeGpu]:
    """One GPU at constant power whose counter reads ``counter_ratio`` × the power integral."""
    gpu = FakeGpu(power_w=watts)
    fake = FakeNvml([gpu])
    m, _ = meter_for(fake, clock=clock)
    base = 1_000_000.0

    def read_counter() -> int:
        gpu.counter_reads += 1
        return int(base + 1000 * counter_ratio * watts * clock.t)

    gpu.read_counter = read_counter  # type: ignore[method-assign]
    return m, gpu


def test_windows_sum_to_the_counter_whatever_the_power_shape(no_period: None) -> None:
    # power steps at whole seconds and the counter disagrees with the power integral by a
    # different factor in each second: windows tiling the span between two counter reads
    # still add up to the counter's increment once the reads have apportioned it
    clock = FakeClock()
    gpu = FakeGpu()
    gpu.read_power = lambda: (100.0, 300.0, 50.0, 50.0)[min(int(clock.t), 3)]  # type: ignore[method-assign]
    m, _ = meter_for(FakeNvml([gpu]), clock=clock)
    gpu.counter_script = [0.0, 120_000.0, 390_000.0, 460_000.0] + [460_000.0] * 20
    m.start()                                  # read 1 (0 J) at t=0
    m.begin_window("w0")
    done = []
    ticks = [1.0, 2.0, 3.0]
    for i, t in enumerate([0.3, 0.7, 1.0, 1.45, 2.0, 2.2, 2.9, 3.0]):
        while ticks and ticks[0] <= t:
            clock.t = ticks.pop(0)
            m.sampler.tick()                   # counter read (a cut may land on it)
        clock.t = t
        done.append(m.end_window(f"w{i}"))
        m.begin_window(f"w{i + 1}")
    energies = [x.device("nvidia:0").energy.value for x in done]
    assert sum(energies) == pytest.approx(460.0)  # counter at t=3 minus counter at t=0
    assert all(e > 0 for e in energies)
    # the first second's 120 J is shared along the power integral: 100 W sampled at 0, 0.3
    # and 0.7 s, 300 W at 1 s (trapezoids: 30 + 40 + 60 = 130 W·s over that second)
    assert energies[0] == pytest.approx(120.0 * 30 / 130)
    assert done[0].device("nvidia:0").method == "instant-power integral"
    assert done[2].device("nvidia:0").method == "counter"  # 0.7 -> 1.0 holds the read at 1
    m.stop()


@pytest.mark.parametrize("length_s", [0.001, 0.05, 0.15])
def test_window_shorter_than_the_sampling_interval_is_a_labelled_integral(
        length_s: float, no_period: None) -> None:
    clock = FakeClock()
    m, _ = _steady_gpu(clock, watts=250.0, counter_ratio=1.1)
    m.start()
    for _ in range(3):  # counter reads establish the counter/integral ratio (1.1)
        clock.advance(1.0)
        m.sampler.tick()
    clock.advance(0.3)
    with m.window("short") as w:
        clock.advance(length_s)
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert d.method == "instant-power integral"
    assert "no NVML total-energy counter read inside" in (d.reason or "")
    assert d.energy.provenance.startswith("instant-power integral: NVML_FI_DEV_POWER_INSTANT, "
                                          "sampled at the window boundaries")
    assert "scaled ×1.1" in d.energy.provenance
    assert d.energy.value == pytest.approx(1.1 * 250.0 * length_s)
    assert d.energy.low is not None and d.energy.low < d.energy.value < d.energy.hi
    m.stop()


def test_short_window_with_varying_power_integrates_boundary_readings() -> None:
    clock = FakeClock()
    gpu = FakeGpu(has_counter=False, power_w=[100.0, 100.0, 200.0, 400.0])
    m, _ = meter_for(FakeNvml([gpu]), clock=clock)
    m.start()                 # 100 W (tick)
    clock.advance(0.01)
    with m.window("w") as w:  # boundary reads 200 W ...
        clock.advance(0.02)   # ... and 400 W 20 ms later
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert d.energy.value == pytest.approx(0.5 * (200 + 400) * 0.02)
    assert d.samples == 1 and d.peak_power_w == pytest.approx(400.0)
    m.stop()


def test_long_window_matches_the_counter(no_period: None) -> None:
    clock = FakeClock()
    m, _ = _steady_gpu(clock, watts=400.0, counter_ratio=0.97)
    m.start()
    clock.advance(0.4)
    with m.window("long") as w:
        for _ in range(10):
            clock.advance(0.5)
            m.sampler.tick()
        clock.advance(0.25)
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert d.method == "counter"
    assert d.energy.value == pytest.approx(0.97 * 400.0 * 5.25, rel=1e-6)
    m.stop()


def test_counter_backwards_falls_back_to_instant_integral(no_period: None) -> None:
    fake = FakeNvml([FakeGpu(power_w=250.0)])
    m, _ = meter_for(fake)
    fake.gpus[0].counter_script = [9_000_000, 10]  # driver reloaded mid-window
    m.start()
    with m.window("w") as w:
        m.sampler.tick()
    me = w.measurement
    assert me is not None
    d = me.device("nvidia:0")
    assert d.method == "instant-power integral"
    assert "backwards" in (d.reason or "")
    assert d.energy.value >= 0
    assert d.energy.value == pytest.approx(250.0 * me.time.value, rel=1e-9)
    assert d.energy.low is not None and d.energy.low < d.energy.value < d.energy.hi
    m.stop()


def test_counter_raising_mid_window_falls_back(no_period: None) -> None:
    fake = FakeNvml([FakeGpu(power_w=100.0)])
    m, _ = meter_for(fake)
    fake.gpus[0].counter_script = [1_000, FakeNvml.NVMLError(FakeNvml.NVML_ERROR_GPU_IS_LOST)]
    m.start()
    with m.window("w") as w:
        m.sampler.tick()
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert d.method == "instant-power integral"
    assert "read failed" in (d.reason or "")
    assert d.energy.value == pytest.approx(100.0 * w.measurement.time.value, rel=1e-9)  # type: ignore[union-attr]
    m.stop()


def test_gpu_without_counter_uses_power_sampling_labelled() -> None:
    fake = FakeNvml([FakeGpu(has_counter=False, power_w=80.0)])
    m, _ = meter_for(fake)
    with m.window("w") as w:
        m.sampler.tick()
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert d.method == "instant-power integral"
    assert "no total-energy counter" in (d.reason or "")
    assert d.energy.provenance.startswith("instant-power integral: NVML_FI_DEV_POWER_INSTANT")
    m.stop()


def test_gpu_without_instant_field_uses_averaged_power() -> None:
    fake = FakeNvml([FakeGpu(has_counter=False, has_instant=False, power_w=80.0)])
    m, _ = meter_for(fake)
    with m.window("w") as w:
        m.sampler.tick()
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert d.method == "averaged-power integral"
    assert d.energy.value == pytest.approx(80.0 * w.measurement.time.value, rel=1e-6)  # type: ignore[union-attr]
    # the averaged reading lags: its range is wide and asymmetric (up to +55 % high)
    assert d.energy.lo < d.energy.value / 1.5
    m.stop()


def test_short_window_uses_instant_power(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvidia, "COUNTER_PERIOD_S", 1e9)  # every window is "short"
    fake = FakeNvml([FakeGpu(power_w=300.0)])
    m, _ = meter_for(fake)
    with m.window("w") as w:
        pass
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert d.method == "instant-power integral"
    assert "shorter than the counter" in (d.reason or "")
    m.stop()


def test_unreadable_gpu_is_explained_not_zero() -> None:
    fake = FakeNvml([FakeGpu(has_counter=False, has_power=False), FakeGpu(uuid="GPU-x")])
    m, _ = meter_for(fake)
    with m.window("w") as w:
        pass
    me = w.measurement
    assert me is not None
    bad = me.device("nvidia:0")
    assert bad.method == "unavailable" and math.isnan(bad.energy.value)
    assert not math.isnan(me.accelerator_energy.value)
    assert any("excluded" in n for n in me.notes)
    json.dumps(me.to_dict(), allow_nan=False)
    m.stop()
