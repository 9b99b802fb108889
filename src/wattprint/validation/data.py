"""Packaged validation data and the row collector every validation group fills."""

from __future__ import annotations

import csv
import io
import json
from importlib.resources import files
from typing import Any

from wattprint.validation.report import SkippedRow, ValidationRow, error, finite


def _data_text(name: str) -> str:
    return (files("wattprint") / "data" / "validation" / name).read_text(encoding="utf-8")


def load_rows(name: str) -> list[dict[str, str]]:
    """Rows of a packaged validation CSV (``training_runs.csv``, ``inference_llm.csv``)."""
    return list(csv.DictReader(io.StringIO(_data_text(name))))


def load_h200() -> list[dict[str, Any]]:
    """The H200 workload measurements (one JSON object per line)."""
    return [json.loads(line) for line in _data_text("h200_workloads.jsonl").splitlines()
            if line.strip()]


class Collector:
    """Accumulates rows and skipped rows for one group."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.rows: list[ValidationRow] = []
        self.skipped: list[SkippedRow] = []

    def add(self, rid: str, quantity: str, predicted: float, published: float, unit: str,
            note: str = "", low: float | None = None, high: float | None = None,
            family: str = "", hardware: str = "") -> None:
        if not (finite(predicted) and finite(published)) or published <= 0:
            self.skip(rid, f"{quantity}: non-finite or non-positive value "
                           f"(predicted {predicted!r}, published {published!r})")
            return
        if low is not None and high is not None and not (finite(low) and finite(high)):
            low = high = None
        self.rows.append(ValidationRow(self.group, rid, quantity, predicted, published, unit,
                                       error(predicted, published), note, low, high,
                                       family, hardware))

    def add_q(self, rid: str, quantity: str, q: Any, published: float, unit: str,
              note: str = "", scale: float = 1.0, family: str = "",
              hardware: str = "") -> None:
        """Add a :class:`~wattprint.quantity.Quantity` prediction with its range × ``scale``."""
        has_range = q.low is not None or q.high is not None
        self.add(rid, quantity, q.value * scale, published, unit, note,
                 q.lo * scale if has_range else None, q.hi * scale if has_range else None,
                 family, hardware)

    def skip(self, rid: str, reason: str) -> None:
        self.skipped.append(SkippedRow(self.group, rid, reason))
