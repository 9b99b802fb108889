"""``traced-flops``: traced multiply-adds of catalog components against published figures.

Each catalog component may carry outside figures (``published_macs`` in
``data/operator_models.toml``: value, source, year, the conditions it was counted at and the
operator classes the source leaves out). The traced summary is counted the same way
(:func:`wattprint.workload.operators.catalog.traced_macs`) and compared; no torch needed.

The same group lists each traced parameter count against the model card's or paper's
(``published_params``: value as stated, rounded, with the tolerance its rounding allows):
:func:`validate_params`.
"""

from __future__ import annotations

from typing import Any


def _row_id(seen: dict[str, int], base: str) -> str:
    """``base`` the first time, then ``base#2``, ``base#3``… (a component may carry several
    published figures)."""
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}#{seen[base]}"


def validate_flops(c: Any) -> None:
    """One row per published figure: traced vs published multiply-adds per call."""
    from wattprint.workload.operators.catalog import flops_checks

    seen: dict[str, int] = {}
    for chk in flops_checks():
        rid = _row_id(seen, f"{chk.model}/{chk.summary}")
        pub = chk.published
        counted = ("without " + ", ".join(pub.excludes) if pub.excludes
                   else "every tensor operator")
        c.add(rid, "multiply-adds per call", chk.traced_macs, pub.value, "MAC",
              note=f"{chk.role}; {pub.conditions}; traced {counted}; {pub.source} ({pub.year})")
    validate_params(c)


def validate_params(c: Any) -> None:
    """One row per published parameter count: traced vs published parameters."""
    from wattprint.workload.operators.catalog import params_checks

    seen: dict[str, int] = {}
    for chk in params_checks():
        rid = _row_id(seen, f"{chk.model}/{chk.summary}/params")
        pub = chk.published
        c.add(rid, "parameters", chk.traced_params, pub.value, "parameter",
              note=f"{chk.role}; {pub.conditions}; tolerance ±{pub.tolerance:.1%} (rounding); "
                   f"{pub.source} ({pub.year})")
