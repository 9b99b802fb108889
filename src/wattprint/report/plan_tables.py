"""Text rendering of plans: the ranked sweep tables (``plan infer``/``plan train``), shared
table helpers for the other plan views (:mod:`wattprint.report.plan_views`) and the sweep's
progress bar. Rendering only: every number comes from the plan result."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from wattprint.report.fit import print_table

if TYPE_CHECKING:
    from wattprint.plan.results import PlanResult

class Progress:
    """A progress bar on stderr that appears only once a sweep has run for a second."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.t0 = time.perf_counter()
        self.label = label
        self.enabled = enabled
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.t0 < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def human_or_dash(v: float | None, unit: str) -> str:
    """``v`` in ``unit`` with a readable prefix; "–" when unknown (None or NaN)."""
    if v is None or v != v:  # None or NaN: unknown, said so
        return "–"
    from wattprint.quantity import Quantity
    from wattprint.units import human

    return human(Quantity(float(v), unit, ""))[0]


def console() -> Any:
    """A Rich console on stdout."""
    from rich.console import Console

    return Console()


def table(title: str, columns: list[str], rows: list[list[str]], wide: set[str] | None = None
          ) -> Any:
    """A Rich table; ``wide`` columns fold at 60 characters."""
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold", max_width=60 if wide and c in wide else None)
    for r in rows:
        t.add_row(*r)
    return t


#: Below this terminal width plan tables drop latency, water and reasons (``--wide`` keeps them).
COMPACT_BELOW = 120


def _short_hw(name: str) -> str:
    for prefix in ("nvidia-", "amd-", "google-", "intel-", "aws-", "apple-"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _conf(r: dict[str, Any], kind: str, compact: bool) -> str:
    hw = _short_hw(r["hardware"]) if compact else r["hardware"]
    if kind == "plan-infer":
        text = (f"{r['replicas']}×{r['chips']} {hw} {r['precision']} b{r['batch']}" if compact
                else f"{r['replicas']} × {r['chips']} {hw} {r['precision']} batch {r['batch']}")
    else:
        text = f"{r['chips']} {hw} {r['precision']}"
    return f"{text}\n{r['region']}" if compact else text


def _plan_rows(rows: list[dict[str, Any]], kind: str, per: str, compact: bool,
               ranked: bool) -> tuple[list[str], list[list[str]]]:
    cols = (["#"] if ranked else []) + (["configuration / region"] if compact
                                        else ["configuration", "region"])
    lat = ["TTFT", "TPOT"] if kind == "plan-infer" else ["time"]
    cols += ([] if compact and kind == "plan-infer" else lat)
    unit = "" if compact else f"/{per}"  # compact: "per day/run" goes in the title
    cols += [f"energy{unit}", f"CO2e{unit}"] + ([] if compact else [f"water/{per}"])
    cols += [f"cost{unit}"] + (["Pareto"] if ranked and not compact else [])
    out = []
    for r in rows:
        star = "*" if compact and r.get("pareto") else ""  # compact: a mark, not a column
        row = ([f"{r['rank']}{star}"] if ranked else []) + [_conf(r, kind, compact)]
        if not compact:
            row.append(r["region"])
        if not (compact and kind == "plan-infer"):
            row += ([human_or_dash(r["ttft_s"], "s"), human_or_dash(r["tpot_s"], "s")]
                    if kind == "plan-infer" else [human_or_dash(r["time_s"], "s")])
        co2e = human_or_dash(r["total_co2e_g"], "gCO2e")
        row += [human_or_dash(r["facility_energy_j"], "J"),
                co2e.replace(" CO2e", "") if compact else co2e]
        row += [] if compact else [human_or_dash(r["water_l"], "L")]
        row += [human_or_dash(r["cost_usd"], "USD")]
        row += ["yes" if r["pareto"] else ""] if ranked and not compact else []
        out.append(row)
    return cols, out


def _compact(tab: Any) -> Any:
    """Simple box; the configuration / region column never wraps mid-name."""
    from rich import box

    tab.box, tab.pad_edge = box.SIMPLE_HEAD, False
    for col in tab.columns:
        col.no_wrap = True
        if str(col.header).startswith("configuration"):
            col.no_wrap, col.overflow = True, "ellipsis"
            col.min_width = max((len(line) for c in col._cells for line in str(c).split("\n")),
                                default=10)
    return tab


#: Columns a terminal too narrow even for the compact view leaves out, in this order.
_PLAN_DROP = ("why", "water/day", "water/run", "TPOT", "TTFT", "time", "cost", "cost/day",
              "cost/run")


def print_plan(res: PlanResult, title: str, per: str, wide: bool = False) -> None:
    from rich.console import Console

    con = console()
    compact = not wide and con.width < COMPACT_BELOW
    if wide:  # every column at full width: long lines, not folded cells (use `less -S`)
        con = Console(width=max(con.width, 200))
    if compact:
        title += f" (per {per})"
    cols, rows = _plan_rows(res.ranked, res.kind, per, compact, ranked=True)
    with_why = wide or con.width >= 150
    if with_why:
        cols.append("why")
        for row, r in zip(rows, res.ranked, strict=True):
            row.append(r["why"])
    tab = table(title, cols, rows, wide={"why"})
    print_table(con, _compact(tab) if compact else tab, drop=_PLAN_DROP)
    if not with_why:
        for r in res.ranked:
            con.print(f"why #{r['rank']}: {r['why']}")
    fcols, frows = _plan_rows(res.frontier[:10], res.kind, per, compact, ranked=False)
    ftab = table(f"Pareto frontier (energy, CO2e, water, cost): {len(res.frontier)} shown"
                  + (f" (per {per})" if compact else ""), fcols, frows)
    print_table(con, _compact(ftab) if compact else ftab, drop=_PLAN_DROP)
    if compact:
        con.print("compact view for a narrow terminal (* on the Pareto frontier): --wide shows "
                  "latency, water and reasons in the tables; --json gives everything",
                  style="dim")
    steps = " → ".join(f"{c.name} {c.passed:,}" for c in res.constraints)
    con.print(f"Swept {res.n_configs:,} configurations in {res.elapsed_s:.2f} s "
              f"({res.configs_per_s:,.0f}/s); feasible {res.n_feasible:,} ({steps}).")
    checks = [r["check"]["relative_difference"] for r in res.ranked if "check" in r]
    if checks:
        con.print(f"Provenance: every ranked row re-computed with the engine "
                  f"(estimate_{'inference' if res.kind == 'plan-infer' else 'training'}), max "
                  f"relative difference {max(checks):.1e}; roofline device model, site chain "
                  "and catalog sources (docs/planning.md). --json gives each number's source.")
    for n in res.notes:
        con.print(f"note: {n}", style="yellow")
