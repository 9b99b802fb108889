"""Read a Hugging Face ``config.json`` into a :class:`ModelSpec` without guessing.

Every field that changes the architecture is either understood (and modelled) or refused with
an :class:`~wattprint.errors.InputError` that names it (exit 2 from the CLI). Fields absent
from a config take the default of that family's ``transformers`` configuration class
(:data:`FAMILY_DEFAULTS`), never a generic guess. Multimodal configs (``text_config`` +
``vision_config``) are read as their language model plus a vision tower whose weights count
in the total (:func:`vision_tower_params`).
"""

from __future__ import annotations

import math
from typing import Any

from wattprint.catalog.unmodelled import unmodelled_reason
from wattprint.errors import InputError
from wattprint.workload.hf_hybrid import HYBRID_FIELDS, HYBRID_TYPES, hybrid_spec_fields
from wattprint.workload.model_spec import ModelSpec

#: Families whose MLP is plain (two matrices, GELU/ReLU) unless the activation says "glu".
PLAIN_MLP_TYPES = {"gpt2", "gpt3", "opt", "bloom", "gpt_neox", "gptj", "falcon", "bert",
                   "t5", "gpt_bigcode", "starcoder", "starcoder2", "mpt", "phi",
                   "nemotron_h"}

#: Defaults of the ``transformers`` configuration classes for fields a config may omit
#: (source: each class's ``__init__`` signature in transformers 4.5x, e.g. Gemma3TextConfig
#: vocab_size=262208, sliding_window_pattern=6; Llama4TextConfig no_rope_layer_interval=4,
#: attention_chunk_size=8192, interleave_moe_layer_step=1; MistralConfig sliding_window=4096;
#: Starcoder2Config use_bias=True; Phi-3-small's remote-code Phi3SmallConfig leaves
#: tie_word_embeddings at PretrainedConfig's True, and only the tied count matches the
#: published 7.39B). Phi-3-small's block-sparse fields have no default here: they are required.
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "llama": {}, "mistral": {"sliding_window": 4096}, "mixtral": {},
    "qwen2": {"use_sliding_window": False}, "qwen2_moe": {"use_sliding_window": False},
    "qwen3": {"use_sliding_window": False}, "qwen3_moe": {"use_sliding_window": False},
    "deepseek_v2": {}, "deepseek_v3": {}, "phi3": {}, "olmo": {}, "olmo2": {},
    "gpt_oss": {"sliding_window": 128},
    "llama4_text": {"attention_chunk_size": 8192, "interleave_moe_layer_step": 1,
                    "no_rope_layer_interval": 4, "vocab_size": 202048},
    "gemma": {"tie_word_embeddings": True},
    "gemma2": {"tie_word_embeddings": True, "sliding_window": 4096, "head_dim": 256},
    "gemma3_text": {"tie_word_embeddings": True, "vocab_size": 262208, "sliding_window": 4096,
                    "sliding_window_pattern": 6, "head_dim": 256},
    "gpt2": {"tie_word_embeddings": True}, "gpt3": {}, "opt": {"tie_word_embeddings": True},
    "bloom": {"tie_word_embeddings": True}, "falcon": {"tie_word_embeddings": True},
    "gpt_bigcode": {"tie_word_embeddings": True}, "gpt_neox": {}, "gptj": {}, "mpt": {},
    "starcoder2": {"tie_word_embeddings": True, "use_bias": True}, "phi": {},
    "phi3small": {"tie_word_embeddings": True},
    "nemotron_h": {"tie_word_embeddings": False},  # hybrid Mamba-2: workload/hf_hybrid.py
}
#: Wrapper model types whose language model sits in ``text_config``.
MULTIMODAL_TYPES = {"llama4": "llama4_text", "gemma3": "gemma3_text"}

#: Fields that change the architecture in ways wattprint does not model: refused by name.
UNSUPPORTED_FIELDS = {
    "kv_sharing_layer_map", "num_kv_shared_layers", "attention_k_eq_v", "global_head_dim",
    "hidden_size_per_layer_input", "use_double_wide_mlp", "enable_moe_block",
    "hybrid_override_pattern", "full_attention_interval", "block_types", "layers_block_type",
    "attn_layer_indices", "attn_layer_period", "expert_layer_period", "cross_attention_layers",
    "is_encoder_decoder", "num_encoder_layers", "encoder_layers", "dense_ffn_layers",
}
UNSUPPORTED_PREFIXES = ("mamba_", "ssm_", "linear_num_", "linear_key_", "linear_value_",
                        "linear_conv_", "altup_", "laurel_", "rwkv_")
#: ``layer_types`` values understood: full attention, a sliding window, chunked local attention.
LAYER_TYPES = {"full_attention": "full", "sliding_attention": "local",
               "chunked_attention": "local"}


#: Largest integer a config field may hold (a 1e12 hidden size is already absurd).
MAX_CONFIG_INT = 10**12


def _int(cfg: dict[str, Any], *keys: str, default: int | None = None, what: str = "") -> int:
    for k in keys:
        if k in cfg and cfg[k] is not None:
            v = cfg[k]
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or \
                    v > MAX_CONFIG_INT or (isinstance(v, float) and (
                        not math.isfinite(v) or v != int(v))):
                raise InputError(f"{what}config field {k!r} must be a non-negative integer "
                                 f"(at most {MAX_CONFIG_INT:.0e}), got {str(v)[:40]}")
            return int(v)
    if default is None:
        raise InputError(f"{what}config is missing {' or '.join(repr(k) for k in keys)}")
    return default


def _positive(v: int, name: str, w: str) -> int:
    if v <= 0:
        raise InputError(f"{w}config field {name!r} must be > 0, got {v}")
    return v


def _truthy(v: Any) -> bool:
    return v not in (None, False, 0, "", [], {})


def check_understood(cfg: dict[str, Any], w: str) -> str:
    """The config's family; raise naming the first architecture field not modelled."""
    model_type = str(cfg.get("model_type") or "").lower()
    if model_type and model_type not in FAMILY_DEFAULTS and model_type not in MULTIMODAL_TYPES:
        if (reason := unmodelled_reason(model_type)) is not None:
            raise InputError(f"{w}model_type {model_type!r}: {reason}")
        raise InputError(f"{w}model_type {model_type!r} is not a modelled architecture family "
                         f"(modelled: {', '.join(sorted(FAMILY_DEFAULTS))})")
    understood = HYBRID_FIELDS if model_type in HYBRID_TYPES else set()
    for key, value in cfg.items():
        if key in understood:
            continue
        if _truthy(value) and (key in UNSUPPORTED_FIELDS or key.startswith(UNSUPPORTED_PREFIXES)):
            raise InputError(f"{w}config field {key!r} changes the architecture in a way "
                             "wattprint does not model; refusing to guess")
    types = cfg.get("layer_types")
    if types is not None:
        if not isinstance(types, list):
            raise InputError(f"{w}config field 'layer_types' must be a list")
        bad = sorted({str(t) for t in types if t not in LAYER_TYPES})
        if bad:
            raise InputError(f"{w}config field 'layer_types' has {', '.join(map(repr, bad))}, "
                             "which wattprint does not model (it models full_attention, "
                             "sliding_attention, chunked_attention)")
    return model_type


def local_attention(cfg: dict[str, Any], model_type: str, layers: int,
                    w: str) -> tuple[int, int]:
    """``(window, local_layers)``: tokens a local-attention layer sees, and how many such layers.

    Sources of truth, in order: ``layer_types``; Llama 4's ``no_rope_layers`` (RoPE layers use
    chunked attention of ``attention_chunk_size``); Gemma 3's ``sliding_window_pattern`` (every
    pattern-th layer global); Gemma 2 (even layers local); Qwen's ``use_sliding_window`` with
    ``max_window_layers``; otherwise a ``sliding_window`` applies to every layer (Mistral v0.1,
    Phi-3). Chunked attention is counted as a window of the chunk size (an upper bound).
    """
    types = cfg.get("layer_types")
    window = _int(cfg, "sliding_window", "attention_chunk_size", default=0, what=w)
    if model_type == "llama4_text":
        window = _int(cfg, "attention_chunk_size", default=0, what=w)
        rope = cfg.get("no_rope_layers") or [
            int((i + 1) % max(_int(cfg, "no_rope_layer_interval", what=w), 1) != 0)
            for i in range(layers)]
        return (window, sum(1 for r in rope if r)) if window else (0, 0)
    if isinstance(types, list) and types:
        local = sum(1 for t in types if LAYER_TYPES[t] == "local")
        if len(types) != layers:
            raise InputError(f"{w}'layer_types' lists {len(types)} layers but "
                             f"num_hidden_layers is {layers}")
        return (window, local) if window and local else (0, 0)
    if not window:
        return 0, 0
    if model_type == "gemma3_text":
        pattern = max(_int(cfg, "sliding_window_pattern", what=w), 1)
        return window, layers - layers // pattern
    if model_type == "gemma2":
        return window, (layers + 1) // 2
    if model_type.startswith("qwen"):
        if not cfg.get("use_sliding_window"):
            return 0, 0
        return window, max(layers - _int(cfg, "max_window_layers", default=0, what=w), 0)
    return window, layers


#: Phi-3-small (model_type phi3small) fields that set its block-sparse attention: required.
PHI3SMALL_SPARSE = ("dense_attention_every_n_layers", "blocksparse_block_size",
                    "blocksparse_num_local_blocks", "blocksparse_vert_stride")


def blocksparse_attention(cfg: dict[str, Any], layers: int, w: str) -> tuple[int, int, int]:
    """``(window, sparse_layers, stride)`` of Phi-3-small's block-sparse attention.

    Every ``dense_attention_every_n_layers``-th layer attends densely; the others attend to
    the last ``blocksparse_num_local_blocks`` blocks of ``blocksparse_block_size`` keys plus
    every ``blocksparse_vert_stride``-th earlier block (Phi-3 technical report, arXiv
    2404.14219, §2: "blocksparse attention ... alternating dense and blocksparse layers";
    vLLM ``BlocksparseFlashAttention``).
    """
    n, block, local, stride = (_positive(_int(cfg, k, what=w), k, w) for k in PHI3SMALL_SPARSE)
    return block * local, layers - layers // n, stride


def check_phi3small(cfg: dict[str, Any], inter: int, w: str) -> None:
    """Refuse Phi-3-small width fields whose effect is not modelled (never guess)."""
    if cfg.get("ff_dim_multiplier") is not None and "ff_intermediate_size" not in cfg:
        raise InputError(f"{w}config field 'ff_dim_multiplier' without 'ff_intermediate_size' "
                         "sets an MLP width wattprint does not derive; refusing to guess")
    if cfg.get("gegelu_pad_to_256") and inter % 256:
        raise InputError(f"{w}config field 'gegelu_pad_to_256' pads the MLP width "
                         f"{inter} in a way wattprint does not model; refusing to guess")


def vision_tower_params(vcfg: dict[str, Any], text_hidden: int, w: str) -> int:
    """Weights of a ViT vision tower and its projector into the language model.

    ``L·(4·d² + 2·d·d_ff) + c·p²·d + (image/p)²·d + d_out·d_text`` (attention, MLP, patch
    embedding, position table, projector); biases, norms and adapters are ignored (< 5 % of
    the tower, < 0.1 % of the models it is used with).
    """
    d = _int(vcfg, "hidden_size", what=w + "vision ")
    layers = _int(vcfg, "num_hidden_layers", what=w + "vision ")
    ff = _int(vcfg, "intermediate_size", default=4 * d, what=w + "vision ")
    patch = _int(vcfg, "patch_size", default=14, what=w + "vision ")
    image = _int(vcfg, "image_size", default=224, what=w + "vision ")
    channels = _int(vcfg, "num_channels", default=3, what=w + "vision ")
    out = _int(vcfg, "vision_output_dim", default=d, what=w + "vision ")
    return layers * (4 * d * d + 2 * d * ff) + channels * patch * patch * d + \
        (image // max(patch, 1)) ** 2 * d + out * text_hidden


def _merged(cfg: dict[str, Any], w: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The language model's fields (text_config merged over the wrapper) and the vision part."""
    outer = str(cfg.get("model_type") or "").lower()
    text = cfg.get("text_config")
    vision = cfg.get("vision_config") if isinstance(cfg.get("vision_config"), dict) else None
    if isinstance(text, dict):
        inner = {k: v for k, v in cfg.items() if k not in ("text_config", "vision_config")}
        merged = {**inner, **text}
        merged["model_type"] = text.get("model_type") or MULTIMODAL_TYPES.get(outer, outer)
        if merged["model_type"] in MULTIMODAL_TYPES:
            merged["model_type"] = MULTIMODAL_TYPES[merged["model_type"]]
        return merged, vision
    if outer in MULTIMODAL_TYPES:
        raise InputError(f"{w}model_type {outer!r} needs a 'text_config' object")
    return dict(cfg), vision


#: Fields whose explicit ``null`` means "off" and must override the family default: Mistral
#: v0.3, Nemo and Large 2 ship ``"sliding_window": null`` (full attention) where
#: ``MistralConfig`` would default to 4096 (transformers passes the explicit None through).
NULL_MEANS_OFF = {"sliding_window", "attention_chunk_size"}


def _with_defaults(cfg: dict[str, Any], model_type: str) -> dict[str, Any]:
    out = dict(FAMILY_DEFAULTS.get(model_type, {}))
    out.update({k: v for k, v in cfg.items() if v is not None or k in NULL_MEANS_OFF})
    return out


def _gated(cfg: dict[str, Any], model_type: str) -> bool:
    act = str(cfg.get("hidden_act", cfg.get("hidden_activation",
                                            cfg.get("activation_function", "")))).lower()
    gated = not (model_type in PLAIN_MLP_TYPES and "glu" not in act)
    mlp_type = cfg.get("mlp_type")
    if isinstance(mlp_type, str) and "gated" in mlp_type:
        return True
    if mlp_type == "plain":
        return False
    return gated


def _moe_fields(cfg: dict[str, Any], model_type: str, layers: int, inter: int,
                w: str) -> dict[str, Any]:
    """Expert counts, widths and which layers hold experts (Llama 4, Qwen, DeepSeek rules)."""
    n_exp = _int(cfg, "num_local_experts", "n_routed_experts", "num_experts", default=0, what=w)
    if not n_exp:
        return {}
    k = _int(cfg, "num_experts_per_tok", "moe_top_k", "top_k", "experts_per_token",
             default=0, what=w)
    if not 0 < k <= n_exp:
        raise InputError(f"{w}num_experts_per_tok must be between 1 and the number of experts "
                         f"({n_exp}), got {k}")
    out: dict[str, Any] = {"n_experts": n_exp, "experts_per_token": k}
    if model_type == "llama4_text":
        # Experts and the one shared expert are intermediate_size wide; dense layers use
        # intermediate_size_mlp; MoE layers are every interleave_moe_layer_step-th layer.
        step = max(_int(cfg, "interleave_moe_layer_step", what=w), 1)
        moe_layers = cfg.get("moe_layers")
        out.update(moe_intermediate=inter, shared_experts=1, shared_intermediate=inter,
                   intermediate=_int(cfg, "intermediate_size_mlp", default=inter, what=w),
                   moe_layer_count=len(moe_layers) if isinstance(moe_layers, list) and moe_layers
                   else len(range(step - 1, layers, step)))
        return out
    out["moe_intermediate"] = _int(cfg, "moe_intermediate_size", default=inter, what=w)
    out["shared_intermediate"] = _int(cfg, "shared_expert_intermediate_size", default=0, what=w)
    out["shared_experts"] = _int(cfg, "n_shared_experts", default=0, what=w) or \
        (1 if out["shared_intermediate"] else 0)
    first_dense = min(_int(cfg, "first_k_dense_replace", default=0, what=w), layers)
    freq = cfg.get("moe_layer_freq", cfg.get("decoder_sparse_step", 1))
    dense_only = cfg.get("mlp_only_layers") or []
    if isinstance(freq, list):  # a per-layer mask
        count = sum(1 for f in freq[:layers] if f)
    else:
        step = max(_int({"f": freq}, "f", what=w + "moe_layer_freq/decoder_sparse_step "), 1)
        if model_type.startswith("deepseek"):  # DeepseekV3: i >= first_k and i % freq == 0
            count = sum(1 for i in range(first_dense, layers) if i % step == 0)
        else:  # Qwen2/3-MoE: (i + 1) % decoder_sparse_step == 0 and i not in mlp_only_layers
            count = sum(1 for i in range(first_dense, layers)
                        if (i + 1) % step == 0 and i not in dense_only)
    out["moe_layer_count"] = count
    return out


def spec_from_hf_config(cfg: Any, name: str = "config", source: str = "config.json") -> ModelSpec:
    """Build a :class:`ModelSpec` from Hugging Face ``config.json`` fields, refusing to guess.

    Understood beyond the dense basics: grouped-query attention, ``head_dim``, MoE (Mixtral,
    Qwen2/3-MoE incl. ``mlp_only_layers``/``decoder_sparse_step``, DeepSeek incl.
    ``first_k_dense_replace``, Llama 4 incl. ``interleave_moe_layer_step``/``moe_layers`` and its
    shared expert, GPT-OSS), DeepSeek MLA, sliding-window and chunked local attention
    (``layer_types``, Gemma 2/3 patterns, Llama 4 ``no_rope_layers``), vision towers, and
    ``num_nextn_predict_layers`` (DeepSeek's multi-token-prediction module: not part of the
    served model, not counted), and hybrid Mamba-2 models (``nemotron_h``:
    ``hybrid_override_pattern`` and the Mamba-2 shape, :mod:`wattprint.workload.hf_hybrid`).
    Storage formats (``quantization_config``) are read by ``--precision``, not here.
    """
    if not isinstance(cfg, dict):
        raise InputError(f"{name}: config must be a JSON object")
    w = f"{name}: "
    check_understood(cfg, w)
    text, vision = _merged(cfg, w)
    model_type = check_understood(text, w)
    text = _with_defaults(text, model_type)
    d = _int(text, "hidden_size", "n_embd", "d_model", what=w)
    layers = _int(text, "num_hidden_layers", "n_layer", "num_layers", what=w)
    heads = _int(text, "num_attention_heads", "n_head", "num_heads", what=w)
    if d == 0 or layers == 0 or heads == 0:
        raise InputError(f"{w}hidden size, layers and heads must be > 0")
    kv = _int(text, "num_key_value_heads", "num_kv_heads", default=0, what=w) or \
        (1 if text.get("multi_query") else heads)
    inter = _int(text, "intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size",
                 "ff_intermediate_size", default=4 * d, what=w) or 4 * d
    stride = 0
    if model_type == "phi3small":
        check_phi3small(text, inter, w)
        window, local, stride = blocksparse_attention(text, layers, w)
    else:
        window, local = local_attention(text, model_type, layers, w)
    fields: dict[str, Any] = {"intermediate": inter}
    fields.update(_moe_fields(text, model_type, layers, inter, w))
    if model_type in HYBRID_TYPES:
        fields.update(hybrid_spec_fields(text, layers, w))
    return ModelSpec(
        name=name, hidden=d, layers=layers, heads=heads, kv_heads=kv,
        head_dim=_int(text, "head_dim", "attention_head_dim", default=d // heads, what=w)
        or d // heads,
        vocab=_positive(_int(text, "vocab_size", "padded_vocab_size", what=w), "vocab_size", w),
        tied_embeddings=bool(text.get("tie_word_embeddings", False)),
        gated_mlp=_gated(text, model_type),
        first_dense_layers=min(_int(text, "first_k_dense_replace", default=0, what=w), layers),
        q_lora_rank=_int(text, "q_lora_rank", default=0, what=w),
        kv_lora_rank=_int(text, "kv_lora_rank", default=0, what=w),
        qk_rope_head_dim=_int(text, "qk_rope_head_dim", default=0, what=w),
        qk_nope_head_dim=_int(text, "qk_nope_head_dim", default=0, what=w),
        v_head_dim=_int(text, "v_head_dim", default=0, what=w),
        sliding_window=window, local_layers=local, sparse_stride=stride,
        linear_bias=bool(text.get("use_bias", False)),
        norm_bias=str(text.get("norm_type", "")).lower() == "layer_norm"
        or model_type == "phi3small",
        vision_params=vision_tower_params(vision, d, w) if vision else 0,
        source=source, **fields,
    )
