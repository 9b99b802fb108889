"""One job = one record: merge the per-node runs of a distributed job.

Each node's devices are measured once (by the node's leader, see
:mod:`wattprint.meter.node_lease`), so the job's energy is the plain sum of its node runs;
time is from the first start to the last end. Devices are keyed ``node/device``.
"""

from __future__ import annotations

from typing import Any

from wattprint.units import plural

SUMMED = ("accelerator_energy_j", "host_energy_j", "total_energy_j", "facility_energy_j",
          "co2e_g", "water_l", "cost_usd")


def _sum(rows: list[dict[str, Any]], key: str) -> float | None:
    vals = [r.get(key) for r in rows]
    if not vals or any(v is None for v in vals):
        return None  # a node without the figure: no job total rather than a partial one
    return float(sum(vals))  # type: ignore[arg-type]


def job_record(ledger: Any, job_id: str) -> dict[str, Any] | None:
    """The merged record of ``job_id`` (``None`` when no run carries it).

    Returns:
        ``id`` (the job id), ``kind`` = ``job``, ``nodes``, ``runs`` (per node),
        ``started_at``/``ended_at``/``time_s``, the summed energies and footprint figures
        (``None`` where a node lacks one), ``state`` (``complete`` only if every node run
        is), ``devices`` (``node/key`` entries) and ``notes``.
    """
    runs = ledger.job_runs(job_id)
    if not runs:
        return None
    starts = [r["started_at"] for r in runs if r.get("started_at") is not None]
    ends = [r["ended_at"] for r in runs if r.get("ended_at") is not None]
    states = {r["state"] for r in runs}
    state = "complete" if states == {"complete"} else (
        "running" if "running" in states else "incomplete")
    out: dict[str, Any] = {
        "id": job_id, "kind": "job", "launcher": runs[0].get("launcher"),
        "nodes": sorted({str(r.get("node")) for r in runs}),
        "runs": [{k: r.get(k) for k in ("id", "node", "rank", "state", "exit_code",
                                        "time_s", "total_energy_j")} for r in runs],
        "started_at": min(starts) if starts else None,
        "ended_at": max(ends) if len(ends) == len(runs) else None,
        "state": state, "complete": state == "complete",
        "command": runs[0].get("command"), "site": runs[0].get("site"),
        "exit_code": max((r.get("exit_code") or 0 for r in runs), default=None),
    }
    out["time_s"] = (out["ended_at"] - out["started_at"]) if out["ended_at"] and starts \
        else None
    for k in SUMMED:
        out[k] = _sum(runs, k)
    devices: list[dict[str, Any]] = []
    for r in runs:
        for d in ledger.devices(r["id"]):
            devices.append({**d, "key": f"{r.get('node')}/{d['key']}", "node": r.get("node")})
    out["devices"] = devices
    notes = [f"{plural(len(runs), 'node record')} merged; each node's devices measured once"]
    if len(set(out["nodes"])) != len(runs):
        notes.append("more than one record for a node: devices may be counted twice")
    out["notes"] = notes
    return out


def record_progress(ledger: Any, run_id: str, energy_j: float, at: float) -> None:
    """Write a running run's energy so far (J at the devices) at Unix time ``at`` (s)."""
    ledger._write(lambda c: c.execute(
        "UPDATE runs SET progress_energy_j = ?, progress_at = ? WHERE id = ?",
        (float(energy_j), float(at), run_id)))


def job_energy_j(ledger: Any, job_id: str, *, exclude: str | None = None
                 ) -> tuple[float, int]:
    """The energy (J at the devices) of ``job_id``'s runs so far, as the ledger has it, and
    how many runs that is: a finished run counts its measured total, a running one its
    last written progress (0 before its first). ``exclude``: leave this run out (the
    caller's own, which it knows better)."""
    rows = ledger._query(
        "SELECT id, status, total_energy_j, progress_energy_j FROM runs WHERE job_id = ?",
        (job_id,))
    total, n = 0.0, 0
    for r in rows:
        if r["id"] == exclude:
            continue
        n += 1
        done = r["status"] != "running" and r["total_energy_j"] is not None
        v = r["total_energy_j"] if done else r["progress_energy_j"]
        total += float(v or 0.0)
    return total, n
