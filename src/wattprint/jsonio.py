"""Strict JSON for results: NaN and infinities become null, unknown objects strings."""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def clean_json(x: Any) -> Any:
    """``x`` with NaN and infinities replaced by None (JSON has neither) and keys as str."""
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, dict):
        return {str(k): clean_json(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean_json(v) for v in x]
    return x


def dumps_json(obj: Any, indent: int | None = 2) -> str:
    """Strict JSON text of ``obj`` (NaN-free; unknown objects as strings)."""
    return json.dumps(clean_json(obj), indent=indent, allow_nan=False, default=str)


def dump_json(obj: Any) -> None:
    """Write one JSON object to stdout (NaN-free)."""
    sys.stdout.write(dumps_json(obj) + "\n")
