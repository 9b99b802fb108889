"""calibrate device: CPU benchmarks (estimated energies), the GPU path with a fake torch,
the built-in H200 profile."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from wattprint.calibrate.device_profile import (
    h200_reference_profile,
    profile_from_run,
)
from wattprint.calibrate.microbench import BenchResult, run_benchmarks, run_device_benchmarks
from wattprint.device.profile import load_profile, profile_to_json
from wattprint.errors import InputError
from wattprint.meter import Meter
from wattprint.meter.backends.base import Device, EnergyBackend
from wattprint.meter.backends.cpu_estimate import CpuEstimateBackend
from wattprint.testing import cli_run

DATA = Path(__file__).parent / "data"


@pytest.mark.slow  # real benchmarks in a time budget (a meter thread sleeping)
def test_cpu_benchmarks_tiny_budget_estimated_energies() -> None:
    meter = Meter(backends=[CpuEstimateBackend("test: no RAPL")], interval_s=0.05)
    seen: list[str] = []
    t0 = time.perf_counter()
    run = run_device_benchmarks(0.5, meter=meter, use_gpu=False,
                                progress=lambda n, d, t: seen.append(n))
    meter.stop()
    assert time.perf_counter() - t0 < 15
    assert run.device == "cpu"
    assert [r.name for r in run.results] == ["cpu_idle", "cpu_matmul_fp32", "cpu_matmul_fp64",
                                             "cpu_stream", "cpu_launch", "cpu_idle_end"]
    assert seen[-1] == "done"
    for r in run.results:
        assert r.basis == "modelled" and r.energy_j is not None
    prof = profile_from_run(run)
    dev = prof.device
    assert dev.achieved_flops["fp32"].value > 1e6
    assert dev.achieved_flops["fp64"].value > 1e6
    assert dev.achieved_bandwidth_bps is not None and dev.achieved_bandwidth_bps.value > 1e6
    assert dev.launch_overhead_s is not None and 0 < dev.launch_overhead_s.value < 1e-2
    assert dev.idle_w is not None and dev.idle_w.provenance.startswith("estimated")
    assert prof.fit["energy_basis"] == "estimated"
    for pv in dev.j_per_flop.values():
        assert pv.provenance.startswith("estimated")
    assert any("estimate" in n for n in prof.fit["notes"])
    json.loads(profile_to_json(prof))  # serialisable


def test_budget_must_be_positive() -> None:
    with pytest.raises(InputError, match="budget"):
        run_benchmarks([], 0.0, meter=Meter(backends=[CpuEstimateBackend("x")]))


# -- the GPU path, with a fake torch at the boundary ------------------------------------------

class FakeGpuPower(EnergyBackend):
    """A GPU whose power is whatever the fake torch says it is doing."""

    name = "fakegpu"

    def __init__(self, state: dict[str, float]) -> None:
        self.state = state
        self._dev = Device(key="nvidia:0", kind="gpu", backend="fakegpu", name="NVIDIA H200",
                           index=0, power_sensor="fake instantaneous power")

    def devices(self) -> list[Device]:
        return [self._dev]

    def read_power_w(self, device: Device) -> float:
        return self.state["power"]


class FakeTensor:
    def __init__(self, torch: FakeTorch, n: int = 0, dtype: Any = None) -> None:
        self.torch, self.n, self.dtype = torch, n, dtype

    def to(self, dtype: Any) -> FakeTensor:
        return FakeTensor(self.torch, self.n, dtype)

    def t(self) -> FakeTensor:
        return self

    def contiguous(self) -> FakeTensor:
        return self

    def copy_(self, src: FakeTensor) -> FakeTensor:
        self.torch.work("copy", 600.0)
        return self


class FakeTorch:
    """Just enough of ``torch`` for the GPU benchmarks: records what was called."""

    bfloat16, float16, float32, uint8, float8_e4m3fn = "bf16", "fp16", "fp32", "u8", "fp8"

    def __init__(self, capability: tuple[int, int] = (9, 0)) -> None:
        self.state = {"power": 80.0}
        self.log: list[str] = []
        self.context = False
        self.tf32_seen: list[bool] = []
        torch = self

        class Cuda:
            def is_available(self) -> bool:
                return True

            def is_initialized(self) -> bool:
                return torch.context

            def synchronize(self, dev: Any = None) -> None:
                torch.log.append("sync")

            def get_device_name(self, i: int) -> str:
                return "NVIDIA H200"

            def get_device_capability(self, i: int) -> tuple[int, int]:
                return capability

            def mem_get_info(self, dev: Any = None) -> tuple[int, int]:
                return (8 * 2 ** 30, 141 * 2 ** 30)

            def device_count(self) -> int:
                return 1

        self.cuda = Cuda()
        self.backends = SimpleNamespace(cuda=SimpleNamespace(
            matmul=SimpleNamespace(allow_tf32=False)))

    def _ctx(self) -> None:
        if not self.context:
            self.context = True
            self.log.append("context")
            self.state["power"] = 120.0

    def work(self, what: str, power: float) -> None:
        self._ctx()
        self.state["power"] = power
        self.log.append(what)
        time.sleep(0.0005)

    def zeros(self, *shape: Any, device: Any = None, dtype: Any = None) -> FakeTensor:
        self._ctx()
        return FakeTensor(self, 1, dtype)

    def ones(self, *shape: Any, device: Any = None, dtype: Any = None) -> FakeTensor:
        self._ctx()
        return FakeTensor(self, 1, dtype)

    def randn(self, n: int, m: int, device: Any = None, dtype: Any = None) -> FakeTensor:
        self._ctx()
        return FakeTensor(self, n, dtype)

    def empty(self, size: int, dtype: Any = None, device: Any = None) -> FakeTensor:
        self._ctx()
        return FakeTensor(self, size, dtype)

    def matmul(self, a: FakeTensor, b: FakeTensor) -> FakeTensor:
        self.tf32_seen.append(self.backends.cuda.matmul.allow_tf32)
        self.work(f"matmul:{a.dtype}:{a.n}", 700.0 if a.n > 256 else 140.0)
        return a

    def _scaled_mm(self, a: FakeTensor, b: FakeTensor, **kw: Any) -> FakeTensor:
        assert kw["out_dtype"] == "bf16" and a.dtype == "fp8"
        self.work("scaled_mm", 690.0)
        return a


def test_gpu_path_with_fake_torch_measured_energies() -> None:
    torch = FakeTorch()
    meter = Meter(backends=[FakeGpuPower(torch.state)], interval_s=0.02)
    run = run_device_benchmarks(1.0, meter=meter, torch=torch)
    meter.stop()
    assert run.device == "gpu" and run.device_name == "NVIDIA H200"
    names = [r.name for r in run.results]
    assert names[:2] == ["gpu_idle_no_context", "gpu_idle_with_context"]
    assert {"gpu_matmul_bf16", "gpu_matmul_fp16", "gpu_matmul_tf32", "gpu_matmul_fp32",
            "gpu_matmul_fp8", "gpu_copy", "gpu_launch"} <= set(names)
    # the no-context idle ran before anything opened a context (its power stayed at 80 W)
    no_ctx = run.results[0]
    assert no_ctx.avg_power_w == pytest.approx(80.0, rel=0.05)
    # tf32 toggled on only for the tf32 product, and restored
    assert any(torch.tf32_seen) and torch.backends.cuda.matmul.allow_tf32 is False
    prof = profile_from_run(run)
    dev = prof.device
    assert prof.hardware == "nvidia-h200-sxm"
    assert dev.idle_w.value == pytest.approx(120.0, rel=0.05)
    assert dev.idle_no_context_w.value == pytest.approx(80.0, rel=0.05)
    for prec in ("bf16", "fp16", "tf32", "fp32", "fp8"):
        assert dev.achieved_flops[prec].value > 0
        jf = dev.j_per_flop[prec]
        assert jf.provenance.startswith("measured")
        rate = dev.achieved_flops[prec].value
        expect = (690.0 if prec == "fp8" else 700.0) - 120.0
        assert jf.value * rate == pytest.approx(expect, rel=0.1)
    assert dev.j_per_byte.value * dev.achieved_bandwidth_bps.value == pytest.approx(480, rel=0.1)
    assert dev.launch_overhead_s.value > 0
    assert prof.fit["energy_basis"] == "measured"


@pytest.mark.slow  # real benchmarks in a time budget (a meter thread sleeping)
def test_gpu_without_fp8_skips_it() -> None:
    torch = FakeTorch(capability=(8, 0))
    meter = Meter(backends=[FakeGpuPower(torch.state)], interval_s=0.05)
    run = run_device_benchmarks(0.5, meter=meter, torch=torch)
    meter.stop()
    fp8 = next(r for r in run.results if r.name == "gpu_matmul_fp8")
    assert fp8.calls == 0 and "skipped" in (fp8.note or "")
    prof = profile_from_run(run)
    assert "fp8" not in prof.device.achieved_flops and "bf16" in prof.device.achieved_flops


def test_forcing_gpu_without_torch_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import wattprint.calibrate.microbench as mb

    monkeypatch.setattr(mb, "load_torch", lambda: None)
    with pytest.raises(InputError, match="PyTorch with CUDA"):
        run_device_benchmarks(1.0, use_gpu=True, meter=Meter(backends=[]))


# -- the built-in H200 profile ----------------------------------------------------------------

def test_builtin_h200_profile_matches_its_source_csv() -> None:
    built = load_profile("h200-microbench")
    regen = h200_reference_profile(DATA / "h200_microbenchmarks.csv")
    assert built.device == regen.device
    d = built.device
    assert d.idle_w.value == pytest.approx(120.6)
    assert d.idle_no_context_w.value == pytest.approx(79.6)
    assert d.j_per_flop["bf16"].value == pytest.approx((696.9 - 120.6) / 665.6e12, rel=1e-3)
    assert d.j_per_byte.value == pytest.approx((599.5 - 120.6) / 4.27e12, rel=2e-3)
    assert d.launch_overhead_s.value == pytest.approx(13.7e-6, rel=0.01)
    assert d.achieved_bandwidth_bps.value == pytest.approx(4.27e12, rel=1e-3)
    for pv in [d.idle_w, d.j_per_byte, *d.j_per_flop.values(), *d.achieved_flops.values()]:
        assert pv.provenance.startswith("wattprint H200 microbenchmarks, NVML energy counter, "
                                        "2026-11-28")


def test_estimate_accepts_builtin_profile() -> None:
    r = cli_run("estimate", "infer", "--model",
                        "llama-3.1-8b", "-H", "h200", "--profile", "h200-microbench", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    prov = d["details"]["device_provenance"]["j_per_flop"]
    assert "h200-microbench" in prov


@pytest.mark.slow  # real benchmarks in a time budget (a meter thread sleeping)
def test_cli_device_cpu_json(tmp_path: Path) -> None:
    out = tmp_path / "cpu.json"
    pic = tmp_path / "cpu.svg"
    r = cli_run("calibrate", "device", "--cpu",
                        "--budget", "0.5", "-o", str(out), "--plot", str(pic), "--json",
                        "--force")
    assert r.returncode == 0, r.stderr
    assert "calibrate device: [0/6] cpu_idle" in r.stderr  # progress lines off a terminal
    d = json.loads(r.stdout)
    assert d["device"] == "cpu" and d["profile_path"] == str(out)
    assert isinstance(d["idle_problems"], list)
    assert pic.is_file() and d["plot_kind"] == "svg"
    prof = load_profile(str(out))
    assert prof.device.achieved_flops["fp32"].value > 0
    bad = cli_run("calibrate", "device",
                          "--budget", "-3")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def _idle_run(idle_w: float, end_w: float, load_w: float, busy: float) -> list[BenchResult]:
    def r(name: str, kind: str, p: float, b: float | None = None) -> BenchResult:
        return BenchResult(name, kind, "cpu", seconds=1.0, calls=1, flops=1e9, energy_j=p,
                           window_s=1.0, basis="measured", busy_frac=b)
    return [r("cpu_idle", "idle", idle_w, busy), r("cpu_matmul_fp32", "matmul", load_w),
            r("cpu_idle_end", "idle", end_w, busy)]


def test_idle_check_flags_a_busy_machine() -> None:
    from wattprint.calibrate.idle_check import idle_problems

    assert idle_problems(_idle_run(20.0, 20.5, 60.0, 0.02)) == []
    busy = idle_problems(_idle_run(19.9, 20.0, 20.4, 0.02))  # the busy machine
    assert len(busy) == 1 and "within 10%" in busy[0]
    assert "CPU time used by other processes was 40%" in idle_problems(
        _idle_run(20.0, 20.0, 60.0, 0.4))[0]
    assert "changed from 20 W to 30 W" in idle_problems(_idle_run(20.0, 30.0, 60.0, 0.0))[0]


@pytest.mark.slow
def test_busy_profile_not_saved_without_force(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    code = ("import sys; from wattprint.calibrate import idle_check as i; "
            "i.MAX_CPU_BUSY = -1.0; "  # every machine looks busy
            "from wattprint.cli.main import run; run(sys.argv[1:])")
    r = subprocess.run([sys.executable, "-c", code, "calibrate", "device", "--cpu",
                        "--budget", "1", "-o", str(out)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "profile NOT saved" in r.stderr and not out.exists()
