"""A small ledger of replayed runs and command JSON for the report and dashboard tests."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from wattprint.ledger import Ledger
from wattprint.meter.measurement import DeviceEnergy, Measurement
from wattprint.quantity import Quantity
from wattprint.testing import ReplayBackend

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def make_ledger(path: Path, n_runs: int = 3) -> list[str]:
    """A ledger with ``n_runs`` finished runs of 60 s: 600 replayed power samples per device
    (a prefill burst, then a decode plateau), windows ``prefill`` (0-10 s) and ``decode``
    (10-60 s) integrated from those samples, devices and a footprint at site world."""
    led = Ledger(path)
    ids = []
    for i in range(n_runs):
        t0 = T0 + 3600 * i
        rid = led.start_run(["python", "serve.py", f"--batch={8 * (i + 1)}"], site="world",
                            interval_s=0.1, started_at=t0, run_id=f"run{i:04d}abcdef")
        rows = _samples(t0, i)
        led.add_samples(rid, rows)
        devices = ReplayBackend({"gpu0": 1.0, "cpu": 1.0}, kinds={"cpu": "cpu"}).devices()
        for name, a, b in (("prefill", 0.0, 10.0), ("decode", 10.0, 60.0)):
            led.add_window(rid, _measurement(name, t0 + a, t0 + b, rows, devices))
        whole = _measurement("run", t0, t0 + 60.0, rows, devices)
        led.finish_run(rid, complete=True, exit_code=0, measurement=whole,
                       footprint=whole.to_footprint(site="world"), ended_at=t0 + 60.0)
        ids.append(rid)
    led.close()
    return ids


def _measurement(name: str, a: float, b: float, rows: list[tuple[float, str, float]],
                 devices: list[Any]) -> Measurement:
    """A window integrated (rectangles of 0.1 s) from replayed samples in [a, b)."""
    per: dict[str, list[float]] = {}
    for t, dev, p in rows:
        if a <= t < b:
            per.setdefault(dev, []).append(p)
    energies = []
    for d in devices:
        ps = per.get(d.key, [])
        e = Quantity(sum(ps) * 0.1, "J", f"replayed {d.key} power integral", "measured")
        energies.append(DeviceEnergy(d, e, "instant-power integral", None, len(ps),
                                     max(ps) if ps else None))
    acc = Quantity(energies[0].energy.value, "J", "sum of GPU energies", "measured")
    host = Quantity(energies[1].energy.value, "J", "CPU energy", "measured")
    tot = Quantity(acc.value + host.value, "J", "accelerator + host", "measured")
    t = Quantity(b - a, "s", "wall clock", "measured")
    peak = max(x + y for x, y in zip(per.get("gpu0", [0]), per.get("cpu", [0]), strict=False))
    return Measurement(name, a, b, t, energies, acc, host, tot,
                       Quantity(tot.value / t.value, "W", "energy / time", "measured"),
                       Quantity(peak, "W", "highest sampled total", "measured"))


def _samples(t0: float, i: int) -> list[tuple[float, str, float]]:
    rows = []
    for k in range(600):
        t = t0 + k * 0.1
        gpu = 650.0 if k < 100 else 250.0 + 40 * i + 20 * math.sin(k / 9)
        rows += [(t, "gpu0", gpu), (t, "cpu", 55.0 + 5 * math.cos(k / 15))]
    return rows


def command_json(runner: Any, args: list[str]) -> dict[str, Any]:
    """The JSON a wattprint command prints (in process)."""
    from wattprint.cli.main import build_app

    res = runner.invoke(build_app(args), args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = res.stdout
    start = 0 if out.startswith("{") else out.index("\n{") + 1  # skip progress lines
    return json.loads(out[start:])  # type: ignore[no-any-return]
