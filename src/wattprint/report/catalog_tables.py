"""Text rendering of the catalog listings (``wattprint hardware|models|sites|stacks list``):
one line per entry, compact under 100 columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Columns left out of a compact listing (terminal under 100 columns, no --wide).
WIDE_ONLY = {"aliases", "TDP source", "source", "grid source", "what", "water L/kWh",
             "WUE L/kWh", "best TF"}


def print_listing(title: str, columns: list[str], rows: list[list[str]], wide: bool = False,
                  note: str | None = None) -> None:
    """A listing: one line per entry under 100 columns (pager-friendly), all columns with
    ``wide`` or on a wide terminal; ``note`` is printed under it."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    con = Console()
    compact = not wide and con.width < 100
    if wide:
        con = Console(width=max(con.width, 220))
    keep = [i for i, c in enumerate(columns) if not (compact and c in WIDE_ONLY)]
    t = Table(title=title, title_justify="left",
              box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD, pad_edge=not compact,
              collapse_padding=compact)
    for i in keep:  # the id column is never shortened: it is what the user types next
        ids = max((len(r[0]) for r in rows), default=0) if i == 0 else 0
        # --wide asks for every column: its long texts wrap rather than being left out
        t.add_column(columns[i], no_wrap=not (wide and columns[i] in WIDE_ONLY),
                     min_width=max(len(columns[i]), min(ids, 32)),
                     overflow="ellipsis" if compact else "fold")
    for r in rows:
        t.add_row(*[r[i] for i in keep])
    from wattprint.report.fit import print_table

    # a terminal too narrow for a line per entry: the long text columns (descriptions,
    # sources, aliases) go first, never the numbers; numbers stay whole
    print_table(con, t, drop=[columns[i] for i in keep if columns[i] in WIDE_ONLY])
    if note:
        con.print(note, style="dim")
    if compact:
        con.print("compact view: --wide adds " + ", ".join(
            c for c in columns if c in WIDE_ONLY), style="dim")


def print_hardware(items: Sequence[Any], wide: bool = False) -> None:
    """Hardware: peak dense TFLOP/s, memory, bandwidth, power limit and its source."""
    rows = []
    for h in items:
        best = max(h.peak_flops.items(), key=lambda kv: kv[1].value)
        bf = h.peak_flops.get("bf16") or h.peak_flops.get("fp16") or h.peak_flops.get("fp32")
        rows.append([h.id, h.kind, f"{bf.value / 1e12:.4g}" if bf else "–",
                     f"{best[0]} {best[1].value / 1e12:.4g}",
                     f"{h.memory_bytes.value / 1e9:.4g}",
                     f"{h.memory_bandwidth_bps.value / 1e9:.4g}", f"{h.tdp_w.value:g}",
                     ", ".join(h.aliases[:3]), h.tdp_w.source[:60]])
    print_listing("Hardware (dense TFLOP/s; use --json for every value's source)",
                  ["id", "kind", "bf16/fp16 TF", "best TF", "mem GB", "BW GB/s", "TDP W",
                   "aliases", "TDP source"], rows, wide)


def print_models(cards: Sequence[tuple[Any, Any]], ops: Sequence[Any], wide: bool = False
                 ) -> None:
    """Model cards (``(card, derived spec)`` pairs) and the operator-priced models."""
    rows = [[c.id, f"{s.params_total / 1e9:.4g}", f"{s.params_active / 1e9:.4g}",
             str(s.layers), str(s.hidden),
             ("hybrid" if s.mamba_layers else "MoE" if s.n_experts else "dense")
             + ("+vision" if s.vision_params else ""),
             ", ".join(c.aliases[:2]), c.source[:50]] for c, s in cards]
    vision = [f"{c.id} {s.vision_params / 1e9:.2g} B" for c, s in cards if s.vision_params]
    print_listing("Models (parameters derived from the architecture, in billions)",
                  ["id", "total B", "active B", "layers", "hidden", "type", "aliases",
                   "source"], rows, wide,
                  note="+vision: total B includes the vision tower, which active B (the "
                  "language model's parameters per token) leaves out: " + ", ".join(vision)
                  if vision else None)
    print_listing("Models priced from traced operators (any architecture)",
                  ["id", "family", "task", "unit", "parts", "aliases"],
                  [[m.id, m.family, m.task, m.unit, " + ".join(c.role for c in m.components),
                    ", ".join(m.aliases[:2])] for m in ops], wide)


def print_sites(items: Sequence[Any], wide: bool = False) -> None:
    """Sites: grid intensity, off-site water, price, PUE, WUE and the grid source."""
    rows = [[s.id, s.kind, f"{s.grid_gco2e_per_kwh.value:g}", f"{s.water_l_per_kwh.value:g}",
             f"{s.price_usd_per_kwh.value:.3g}", f"{s.pue.value:g}",
             f"{s.wue_l_per_kwh.value:g}", s.grid_gco2e_per_kwh.source[:50]] for s in items]
    print_listing("Sites", ["id", "kind", "gCO2e/kWh", "water L/kWh", "USD/kWh", "PUE",
                            "WUE L/kWh", "grid source"], rows, wide)


def print_stacks(items: Sequence[Any], wide: bool = False) -> None:
    """Software stacks: per-pass, per-layer and per-decode-step overheads, a serving engine's
    host time per step (ms; "–" for a stack without an engine loop), GEMM efficiency."""
    rows = [[s.id, s.name, f"{s.per_step_s.value * 1e3:g}", f"{s.per_layer_s.value * 1e6:g}",
             f"{s.per_loop_step_s.value * 1e3:g}",
             f"{s.per_engine_step_s.value * 1e3:.3g}" if s.per_engine_step_s else "–",
             f"{s.compute_efficiency.value:g}",
             "yes" if s.fused_attention else "no"] for s in items]
    print_listing("Stacks", ["id", "what", "per pass ms", "per layer µs", "decode step ms",
                             "engine step ms", "GEMM eff.", "fused attention"], rows, wide)
