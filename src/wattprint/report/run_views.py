"""Text and JSON views of measured runs: ``wattprint run``'s summary, ``history`` and ``show``.

Human summaries of ``run`` go to stderr (like ``time``) so the measured command's stdout stays
clean; ``--json`` writes one JSON object on the last line of stdout.
"""

from __future__ import annotations

import math
import sys
from typing import Any


def energy_text(j: float | None) -> str:
    """An energy [J] in a readable unit (``n/a`` when missing or NaN)."""
    if j is None or (isinstance(j, float) and math.isnan(j)):
        return "n/a"
    from wattprint.quantity import Quantity
    from wattprint.units import human

    return human(Quantity(j, "J", ""))[0]


def num_text(x: Any, unit: str = "", fmt: str = ".3g") -> str:
    """A number with its unit (``n/a`` when missing or NaN)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:{fmt}}{(' ' + unit) if unit else ''}"


def when_text(t: float | None) -> str:
    """A Unix time [s] as local ``YYYY-MM-DD HH:MM:SS`` (``-`` when missing)."""
    from datetime import datetime

    return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") if t else "-"


def command_text(cmd: Any) -> str:
    """A stored command (a list of arguments, or text) as one line."""
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def _dumps(x: Any) -> str:
    from wattprint.report.tables import dumps_json

    return dumps_json(x, indent=None)  # one line: the last line of stdout


def run_json(rid: str, argv: list[str], code: int, complete: bool, m: Any, fp: Any,
             notes: list[str], where: dict[str, Any]) -> dict[str, Any]:
    """``wattprint run --json``: the footprint (or the bare measurement) with the run's
    id, exit code, devices, absences, notes and where it was stored."""
    out: dict[str, Any] = fp.to_dict() if fp is not None else {
        "kind": "measurement", "time": m.time.to_dict(),
        "accelerator_energy": m.accelerator_energy.to_dict(),
        "host_energy": m.host_energy.to_dict()}
    out.update(run_id=rid, exit_code=code, complete=complete, command=argv,
               devices=[d.to_dict(m.time.value) for d in m.devices], absent=m.absent,
               total_energy=m.total_energy.to_dict(), average_power=m.average_power.to_dict(),
               peak_power=m.peak_power.to_dict(), **where)
    out["notes"] = list(dict.fromkeys([*out.get("notes", []), *notes]))
    return out


def _quantity_table(rid: str, argv: list[str], m: Any, fp: Any) -> Any:
    from rich.markup import escape
    from rich.table import Table

    tab = Table(title=escape(f"wattprint run {rid}: {' '.join(argv)[:60]}"),
                title_justify="left")
    tab.add_column("quantity")
    tab.add_column("value", justify="right")
    tab.add_column("range", justify="right")
    tab.add_column("basis")
    qs = fp.quantities if fp is not None else {"time": m.time,
                                               "accelerator_energy": m.accelerator_energy,
                                               "host_energy": m.host_energy}
    for name in ("time", "accelerator_energy", "host_energy", "it_energy", "facility_energy",
                 "co2e", "water", "cost"):
        q = qs.get(name)
        if q is None:
            continue
        if q.unit == "J":
            val, rng = energy_text(q.value), (f"{energy_text(q.lo)} – {energy_text(q.hi)}"
                                              if q.low is not None else "")
        else:
            val = num_text(q.value, q.unit, ".4g")
            rng = f"{q.lo:.3g} – {q.hi:.3g}" if q.low is not None else ""
        basis = q.basis
        if q.unit == "J" and q.value == 0.0 and q.provenance.startswith("no accelerator"):
            val, basis = "none present", "no device"  # a true 0 J, not a silent zero
        tab.add_row(name.replace("_", " "), val, rng, basis)
    return tab


def _device_table(m: Any, narrow: bool) -> Any:
    from rich.table import Table

    t = m.time.value
    cols = ("device", "name", "method", "energy", "peak W") if narrow else (
        "device", "name", "method", "energy", "avg W", "peak W", "samples")
    dt = Table(title="devices", title_justify="left")
    for c in cols:  # only the name wraps, between words; keys, methods, numbers never wrap
        dt.add_column(c, no_wrap=c != "name", overflow="ellipsis")
    for d in m.devices:
        cells = {"device": d.device.key, "name": d.device.name, "method": d.method,
                 "energy": energy_text(d.energy.value), "avg W": num_text(d.average_power_w(t)),
                 "peak W": num_text(d.peak_power_w), "samples": str(d.samples)}
        dt.add_row(*(cells[c] for c in cols))
    return dt


def print_run(rid: str, argv: list[str], code: int, complete: bool, m: Any, fp: Any,
              notes: list[str], json_out: bool, where: dict[str, Any]) -> None:
    """Print a finished run: JSON on stdout, or tables and notes on stderr."""
    if json_out:
        sys.stdout.write(_dumps(run_json(rid, argv, code, complete, m, fp, notes, where))
                         + "\n")
        sys.stdout.flush()
        return
    from rich.console import Console

    con = Console(stderr=True, highlight=False)
    from wattprint.report.fit import print_table

    print_table(con, _quantity_table(rid, argv, m, fp))
    print_table(con, _device_table(m, narrow=con.width < 100))  # fewer columns, not cut words
    for k, v in m.absent.items():
        con.print(f"not measured: {k}: {v}", markup=False, style="dim")
    for n in dict.fromkeys([*m.notes, *notes]):
        con.print(f"note: {n}", markup=False)
    state = "complete" if complete else "INCOMPLETE"
    stored = f"ledger {where['db']}" if where["stored"] else (
        f"NOT in ledger {where['db']}; saved to {where['fallback_file'] or 'nowhere'}")
    con.print(f"run {rid}: exit code {code}, {state}; {stored}", markup=False)


def print_history(rows: list[dict[str, Any]], ledger_path: Any) -> None:
    """``wattprint history``: one line per run, every column at its width (the command is
    cut with … when the terminal is narrow)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    cols: tuple[str, ...] = ("run", "started", "time", "state", "exit", "energy", "CO2e",
                             "command")
    cells = [[r["id"], when_text(r["started_at"])[:16], num_text(r["time_s"], "s"), r["state"],
              "" if r["exit_code"] is None else str(r["exit_code"]),
              energy_text(r["total_energy_j"]), num_text(r["co2e_g"], "g"),
              command_text(r["command"])]
             for r in rows]
    con = Console(highlight=False)
    if con.width < 100:  # 80 columns: no year, no exit column (rich would drop energy, CO2e)
        cols = cols[:4] + cols[5:]
        cells = [[c[0], c[1][5:], *c[2:4], *c[5:]] for c in cells]
    tab = Table(title=f"runs in {ledger_path}", title_justify="left", box=box.SIMPLE_HEAD,
                pad_edge=False, collapse_padding=True)
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(cols)]
    rest = max(con.width - sum(widths[:-1]) - 2 * len(cols), 1)  # what the command may take
    for i, c in enumerate(cols):  # every column at its width; only the command is cut (…)
        tab.add_column(c, no_wrap=True, overflow="ellipsis",
                       min_width=min(10, rest) if c == "command" else widths[i],
                       max_width=rest if c == "command" else None)
    for row in cells:
        tab.add_row(*row)
    con.print(tab)
    if not rows:
        sys.stdout.write("no runs match\n")


def _run_header(con: Any, r: dict[str, Any]) -> None:
    con.print(f"run {r['id']}: {command_text(r['command'])}", markup=False)
    con.print(f"  started {when_text(r['started_at'])}, ended {when_text(r['ended_at'])}, "
              f"{num_text(r['time_s'], 's')}, state {r['state']}, exit code {r['exit_code']}")
    con.print(f"  energy {energy_text(r['total_energy_j'])} (accelerator "
              f"{energy_text(r['accelerator_energy_j'])}, host "
              f"{energy_text(r['host_energy_j'])}); facility "
              f"{energy_text(r['facility_energy_j'])}, CO2e {num_text(r['co2e_g'], 'g')}, "
              f"water {num_text(r['water_l'], 'L')}, cost {num_text(r['cost_usd'], 'USD')} "
              f"(site {r['site']})")


def _table(title: str, cols: tuple[str, ...], rows: list[list[str]],
           wrap: tuple[str, ...] | None = None) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in cols:
        if wrap is None:
            t.add_column(c)
        else:
            t.add_column(c, no_wrap=c not in wrap)
    for row in rows:
        t.add_row(*row)
    return t


def print_run_details(r: dict[str, Any], devices: list[dict[str, Any]],
                      windows: list[dict[str, Any]], timeline: list[dict[str, Any]]) -> None:
    """``wattprint show RUN``: the run, its devices, windows and power timeline."""
    from rich.console import Console

    con = Console(highlight=False)
    _run_header(con, r)
    if devices:
        con.print(_table("devices", ("device", "name", "method", "energy", "peak W", "reason"),
                         [[d["key"], str(d["name"])[:28], d["method"],
                           energy_text(d["energy_j"]), num_text(d["peak_power_w"]),
                           (d["reason"] or "")[:60]] for d in devices],
                         wrap=("name", "method", "reason")))
    if windows:
        con.print(_table("windows", ("window", "time", "energy", "avg W", "peak W", "complete"),
                         [[w["name"], num_text(w["time_s"], "s"),
                           energy_text(w["total_energy_j"]), num_text(w["average_power_w"]),
                           num_text(w["peak_power_w"]), str(w["complete"])] for w in windows]))
    tt = _table("power timeline", ("device", "samples", "min W", "mean W", "max W", "duration"),
                [[s["device"], str(s["samples"]), num_text(s["min_w"]), num_text(s["mean_w"]),
                  num_text(s["max_w"]), num_text(s["duration_s"], "s")] for s in timeline])
    con.print(tt if timeline else "no power samples recorded")
    for n in r.get("notes") or []:
        con.print(f"note: {n}", markup=False)
