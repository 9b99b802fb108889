"""``wattprint ledger check | recover | import``: look after the measurement ledger.

* ``check``: integrity (``PRAGMA integrity_check``), schema version, readable rows per table;
  exit 0 when healthy, 3 when damaged (bad input stays exit 2).
* ``recover``: copy every readable run, window, device row and sample of a damaged ledger
  into a new file (the damaged one is only read).
* ``import``: put a run that ``wattprint run`` could not store (its fallback file) into the
  ledger.
"""

import sys
from pathlib import Path
from typing import Any

import typer

#: Exit code of ``ledger check`` when the file is damaged.
EXIT_DAMAGED = 3


def register(app: typer.Typer) -> None:
    """Add the ``ledger`` command group to ``app``."""
    grp = typer.Typer(help="Check, recover and import into the measurement ledger.",
                      no_args_is_help=True)
    grp.command("check", help="Check a ledger's integrity and schema version (exit 3 when "
                "damaged).\n\nExample: wattprint ledger check --db ledger.sqlite")(check_cmd)
    grp.command("recover", help="Copy every readable run of a damaged ledger into a new "
                "file.\n\nExample: wattprint ledger recover --db bad.sqlite -o good.sqlite"
                )(recover_cmd)
    grp.command("import", help="Store a run that `wattprint run` saved to a fallback file."
                "\n\nExample: wattprint ledger import /tmp/wattprint-unsaved-3f2a9c.json"
                )(import_cmd)
    app.add_typer(grp, name="ledger")


def _path(db: Path | None) -> Path:
    from wattprint.ledger import default_db_path

    return db.expanduser() if db is not None else default_db_path()


def _dumps(x: Any) -> str:
    from wattprint.report.tables import dumps_json

    return dumps_json(x)


def check_cmd(
    db: Path = typer.Option(None, "--db", help="Ledger file (default $WATTPRINT_DB or the user "
                            "data directory)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> int:
    from wattprint.ledger.integrity import check_ledger

    res = check_ledger(_path(db))
    if json_out:
        sys.stdout.write(_dumps(res) + "\n")
    else:
        state = "ok" if res["ok"] else "DAMAGED"
        sys.stdout.write(f"ledger {res['path']}: {state}; schema version "
                         f"{res['schema_version']}"
                         + (f" (pending: {', '.join(res['pending'])})" if res["pending"] else "")
                         + "\n")
        for t, n in res["rows"].items():
            bad = res["unreadable"].get(t, 0)
            sys.stdout.write(f"  {t}: {n} readable rows" + (f", {bad} unreadable" if bad
                                                             else "") + "\n")
        if not res["ok"]:
            for m in res["integrity"]:
                sys.stdout.write(f"  integrity: {m}\n")
            sys.stdout.write(f"  save the readable runs with `wattprint ledger recover --db "
                             f"{res['path']} -o NEW.sqlite`\n")
    return 0 if res["ok"] else EXIT_DAMAGED


def recover_cmd(
    db: Path = typer.Option(None, "--db", help="The damaged ledger (only read)."),
    output: Path = typer.Option(..., "--output", "-o", help="The new ledger to write (must "
                                "not exist)."),
) -> None:
    from wattprint.errors import InputError
    from wattprint.ledger.integrity import recover_ledger
    from wattprint.textfiles import output_file
    from wattprint.units import plural

    if not str(output).strip():
        raise InputError("--output must name a file")
    res = recover_ledger(_path(db), output_file(output))
    parts = ", ".join(plural(n, t[:-1]) for t, n in res["copied"].items())
    lost = {t: n for t, n in res["unreadable"].items() if n}
    sys.stderr.write(f"recovered {parts} into {res['output']}"
                     + (f"; unreadable: {', '.join(plural(n, t[:-1]) for t, n in lost.items())}"
                        if lost else "") + "\n")


def import_cmd(
    files: list[Path] = typer.Argument(..., help="Fallback files written by `wattprint run`."),
    db: Path = typer.Option(None, "--db", help="Ledger file."),
) -> None:
    from wattprint.ledger import Ledger
    from wattprint.ledger.recorder import import_record

    with Ledger(db) as ledger:
        for f in files:
            rid = import_record(ledger, f)
            sys.stderr.write(f"imported run {rid} from {f} into {ledger.path}\n")
