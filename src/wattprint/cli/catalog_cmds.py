"""``wattprint hardware|models|sites|stacks list``: the catalogs and their sources."""


from typing import Annotated

import typer

from wattprint.cli.options import JsonOpt

#: Columns left out of a compact listing (terminal under 100 columns, no --wide).
WIDE_ONLY = {"aliases", "TDP source", "source", "grid source", "what", "water L/kWh",
             "WUE L/kWh", "best TF"}
WideOpt = Annotated[bool, typer.Option("--wide", help="Every column, whatever the terminal "
                                       "width (long lines; pipe to `less -S`).")]


def _table(title: str, columns: list[str], rows: list[list[str]], wide: bool = False) -> None:
    """A listing: one line per entry under 100 columns (pager-friendly), all columns with
    ``wide`` or on a wide terminal."""
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
    for i in keep:
        t.add_column(columns[i], no_wrap=True, min_width=len(columns[i]),
                     overflow="ellipsis" if compact else "fold")
    for r in rows:
        t.add_row(*[r[i] for i in keep])
    con.print(t)
    if compact:
        con.print("compact view: --wide adds " + ", ".join(
            c for c in columns if c in WIDE_ONLY), style="dim")


def _check_kind(kind: str | None, known: set[str]) -> None:
    """An unknown ``--kind`` is an error, never an empty list."""
    from wattprint.errors import InputError

    if kind is not None and kind not in known:
        raise InputError(f"unknown --kind {kind!r}; choose one of {', '.join(sorted(known))}")


def hardware_list(json_out: JsonOpt = False,
                  kind: Annotated[str | None, typer.Option("--kind", help="gpu, tpu, npu, cpu, "
                                                           "accelerator, soc")] = None,
                  wide: WideOpt = False) -> None:
    """Hardware catalog: peak throughput, memory, power and their sources."""
    from wattprint.catalog import hardware_catalog
    from wattprint.report.tables import dump_json

    cat = hardware_catalog().values()
    _check_kind(kind, {h.kind for h in cat})
    items = [h for h in cat if kind is None or h.kind == kind]
    if json_out:
        dump_json([h.model_dump(exclude_none=True) for h in items])
        return
    rows = []
    for h in items:
        best = max(h.peak_flops.items(), key=lambda kv: kv[1].value)
        bf = h.peak_flops.get("bf16") or h.peak_flops.get("fp16") or h.peak_flops.get("fp32")
        rows.append([h.id, h.kind, f"{bf.value / 1e12:.4g}" if bf else "–",
                     f"{best[0]} {best[1].value / 1e12:.4g}",
                     f"{h.memory_bytes.value / 1e9:.4g}",
                     f"{h.memory_bandwidth_bps.value / 1e9:.4g}", f"{h.tdp_w.value:g}",
                     ", ".join(h.aliases[:3]), h.tdp_w.source[:60]])
    _table("Hardware (dense TFLOP/s; use --json for every value's source)",
           ["id", "kind", "bf16/fp16 TF", "best TF", "mem GB", "BW GB/s", "TDP W", "aliases",
            "TDP source"], rows, wide)


def models_list(json_out: JsonOpt = False, wide: WideOpt = False) -> None:
    """Model catalog: architecture, parameter counts and sources."""
    from wattprint.catalog import model_catalog
    from wattprint.report.tables import dump_json
    from wattprint.workload.model_spec import spec_from_config
    from wattprint.workload.operators.catalog import operator_models

    cards = list(model_catalog().values())
    ops = list(operator_models().values())
    if json_out:
        out = []
        for c in cards:
            s = spec_from_config(dict(c.config), name=c.id)
            out.append({**c.model_dump(exclude_none=True), "derived_params_total":
                        s.params_total, "derived_params_active": s.params_active})
        out.extend({**m.model_dump(exclude_none=True), "priced_by": "traced operators"}
                   for m in ops)
        dump_json(out)
        return
    rows = []
    for c in cards:
        s = spec_from_config(dict(c.config), name=c.id)
        rows.append([c.id, f"{s.params_total / 1e9:.4g}", f"{s.params_active / 1e9:.4g}",
                     str(s.layers), str(s.hidden), "MoE" if s.n_experts else "dense",
                     ", ".join(c.aliases[:2]), c.source[:50]])
    _table("Models (parameters derived from the architecture, in billions)",
           ["id", "total B", "active B", "layers", "hidden", "type", "aliases", "source"],
           rows, wide)
    _table("Models priced from traced operators (any architecture)",
           ["id", "family", "task", "unit", "parts", "aliases"],
           [[m.id, m.family, m.task, m.unit, " + ".join(c.role for c in m.components),
             ", ".join(m.aliases[:2])] for m in ops], wide)


def sites_list(json_out: JsonOpt = False,
               kind: Annotated[str | None, typer.Option("--kind", help="country, cloud-region, "
                                                        "grid-region, world, residential")]
               = None, wide: WideOpt = False) -> None:
    """Site catalog: grid intensity, water, price, PUE, WUE and their sources."""
    from wattprint.catalog import site_catalog
    from wattprint.report.tables import dump_json

    cat = site_catalog().values()
    _check_kind(kind, {s.kind for s in cat})
    items = [s for s in cat if kind is None or s.kind == kind]
    if json_out:
        dump_json([s.model_dump(exclude_none=True) for s in items])
        return
    rows = [[s.id, s.kind, f"{s.grid_gco2e_per_kwh.value:g}", f"{s.water_l_per_kwh.value:g}",
             f"{s.price_usd_per_kwh.value:.3g}", f"{s.pue.value:g}",
             f"{s.wue_l_per_kwh.value:g}", s.grid_gco2e_per_kwh.source[:50]] for s in items]
    _table("Sites", ["id", "kind", "gCO2e/kWh", "water L/kWh", "USD/kWh", "PUE", "WUE L/kWh",
                     "grid source"], rows, wide)


def stacks_list(json_out: JsonOpt = False, wide: WideOpt = False) -> None:
    """Software-stack profiles: overheads and efficiencies."""
    from wattprint.catalog.stacks import stack_catalog
    from wattprint.report.tables import dump_json

    items = list(stack_catalog().values())
    if json_out:
        dump_json([s.model_dump() for s in items])
        return
    rows = [[s.id, s.name, f"{s.per_step_s.value * 1e3:g}", f"{s.per_layer_s.value * 1e6:g}",
             f"{s.per_loop_step_s.value * 1e3:g}", f"{s.compute_efficiency.value:g}",
             "yes" if s.fused_attention else "no"] for s in items]
    _table("Stacks", ["id", "what", "per pass ms", "per layer µs", "decode step ms",
                      "GEMM eff.", "fused attention"], rows, wide)


def register(app: typer.Typer) -> None:
    """Add the catalog listing commands."""
    for name, fn, help_ in (("hardware", hardware_list, "The hardware catalog."),
                            ("models", models_list, "The model catalog."),
                            ("sites", sites_list, "The site catalog."),
                            ("stacks", stacks_list, "Software-stack profiles.")):
        sub = typer.Typer(help=help_, no_args_is_help=True)
        sub.command("list")(fn)
        app.add_typer(sub, name=name)
