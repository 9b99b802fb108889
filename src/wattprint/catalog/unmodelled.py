"""Model families wattprint knows of but does not model, each with the reason.

A name that matches one of them is still an unknown model (``UnknownNameError``), but the
message says why it is not in the catalog instead of listing unrelated close names; the
validation harness skips their published rows with the same reason (never a dense stand-in).
"""

from __future__ import annotations

#: Fragments of a model name or Hugging Face id (lower case, ``-`` as separator) and why the
#: family is not modelled.
#: Nemotron 3 Nano (nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B): ``model_type`` ``nemotron_h`` whose
#: ``hybrid_override_pattern`` has ``E`` mixture-of-experts blocks between the Mamba-2 and
#: attention layers (its Hugging Face config.json); the config parser refuses ``E``
#: (``workload/hf_hybrid.py``). Nemotron Nano 2 (9B, 12B: Mamba-2, attention and MLP blocks)
#: is modelled since issue #9.
UNMODELLED_ARCHITECTURES: dict[str, str] = {
    "nemotron-3-nano": "architecture not modelled: Mamba-2 hybrid with mixture-of-experts "
                       "blocks",
}


def unmodelled_reason(name: str) -> str | None:
    """Why the model ``name`` (a catalog-style name or a Hugging Face id) is not modelled,
    or None when it belongs to no family of :data:`UNMODELLED_ARCHITECTURES`."""
    low = name.strip().lower().replace("_", "-").replace(" ", "-")
    for fragment, reason in UNMODELLED_ARCHITECTURES.items():
        if fragment in low:
            return reason
    return None
