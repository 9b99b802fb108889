"""Text rendering of ``wattprint validate``: one predicted-vs-published table per group, the
skipped rows and the per-group summary, fitted to the terminal (numbers never split)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wattprint.report.fit import print_table
from wattprint.validation.report import skipped_by_reason

if TYPE_CHECKING:
    from wattprint.validation.report import BiasBreakdown, GroupSummary, ValidationReport

#: Below this terminal width ``validate`` prints only the summary unless ``--rows`` is given
#: (hundreds of rows of folded cells are unreadable).
ROWS_FROM_WIDTH = 120
#: Below this width the summary puts group and quantity in one column.
ONE_LABEL_BELOW = 100


def _fmt(x: float) -> str:
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1e5 or a < 1e-3:
        return f"{x:.3g}"
    if a >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _pct(e: float) -> str:
    return f"{e * 100:+.1f} %"


def _style(e: float) -> str:
    a = abs(e)
    return "green" if a <= 0.25 else ("yellow" if a <= 0.5 else "red")


def _coverage(s: GroupSummary) -> str:
    """``coverage % of n ranged``, styled: green at the ≥ 80 % target."""
    if s.coverage is None:
        return "–"
    style = "green" if s.coverage >= 0.8 else ("yellow" if s.coverage >= 0.5 else "red")
    return f"[{style}]{s.coverage * 100:.0f} %[/] of {s.ranged}"


def _table(title: str, columns: list[tuple[str, str]]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col, just in columns:
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    return t


def _print_rows(console: Any, report: ValidationReport) -> None:
    from rich.markup import escape

    for g in report.groups:
        g_rows = [r for r in report.rows if r.group == g]
        if not g_rows:
            continue
        t = _table(f"{g}: predicted vs published", [
            ("id", "left"), ("quantity", "left"), ("predicted", "right"),
            ("published", "right"), ("unit", "left"), ("error", "right"), ("note", "left")])
        t.columns[0].overflow = "fold"
        t.columns[-1].max_width = 60
        for r in g_rows:
            t.add_row(escape(r.id), escape(r.quantity), _fmt(r.predicted),
                      _fmt(r.published), escape(r.unit),
                      f"[{_style(r.error)}]{_pct(r.error)}[/]", escape(r.note))
        print_table(console, t, drop=("note",))
    if report.skipped:
        t = _table("Skipped (not enough inputs, or nothing to compare)",
                   [("group", "left"), ("n", "right"), ("reason", "left"), ("ids", "left")])
        t.columns[-1].overflow = "fold"
        t.columns[-1].max_width = 60
        for (group, reason), ids in skipped_by_reason(report).items():
            shown = ", ".join(ids[:6]) + (f" … (+{len(ids) - 6})" if len(ids) > 6 else "")
            t.add_row(group, str(len(ids)), escape(reason), escape(shown))
        print_table(console, t, drop=("ids",))


def _print_summary(console: Any, report: ValidationReport) -> None:
    from rich.markup import escape

    one_label = console.width < ONE_LABEL_BELOW
    labels = [("group / quantity", "left")] if one_label else [("group", "left"),
                                                                ("quantity", "left")]
    t = _table("Validation summary (error = predicted / published − 1)", labels + [
        ("n", "right"), ("median |err|", "right"), ("median (bias)", "right"),
        ("worst", "right"), ("worst row", "left"), ("≤25 %", "right"), ("≤50 %", "right"),
        ("in range", "right"), ("hi/lo", "right")])
    for s in report.summary:
        if one_label:
            label = [s.group if s.quantity == "all" else f"  {s.quantity}"]
        else:
            label = [s.group if s.quantity == "all" else "", s.quantity]
        t.add_row(*label, str(s.count), f"{s.median_abs_error * 100:.1f} %",
                  _pct(s.signed_median_error),
                  f"[{_style(s.worst_error)}]{_pct(s.worst_error)}[/]",
                  escape(f"{s.worst_id} ({s.worst_quantity})"), str(s.within_25pct),
                  str(s.within_50pct), _coverage(s),
                  f"{s.median_width:.2f}×" if s.median_width is not None else "–")
    print_table(console, t, drop=("worst row", "≤25 %", "≤50 %", "median (bias)", "hi/lo"))


def _print_breakdown(console: Any, cells: list[BiasBreakdown]) -> None:
    """One line per (group, quantity, model or chip): count and signed median, red beyond
    ±15 % (issue #9's bound on any model family or chip)."""
    from rich.markup import escape

    t = _table("Bias by model family and chip (median of predicted / published − 1)", [
        ("group", "left"), ("quantity", "left"), ("model or chip", "left"), ("n", "right"),
        ("median (bias)", "right"), ("median |err|", "right")])
    for b in sorted(cells, key=lambda b: (b.group, b.quantity, b.by, b.key)):
        style = "green" if abs(b.signed_median_error) <= 0.15 else "red"
        t.add_row(b.group, escape(b.quantity), escape(b.key), str(b.count),
                  f"[{style}]{_pct(b.signed_median_error)}[/]",
                  f"{b.median_abs_error * 100:.1f} %")
    print_table(console, t, drop=("median |err|", "group"))


def print_report(report: ValidationReport, rows: bool | None = None) -> None:
    """Rich tables: one per group and the skipped rows (when ``rows``; None: only on a
    terminal at least :data:`ROWS_FROM_WIDTH` wide), then the summary."""
    from rich.console import Console

    console = Console()
    auto = rows is None
    if rows is None:
        rows = console.width >= ROWS_FROM_WIDTH
    if rows:
        _print_rows(console, report)
    _print_summary(console, report)
    if report.breakdown:
        _print_breakdown(console, report.breakdown)
    skipped_by_group: dict[str, int] = {}
    for sk in report.skipped:
        skipped_by_group[sk.group] = skipped_by_group.get(sk.group, 0) + 1
    if skipped_by_group:
        console.print("skipped: " + ", ".join(f"{g} {n}" for g, n in skipped_by_group.items()))
    if auto and not rows:
        console.print(f"per-row tables left out on a terminal under {ROWS_FROM_WIDTH} "
                      "columns: add --rows (or --json)", style="dim")
