"""Sensor faults at the hardware boundary: RAPL wraps, glitches, resets, impossible jumps,
garbage values and malformed powercap trees; NVML counter jumps, impossible power samples
and failed power reads (issue 14). Fakes only at the boundary (sysfs files, FakeNvml)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wattprint.errors import CounterError
from wattprint.meter import Meter
from wattprint.meter.backends import detect_backends, nvidia
from wattprint.meter.backends.guard import CounterGuard
from wattprint.meter.backends.nvidia import NvidiaBackend
from wattprint.meter.backends.rapl import RaplBackend
from wattprint.testing import FakeGpu, FakeNvml, FakeNVMLError, cli_call, make_fake_powercap

RANGE_UJ = 262_143_328_850


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def rapl(tmp_path: Path, uj: int = 1_000_000, rng: int = RANGE_UJ,
         clock: Clock | None = None) -> tuple[RaplBackend, object]:
    pc = make_fake_powercap(tmp_path, [("intel-rapl:0", "package-0", uj, rng)])
    return RaplBackend(root=pc.root, clock=clock or Clock()), pc


def feed(b: RaplBackend, pc: object, clock: Clock, steps: list[tuple[float, int]]) -> float:
    dev = b.devices()[0]
    total = b.read_counter_j(dev)
    for dt, uj in steps:
        clock.t += dt
        pc.set_energy("package-0", uj)  # type: ignore[attr-defined]
        total = b.read_counter_j(dev)
    return total


# -- RAPL -----------------------------------------------------------------------------------

def test_rapl_glitch_backwards_is_not_a_wrap(tmp_path: Path) -> None:
    c = Clock()
    b, pc = rapl(tmp_path, 5_000_000, clock=c)
    total = feed(b, pc, c, [(0.2, 4_999_000), (0.2, 5_010_000)])  # 1 mJ back, then on
    assert total == pytest.approx(0.010, abs=1e-6)  # not +262,145 J
    notes = b.anomalies(b.devices()[0], 0, 1e9)
    assert len(notes) == 1 and "glitch" in notes[0]


def test_rapl_reset_is_not_a_wrap(tmp_path: Path) -> None:
    c = Clock()
    b, pc = rapl(tmp_path, 100_000_000_000, clock=c)  # 100 kJ
    steps = [(0.2, 100_000_000_000 + 10_000_000 * k) for k in range(1, 4)]  # 50 W
    steps += [(0.2, 500_000)]  # counter cleared
    total = feed(b, pc, c, steps)
    assert total == pytest.approx(40.0, rel=1e-6)  # 3 × 10 J + the gap at 50 W, not 162 kJ
    notes = b.anomalies(b.devices()[0], 0, 1e9)
    assert "went backwards" in notes[0] and "reset" in notes[0]


def test_rapl_several_wraps_between_reads_are_counted(tmp_path: Path) -> None:
    c = Clock()
    rng = 10_000_000  # a 10 J counter
    b, pc = rapl(tmp_path, 0, rng=rng, clock=c)
    # 21 W steady: 0.4 s → 8.4 J; then 1 s → +21 J = two wraps, raw 9.4 J (+1 J naively)
    total = feed(b, pc, c, [(0.4, 8_400_000), (1.0, 9_400_000)])
    assert total == pytest.approx(29.4, rel=1e-6)
    assert "wrapped 2 times" in b.anomalies(b.devices()[0], 0, 1e9)[0]


def test_rapl_single_wrap_still_works(tmp_path: Path) -> None:
    c = Clock()
    b, pc = rapl(tmp_path, RANGE_UJ - 1_000_000, clock=c)
    assert feed(b, pc, c, [(0.2, 2_000_000)]) == pytest.approx(3.0)
    assert b.anomalies(b.devices()[0], 0, 1e9) == []


def test_rapl_impossible_jump_is_rejected_and_labelled(tmp_path: Path) -> None:
    c = Clock()
    b, pc = rapl(tmp_path, 1_000_000, clock=c)
    total = feed(b, pc, c, [(0.2, 11_000_000), (0.2, 200_000_000_000 + 11_000_000),
                            (0.2, 200_000_000_000 + 21_000_000)])  # +200 kJ in 0.2 s
    assert total == pytest.approx(30.0, rel=1e-6)  # 10 J + gap at 50 W (10 J) + 10 J
    assert "impossible counter jump" in b.anomalies(b.devices()[0], 0, 1e9)[0]


@pytest.mark.parametrize("text", ["nan", "inf", "-5", "1.5e6", "", "12abc", "٣٣"])
def test_rapl_garbage_reading_is_a_read_error_not_a_number(tmp_path: Path, text: str) -> None:
    c = Clock()
    b, pc = rapl(tmp_path, 1_000_000, clock=c)
    dev = b.devices()[0]
    b.read_counter_j(dev)
    (pc.zones["package-0"] / "energy_uj").write_text(text)  # type: ignore[attr-defined]
    with pytest.raises(CounterError):
        b.read_counter_j(dev)
    c.t += 0.2
    pc.set_energy("package-0", 2_000_000)  # type: ignore[attr-defined]
    assert b.read_counter_j(dev) == pytest.approx(1.0)  # nothing poisoned


def test_rapl_reading_above_its_range_is_rejected(tmp_path: Path) -> None:
    b, pc = rapl(tmp_path, 1_000, rng=10_000_000)
    (pc.zones["package-0"] / "energy_uj").write_text("20000000")  # type: ignore[attr-defined]
    with pytest.raises(CounterError, match="above its range"):
        b.read_counter_j(b.devices()[0])


def test_rapl_bound_comes_from_the_zone_power_limit(tmp_path: Path) -> None:
    b, pc = rapl(tmp_path)
    (pc.zones["package-0"] / "constraint_0_max_power_uw").write_text("125000000\n")  # type: ignore[attr-defined]
    b2 = RaplBackend(root=pc.root)  # type: ignore[attr-defined]
    assert "250 W" in (b2.devices()[0].note or "")
    assert "1000 W" in (b.devices()[0].note or "")


def malformed_tree(tmp_path: Path, what: str) -> Path:
    pc = make_fake_powercap(tmp_path, [("intel-rapl:0", "package-0", 1, RANGE_UJ)])
    root = pc.root
    if what == "bad-index":
        bad = root / "intel-rapl:x"
        bad.mkdir()
        (bad / "name").write_text("package-1\n")
    elif what == "symlink-loop":
        os.symlink(root / "intel-rapl:9", root / "intel-rapl:9")
    elif what == "non-ascii":
        z = root / "intel-rapl:1"
        z.mkdir()
        (z / "name").write_bytes("paquet-é\n".encode())
    elif what == "no-range":
        (root / "intel-rapl:0" / "max_energy_range_uj").unlink()
    elif what == "dir-as-file":
        (root / "intel-rapl:0" / "energy_uj").unlink()
        (root / "intel-rapl:0" / "energy_uj").mkdir()
    return root


@pytest.mark.parametrize("what", ["bad-index", "symlink-loop", "non-ascii", "no-range",
                                  "dir-as-file"])
def test_malformed_powercap_never_breaks_detection(tmp_path: Path, what: str) -> None:
    root = malformed_tree(tmp_path, what)
    got = detect_backends(nvml=FakeNvml(0), powercap_root=root)
    names = {b.name for b in got}
    assert "rapl" in names or "cpu-estimate" in names or len(got) >= 3
    rapl_b = next(b for b in got if b.name == "rapl")
    if rapl_b.devices():
        assert [d.key for d in rapl_b.devices()] == ["rapl:package-0"]
    else:
        assert rapl_b.reason


@pytest.mark.parametrize("what", ["bad-index", "symlink-loop", "non-ascii"])
def test_malformed_powercap_still_runs_the_command(tmp_path: Path, what: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(malformed_tree(tmp_path, what)))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    code, _, err = cli_call("run", "--db", str(tmp_path / "l.sqlite"), "--", "sh", "-c",
                            "exit 7")
    assert code == 7, err


def test_detection_bug_becomes_a_null_backend(tmp_path: Path) -> None:
    class Broken(FakeNvml):
        def nvmlDeviceGetCount(self) -> int:
            raise ZeroDivisionError("boom")

    got = detect_backends(nvml=Broken(1), powercap_root=tmp_path / "none")
    nv = next(b for b in got if b.name == "nvidia")
    assert not nv.devices() and "ZeroDivisionError" in (nv.reason or "")


def test_meter_reports_rapl_anomalies_in_the_window(tmp_path: Path) -> None:
    pc = make_fake_powercap(tmp_path, [("intel-rapl:0", "package-0", 5_000_000, RANGE_UJ)])
    m = Meter(backends=[RaplBackend(root=pc.root)], interval_s=3600)
    with m.window("w") as w:
        pc.set_energy("package-0", 4_999_000)
        m.sampler.tick()
        pc.set_energy("package-0", 5_002_000)
    d = w.measurement.device("rapl:package-0")  # type: ignore[union-attr]
    assert d.energy.value < 1.0 and "glitch" in (d.reason or "")
    assert any("glitch" in n for n in w.measurement.notes)  # type: ignore[union-attr]


def test_devices_after_stop_does_not_restart_sampling(tmp_path: Path) -> None:
    pc = make_fake_powercap(tmp_path)
    m = Meter(backends=[RaplBackend(root=pc.root)], interval_s=3600)
    with m.window("w"):
        pass
    m.stop()
    assert [d.key for d in m.devices]
    assert m._sampler is None  # still stopped


# -- NVML -----------------------------------------------------------------------------------

@pytest.fixture
def no_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvidia, "COUNTER_PERIOD_S", 0.0)


def test_gpu_counter_jump_of_a_gigajoule_falls_back_to_the_integral(no_period: None) -> None:
    clock = Clock()
    fake = FakeNvml([FakeGpu(power_w=300.0)])
    m = Meter(backends=[NvidiaBackend(nvml=fake)], interval_s=3600, counter_interval_s=0,
              clock=clock)
    fake.gpus[0].counter_script = [1_000_000, 1_300_000, 1_300_000 + 10**12] + \
        [1_300_000 + 10**12 + 300_000 * k for k in range(1, 20)]  # +1 GJ (mJ) at t=2
    m.start()
    with m.window("w") as w:
        for _ in range(3):
            clock.t += 1.0
            m.sampler.tick()
    me = w.measurement
    d = me.device("nvidia:0")  # type: ignore[union-attr]
    assert "impossible counter jump" in (d.reason or "") or \
        "impossible counter jump" in " ".join(me.notes)  # type: ignore[union-attr]
    assert d.energy.value < 2000.0  # about 300 W × 3 s, never a gigajoule


def test_gpu_power_of_4_29_megawatts_is_rejected() -> None:
    fake = FakeNvml([FakeGpu(has_counter=False, power_w=[300.0, 300.0, 4_294_967.295, 300.0])])
    b = NvidiaBackend(nvml=fake)
    m = Meter(backends=[b], interval_s=3600)
    with m.window("w") as w:
        m.sampler.tick()
        m.sampler.tick()
    me = w.measurement
    d = me.device("nvidia:0")  # type: ignore[union-attr]
    assert d.peak_power_w is not None and d.peak_power_w <= 300.0
    assert "implausible power reading" in (d.reason or "")


def test_failed_gpu_power_reads_are_reported() -> None:
    g = FakeGpu(has_counter=False, power_w=300.0)
    fake = FakeNvml([g])
    m = Meter(backends=[NvidiaBackend(nvml=fake)], interval_s=3600)
    with m.window("w") as w:
        g.power_error = FakeNVMLError(FakeNvml.NVML_ERROR_UNKNOWN)
        m.sampler.tick()
        m.sampler.tick()
        g.power_error = None
    d = w.measurement.device("nvidia:0")  # type: ignore[union-attr]
    assert "2 power reads failed" in (d.reason or "")


def test_guard_without_range_treats_backwards_as_reset() -> None:
    c = Clock()
    g = CounterGuard("x", None, 100.0, c)
    g.update(1000.0)
    c.t += 1
    g.update(1050.0)
    c.t += 1
    assert g.update(10.0) == pytest.approx(100.0)  # 50 J + the gap at 50 W
    assert "reset" in g.anomalies[0][1]


def test_no_accelerator_reads_none_present_not_0_j_measured(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "none"))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    monkeypatch.setenv("COLUMNS", "100")
    code, _, err = cli_call("run", "--db", str(tmp_path / "l.sqlite"), "--", "true")
    assert code == 0, err
    row = next(line for line in err.splitlines() if "accelerator energy" in line)
    assert "none present" in row and "no device" in row and "0 J" not in row
