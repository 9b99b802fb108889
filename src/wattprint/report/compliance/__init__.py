"""Compliance exports of wattprint results: EU AI Act, GHG Scope 2, HF model card, SCI."""

from __future__ import annotations

from typing import Any

from wattprint.report.compliance.formats import FORMATS, eu_ai_act, ghg_scope2, hf_model_card, sci

__all__ = ["FORMATS", "export"]


def export(doc: dict[str, Any], kind: str, fmt: str, *, training_type: str = "pre-training"
           ) -> str:
    """The text of one compliance export (JSON, or YAML for ``hf-model-card``).

    Args:
        doc: a command's JSON (estimate, demo, lifecycle) or a run document.
        kind: its report kind.
        fmt: one of :data:`FORMATS`.
        training_type: ``pre-training`` or ``fine-tuning`` (model card only).
    """
    from wattprint.report.tables import dumps_json

    if fmt == "hf-model-card":
        return hf_model_card(doc, kind, training_type=training_type)
    fn = {"eu-ai-act": eu_ai_act, "ghg-scope2": ghg_scope2, "sci": sci}[fmt]
    return dumps_json(fn(doc, kind)) + "\n"
