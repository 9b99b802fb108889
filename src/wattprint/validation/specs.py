"""Model shapes for validation rows: catalog models, or a generic shape from a parameter count.

Published training runs name models the catalog may not hold (Gopher, T5, Meena, OLMo ...).
For those the harness uses :func:`generic_spec`, a dense decoder whose parameter count matches
the published one, and labels the row ``generic shape``. Training energy depends on the
FLOPs (≈ 6 × parameters × tokens) far more than on the exact shape, so this is a fair
stand-in for training; it is not used for inference rows.
"""

from __future__ import annotations

import re

from wattprint.catalog import get_model_card, normalize_name
from wattprint.catalog.unmodelled import unmodelled_reason
from wattprint.errors import UnknownNameError
from wattprint.workload.model_spec import ModelSpec, get_model_spec

#: Vocabulary of the generic shape (the LLaMA-1 / Mistral tokenizer size).
GENERIC_VOCAB = 32_000
#: Width of one attention head and of one "layer step" in the generic rule.
GENERIC_HEAD_DIM = 128
#: A catalog card is accepted for a size-less match only within this relative distance
#: of the published parameter count.
PARAMS_TOLERANCE = 0.15


def generic_spec(params: float, name: str = "generic") -> ModelSpec:
    """A dense decoder of about ``params`` parameters (the rule is stated in ``source``).

    Rule: a body of ``12·L·d²`` parameters with ``L = d / 128`` layers gives
    ``d = (128·N / 12)^(1/3)``, rounded to a multiple of 128 (at least 128); heads of 128,
    a plain (GELU) MLP of 4·d, vocabulary 32,000, untied embeddings.
    """
    d_raw = (GENERIC_HEAD_DIM * params / 12.0) ** (1.0 / 3.0)
    d = max(GENERIC_HEAD_DIM, int(round(d_raw / GENERIC_HEAD_DIM)) * GENERIC_HEAD_DIM)
    layers = max(1, d // GENERIC_HEAD_DIM)
    heads = d // GENERIC_HEAD_DIM
    return ModelSpec(
        name=name, hidden=d, layers=layers, heads=heads, kv_heads=heads,
        head_dim=GENERIC_HEAD_DIM, intermediate=4 * d, vocab=GENERIC_VOCAB,
        tied_embeddings=False, gated_mlp=False,
        source=(f"wattprint validation generic shape for {params / 1e9:.3g}B parameters: "
                f"d = (128·N/12)^(1/3) rounded to 128 = {d}, layers = d/128 = {layers}, "
                "plain MLP 4d, vocab 32000"),
    )


def _candidates(model: str) -> list[tuple[str, bool]]:
    """Catalog lookup keys for a published model name; ``True`` marks a size-less key."""
    base = re.sub(r"\(.*?\)", " ", model).strip()
    keys: list[tuple[str, bool]] = []
    for text in (model, base):
        key = normalize_name(text)
        if key and (key, False) not in keys:
            keys.append((key, False))
    no_size = re.sub(r"[\s-]*\d+(\.\d+)?\s*[BM]\b", "", base, flags=re.IGNORECASE).strip()
    if no_size and no_size != base:
        keys.append((normalize_name(no_size), True))
    return keys


def catalog_spec(model: str, params: float | None) -> ModelSpec | None:
    """The catalog shape of a published model name, or ``None`` if the catalog lacks it.

    Tries the name as written, without a parenthetical, and without its size suffix (a
    size-less match must agree with ``params`` within :data:`PARAMS_TOLERANCE`).
    """
    for key, size_less in _candidates(model):
        try:
            card = get_model_card(key)
        except UnknownNameError:
            continue
        spec = get_model_spec(card.id)
        if params is not None and abs(spec.params_total / params - 1.0) > PARAMS_TOLERANCE:
            if size_less:
                continue
            return None
        return spec
    return None


def training_spec(model: str, params: float | None, active: float | None
                  ) -> tuple[ModelSpec | None, str]:
    """Shape for a training row and a label: ``catalog <id>``, ``generic shape`` or a reason.

    Mixture-of-experts rows the catalog lacks get a dense stand-in at the *active*
    parameter count (the FLOPs per token), labelled as such.
    """
    spec = catalog_spec(model, params)
    if spec is not None:
        return spec, f"catalog model {spec.name}"
    if params is None:
        return None, "no parameter count"
    if active is not None and active < 0.9 * params:
        return (generic_spec(active, name=f"generic-{active / 1e9:.3g}b-active"),
                f"generic shape (dense stand-in at {active / 1e9:.3g}B active of "
                f"{params / 1e9:.4g}B MoE parameters)")
    return generic_spec(params, name=f"generic-{params / 1e9:.3g}b"), "generic shape"


#: Hugging Face id suffixes that do not change the architecture, stripped in this order
#: (repeatedly) when mapping a served model onto a catalog model.
HF_SUFFIXES = ("-fp8", "-instruct-2507", "-thinking-2507", "-instruct", "-chat-hf", "-it",
               "-hf", "-chat")

#: Words that mark a multimodal model (skipped: the catalog shapes are text-only).
MULTIMODAL_MARKERS = ("-vl", "omni", "vision", "llava", "-mm-")


def inference_model(hf_id: str, params_b: float | None) -> tuple[ModelSpec | None, str]:
    """Catalog shape for a served model id, or ``(None, reason)``.

    Normalises the id (lower case; tries it with and without the organisation prefix,
    stripping :data:`HF_SUFFIXES`) and checks the catalog parameter count against the
    published one when given.
    """
    low = hf_id.strip().lower()
    if any(m in low for m in MULTIMODAL_MARKERS):
        return None, "multimodal model"
    if (reason := unmodelled_reason(low)) is not None:
        return None, reason
    names = [low, low.split("/", 1)[-1]]
    for name in list(names):
        stripped = name
        changed = True
        while changed:
            changed = False
            for suf in HF_SUFFIXES:
                if stripped.endswith(suf):
                    stripped = stripped[: -len(suf)]
                    changed = True
                    names.append(stripped)
    for name in names:
        try:
            card = get_model_card(name)
        except UnknownNameError:
            continue
        spec = get_model_spec(card.id)
        if params_b is not None and abs(spec.params_total / (params_b * 1e9) - 1.0) > 0.25:
            return None, (f"catalog {card.id} has {spec.params_total / 1e9:.3g}B parameters, "
                          f"published {params_b:g}B")
        return spec, f"catalog model {card.id}"
    return None, "model not in the catalog"
