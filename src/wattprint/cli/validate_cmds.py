"""``wattprint validate``: predicted vs published and measured figures, with the error."""


from typing import Annotated

import typer

from wattprint.cli.options import JsonOpt


def validate(
    group: Annotated[list[str] | None, typer.Option(
        "--group", "-g", help="Only these groups (repeatable): h200, training-chip-hours, "
        "training-architecture, inference, facility, non-llm, non-llm-pipeline, "
        "traced-flops.")] = None,
    json_out: JsonOpt = False,
    rows: Annotated[bool | None, typer.Option(
        "--rows/--summary-only", help="Print every row, not only the per-group summary "
        "(default: rows on a terminal at least 120 columns wide).")] = None,
) -> None:
    """Predict every reference row that has enough inputs and report the error.

    Reference data (copied into wattprint/data/validation with sources): our H200
    measurements, published training runs (from chip-hours, and from architecture, tokens and
    hardware alone) and published inference measurements (ML.ENERGY).
    """
    from wattprint.validation.harness import run_validation

    report = run_validation(group or None)
    if json_out:
        from wattprint.report.tables import dump_json

        dump_json(report.to_dict())
    else:
        from wattprint.report.validation_tables import print_report

        print_report(report, rows=rows)


def register(app: typer.Typer) -> None:
    """Add ``validate``."""
    app.command("validate")(validate)
