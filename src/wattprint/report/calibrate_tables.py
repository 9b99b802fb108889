"""Text rendering of ``wattprint calibrate``: the micro-benchmark run, the fit's
leave-one-out table and parameters, and a run's extrapolation."""

from __future__ import annotations

import math
from typing import Any

from wattprint.report.fit import print_table
from wattprint.units import plural


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:+.1f} %"


def _g(x: float | None, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    from wattprint.units import fmt, pick_scale

    if not unit:
        return f"{x:.4g}"
    div, label = pick_scale(x, unit)
    return f"{fmt(x / div)} {label}"


def print_device_run(run: Any, prof: Any, written: str | None, pic: Any) -> None:
    """The micro-benchmarks of ``calibrate device`` (time, throughput, power basis), the
    profile's notes, where the profile and the roofline picture went."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"Micro-benchmarks: {run.device_name} ({run.device}), "
              f"{run.elapsed_s:.0f} s of a {run.budget_s:g} s budget")
    for col in ("benchmark", "time", "throughput", "avg power", "power basis"):
        t.add_column(col, justify="left" if col == "benchmark" else "right")
    for r in run.results:
        thr = (f"{r.flops_per_s / 1e12:.4g} TFLOP/s" if r.kind == "matmul" and r.calls else
               f"{r.bytes_per_s / 1e9:.4g} GB/s" if r.kind in ("copy", "stream") else
               f"{r.seconds / r.calls * 1e6:.3g} µs/call" if r.kind == "launch" and r.calls
               else "-")
        p = r.avg_power_w
        basis = "-" if r.basis is None else ("measured" if r.basis == "measured"
                                             else "estimated")
        t.add_row(r.name, f"{r.seconds:.2f} s", thr, "-" if p is None else f"{p:.4g} W",
                  basis)
    print_table(con, t, drop=("power basis",))
    for n in prof.fit.get("notes", []):
        con.print(f"note: {n}")
    if written:
        con.print(f"profile written to {written}: use `wattprint estimate ... --profile "
                  f"{written}`")
    else:
        con.print("profile not saved (use -o PROFILE.json)")
    if pic:
        con.print(f"roofline written to {pic.path} ({pic.kind})"
                  + (f": {pic.note}" if pic.note else ""))


def print_fit(res: Any, stack: str, written: str | None) -> None:
    """Each measurement predicted by a fit on the others, then the fitted parameters with
    their ranges and priors (``calibrate fit``)."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"Leave-one-out: each measurement predicted by a fit on the others "
              f"({res.profile.hardware}, stack {stack})")
    for col in ("measurement", "time", "predicted", "error", "energy", "predicted ",
                "error "):
        t.add_column(col, justify="left" if col == "measurement" else "right")
    for r in res.loo or res.in_sample:
        t.add_row(f"{r['id']} (line {r['line']})", f"{r['time_s']:.4g} s",
                  f"{r['predicted_time_s']:.4g} s", _pct(r["time_error"]),
                  "-" if r["energy_j"] is None else f"{r['energy_j']:.5g} J",
                  f"{r['predicted_energy_j']:.5g} J", _pct(r["energy_error"]))
    print_table(con, t, drop=("time", "predicted", "error"))
    if res.loo:
        con.print(f"largest leave-one-out error: {res.loo_max_abs_error() * 100:.1f} %")
    p = Table(title="Fitted parameters (range: 95 % Laplace ∪ leave-one-out fits)")
    for col in ("parameter", "value", "low", "high", "prior (stack default)", "data"):
        p.add_column(col, justify="left" if col == "parameter" else "right")
    for x in res.params:
        p.add_row(x["name"], f"{x['value']:.4g}", f"{x['low']:.4g}", f"{x['high']:.4g}",
                  f"{x['prior']:.4g} ({x['prior_low']:.3g}-{x['prior_high']:.3g})",
                  "informs" if x["informed_by_data"] else "prior only")
    print_table(con, p, drop=("data", "prior (stack default)"))
    for n in res.notes:
        con.print(f"note: {n}")
    if written:
        con.print(f"profile written to {written}: use `wattprint estimate ... --stack "
                  f"{stack} --profile {written}`")
    else:
        con.print("profile not saved (use -o PROFILE.json)")



def print_extrapolation(ex: Any) -> None:
    """Per-step, measured and whole-run figures with their range (``calibrate
    extrapolate``)."""
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"Run {ex.run_id}: {plural(ex.steps_measured, 'step')} measured "
              f"({ex.warmup_steps} warm-up) → {plural(ex.total_steps, 'step')}")
    for col in ("figure", "per step", "measured", "whole run", "low", "high"):
        t.add_column(col, justify="left" if col == "figure" else "right")
    units = {"time_s": "s", "accelerator_energy_j": "J", "total_energy_j": "J"}
    for key, f in ex.figures.items():
        u = units.get(key, "")
        t.add_row(key, _g(f["per_step"], u), _g(f["measured"], u), _g(f["value"], u),
                  _g(f["low"], u), _g(f["high"], u))
    print_table(con, t, drop=("measured", "per step"))
    for note in ex.notes:
        con.print(f"note: {note}")

