"""Turn micro-benchmark results into a device profile (``wattprint-profile/1``).

Formulas (per benchmark, ``P = energy / window time`` the device's average power):

* ``idle_w`` = P of the idle window (GPU: with a CUDA context; ``idle_no_context_w``
  without);
* ``achieved_flops[prec]`` = FLOPs / timed seconds of the matrix products;
* ``j_per_flop[prec]`` = (P − idle_w) / achieved FLOP/s (dynamic energy per FLOP);
* ``achieved_bandwidth_bps`` = bytes (read + written) / seconds of the copy;
* ``j_per_byte`` = (P − idle_w) / achieved bytes/s;
* ``launch_overhead_s`` = seconds / calls of the launch-bound loop.

Every figure carries its provenance. Energies from a meter without a sensor (the CPU
utilisation × TDP estimate) are labelled ``estimated``; the energy range is the meter's.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wattprint.calibrate.microbench import BenchResult, BenchRun
from wattprint.device.profile import DeviceSection, Profile, PValue
from wattprint.errors import DataError


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-") or "device"


def catalog_hardware_id(name: str) -> str | None:
    """The catalog id of a device name (``NVIDIA H200`` → ``nvidia-h200-sxm``), if known."""
    try:
        from wattprint.catalog import get_hardware

        return get_hardware(name).id
    except Exception:  # noqa: BLE001 - an unknown name is simply not in the catalog
        return None


def _energy_label(r: BenchResult) -> str:
    if r.basis == "measured":
        return f"measured ({r.provenance})"
    return f"estimated: no energy sensor ({r.provenance})"


def _power(r: BenchResult) -> tuple[float, float, float] | None:
    """(central, low, high) average power [W] of a benchmark, or None."""
    t = r.window_s or r.seconds
    if r.energy_j is None or not t or not math.isfinite(r.energy_j):
        return None
    lo = r.energy_low_j if r.energy_low_j is not None else r.energy_j
    hi = r.energy_high_j if r.energy_high_j is not None else r.energy_j
    return r.energy_j / t, lo / t, hi / t


def _pv(value: float, low: float | None, high: float | None, prov: str) -> PValue:
    if low is not None and high is not None and (abs(low - value) < 1e-12 * abs(value)
                                                 and abs(high - value) < 1e-12 * abs(value)):
        low = high = None
    if low is not None and high is not None and low > high:
        low, high = high, low
    return PValue(value=value, low=low, high=high, provenance=prov)


@dataclass
class _Derivation:
    """Derives profile figures from benchmark results, with one provenance rule and one notes
    list (``idle``: the idle power (central, low, high) [W] the dynamic energies are above)."""

    provenance: str | None
    notes: list[str]
    idle: tuple[float, float, float] | None = None

    def prov(self, detail: str, r: BenchResult | None = None, energy: bool = False) -> str:
        """The provenance of one figure."""
        if self.provenance:
            return f"{self.provenance}: {detail}"
        if energy and r is not None:
            return f"{_energy_label(r)}; {detail}"
        return f"measured: wall-clock timing; {detail}"

    def idle_power(self, r: BenchResult) -> PValue | None:
        """Average power [W] over an idle window."""
        p = _power(r)
        if p is None:
            return None
        return _pv(p[0], p[1], p[2], self.prov(
            f"average power over {r.window_s or r.seconds:.3g} s, {r.what}", r, True))

    def dynamic(self, r: BenchResult, rate: float, unit: str) -> PValue | None:
        """(average power − idle) / rate: dynamic energy per FLOP or byte [J]."""
        p, idle = _power(r), self.idle
        if p is None or idle is None or rate <= 0:
            return None
        v = (p[0] - idle[0]) / rate
        if v <= 0:
            self.notes.append(f"{r.name}: average power {p[0]:.4g} W not above idle "
                              f"{idle[0]:.4g} W; no energy per {unit} derived")
            return None
        lo = max((p[1] - idle[2]) / rate, 0.0) if p[1] != p[0] or idle[2] != idle[0] else None
        hi = (p[2] - idle[1]) / rate if p[2] != p[0] or idle[1] != idle[0] else None
        if lo is not None and lo <= 0:
            lo = v * 0.1
        return _pv(v, lo, hi, self.prov(f"(avg {p[0]:.4g} W − idle {idle[0]:.4g} W) / "
                                        f"{rate:.4g} {unit}/s; {r.what}", r, True))

    def add(self, r: BenchResult, dev: dict[str, Any]) -> None:
        """Add the figures of one timed benchmark (matmul, copy, launch loop) to ``dev``."""
        if r.calls <= 0 or r.seconds <= 0:
            return
        if r.kind == "matmul" and r.precision:
            rate = r.flops_per_s
            dev["achieved_flops"][r.precision] = _pv(rate, None, None, self.prov(
                f"{rate / 1e12:.4g} TFLOP/s achieved over {r.seconds:.3g} s "
                f"({r.calls} calls); {r.what}"))
            if (jf := self.dynamic(r, rate, "FLOP")) is not None:
                dev["j_per_flop"][r.precision] = jf
        elif r.kind in ("copy", "stream"):
            rate = r.bytes_per_s
            dev["achieved_bandwidth_bps"] = _pv(rate, None, None, self.prov(
                f"{rate / 1e9:.4g} GB/s achieved over {r.seconds:.3g} s; {r.what}"))
            if (jb := self.dynamic(r, rate, "byte")) is not None:
                dev["j_per_byte"] = jb
        elif r.kind == "launch":
            dev["launch_overhead_s"] = _pv(r.seconds / r.calls, None, None, self.prov(
                f"{r.seconds:.4g} s / {r.calls} calls; {r.what}"))


def _energy_basis(results: Sequence[BenchResult]) -> str:
    """``measured`` when every energy came from a sensor, ``estimated``, or ``none``."""
    bases = {r.basis for r in results if r.basis}
    return "measured" if bases == {"measured"} else ("estimated" if bases else "none")


def profile_from_benchmarks(results: Sequence[BenchResult], *, device_name: str,
                            hardware: str | None = None, name: str | None = None,
                            source: str = "wattprint calibrate device",
                            provenance: str | None = None, created: str | None = None,
                            notes: Sequence[str] = (), extra: dict[str, Any] | None = None
                            ) -> Profile:
    """A device profile from benchmark results (see the module docstring for formulas).

    Args:
        results: benchmark results with energies attached (or not).
        device_name: what the device calls itself.
        hardware: catalog id (default: looked up from ``device_name``).
        name: profile name (default ``<hardware>-microbench``).
        provenance: a prefix for every figure's provenance (default: per-figure, from the
            timing and the meter's method).
        notes: recorded in ``fit.notes``.
    """
    hw = hardware or catalog_hardware_id(device_name)
    gpu = any(r.device == "gpu" for r in results)
    by = {r.name: r for r in results}
    d = _Derivation(provenance, list(notes))
    dev: dict[str, Any] = {"j_per_flop": {}, "achieved_flops": {}}
    idle_r = by.get("gpu_idle_with_context" if gpu else "cpu_idle")
    d.idle = _power(idle_r) if idle_r else None
    if idle_r is not None and (idle_pv := d.idle_power(idle_r)) is not None:
        dev["idle_w"] = idle_pv
    else:
        d.notes.append("idle power not measured: energies per FLOP and byte not derived")
    nctx = by.get("gpu_idle_no_context")
    if nctx is not None and (pn := d.idle_power(nctx)) is not None:
        dev["idle_no_context_w"] = pn
    for r in results:
        d.add(r, dev)
        if r.note and r.note not in d.notes:
            d.notes.append(f"{r.name}: {r.note}")
    basis = _energy_basis(results)
    if basis == "estimated":
        d.notes.append("no energy sensor on this machine: every energy figure is an "
                       "estimate from the meter's utilisation × TDP model, not a measurement")
    fit: dict[str, Any] = {"method": "micro-benchmarks under the wattprint meter",
                           "device": "gpu" if gpu else "cpu", "device_name": device_name,
                           "energy_basis": basis,
                           "benchmarks": [r.to_dict() for r in results], "notes": d.notes}
    fit.update(extra or {})
    return Profile(name=name or f"{hw or _slug(device_name)}-microbench",
                   hardware=hw or device_name, source=source,
                   created=created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   device=DeviceSection(**dev), fit=fit)


def profile_from_run(run: BenchRun, name: str | None = None) -> Profile:
    """The profile of a :class:`~wattprint.calibrate.microbench.BenchRun`."""
    return profile_from_benchmarks(
        run.results, device_name=run.device_name, name=name, notes=run.notes,
        extra={"budget_s": run.budget_s, "elapsed_s": run.elapsed_s,
               "meter_absent": run.meter_absent})


# -- the published-CSV form (our H200 reference) --------------------------------------------

_CSV_KINDS = {"idle_no_context": ("gpu_idle_no_context", "idle", None),
              "idle_with_context": ("gpu_idle_with_context", "idle", None),
              "hbm_copy": ("gpu_copy", "copy", None),
              "small_matmul_launch_bound": ("gpu_launch", "launch", "bf16")}


def _f(row: dict[str, str], key: str) -> float:
    v = (row.get(key) or "").strip()
    return float(v) if v else 0.0


def read_microbench_csv(path: str | Path, provenance: str) -> list[BenchResult]:
    """Benchmark results from a CSV like ``h200_microbenchmarks.csv``.

    Columns: ``benchmark, seconds, energy_j, avg_power_w, flops, bytes, what`` (others
    ignored; where ``avg_power_w`` is given, energy = avg_power_w × seconds so that the
    published average powers are used as printed);
    ``matmul_<prec>`` rows are matrix products; the launch-bound loop is ``256×256``
    products, so its call count is ``flops / (2 · 256³)``.
    """
    from wattprint.textfiles import read_text

    p = Path(path)
    text = read_text(p, "benchmark CSV")
    out: list[BenchResult] = []
    for i, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        b = (row.get("benchmark") or "").strip()
        try:
            secs, energy = _f(row, "seconds"), _f(row, "energy_j")
            flops, nbytes = _f(row, "flops"), _f(row, "bytes")
        except ValueError as exc:
            raise DataError(f"{p.name} line {i}: {exc}") from exc
        if b in _CSV_KINDS:
            name, kind, prec = _CSV_KINDS[b]
        elif b.startswith("matmul_"):
            name, kind, prec = f"gpu_matmul_{b[7:]}", "matmul", b[7:]
        else:
            raise DataError(f"{p.name} line {i}: unknown benchmark {b!r}")
        if (row.get("avg_power_w") or "").strip() and secs > 0:
            energy = _f(row, "avg_power_w") * secs  # the published (rounded) average power
        calls = 0
        if kind == "matmul":
            calls = 1
        elif kind == "launch":
            calls = round(flops / (2.0 * 256 ** 3))
        elif kind == "copy":
            calls = 1
        out.append(BenchResult(name, kind, "gpu", prec, secs, flops, nbytes, calls,
                               what=(row.get("what") or "").strip(), energy_j=energy,
                               window_s=secs, basis="measured", provenance=provenance))
    return out


H200_PROVENANCE = "wattprint H200 microbenchmarks, NVML energy counter, 2026-11-28"


def h200_reference_profile(csv_path: str | Path) -> Profile:
    """The built-in ``h200-microbench`` profile from ``h200_microbenchmarks.csv``.

    Regenerate with::

        python -c "from wattprint.calibrate.device_profile import h200_reference_profile as h;
        from wattprint.device.profile import save_profile as s;
        s(h('tests/data/h200_microbenchmarks.csv'),
          'src/wattprint/data/profiles/h200-microbench.json')"
    """
    rs = read_microbench_csv(csv_path, H200_PROVENANCE)
    return profile_from_benchmarks(
        rs, device_name="NVIDIA H200 SXM 141GB", hardware="nvidia-h200-sxm",
        name="h200-microbench",
        source="wattprint H200 microbenchmarks (h200_microbenchmarks.csv: NVIDIA H200 SXM, "
               "driver 580.159.04, PyTorch 2.11, 700 W limit), NVML energy counter, 2026-11-28",
        provenance=H200_PROVENANCE, created="2026-11-28",
        notes=["every large matrix product ran at the 700 W power limit (power-capped)",
               "int8 used torch._int_mm, a slow kernel path (128.7 TOP/s): not representative "
               "of int8 tensor cores"],
        extra={"reference": "tests/data/h200_microbenchmarks.csv (copy of "
                            "shared/reference/h200_microbenchmarks.csv)"})
