"""Validation results: compared rows, skipped rows, per-group statistics and their display."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

#: Group names in display order.
GROUPS: tuple[str, ...] = ("h200", "training-chip-hours", "training-architecture", "inference",
                           "facility", "non-llm", "non-llm-pipeline", "traced-flops")


#: Published figures carry 2–3 significant digits: a value this close (relative) to an end of
#: the range counts as inside it (e.g. 14 t published for 13.96 t = GPU-h × TDP × PUE × grid).
ROUNDING = 0.005


@dataclass(frozen=True)
class ValidationRow:
    """One predicted-vs-published comparison. ``error`` = predicted / published − 1."""

    group: str
    id: str
    quantity: str
    predicted: float
    published: float
    unit: str
    error: float
    note: str = ""
    low: float | None = None  # the prediction's printed range, where it has one
    high: float | None = None
    family: str = ""  # the model (catalog id) the row predicts, where there is one
    hardware: str = ""  # the chip (catalog id) it ran on, where there is one

    @property
    def covered(self) -> bool | None:
        """Whether the published value lies inside the predicted [low, high], within the
        published rounding (:data:`ROUNDING`); None: no range."""
        if self.low is None or self.high is None:
            return None
        tol = ROUNDING * abs(self.published)
        return self.low - tol <= self.published <= self.high + tol

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "covered": self.covered}


@dataclass(frozen=True)
class SkippedRow:
    """A reference row (or one comparison of it) that could not be made, and why."""

    group: str
    id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class GroupSummary:
    """Error statistics of one group (``quantity == "all"``) or one quantity in a group."""

    group: str
    quantity: str
    count: int
    median_abs_error: float
    signed_median_error: float
    worst_error: float
    worst_id: str
    worst_quantity: str
    within_25pct: int
    within_50pct: int
    ranged: int = 0  # rows whose prediction carries a [low, high] range
    coverage: float | None = None  # share of those whose published value lies inside it
    median_width: float | None = None  # median high / low of those ranges

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class BiasBreakdown:
    """Signed median error of one model family or one chip within a group's quantity: a
    bias that the group's median can hide (issue #9: no family or chip beyond ±15 %)."""

    group: str
    quantity: str
    by: str  # "model" or "hardware"
    key: str
    count: int
    signed_median_error: float
    median_abs_error: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def build_breakdown(rows: list[ValidationRow]) -> list[BiasBreakdown]:
    """Per (group, quantity), the signed and absolute median error of each model family and
    each chip, for rows that name them; in first-seen order."""
    cells: dict[tuple[str, str, str, str], list[float]] = {}
    for r in rows:
        for by, key in (("model", r.family), ("hardware", r.hardware)):
            if key:
                cells.setdefault((r.group, r.quantity, by, key), []).append(r.error)
    return [BiasBreakdown(g, q, by, key, len(errs), statistics.median(errs),
                          statistics.median(abs(e) for e in errs))
            for (g, q, by, key), errs in cells.items()]


@dataclass
class ValidationReport:
    """Everything ``wattprint validate`` found: rows, skipped rows and the summary."""

    rows: list[ValidationRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    summary: list[GroupSummary] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    breakdown: list[BiasBreakdown] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (no NaN: every compared value is finite by construction)."""
        return {
            "groups": list(self.groups),
            "summary": [s.to_dict() for s in self.summary],
            "breakdown": [b.to_dict() for b in self.breakdown],
            "rows": [r.to_dict() for r in self.rows],
            "skipped": [s.to_dict() for s in self.skipped],
        }

    def group_summary(self, group: str, quantity: str = "all") -> GroupSummary | None:
        """The summary entry of ``group`` (and ``quantity``), if that group has rows."""
        for s in self.summary:
            if s.group == group and s.quantity == quantity:
                return s
        return None


def error(predicted: float, published: float) -> float:
    """Relative error ``predicted / published − 1``."""
    return predicted / published - 1.0


def summarise(group: str, quantity: str, rows: list[ValidationRow]) -> GroupSummary:
    """Median |error|, signed median, worst row and hit counts of ``rows`` (non-empty)."""
    errs = [r.error for r in rows]
    worst = max(rows, key=lambda r: abs(r.error))
    ranged = [r for r in rows if r.covered is not None]
    widths = [r.high / r.low for r in ranged if r.low and r.high and r.low > 0]
    return GroupSummary(
        group=group, quantity=quantity, count=len(rows),
        median_abs_error=statistics.median(abs(e) for e in errs),
        signed_median_error=statistics.median(errs),
        worst_error=worst.error, worst_id=worst.id, worst_quantity=worst.quantity,
        within_25pct=sum(abs(e) <= 0.25 for e in errs),
        within_50pct=sum(abs(e) <= 0.50 for e in errs),
        ranged=len(ranged),
        coverage=sum(bool(r.covered) for r in ranged) / len(ranged) if ranged else None,
        median_width=statistics.median(widths) if widths else None,
    )


def build_summary(rows: list[ValidationRow], groups: list[str]) -> list[GroupSummary]:
    """One ``all`` entry per group with rows, followed by one entry per quantity."""
    out: list[GroupSummary] = []
    for g in groups:
        g_rows = [r for r in rows if r.group == g]
        if not g_rows:
            continue
        out.append(summarise(g, "all", g_rows))
        quantities = list(dict.fromkeys(r.quantity for r in g_rows))
        if len(quantities) > 1:
            for q in quantities:
                out.append(summarise(g, q, [r for r in g_rows if r.quantity == q]))
    return out


def finite(x: float) -> bool:
    """True for a finite float."""
    return isinstance(x, int | float) and math.isfinite(x)


def skipped_by_reason(report: ValidationReport) -> dict[tuple[str, str], list[str]]:
    """Skipped row ids grouped by (group, reason), in first-seen order.

    Per-row numbers inside a reason (e.g. the GB an over-large batch needs) are kept, so
    similar failures stay separate only when their text differs.
    """
    out: dict[tuple[str, str], list[str]] = {}
    for s in report.skipped:
        key = (s.group, _reason_key(s.reason))
        out.setdefault(key, []).append(s.id)
    return out


def _reason_key(reason: str) -> str:
    """Collapse per-row detail of memory failures so they group under one reason."""
    if "offer" in reason and "usable" in reason:
        return "estimate failed: does not fit in the accelerators' memory (UnsupportedError)"
    return reason
