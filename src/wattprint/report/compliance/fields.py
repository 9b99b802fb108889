"""Shared pieces of the compliance exports: pick the footprint, describe one field.

Every exported field says whether it was **measured** (a sensor of the wattprint meter) or
**estimated** (modelled or a catalogue default), and cites its method: the provenance text
of the number, which names the formula and the source of each constant.
"""

from __future__ import annotations

from typing import Any

from wattprint.errors import InputError
from wattprint.quantity import J_PER_KWH


def footprint_of(doc: dict[str, Any], kind: str, *, want: str = "any"
                 ) -> tuple[dict[str, Any], str]:
    """The footprint dict in a command's JSON and a short description of where it came from.

    Args:
        doc: the JSON of estimate, demo, lifecycle, or a run document.
        kind: its report kind (:func:`wattprint.report.html.detect_kind`).
        want: ``training`` (demo/lifecycle give their training part), ``serving`` (demo gives
            a year of serving) or ``any``.

    Raises:
        InputError: the result has no footprint (plans and validations have none).
    """
    if kind == "estimate":
        return doc, "estimate"
    if kind == "demo":
        part = "serving_one_year" if want == "serving" else "training"
        return doc[part], f"demo {part}"
    if kind == "lifecycle":
        fp = (doc.get("training") or {}).get("footprint")
        if isinstance(fp, dict):
            return fp, "lifecycle training"
    if kind == "run":
        fp = doc["run"].get("footprint")
        if isinstance(fp, dict):
            return fp, f"run {doc['run']['id']}"
        raise InputError(f"run {doc['run']['id']} has no footprint (it did not finish?)")
    raise InputError(f"a {kind} result has no single footprint to export: give an estimate, "
                     "demo, lifecycle or run")


def basis_word(q: dict[str, Any] | None) -> str:
    """``measured`` or ``estimated`` (modelled and default values are estimates)."""
    return "measured" if isinstance(q, dict) and q.get("basis") == "measured" else "estimated"


def field(q: dict[str, Any] | None, *, scale: float = 1.0, unit: str | None = None
          ) -> dict[str, Any]:
    """One exported field: value (× ``scale``), low, high, unit, basis and method.

    A missing quantity gives ``value: None`` and a ``missing`` reason, never a zero.
    """
    if not isinstance(q, dict) or q.get("value") is None:
        return {"value": None, "unit": unit, "basis": "missing",
                "method": "not available from this result"}
    out: dict[str, Any] = {"value": float(q["value"]) * scale,
                           "unit": unit if unit is not None else q.get("unit")}
    if q.get("low") is not None and q.get("high") is not None:
        out["low"], out["high"] = float(q["low"]) * scale, float(q["high"]) * scale
    out["basis"] = basis_word(q)
    out["method"] = str(q.get("provenance", ""))
    return out


def kwh(q: dict[str, Any] | None) -> dict[str, Any]:
    """:func:`field` of an energy quantity in kWh."""
    return field(q, scale=1 / J_PER_KWH, unit="kWh")


def site_factor(fp: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A site factor quantity dict (``grid_gco2e_per_kwh``, ``pue`` ...) of a footprint."""
    site = (fp.get("details") or {}).get("site")
    q = site.get(key) if isinstance(site, dict) else None
    return q if isinstance(q, dict) else None


def generator() -> dict[str, str]:
    """Who made the export (name, version)."""
    from wattprint import __version__

    return {"tool": "wattprint", "version": __version__}
