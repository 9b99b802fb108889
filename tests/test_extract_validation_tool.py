"""tools/extract_validation_data.py keeps our own H200 rows when it re-copies the reference."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "extract_validation_data.py"


def test_write_h200_keeps_own_rows_after_the_reference_rows(tmp_path: Path) -> None:
    write_h200 = runpy.run_path(str(TOOL))["write_h200"]
    ref = tmp_path / "ref.jsonl"
    out = tmp_path / "out.jsonl"
    ref.write_text(json.dumps({"id": "ref-a"}) + "\n" + json.dumps({"id": "ref-b"}))
    own = json.dumps({"id": "wp-own", "energy_j": 1.0})
    out.write_text(json.dumps({"id": "ref-old"}) + "\n" + own + "\n")
    assert write_h200(ref, out) == 1
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == ["ref-a", "ref-b", "wp-own"]
    assert write_h200(ref, out) == 1  # idempotent
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids


def test_packaged_h200_file_holds_the_reference_ids_then_own_ids() -> None:
    rows = [json.loads(line) for line in
            (ROOT / "src/wattprint/data/validation/h200_workloads.jsonl").read_text().splitlines()]
    own = [r["id"].startswith("wp-") for r in rows]
    assert any(own) and own == sorted(own)  # reference rows first, own rows after
