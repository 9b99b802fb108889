"""Copy the reference rows that ``wattprint validate`` needs into the package data.

Run from the repository root::

    python tools/extract_validation_data.py [--reference /work/shared/reference]

Writes ``src/wattprint/data/validation/``:

- ``training_runs.csv``: every row of the reference ``training_runs.csv``, verbatim.
- ``h200_workloads.jsonl``: the reference ``h200_workloads_dev.jsonl``, verbatim, followed by
  wattprint's own H200 measurements (ids ``wp-``), which live only in the package copy and are
  kept as they are.
- ``inference_llm.csv``: the LLM text-generation rows of ML.ENERGY Leaderboard V3
  (workloads ``lm-arena-chat``, ``gpqa``, ``sourcegraph-fim``), V2 (``chat``, ``code``) and
  V1 (legacy chat rows) that report an energy per output token; only the columns the
  harness reads plus ``status``, ``source`` and ``notes`` (cell values unchanged).

The reference directory lives outside the repository and is never read at run time; this
script is the only bridge. The README beside the data states origin, date and licence.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "wattprint" / "data" / "validation"
DEFAULT_REFERENCE = Path("/work/shared/reference")

#: ML.ENERGY V3 workloads that are LLM text generation (the others are image/video tasks
#: or multimodal chat).
V3_LLM_WORKLOADS = ("lm-arena-chat", "gpqa", "sourcegraph-fim")

#: Columns of ``inference_measurements.csv`` kept in ``inference_llm.csv``.
INFERENCE_COLUMNS = (
    "id", "dataset", "model", "params_total_B", "params_active_B", "precision", "workload",
    "hardware", "num_accelerators", "parallelism", "batch_setting", "avg_batch",
    "avg_output_tokens", "energy_per_output_token_J", "energy_per_response_J", "avg_power_W",
    "throughput", "status", "source", "notes",
)


def is_llm_row(row: dict[str, str]) -> bool:
    """True for an ML.ENERGY LLM text-generation row with an energy per output token."""
    ds = row.get("dataset", "")
    if not row.get("energy_per_output_token_J", "").strip():
        return False
    if ds == "ML.ENERGY Leaderboard V3":
        return row.get("workload", "") in V3_LLM_WORKLOADS
    return ds.startswith("ML.ENERGY Leaderboard V2") or ds.startswith("ML.ENERGY Leaderboard V1")


def extract_inference(src: Path, dst: Path) -> int:
    """Write the LLM rows of ``src`` with :data:`INFERENCE_COLUMNS` to ``dst``; row count."""
    with src.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in INFERENCE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{src}: missing columns {missing}")
        rows = [r for r in reader if is_llm_row(r)]
    with dst.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(INFERENCE_COLUMNS), lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r[c] for c in INFERENCE_COLUMNS})
    return len(rows)


def write_h200(reference: Path, out: Path) -> int:
    """Write the reference H200 rows verbatim, then the rows of ``out`` whose id starts with
    ``wp-`` (wattprint's own measurements, recorded on a lent H200 and found nowhere else), so
    re-running this tool never drops them. Returns the number of own rows kept."""
    own = []
    if out.exists():
        own = [line for line in out.read_text().splitlines()
               if line.strip() and json.loads(line).get("id", "").startswith("wp-")]
    text = reference.read_text()
    if text and not text.endswith("\n"):
        text += "\n"
    out.write_text(text + "".join(line + "\n" for line in own))
    return len(own)


def main(argv: list[str] | None = None) -> int:
    """Copy the files; print what was written and the total size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                    help="directory holding the reference files")
    args = ap.parse_args(argv)
    ref: Path = args.reference
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ref / "training_runs.csv", OUT / "training_runs.csv")
    write_h200(ref / "h200_workloads_dev.jsonl", OUT / "h200_workloads.jsonl")
    n = extract_inference(ref / "inference_measurements.csv", OUT / "inference_llm.csv")
    total = 0
    for name in ("training_runs.csv", "h200_workloads.jsonl", "inference_llm.csv"):
        size = (OUT / name).stat().st_size
        total += size
        print(f"{name:24s} {size / 1024:8.1f} KiB")
    print(f"inference_llm.csv rows: {n}; total {total / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
