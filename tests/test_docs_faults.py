"""docs/meter.md's "What happens when" table names the tests that check each row; every
named test must exist (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _table_rows() -> list[list[str]]:
    text = (ROOT / "docs" / "meter.md").read_text(encoding="utf-8")
    part = text.split("### What happens when", 1)[1]
    rows = [ln for ln in part.split("\n\n`wattprint ledger check")[0].splitlines()
            if ln.startswith("| ")]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in rows[2:]]


def test_every_row_names_existing_tests() -> None:
    rows = _table_rows()
    whens = " ".join(r[0] for r in rows)
    for must in ("disk fills", "read-only", "damaged", "0 bytes", "killed", "SIGTERM"):
        assert must in whens, must
    defined = set()
    for f in (ROOT / "tests").glob("test_*.py"):
        defined |= set(re.findall(r"^def (test_\w+)", f.read_text(encoding="utf-8"), re.M))
    for r in rows:
        names = re.findall(r"`(test_\w+)`", r[-1])
        assert names, r
        missing = [n for n in names if n not in defined]
        assert not missing, (r[0], missing)
