"""The space a plan sweeps: hardware, regions, chip counts and batch sizes."""

from __future__ import annotations

import math
from collections.abc import Sequence

from wattprint.catalog.planning import sweep_default
from wattprint.catalog.schema import Hardware, Site
from wattprint.errors import InputError
from wattprint.numbers import parse_number


def default_hardware() -> list[Hardware]:
    """Every datacenter entry of the hardware catalog."""
    from wattprint.catalog import hardware_catalog

    return [h for h in hardware_catalog().values() if h.segment == "datacenter"]


def resolve_hardware_list(names: Sequence[str] | str | None) -> list[Hardware]:
    """Hardware by names (``a,b`` or a list); ``None``/``all`` → all datacenter hardware."""
    from wattprint.catalog import get_hardware

    items = split_names(names)
    if not items or items == ["all"]:
        return default_hardware()
    out: list[Hardware] = []
    for n in items:
        h = get_hardware(n)
        if h not in out:
            out.append(h)
    return out


def resolve_regions(names: Sequence[str] | str | None, *, cloud_only: bool = True
                    ) -> list[Site]:
    """Sites by names; ``None`` → the default list (planning.toml); ``all`` → every cloud
    region (every site if ``cloud_only`` is false)."""
    from wattprint.catalog import get_site, site_catalog

    items = split_names(names)
    if not items:
        items = list(sweep_default("regions"))
    if items == ["all"]:
        return [s for s in site_catalog().values()
                if not cloud_only or s.kind == "cloud-region"]
    out: list[Site] = []
    for n in items:
        s = get_site(n)
        if s not in out:
            out.append(s)
    return out


def split_names(names: Sequence[str] | str | None) -> list[str]:
    """Names from ``a,b``, a list of such strings, or ``None`` (no names)."""
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    out: list[str] = []
    for n in names:
        got = [x.strip() for x in str(n).split(",") if x.strip()]
        if not got and str(n).strip():
            raise InputError(f"{str(n)!r} names nothing (give comma-separated names)")
        out.extend(got)
    return out


def int_list(values: Sequence[int | str] | str | None, what: str, default: Sequence[int]
             ) -> list[int]:
    """Positive integers from ``1,2,4``, ``1-256`` (a range) or a list; ``None`` → default."""
    items = split_names([str(v) for v in values] if isinstance(values, list | tuple)
                   else values)  # type: ignore[arg-type]
    if not items:
        return [int(v) for v in default]
    out: list[int] = []
    for it in items:
        lo, sep, hi = it.partition("-") if not it.startswith("-") else ("", "", it)
        if sep and lo and hi:  # a range: 1-256 → every integer from 1 to 256
            a = int(parse_number(lo, what, integer=True))
            b = int(parse_number(hi, what, integer=True))
            if b < a or b - a > 100_000:
                raise InputError(f"{what}: bad range {it!r}")
            out.extend(range(a, b + 1))
            continue
        v = parse_number(it, what, integer=True)
        out.append(int(v))
    return sorted(set(out))


def ceil_div(a: float, b: float) -> int:
    """⌈a / b⌉ for positive numbers."""
    return int(math.ceil(a / b - 1e-12))
