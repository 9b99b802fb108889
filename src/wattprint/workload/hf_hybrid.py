"""Hybrid Mamba-2 configs (``model_type`` ``nemotron_h``): the layer pattern and Mamba-2 shape.

NVIDIA's Nemotron-H (arXiv 2504.03624) and Nemotron Nano 2 (arXiv 2508.14444) state in their
``config.json`` a ``hybrid_override_pattern`` with one character per block: ``M`` a Mamba-2
layer, ``*`` an attention layer, ``-`` an MLP layer (squared ReLU, no gate). The Mamba-2 shape
comes from ``mamba_num_heads``, ``mamba_head_dim``, ``ssm_state_size``, ``n_groups``,
``conv_kernel`` and ``chunk_size``; every one is required (a verbatim config has them all).
``E`` (mixture-of-experts blocks of Nemotron 3) is refused by name, never guessed.
"""

from __future__ import annotations

from typing import Any

from wattprint.errors import InputError

#: Model types whose configs carry a ``hybrid_override_pattern``.
HYBRID_TYPES = {"nemotron_h"}

#: Fields understood for :data:`HYBRID_TYPES` that other families refuse by name.
HYBRID_FIELDS = {"hybrid_override_pattern", "mamba_num_heads", "mamba_head_dim",
                 "mamba_hidden_act", "mamba_proj_bias", "ssm_state_size",
                 "mamba_ssm_cache_dtype"}

#: Pattern characters: block kind.
PATTERN_KINDS = {"M": "mamba", "*": "attention", "-": "mlp"}

#: Required Mamba-2 fields → ModelSpec fields.
MAMBA_FIELDS = {"mamba_num_heads": "mamba_heads", "mamba_head_dim": "mamba_head_dim",
                "ssm_state_size": "ssm_state_size", "n_groups": "mamba_groups",
                "conv_kernel": "mamba_conv_kernel", "chunk_size": "mamba_chunk"}

#: ``mamba_ssm_cache_dtype`` values → bytes per SSM-state element (0: ``auto``, the model dtype
#: as vLLM's ``--mamba-cache-dtype auto``; vLLM ``--mamba-ssm-cache-dtype``).
SSM_CACHE_BYTES = {"auto": 0, "float32": 4, "bfloat16": 2, "float16": 2}


def layer_pattern_counts(pattern: Any, layers: int, w: str) -> dict[str, int]:
    """Blocks of each kind in ``hybrid_override_pattern`` (``mamba``, ``attention``, ``mlp``);
    its length must equal ``num_hidden_layers``."""
    if not isinstance(pattern, str) or not pattern:
        raise InputError(f"{w}config field 'hybrid_override_pattern' must be a non-empty string")
    bad = sorted(set(pattern) - set(PATTERN_KINDS))
    if bad:
        raise InputError(f"{w}config field 'hybrid_override_pattern' has "
                         f"{', '.join(map(repr, bad))} blocks, which wattprint does not model "
                         "(it models M Mamba-2, * attention, - MLP)")
    if len(pattern) != layers:
        raise InputError(f"{w}'hybrid_override_pattern' lists {len(pattern)} layers but "
                         f"num_hidden_layers is {layers}")
    counts = dict.fromkeys(PATTERN_KINDS.values(), 0)
    for ch in pattern:
        counts[PATTERN_KINDS[ch]] += 1
    if not counts["attention"] and not counts["mamba"]:
        raise InputError(f"{w}'hybrid_override_pattern' has no attention or Mamba-2 layer")
    return counts


def hybrid_spec_fields(cfg: dict[str, Any], layers: int, w: str) -> dict[str, Any]:
    """:class:`~wattprint.workload.model_spec.ModelSpec` fields of a hybrid config: the block
    counts of :func:`layer_pattern_counts` and the Mamba-2 shape (:data:`MAMBA_FIELDS`)."""
    from wattprint.workload.hf_config import _int, _positive

    counts = layer_pattern_counts(cfg.get("hybrid_override_pattern"), layers, w)
    out: dict[str, Any] = {"attention_layer_count": counts["attention"],
                           "mlp_layer_count": counts["mlp"], "mamba_layers": counts["mamba"]}
    if counts["mamba"]:
        for key, field in MAMBA_FIELDS.items():
            out[field] = _positive(_int(cfg, key, what=w), key, w)
    dtype = str(cfg.get("mamba_ssm_cache_dtype") or "auto").lower()
    if dtype not in SSM_CACHE_BYTES:
        raise InputError(f"{w}config field 'mamba_ssm_cache_dtype' is {dtype!r}; wattprint "
                         f"knows {', '.join(SSM_CACHE_BYTES)}")
    out["ssm_state_bytes"] = SSM_CACHE_BYTES[dtype]
    return out
