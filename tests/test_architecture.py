"""The package's shape: import direction, no private names across subpackages, module size.

Layers, lowest first (docs/architecture.md). A module may import from its own unit or any unit
of a lower layer, never from a higher one; so nothing low imports plan, report or the CLI.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "wattprint"

#: Unit (first component under wattprint) → layer. The chain runs upward:
#: workload → device → site → engine; meter → ledger; calibrate, validation; plan; report; UIs.
LAYERS: dict[str, int] = {
    "errors": 0, "quantity": 0, "numbers": 0, "units": 0, "arrays": 0, "jsonio": 0,
    "footprint": 0, "textfiles": 0,
    "catalog": 1,
    "workload": 2,
    "device": 3,
    "site": 4,
    "engine": 5, "estimate": 5, "operator_price": 5, "module_estimate": 5, "catalog_estimate": 5,
    "meter": 6,
    "ledger": 7,
    "calibrate": 8, "validation": 8, "integrations": 8, "exporter": 8,
    "plan": 9,
    "report": 10,
    "ui": 11, "cli": 11, "testing": 11,
    "__main__": 12, "__init__": 12,
}

#: Modules allowed over MAX_LINES, each with the reason (split them when next touched).
MAX_LINES = 400
LONG_MODULES: dict[str, str] = {
    "workload/operators/trace.py": "the operator tracer (TorchDispatchMode), new with the "
                                   "non-LLM workloads (issue #10)",
}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[tuple[str, Path]]:
    out = []
    for p in sorted(SRC.rglob("*.py")):
        rel = p.relative_to(SRC).with_suffix("")
        parts = [x for x in rel.parts if x != "__init__"] if rel.parts != ("__init__",) \
            else ["__init__"]
        out.append(("wattprint." + ".".join(parts), p))
    return out


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement in ``body``, nested ones (in functions, classes, ``if``, ``try``,
    ``with``, ``match``...) included. Imports are statements, so this finds them all while
    skipping the expressions, which are most of a tree's nodes (``ast.walk`` visits them all:
    ~5x slower over the package)."""
    out: list[ast.stmt] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            out.append(node)
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            sub = getattr(node, field, None)
            if isinstance(sub, list):
                stack.extend(sub)
    return sorted(out, key=lambda n: n.lineno)


@functools.cache
def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every ``wattprint`` import in ``path`` (each file
    parsed once per session: two tests walk the same imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in _statements(tree.body):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "wattprint":
            out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, [], node.lineno) for a in node.names
                       if a.name.split(".")[0] == "wattprint")
    return out


def _layer(unit: str) -> int:
    """A listed unit's layer; an unlisted top-level module is a base utility (layer 0), so
    the direction test flags it as soon as it imports anything above the base."""
    if unit in LAYERS:
        return LAYERS[unit]
    return 0 if (SRC / f"{unit}.py").is_file() else 99


def test_every_subpackage_has_a_layer() -> None:
    units = {_unit(m) for m, _ in _modules()}
    missing = sorted(u for u in units if _layer(u) == 99)
    assert not missing, f"give these subpackages a layer in LAYERS: {missing}"


def test_imports_follow_the_chain() -> None:
    bad = []
    for mod, path in _modules():
        own = _unit(mod)
        for target, names, line in _imports(path):
            if target == "wattprint" and all(n.startswith("__") for n in names):
                continue  # __version__
            other = _unit(target) if target != "wattprint" else "__init__"
            if other != own and _layer(other) > _layer(own):
                bad.append(f"{path.relative_to(SRC)}:{line} ({own}) imports {target} ({other})")
    assert not bad, "imports against the chain's direction:\n" + "\n".join(bad)


def test_no_private_names_across_subpackages() -> None:
    bad = []
    for mod, path in _modules():
        for target, names, line in _imports(path):
            if _unit(target) == _unit(mod):
                continue
            bad += [f"{path.relative_to(SRC)}:{line} imports {n} from {target}"
                    for n in names if n.startswith("_") and not n.startswith("__")]
            if any(part.startswith("_") and not part.startswith("__")
                   for part in target.split(".")):
                bad.append(f"{path.relative_to(SRC)}:{line} imports private module {target}")
    assert not bad, "private names imported across subpackages:\n" + "\n".join(bad)


@pytest.mark.parametrize("rel", sorted(LONG_MODULES))
def test_long_module_exceptions_are_still_needed(rel: str) -> None:
    n = len((SRC / rel).read_text(encoding="utf-8").splitlines())
    assert n > MAX_LINES, f"{rel} is {n} lines now: drop it from LONG_MODULES"


def test_no_module_over_the_size_limit() -> None:
    long = []
    for _mod, path in _modules():
        rel = path.relative_to(SRC).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in LONG_MODULES:
            long.append(f"{rel}: {n} lines")
    assert not long, f"modules over {MAX_LINES} lines (split by concern):\n" + "\n".join(long)
