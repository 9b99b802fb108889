"""``wattprint show JOB``: one distributed job, its node records merged."""

from __future__ import annotations

import math
import sys
from typing import Any


def _e(j: float | None) -> str:
    if j is None or (isinstance(j, float) and math.isnan(j)):
        return "n/a"
    from wattprint.quantity import Quantity
    from wattprint.units import human

    return human(Quantity(j, "J", ""))[0]


def _n(x: Any, unit: str = "") -> str:
    if x is None:
        return "n/a"
    return f"{x:.4g}{(' ' + unit) if unit else ''}"


def show_job(job: dict[str, Any], json_out: bool) -> None:
    """Print a merged job record (see :func:`wattprint.ledger.jobs.job_record`)."""
    if json_out:
        from wattprint.report.tables import dumps_json

        sys.stdout.write(dumps_json(job) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    con.print(f"job {job['id']} ({job['launcher']}): {len(job['nodes'])} node(s), state "
              f"{job['state']}, {_n(job['time_s'], 's')}", markup=False)
    con.print(f"  energy {_e(job['total_energy_j'])} (accelerator "
              f"{_e(job['accelerator_energy_j'])}, host {_e(job['host_energy_j'])}); facility "
              f"{_e(job['facility_energy_j'])}, CO2e {_n(job['co2e_g'], 'g')}, water "
              f"{_n(job['water_l'], 'L')}, cost {_n(job['cost_usd'], 'USD')}", markup=False)
    rt = Table(title="node records", title_justify="left")
    for c in ("run", "node", "rank", "state", "exit", "time", "energy"):
        rt.add_column(c)
    for r in job["runs"]:
        rt.add_row(r["id"], str(r["node"]), str(r["rank"]), r["state"], str(r["exit_code"]),
                   _n(r["time_s"], "s"), _e(r["total_energy_j"]))
    con.print(rt)
    dt = Table(title="devices (each counted once)", title_justify="left")
    for c in ("device", "name", "method", "energy"):
        dt.add_column(c)
    for d in job["devices"]:
        dt.add_row(d["key"], str(d["name"])[:28], str(d["method"]), _e(d["energy_j"]))
    con.print(dt)
    for note in job["notes"]:
        con.print(f"note: {note}", markup=False)
