"""Model families wattprint knows of but does not model, each with the reason.

A name that matches one of them is still an unknown model (``UnknownNameError``), but the
message says why it is not in the catalog instead of listing unrelated close names; the
validation harness skips their published rows with the same reason (never a dense stand-in).
"""

from __future__ import annotations

#: Fragments of a model name or Hugging Face id (lower case, ``-`` as separator) and why the
#: family is not modelled.
#: Nemotron Nano 2 (nvidia/NVIDIA-Nemotron-Nano-9B-v2, -12B-v2): ``model_type`` ``nemotron_h``
#: with a ``hybrid_override_pattern`` of Mamba-2, attention and MLP layers (their Hugging
#: Face config.json; NVIDIA, "NVIDIA Nemotron Nano 2", arXiv 2508.14444): the config parser
#: refuses both fields (``workload/hf_config.py``).
UNMODELLED_ARCHITECTURES: dict[str, str] = {
    "nemotron-nano": "architecture not modelled: Mamba-2 hybrid layers",
    "nemotron-h": "architecture not modelled: Mamba-2 hybrid layers",
}


def unmodelled_reason(name: str) -> str | None:
    """Why the model ``name`` (a catalog-style name or a Hugging Face id) is not modelled,
    or None when it belongs to no family of :data:`UNMODELLED_ARCHITECTURES`."""
    low = name.strip().lower().replace("_", "-").replace(" ", "-")
    for fragment, reason in UNMODELLED_ARCHITECTURES.items():
        if fragment in low:
            return reason
    return None
