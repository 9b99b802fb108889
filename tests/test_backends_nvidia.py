"""NVIDIA backend against a fake NVML module (the hardware boundary), never a real GPU."""

from __future__ import annotations

import json
import math

import pytest

from wattprint.errors import CounterError, MeterPermissionDenied, MeterUnavailable
from wattprint.meter import Meter, detect_backends
from wattprint.meter.backends import NullBackend, nvidia
from wattprint.meter.backends.nvidia import NvidiaBackend, select_visible
from wattprint.testing import FakeGpu, FakeNvml

UUIDS = ["GPU-aaaa1111-0000", "GPU-bbbb2222-0000", "GPU-bbbc3333-0000"]


@pytest.fixture
def no_period(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counter update period 0: every window may use the counter (no sleeping in tests)."""
    monkeypatch.setattr(nvidia, "COUNTER_PERIOD_S", 0.0)


def meter_for(fake: FakeNvml, visible: str | None = None) -> tuple[Meter, NvidiaBackend]:
    b = NvidiaBackend(nvml=fake, visible_devices=visible)
    return Meter(backends=[b], interval_s=3600), b


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
    m, b = meter_for(fake)
    fake.gpus[0].counter_script = [1_000_000, 1_004_000]
    fake.gpus[1].counter_script = [5_000, 5_500]
    with m.window("w") as w:
        pass
    me = w.measurement
    assert me is not None
    d0 = me.device("nvidia:0")
    assert d0.method == "counter" and d0.energy.basis == "measured"
    assert d0.energy.value == pytest.approx(4.0)
    assert d0.energy.provenance == "counter: NVML total-energy counter"
    assert me.device("nvidia:1").energy.value == pytest.approx(0.5)
    assert me.accelerator_energy.value == pytest.approx(4.5)
    assert me.accelerator_energy.basis == "measured"
    m.stop()
    assert fake.shutdown_count == 0  # injected backends are the caller's to close
    b.close()
    assert fake.shutdown_count == 1


def test_sampler_never_reads_the_energy_counter(no_period: None) -> None:
    fake = FakeNvml(1)
    m, _ = meter_for(fake)
    m.start()
    probe_reads = fake.gpus[0].counter_reads
    with m.window("w"):
        for _ in range(20):
            m.sampler.tick()
    assert fake.gpus[0].counter_reads == probe_reads + 2  # the two boundaries only
    m.stop()


def test_counter_backwards_falls_back_to_instant_integral(no_period: None) -> None:
    fake = FakeNvml([FakeGpu(power_w=250.0)])
    m, _ = meter_for(fake)
    fake.gpus[0].counter_script = [9_000_000, 10]  # driver reloaded mid-window
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
