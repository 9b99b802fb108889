"""Reading the messy cells of the reference CSVs (numbers with units, prose, ranges).

Published tables mix numbers with words: ``"1.4T"``, ``"~7,000,000"``, ``"up to 4096"``,
``"920 h wall (4096 x 920 = 3,768,320 chip-h, derived)"``, ``"4.8 gross / 4.3 net"``. The
helpers here take the *first* figure of a cell unless a more specific rule applies, and
return ``None`` (never a guess) when a cell holds no usable figure.
"""

from __future__ import annotations

import re

_NUM = r"(\d[\d,]*(?:\.\d+)?|\.\d+)"
_NUM_RE = re.compile(_NUM)
_SCALED_RE = re.compile(_NUM + r"\s*([KMBT])?(?![a-z])", re.IGNORECASE)
_SCI_FLOP_RE = re.compile(r"(\d+(?:\.\d+)?)\s*[eE]\s*\+?\s*(\d+)\s*FLOP")
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}


def _to_float(text: str) -> float:
    return float(text.replace(",", ""))


def first_number(cell: str | None) -> float | None:
    """The first plain number in ``cell`` (thousands separators allowed), else ``None``."""
    if not cell:
        return None
    m = _NUM_RE.search(cell)
    return _to_float(m.group(1)) if m else None


def scaled_number(cell: str | None, default_scale: float = 1.0) -> float | None:
    """The first number with an optional K/M/B/T suffix (``"1.4T"`` → 1.4e12).

    A number without a suffix is multiplied by ``default_scale``.
    """
    if not cell:
        return None
    m = _SCALED_RE.search(cell)
    if not m:
        return None
    suffix = (m.group(2) or "").lower()
    return _to_float(m.group(1)) * (_SCALE[suffix] if suffix else default_scale)


def parse_tokens(cell: str | None) -> float | None:
    """Training tokens: ``"1.0T"``, ``"300B"``, ``"180B-token corpus; ..."`` → count."""
    return scaled_number(cell, default_scale=1.0)


def parse_params(cell: str | None) -> float | None:
    """Parameters from a ``params_total_B`` cell (billions) → count; ``None`` if blank."""
    v = first_number(cell)
    return None if v is None else v * 1e9


def parse_active_params(cell: str | None, total: float | None) -> float | None:
    """Active parameters: ``"37"`` (billions) or ``"0.25% of params per token"`` × total."""
    if not cell or not cell.strip():
        return None
    m = re.search(_NUM + r"\s*%", cell)
    if m:
        return None if total is None else total * _to_float(m.group(1)) / 100.0
    return parse_params(cell)


def parse_count(cell: str | None) -> int | None:
    """A chip count: ``"2048"``, ``"up to 4096"``, ``"216 (secondary)"``; ``None`` if blank."""
    v = first_number(cell)
    return None if v is None or v < 1 else int(round(v))


def chips_from_hardware(cell: str | None) -> int | None:
    """A chip count written into the hardware text: ``"P100 x8"``, ``"V100 x64"``."""
    if not cell:
        return None
    m = re.search(r"[x×]\s*(\d+)\b", cell)
    return int(m.group(1)) if m else None


def parse_chip_hours(cell: str | None, chips: int | None) -> tuple[float | None, str]:
    """Chip-hours from an ``accelerator_hours`` cell, with a note on how they were read.

    Rules, in order: a figure followed by ``chip-h`` is taken as is; ``"N h wall"`` is wall
    hours × ``chips``; otherwise the first number with an optional K/M suffix.
    """
    if not cell or not cell.strip():
        return None, ""
    m = re.search(_NUM + r"\s*chip-h", cell)
    if m:
        return _to_float(m.group(1)), "chip-hours as stated in the text"
    m = re.search(_NUM + r"\s*h\s+wall", cell)
    if m:
        if chips is None:
            return None, "wall hours given but no chip count"
        hours = _to_float(m.group(1))
        return hours * chips, f"{hours:g} h wall × {chips} chips"
    v = scaled_number(cell)
    return v, "published chip-hours" if v is not None else ""


def published_flops(notes: str | None) -> float | None:
    """Total training FLOPs quoted in a notes cell (``"4.05E+22 FLOP"``)."""
    if not notes:
        return None
    m = _SCI_FLOP_RE.search(notes)
    return float(m.group(1)) * 10.0 ** int(m.group(2)) if m else None


def parse_pue(cell: str | None) -> float | None:
    """A PUE cell; ``None`` when blank or marked *not applied*."""
    if not cell or "not applied" in cell.lower():
        return None
    v = first_number(cell)
    return v if v is not None and v >= 1.0 else None


# --------------------------------------------------------------------------- hardware

#: (pattern on the lower-cased text, catalog id). First match wins; order matters
#: (``a100 40gb pcie`` before ``a100 40gb``, ``h100 pcie`` before ``h100``).
_HARDWARE_RULES: tuple[tuple[str, str | None], ...] = (
    (r"tpu\s*v5e", "google-tpu-v5e"),
    (r"tpu\s*v5p", "google-tpu-v5p"),
    (r"tpu\s*v4", "google-tpu-v4"),
    (r"tpu\s*v3", "google-tpu-v3"),
    (r"tpu\s*v2", "google-tpu-v2"),
    (r"\bh800", "nvidia-h800-sxm"),
    (r"\bh200", "nvidia-h200-sxm"),
    (r"\bh100.*pcie", "nvidia-h100-pcie"),
    (r"\bh100", "nvidia-h100-sxm"),
    (r"\bb200", "nvidia-b200"),
    (r"a100.*pcie.*40\s*gb|a100.*40\s*gb.*pcie", "nvidia-a100-40gb-pcie"),
    (r"a100.*pcie", "nvidia-a100-80gb-pcie"),
    (r"a100.*40\s*gb", "nvidia-a100-40gb-sxm"),
    (r"a100", "nvidia-a100-80gb-sxm"),
    (r"\ba40\b", "nvidia-a40"),
    (r"\bv100", "nvidia-v100-sxm2"),
    (r"\bp100", "nvidia-p100-sxm2"),
    (r"\bl4\b", "nvidia-l4"),
    (r"\bt4\b", "nvidia-t4"),
    (r"mi300x", "amd-mi300x"),
    (r"mi250x", "amd-mi250x"),
)


def hardware_id(text: str | None) -> tuple[str | None, str]:
    """Catalog hardware id for a published hardware string, with a note.

    Returns ``(None, reason)`` when the text names no chip the catalog holds, or names
    chips of two different kinds (e.g. ``"27B: 6,144 TPU v5p; 9B: 4,096 TPU v4"``).
    """
    if not text or not text.strip():
        return None, "no hardware given"
    low = text.lower()
    hits: list[str | None] = []
    for pattern, hw in _HARDWARE_RULES:
        if re.search(pattern, low):
            hits.append(hw)
    if not hits:
        return None, f"hardware {text!r} not recognised"
    first = hits[0]
    families = {re.sub(r"(-\d+gb)?(-sxm\d?|-pcie)?$", "", h) if h else "none" for h in hits}
    if len(families) > 1:
        return None, f"hardware {text!r} names several chip kinds"
    if first is None:
        return None, f"hardware {text!r} is not in the hardware catalog"
    note = ""
    if first == "nvidia-a100-80gb-sxm" and "80" not in low:
        note = "A100 variant not stated; taken as A100 80GB SXM"
    return first, note


def half_precision(hw: str | None) -> str:
    """bf16, or fp16 on chips without bf16 units (V100): what a published run or engine ran
    (bf16 when the chip is unknown)."""
    from wattprint.catalog import get_hardware

    if hw is None:
        return "bf16"
    return "bf16" if "bf16" in get_hardware(hw).peak_flops else "fp16"
