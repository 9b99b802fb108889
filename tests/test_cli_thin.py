"""The CLI is a thin layer: parse, call the library, hand the result to a renderer in report/.

A command module that builds Rich tables itself holds rendering that belongs in
``wattprint.report``; this walks the imports of every ``cli/*.py`` and fails on one.
"""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parent.parent / "src" / "wattprint" / "cli"

#: Rendering modules the CLI must leave to report/.
RENDERING = ("rich.table", "rich.box", "rich.columns", "rich.panel")

#: Command modules still holding tables, with the reason.
EXCEPTIONS: dict[str, str] = {}


def _rendering_imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [n for n in names if n.startswith(RENDERING)]
    return sorted(set(out))


def test_cli_modules_leave_rendering_to_report() -> None:
    bad = {p.name: found for p in sorted(CLI.glob("*.py"))
           if p.name not in EXCEPTIONS and (found := _rendering_imports(p))}
    assert not bad, f"tables built in cli/ (move them to wattprint.report): {bad}"


def test_exceptions_are_still_needed() -> None:
    stale = [n for n in EXCEPTIONS if not (CLI / n).exists() or not _rendering_imports(CLI / n)]
    assert not stale, f"drop from EXCEPTIONS (no tables left): {stale}"
