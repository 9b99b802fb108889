"""``--explain`` for operator-level estimates: where the joules go by operator class."""

from __future__ import annotations

from typing import Any

from wattprint.footprint import Footprint


def _bytes(n: float) -> str:
    for div, name in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if n >= div:
            return f"{n / div:.3g} {name}"
    return f"{n:.3g} B"


ORDER = ("matmul", "attention", "normalisation", "activation", "elementwise", "reduction",
         "data_movement", "unknown")


def explain_rows(fp: Footprint) -> list[dict[str, Any]]:
    """Per operator class: FLOPs, bytes (and bytes fusion saved), dynamic joules split into
    compute and memory, share of device time and whether it is memory-bound (one batch)."""
    ops = fp.details.get("operators") or {}
    by_class: dict[str, dict[str, float]] = ops.get("by_class", {})
    total_t = sum(r.get("time_s", 0.0) for r in by_class.values()) or 1.0
    rows = []
    for cls in sorted(by_class, key=lambda c: ORDER.index(c) if c in ORDER else 99):
        r = by_class[cls]
        t = r.get("time_s", 0.0)
        rows.append({
            "class": cls, "flops": r["tensor_flops"] + r["vector_flops"], "bytes": r["bytes"],
            "saved_bytes": r["saved_bytes"], "compute_energy_j": r["compute_energy_j"],
            "memory_energy_j": r["memory_energy_j"], "time_share": t / total_t,
            "bound": "memory" if r.get("memory_bound_time_s", 0.0) > 0.5 * t else "compute",
            "launches": r["launches"]})
    return rows


def explain_table(fp: Footprint) -> Any:
    """A Rich table of :func:`explain_rows` with a closing line on fusion."""
    from rich.table import Table

    ops = fp.details.get("operators") or {}
    t = Table(title=f"Where the joules go, by operator class (one batch; stack "
                    f"{fp.inputs.get('stack')}, {'fused' if ops.get('fused') else 'unfused'} "
                    "elementwise)")
    for col in ("class", "FLOPs", "bytes", "saved by fusion", "compute J", "memory J",
                "device time", "bound", "launches"):
        t.add_column(col, justify="left" if col in ("class", "bound") else "right")
    for r in explain_rows(fp):
        t.add_row(r["class"], f"{r['flops']:.3g}", _bytes(r["bytes"]),
                  _bytes(r["saved_bytes"]) if r["saved_bytes"] else "—",
                  f"{r['compute_energy_j']:.3g}", f"{r['memory_energy_j']:.3g}",
                  f"{r['time_share'] * 100:.0f} %", r["bound"], f"{r['launches']:g}")
    return t


def print_explain(fp: Footprint) -> None:
    """Print the table and what fusion changed."""
    from rich.console import Console

    from wattprint.report.fit import print_table

    c = Console()
    print_table(c, explain_table(fp), drop=("launches", "bound", "saved by fusion", "bytes"))
    ops = fp.details.get("operators") or {}
    saved = ops.get("saved_bytes", 0.0)
    if saved:
        c.print(f"Fusion removed {_bytes(saved)} of memory traffic per batch and no FLOPs; "
                "compare --stack eager.")
    else:
        c.print("Unfused stack: every elementwise operator reads and writes memory; "
                "--stack compiled shows what fusion saves (bytes, not FLOPs).")
