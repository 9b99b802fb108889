"""Entry point of the ``wattprint`` command.

Each command group lives in its own module with a ``register(app)`` function; modules import
library code inside the command functions so that ``wattprint --help`` and ``estimate`` start
fast. Every :class:`~wattprint.errors.WattprintError` becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import typer

try:  # typer ≥ 0.20 vendors its own click; older versions use the click package
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover
    from click import exceptions as click  # type: ignore[no-redef, unused-ignore]

app = typer.Typer(
    name="wattprint",
    help="What AI work costs the physical world: joules, kWh at the wall, CO2e, water, money "
    "- measured, predicted and planned.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 is_eager=True, callback=lambda v: _print_version() if v else None),
) -> None:
    """What AI work costs the physical world: joules, kWh at the wall, CO2e, water, money -
    measured, predicted and planned."""


def _print_version() -> None:
    from wattprint import __version__

    sys.stdout.write(f"wattprint {__version__}\n")
    raise typer.Exit(0)


#: Command modules, in help order. Each defines ``register(app: typer.Typer) -> None``.
COMMAND_MODULES = (
    "wattprint.cli.estimate_cmds",
    "wattprint.cli.catalog_cmds",
    "wattprint.cli.validate_cmds",
    "wattprint.cli.meter_cmds",
    "wattprint.cli.history_cmds",
    "wattprint.cli.ledger_cmds",
    "wattprint.cli.calibrate_cmds",
    "wattprint.cli.plan_cmds",
    "wattprint.cli.report_cmds",
    "wattprint.cli.grid_cmds",
    "wattprint.cli.fleet_cmds",
    "wattprint.cli.serve_cmds",
)

#: Top-level command → the module that registers it. Building every command's parser costs
#: ~40 ms, so a call registers only the module its first word needs (all of them for --help).
COMMAND_OWNERS = {
    "estimate": "wattprint.cli.estimate_cmds", "demo": "wattprint.cli.estimate_cmds",
    "hardware": "wattprint.cli.catalog_cmds", "models": "wattprint.cli.catalog_cmds",
    "sites": "wattprint.cli.catalog_cmds", "stacks": "wattprint.cli.catalog_cmds",
    "validate": "wattprint.cli.validate_cmds",
    "run": "wattprint.cli.meter_cmds", "history": "wattprint.cli.history_cmds",
    "show": "wattprint.cli.history_cmds", "export": "wattprint.cli.history_cmds",
    "ledger": "wattprint.cli.ledger_cmds",
    "calibrate": "wattprint.cli.calibrate_cmds",
    "merge": "wattprint.cli.fleet_cmds", "exporter": "wattprint.cli.fleet_cmds",
    "serve-meter": "wattprint.cli.serve_cmds",
    "plan": "wattprint.cli.plan_cmds", "lifecycle": "wattprint.cli.plan_cmds",
    "report": "wattprint.cli.report_cmds", "ui": "wattprint.cli.report_cmds",
    "grid": "wattprint.cli.grid_cmds",
}

_registered: set[str] = set()


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """Register the command modules ``argv`` needs (all when unsure) and return the app."""
    first = next((a for a in (argv or []) if not a.startswith("-")), None)
    wanted = [COMMAND_OWNERS[first]] if first in COMMAND_OWNERS else list(COMMAND_MODULES)
    for name in wanted:
        if name not in _registered:
            importlib.import_module(name).register(app)
            _registered.add(name)
    return app


_command: tuple[frozenset[str], Any] | None = None


def click_command(argv: list[str] | None = None) -> Any:
    """The click command of :func:`build_app`'s app, built once per set of registered
    modules (building it costs ~5 ms a call: it matters to in-process callers, e.g. tests)."""
    global _command
    build_app(argv)
    key = frozenset(_registered)
    if _command is None or _command[0] != key:
        _command = (key, typer.main.get_command(app))
    return _command[1]


def _refuse_empty_values(args: list[str]) -> None:
    """An empty or blank argument (``--site ''``, ``-o ''``) is an error, never "not given".

    The measured command of ``run`` (after ``--``) is the user's own and is not checked.

    Raises:
        InputError: names the option the empty value was given to.
    """
    from wattprint.errors import InputError

    stop = args.index("--") if "--" in args else len(args)
    if args[:1] == ["run"] and "--" not in args:
        stop = 1
    for i, a in enumerate(args[:stop]):
        value = a.partition("=")[2] if a.startswith("--") and "=" in a else a
        if not value.strip() and (a == value or "=" in a):
            prev = args[i - 1] if i and args[i - 1].startswith("-") else None
            where = a.partition("=")[0] if "=" in a else prev
            raise InputError(f"empty value{f' for {where}' if where else ''}: give a value "
                             "or leave the option out")


#: Narrowest terminal the text output is laid out for (columns).
MIN_COLUMNS = 40


def _sane_columns() -> None:
    """``COLUMNS=0`` (some CI runners and non-tty shells) makes Rich print nothing at all, and
    a handful of columns prints a table a character wide: a ``COLUMNS`` that is not a
    positive number is ignored, and one under :data:`MIN_COLUMNS` is raised to it."""
    text = os.environ.get("COLUMNS")
    if text is None:
        return
    try:
        cols = int(text)
    except ValueError:
        cols = 0
    if cols <= 0:
        del os.environ["COLUMNS"]
    elif cols < MIN_COLUMNS:
        os.environ["COLUMNS"] = str(MIN_COLUMNS)


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"wattprint: error: {message}\n")
    sys.exit(code)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; translate errors into one line and an exit code (2 = bad input)."""
    # The CLI process is ours: skip pydantic's plugin discovery (an entry-point scan that
    # costs ~10 ms of start-up). Library users' processes are left alone.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _sane_columns()
    from wattprint.errors import WattprintError

    args = sys.argv[1:] if argv is None else argv
    cli = click_command(args)
    try:
        _refuse_empty_values(args)
        rv = cli.main(args=argv, standalone_mode=False, prog_name="wattprint")
    except WattprintError as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except click.NoArgsIsHelpError as exc:  # pragma: no cover - click>=8.2
        sys.stdout.write((exc.ctx.get_help() if exc.ctx else "") + "\n")
        sys.exit(0)
    except click.UsageError as exc:
        msg = exc.format_message().replace("\n", " ")
        cmd = exc.ctx.command_path if exc.ctx else "wattprint"
        _fail(f"{msg} (see `{cmd} --help`)")
    except typer.Abort:
        _fail("aborted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _fail(exc.format_message())
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:  # e.g. `wattprint ... | head`
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback
        if os.environ.get("WATTPRINT_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set WATTPRINT_DEBUG=1 for the "
              "traceback and please report it)", 1)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    run()
