"""``wattprint show JOB``: one distributed job, its node records merged."""

from __future__ import annotations

import sys
from typing import Any

from wattprint.report.fit import print_table
from wattprint.report.run_views import energy_text, num_text
from wattprint.units import plural


def show_job(job: dict[str, Any], json_out: bool) -> None:
    """Print a merged job record (see :func:`wattprint.ledger.jobs.job_record`)."""
    if json_out:
        from wattprint.report.tables import dumps_json

        sys.stdout.write(dumps_json(job) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False)
    e = energy_text

    def n(x: Any, unit: str) -> str:
        return num_text(x, unit, ".4g")

    con.print(f"job {job['id']} ({job['launcher']}): {plural(len(job['nodes']), 'node')}, state "
              f"{job['state']}, {n(job['time_s'], 's')}", markup=False)
    con.print(f"  energy {e(job['total_energy_j'])} (accelerator "
              f"{e(job['accelerator_energy_j'])}, host {e(job['host_energy_j'])}); facility "
              f"{e(job['facility_energy_j'])}, CO2e {n(job['co2e_g'], 'g')}, water "
              f"{n(job['water_l'], 'L')}, cost {n(job['cost_usd'], 'USD')}", markup=False)
    rt = Table(title="node records", title_justify="left")
    for c in ("run", "node", "rank", "state", "exit", "time", "energy"):
        rt.add_column(c)
    for r in job["runs"]:
        rt.add_row(r["id"], str(r["node"]), str(r["rank"]), r["state"], str(r["exit_code"]),
                   num_text(r["time_s"], "s", ".4g"), energy_text(r["total_energy_j"]))
    print_table(con, rt, drop=("rank", "exit"))
    dt = Table(title="devices (each counted once)", title_justify="left")
    for c in ("device", "name", "method", "energy"):
        dt.add_column(c)
    for d in job["devices"]:
        dt.add_row(d["key"], str(d["name"])[:28], str(d["method"]), energy_text(d["energy_j"]))
    print_table(con, dt, drop=("method", "name"))
    for note in job["notes"]:
        con.print(f"note: {note}", markup=False)
