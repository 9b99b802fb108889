"""``wattprint report`` (HTML, PDF and compliance exports) and ``wattprint ui`` (dashboard)."""


import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from wattprint.errors import InputError

FORMATS = ("html", "pdf", "eu-ai-act", "ghg-scope2", "hf-model-card", "sci")


def _read_json(source: str) -> Any:
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            from wattprint.textfiles import read_text

            text = read_text(Path(source), "report input")
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from exc
    # commands that print progress or tables first put their JSON object on the last line
    for candidate in (text, text.strip().splitlines()[-1] if text.strip() else ""):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise InputError(f"{source} is not JSON: give the --json output of a wattprint command")


def _document(source: str | None, runs: list[str] | None, db: Path | None) -> dict[str, Any]:
    if runs:
        from wattprint.ledger.readonly import ReadOnlyLedger
        from wattprint.report.html.measure import run_document

        led = ReadOnlyLedger(db)
        try:
            docs = [run_document(led, r) for r in runs]
        finally:
            led.close()
        return docs[0] if len(docs) == 1 else {"kind": "job", "documents": docs}
    if source is None:
        raise InputError("give a JSON file (or - for stdin) or --run RUN_ID")
    return _read_json(source)


def report_cmd(
    source: Annotated[str | None, typer.Argument(help="JSON output of estimate, demo, plan, "
                                                 "lifecycle or validate (--json); - reads "
                                                 "stdin.", show_default=False)] = None,
    run: Annotated[list[str] | None, typer.Option("--run", help="A run of the ledger (id or "
                                                  "prefix); repeat for a job of several "
                                                  "runs.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, pdf, eu-ai-act, "
                                     "ghg-scope2, hf-model-card or sci.")] = "html",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write "
                                                "(default: wattprint-KIND.html/.pdf; exports "
                                                "go to stdout).")] = None,
    training_type: Annotated[str, typer.Option("--training-type", help="Model card: "
                                               "pre-training or fine-tuning.")]
    = "pre-training",
    db: Annotated[Path | None, typer.Option("--db", help="Ledger file (with --run).")] = None,
) -> None:
    """A report people can read, share and file: one offline HTML page, a PDF, or a
    compliance export.

    Example: wattprint estimate train -m llama-3.1-8b --tokens 15T -H h100 --chips 1024 --json
    > est.json && wattprint report est.json -o est.html
    """
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if training_type not in ("pre-training", "fine-tuning"):
        raise InputError("--training-type must be pre-training or fine-tuning")
    if output is not None:
        from wattprint.textfiles import output_file

        output = output_file(output)
    from wattprint.report.html import detect_kind

    doc = _document(source, run, db)
    kind = detect_kind(doc)
    if fmt in ("html", "pdf"):
        _write_page(doc, kind, fmt, output)
        return
    from wattprint.report.compliance import export

    text = export(doc, kind, fmt, training_type=training_type)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:  # a directory, a missing folder, no permission
            raise InputError(f"cannot write {output}: {exc.strerror or exc}") from exc
        sys.stderr.write(f"wrote {output}\n")


def _write_page(doc: dict[str, Any], kind: str, fmt: str, output: Path | None) -> None:
    import tempfile

    from wattprint.report.html import render

    out = output or Path(f"wattprint-{kind}.{fmt}")
    page = render(doc)
    try:
        if fmt == "html":
            out.write_text(page, encoding="utf-8")
        else:
            from wattprint.report.browser import html_to_pdf

            with tempfile.TemporaryDirectory(prefix="wattprint-report-") as tmp:
                html = Path(tmp) / "report.html"
                html.write_text(page, encoding="utf-8")
                html_to_pdf(html, out.resolve())
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    sys.stdout.write(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {kind} report)\n")


def ui_cmd(
    db: Annotated[Path | None, typer.Option("--db", help="Ledger file (read only).")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but "
                                      "loopback needs --allow-remote and --token.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: a free one).")] = 0,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Permit a non-loopback "
                                               "--host (with --token).")] = False,
    token: Annotated[str | None, typer.Option("--token", help="Access token every request "
                                              "must carry (?token= or Authorization: Bearer; "
                                              "at least 16 characters).",
                                              envvar="WATTPRINT_UI_TOKEN")] = None,
) -> None:
    """Local dashboard over the ledger (read only): runs, a run's power over time, compare
    runs, an estimate what-if form and the planner's frontier.

    Example: wattprint ui   (prints the address; Ctrl-C stops it)
    """
    from wattprint.ui.server import serve

    serve(db, host=host, port=port, allow_remote=allow_remote, token=token)


def register(app: typer.Typer) -> None:
    """Add ``report`` and ``ui`` to the CLI."""
    app.command("report")(report_cmd)
    app.command("ui")(ui_cmd)
