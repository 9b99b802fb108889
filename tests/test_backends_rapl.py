"""RAPL backend against a fake powercap tree; counter arithmetic with hypothesis."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wattprint.errors import MeterPermissionDenied, MeterUnavailable
from wattprint.meter import Meter, detect_backends
from wattprint.meter.backends import NullBackend, rapl
from wattprint.meter.backends.cpu_estimate import CpuEstimateBackend
from wattprint.meter.backends.rapl import RaplBackend
from wattprint.meter.counters import CounterTracker
from wattprint.testing import make_fake_powercap


def test_domains(tmp_path: Path) -> None:
    pc = make_fake_powercap(tmp_path)
    b = RaplBackend(root=pc.root)
    devs = {d.key: d for d in b.devices()}
    assert set(devs) == {"rapl:package-0", "rapl:dram-0"}  # core is inside the package
    assert devs["rapl:package-0"].kind == "cpu" and devs["rapl:dram-0"].kind == "dram"
    assert devs["rapl:package-0"].counter_range_j == pytest.approx(262_143.32885)
    assert b.has_dram


def test_env_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pc = make_fake_powercap(tmp_path, {"package-0": 5, "package-1": 7})
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    backends = detect_backends(nvml=_no_nvml())
    names = [b.name for b in backends if not isinstance(b, NullBackend)]
    assert "rapl" in names
    # no DRAM domain: RAM is estimated, and the reason says so
    est = [b for b in backends if isinstance(b, CpuEstimateBackend)]
    assert len(est) == 1 and [d.kind for d in est[0].devices()] == ["dram"]
    assert "no DRAM domain" in est[0].fallback_reason


def _no_nvml() -> object:
    from wattprint.testing import FakeNvml

    return FakeNvml(0)


def test_counter_window_and_wrap(tmp_path: Path) -> None:
    rng = 1_000_000
    pc = make_fake_powercap(tmp_path, [("intel-rapl:0", "package-0", 900_000, rng)])
    b = RaplBackend(root=pc.root)
    m = Meter(backends=[b], interval_s=3600)
    m.start()
    with m.window("w") as w:
        pc.set_energy("package-0", 990_000)
        m.sampler.tick()
        pc.set_energy("package-0", 100_000)  # wrapped once
        m.sampler.tick()
        pc.set_energy("package-0", 800_000)
        m.sampler.tick()
        pc.set_energy("package-0", 50_000)  # and again
    d = w.measurement.device("rapl:package-0")  # type: ignore[union-attr]
    assert d.method == "counter" and d.energy.provenance == "counter: RAPL energy_uj"
    # 90k + 110k + 700k + 250k µJ
    assert d.energy.value == pytest.approx(1.15)
    assert w.measurement.host_energy.basis == "measured"  # type: ignore[union-attr]
    m.stop()


def test_counter_read_failing_mid_window(tmp_path: Path) -> None:
    pc = make_fake_powercap(tmp_path, {"package-0": 1_000_000})
    m = Meter(backends=[RaplBackend(root=pc.root)], interval_s=3600)
    with m.window("w") as w:
        pc.set_energy("package-0", 3_000_000)
        m.sampler.tick()
        (pc.zones["package-0"] / "energy_uj").write_text("garbage\n")
    d = w.measurement.device("rapl:package-0")  # type: ignore[union-attr]
    assert d.reason and "read failed" in d.reason
    assert d.energy.value == pytest.approx(2.0)  # the steps sampled before the failure
    assert "last good read" in d.energy.provenance
    m.stop()


def test_missing_tree_falls_back_to_estimate(tmp_path: Path) -> None:
    with pytest.raises(MeterUnavailable):
        RaplBackend(root=tmp_path / "nothing")
    backends = detect_backends(nvml=_no_nvml(), powercap_root=tmp_path / "nothing")
    null = [b for b in backends if b.name == "rapl"][0]
    assert isinstance(null, NullBackend)
    est = [b for b in backends if isinstance(b, CpuEstimateBackend)][0]
    assert "RAPL unavailable" in est.fallback_reason
    m = Meter(backends=backends, interval_s=3600)
    with m.window("w") as w:
        m.sampler.tick()
    me = w.measurement
    assert me is not None
    for d in me.devices:
        assert d.method == "estimate from utilisation × TDP"
        assert d.energy.basis == "modelled"
        assert d.energy.value > 0
        assert d.energy.low is not None and d.energy.high is not None
    assert me.host_energy.basis == "modelled"
    m.stop()


def _denying_reader(path: Path) -> str:
    if path.name == "energy_uj":
        raise PermissionError(13, "Permission denied", str(path))
    return path.read_text()


def test_permission_denied_message_and_fallback(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pc = make_fake_powercap(tmp_path)
    with pytest.raises(MeterPermissionDenied, match="chmod -R a\\+r"):
        RaplBackend(root=pc.root, read_text=_denying_reader)
    # the file read is the hardware boundary: deny it for the whole detection
    monkeypatch.setattr(rapl, "_read_text", _denying_reader)
    backends = detect_backends(nvml=_no_nvml(), powercap_root=pc.root)
    null = [b for b in backends if b.name == "rapl"][0]
    assert isinstance(null, NullBackend) and "root" in (null.reason or "")
    est = [b for b in backends if isinstance(b, CpuEstimateBackend)][0]
    assert "sudo chmod" in est.fallback_reason
    assert all(d.note and "sudo chmod" in d.note for d in est.devices())


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_real_file_mode(tmp_path: Path) -> None:
    pc = make_fake_powercap(tmp_path)
    (pc.zones["package-0"] / "energy_uj").chmod(0)
    with pytest.raises(MeterPermissionDenied):
        RaplBackend(root=pc.root)


# -- counter arithmetic (property-based) ---------------------------------------------------

@given(start=st.integers(0, 10**6 - 1),
       steps=st.lists(st.integers(0, 10**6 - 1), max_size=50))
def test_wrapping_counter_deltas_equal_true_increments(start: int, steps: list[int]) -> None:
    rng = 10**6
    t = CounterTracker(float(rng))
    raw = start
    t.update(float(raw))
    prev = t.total
    for s in steps:
        raw = (raw + s) % rng
        t.update(float(raw))
        assert t.total - prev >= 0
        prev = t.total
    assert t.total == pytest.approx(sum(steps))
    assert t.resets == 0


@given(st.lists(st.floats(0, 1e12, allow_nan=False), min_size=1, max_size=50))
def test_counter_without_range_never_goes_negative(values: list[float]) -> None:
    t = CounterTracker(None)
    prev = 0.0
    backwards = 0
    for i, v in enumerate(values):
        t.update(v)
        assert t.total >= prev
        prev = t.total
        if i and v < values[i - 1]:
            backwards += 1
    assert t.resets == backwards
    # increments of the monotonic stretches are all counted
    pairs = zip(values, values[1:], strict=False)
    assert t.total == pytest.approx(sum(max(b - a, 0) for a, b in pairs))
