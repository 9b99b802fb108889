"""One way to read a range end: ``x.high if x.high is not None else x.value`` (``Quantity.hi``,
``_tri``), never ``x.high or x.value``, which takes a 0.0 end for a missing one (issue #8)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "wattprint"
PATTERN = re.compile(r"\.(high|low|hi|lo)\s+or\s")


def test_no_range_end_read_with_or() -> None:
    bad = [f"{p.relative_to(SRC)}:{i}: {line.strip()}"
           for p in sorted(SRC.rglob("*.py"))
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if PATTERN.search(line)]
    assert not bad, "range end read with `or` (0.0 taken for missing):\n" + "\n".join(bad)
