"""Self-contained HTML reports of any wattprint result (``wattprint report``).

:func:`build_report` recognises the JSON of a command (``estimate``, ``demo``, ``plan``,
``lifecycle``, ``validate``, or a run/job document from the ledger) and returns a
:class:`~wattprint.report.html.model.Report`; :func:`render` draws it as one offline HTML page.
"""

from __future__ import annotations

from typing import Any

from wattprint.errors import InputError
from wattprint.report.html.model import Report


def detect_kind(doc: Any) -> str:
    """The report kind of a command's JSON: estimate, demo, plan, lifecycle, validation, run,
    job.

    Raises:
        InputError: not a wattprint result.
    """
    if not isinstance(doc, dict):
        raise InputError("not a wattprint result: expected one JSON object")
    kind = str(doc.get("kind", ""))
    if kind in ("run", "job"):
        return kind
    if kind.startswith("plan-"):
        return "plan"
    if kind in ("estimate", "measurement") and "inputs" in doc:
        return "estimate"
    if "training" in doc and "serving_one_year" in doc:
        return "demo"
    if {"curve", "rows", "training", "serving"} <= doc.keys():
        return "lifecycle"
    if {"summary", "rows", "groups"} <= doc.keys():
        return "validation"
    raise InputError("not a result wattprint can report: give the --json output of estimate, "
                     "demo, plan infer/train, lifecycle or validate, or a run id")


def build_report(doc: dict[str, Any]) -> Report:
    """The :class:`Report` of a command's JSON (see :func:`detect_kind`)."""
    from wattprint.report.html import measure, planning, predict

    kind = detect_kind(doc)
    if kind == "estimate":
        return predict.estimate_report(doc)
    if kind == "demo":
        return predict.demo_report(doc)
    if kind == "plan":
        return planning.plan_report(doc)
    if kind == "lifecycle":
        return planning.lifecycle_report(doc)
    if kind == "validation":
        return planning.validation_report(doc)
    if kind == "run":
        return measure.run_report(doc)
    return measure.job_report(doc["documents"], str(doc.get("name", "")))


def render(doc: dict[str, Any]) -> str:
    """One self-contained HTML page (Plotly inlined) of a command's JSON."""
    from wattprint import __version__
    from wattprint.report.html.page import render_html

    return render_html(build_report(doc), version=__version__)
