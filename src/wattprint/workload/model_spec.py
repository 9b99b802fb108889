"""Transformer architecture from a Hugging Face ``config.json`` (or a catalog entry).

Handles dense and MoE models (Mixtral, Qwen-MoE, DeepSeek), grouped-query attention,
DeepSeek multi-head latent attention (MLA), gated (SwiGLU/GeGLU) and plain (GELU) MLPs, and
tied or untied embeddings. Parameter counts are derived from the shape, not copied.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wattprint.errors import InputError

_PLAIN_MLP_TYPES = {"gpt2", "gpt3", "opt", "bloom", "gpt_neox", "gptj", "falcon", "bert",
                    "t5", "gpt_bigcode", "starcoder", "mpt", "phi"}


@dataclass(frozen=True)
class ModelSpec:
    """The shape of a decoder-only transformer, with derived parameter counts.

    Sizes are element counts (not bytes). ``n_experts == 0`` means a dense model.
    """

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    tied_embeddings: bool = False
    gated_mlp: bool = True
    n_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate: int = 0
    shared_experts: int = 0
    shared_intermediate: int = 0
    first_dense_layers: int = 0
    moe_layer_freq: int = 1
    # DeepSeek MLA (0 = standard attention)
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    qk_nope_head_dim: int = 0
    v_head_dim: int = 0
    source: str = "config"

    # ----- attention -------------------------------------------------------------------
    @property
    def is_mla(self) -> bool:
        """True for DeepSeek-style multi-head latent attention."""
        return self.kv_lora_rank > 0

    @property
    def attn_params_per_layer(self) -> int:
        """Attention projection weights per layer (q, k, v, o; or the MLA factorisation)."""
        d = self.hidden
        if self.is_mla:
            qk = self.qk_nope_head_dim + self.qk_rope_head_dim
            q = (d * self.q_lora_rank + self.q_lora_rank * self.heads * qk) if self.q_lora_rank \
                else d * self.heads * qk
            kv = d * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank * \
                self.heads * (self.qk_nope_head_dim + self.v_head_dim)
            o = self.heads * self.v_head_dim * d
            return q + kv + o
        return d * self.heads * self.head_dim * 2 + d * self.kv_heads * self.head_dim * 2

    @property
    def attn_dim(self) -> int:
        """Per-head dimension used in the score and value products (QK^T, AV)."""
        if self.is_mla:
            return (self.qk_nope_head_dim + self.qk_rope_head_dim + self.v_head_dim) // 2
        return self.head_dim

    def kv_elements_per_token(self) -> int:
        """KV-cache elements stored per token over all layers (MLA caches the latent)."""
        if self.is_mla:
            return self.layers * (self.kv_lora_rank + self.qk_rope_head_dim)
        return self.layers * 2 * self.kv_heads * self.head_dim

    # ----- MLP --------------------------------------------------------------------------
    @property
    def _mats(self) -> int:
        return 3 if self.gated_mlp else 2

    @property
    def moe_layers(self) -> int:
        """Number of layers whose MLP is a mixture of experts."""
        if self.n_experts == 0:
            return 0
        eligible = self.layers - self.first_dense_layers
        return eligible // max(self.moe_layer_freq, 1)

    @property
    def dense_layers(self) -> int:
        """Number of layers with a dense MLP."""
        return self.layers - self.moe_layers

    def _expert_params(self) -> int:
        return self._mats * self.hidden * self.moe_intermediate

    def _shared_params(self) -> int:
        if self.shared_experts == 0:
            return 0
        width = self.shared_intermediate or self.moe_intermediate * self.shared_experts
        return self._mats * self.hidden * width

    @property
    def routed_expert_params(self) -> int:
        """Weights of all routed experts over all MoE layers (0 for dense models)."""
        return self.moe_layers * self.n_experts * self._expert_params()

    @property
    def dense_mlp_params(self) -> int:
        """Weights of one dense MLP."""
        return self._mats * self.hidden * self.intermediate

    # ----- totals -----------------------------------------------------------------------
    @property
    def embedding_params(self) -> int:
        """Input embedding table (a lookup: no FLOPs, but memory)."""
        return self.vocab * self.hidden

    @property
    def lm_head_params(self) -> int:
        """Output projection (a matmul whether or not it is tied to the embedding)."""
        return self.vocab * self.hidden

    @property
    def norm_params(self) -> int:
        """Normalisation weights: two per layer plus the final norm (no FLOPs to speak of)."""
        return (2 * self.layers + 1) * self.hidden

    @property
    def body_params_total(self) -> int:
        """All transformer-block weights (attention, MLP/experts, router, norms)."""
        moe = self.moe_layers * (self.n_experts * self._expert_params() + self._shared_params()
                                 + self.hidden * self.n_experts)
        return self.layers * self.attn_params_per_layer + self.dense_layers * \
            self.dense_mlp_params + moe + self.norm_params

    @property
    def body_params_active(self) -> int:
        """Block weights used per token (top-k experts + shared experts + router)."""
        moe = self.moe_layers * (self.experts_per_token * self._expert_params()
                                 + self._shared_params() + self.hidden * self.n_experts)
        return self.layers * self.attn_params_per_layer + self.dense_layers * \
            self.dense_mlp_params + moe + self.norm_params

    @property
    def params_total(self) -> int:
        """Total parameters (embedding counted once if tied)."""
        head = 0 if self.tied_embeddings else self.lm_head_params
        return self.body_params_total + self.embedding_params + head

    @property
    def params_active(self) -> int:
        """Parameters touched per token, including embeddings (the usual 'active' count)."""
        head = 0 if self.tied_embeddings else self.lm_head_params
        return self.body_params_active + self.embedding_params + head

    def expert_bytes_fraction_touched(self, tokens: float) -> float:
        """Expected share of expert weights read when ``tokens`` tokens are routed.

        With uniform routing, an expert is untouched by one token with probability
        ``1 − k/E``; for ``n`` tokens, ``(1 − k/E)^n``. Returns 1 for dense models.
        """
        if self.n_experts == 0:
            return 1.0
        p_miss = (1.0 - self.experts_per_token / self.n_experts) ** max(tokens, 0.0)
        return 1.0 - p_miss

    def to_dict(self) -> dict[str, Any]:
        """Shape and derived counts, for reports."""
        return {
            "name": self.name, "hidden": self.hidden, "layers": self.layers,
            "heads": self.heads, "kv_heads": self.kv_heads, "head_dim": self.head_dim,
            "intermediate": self.intermediate, "vocab": self.vocab,
            "n_experts": self.n_experts, "experts_per_token": self.experts_per_token,
            "params_total": self.params_total, "params_active": self.params_active,
            "source": self.source,
        }


def _int(cfg: dict[str, Any], *keys: str, default: int | None = None, what: str = "") -> int:
    for k in keys:
        if k in cfg and cfg[k] is not None:
            v = cfg[k]
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or \
                    (isinstance(v, float) and (math.isnan(v) or v != int(v))):
                raise InputError(f"{what}config field {k!r} must be a non-negative integer, "
                                 f"got {v!r}")
            return int(v)
    if default is None:
        raise InputError(f"{what}config is missing {' or '.join(repr(k) for k in keys)}")
    return default


def spec_from_config(cfg: dict[str, Any], name: str = "config",
                     source: str = "config.json") -> ModelSpec:
    """Build a :class:`ModelSpec` from Hugging Face ``config.json`` fields.

    Reads ``hidden_size``/``n_embd``/``d_model``, ``num_hidden_layers``/``n_layer``,
    ``num_attention_heads``/``n_head``, ``num_key_value_heads``, ``head_dim``,
    ``intermediate_size``/``ffn_dim``/``n_inner``, ``vocab_size``, ``tie_word_embeddings``,
    ``hidden_act``/``model_type`` (gated or plain MLP), MoE fields (``num_local_experts``,
    ``num_experts``, ``n_routed_experts``, ``num_experts_per_tok``, ``moe_intermediate_size``,
    ``n_shared_experts``, ``shared_expert_intermediate_size``, ``first_k_dense_replace``) and
    DeepSeek MLA fields. Multimodal configs with a ``text_config`` use that.
    """
    if not isinstance(cfg, dict):
        raise InputError(f"{name}: config must be a JSON object")
    if isinstance(cfg.get("text_config"), dict):
        cfg = {**cfg, **cfg["text_config"]}
    w = f"{name}: "
    d = _int(cfg, "hidden_size", "n_embd", "d_model", what=w)
    layers = _int(cfg, "num_hidden_layers", "n_layer", "num_layers", what=w)
    heads = _int(cfg, "num_attention_heads", "n_head", "num_heads", what=w)
    if d == 0 or layers == 0 or heads == 0:
        raise InputError(f"{w}hidden size, layers and heads must be > 0")
    kv = _int(cfg, "num_key_value_heads", "num_kv_heads", default=0, what=w)
    if kv == 0:
        kv = 1 if cfg.get("multi_query") else heads
    head_dim = _int(cfg, "head_dim", default=d // heads, what=w) or d // heads
    model_type = str(cfg.get("model_type", "")).lower()
    act = str(cfg.get("hidden_act", cfg.get("activation_function", ""))).lower()
    gated = not (model_type in _PLAIN_MLP_TYPES and "glu" not in act)
    if "gated" in cfg.get("mlp_type", "gated" if gated else "plain"):
        gated = True
    elif cfg.get("mlp_type") == "plain":
        gated = False
    inter = _int(cfg, "intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size",
                 default=4 * d, what=w) or 4 * d
    vocab = _int(cfg, "vocab_size", "padded_vocab_size", what=w)
    n_exp = _int(cfg, "num_local_experts", "n_routed_experts", "num_experts", default=0, what=w)
    k = _int(cfg, "num_experts_per_tok", "moe_top_k", "top_k", default=2 if n_exp else 0,
             what=w)
    if n_exp and not 0 < k <= n_exp:
        raise InputError(f"{w}num_experts_per_tok must be between 1 and the number of experts")
    moe_inter = _int(cfg, "moe_intermediate_size", default=inter, what=w) if n_exp else 0
    spec = ModelSpec(
        name=name,
        hidden=d,
        layers=layers,
        heads=heads,
        kv_heads=kv,
        head_dim=head_dim,
        intermediate=inter,
        vocab=vocab,
        tied_embeddings=bool(cfg.get("tie_word_embeddings", False)),
        gated_mlp=gated,
        n_experts=n_exp,
        experts_per_token=k,
        moe_intermediate=moe_inter,
        shared_experts=_int(cfg, "n_shared_experts", default=0, what=w)
        or (1 if cfg.get("shared_expert_intermediate_size") else 0),
        shared_intermediate=_int(cfg, "shared_expert_intermediate_size", default=0, what=w),
        first_dense_layers=min(_int(cfg, "first_k_dense_replace", default=0, what=w), layers),
        moe_layer_freq=max(_int(cfg, "moe_layer_freq", "decoder_sparse_step", default=1,
                                what=w), 1),
        q_lora_rank=_int(cfg, "q_lora_rank", default=0, what=w),
        kv_lora_rank=_int(cfg, "kv_lora_rank", default=0, what=w),
        qk_rope_head_dim=_int(cfg, "qk_rope_head_dim", default=0, what=w),
        qk_nope_head_dim=_int(cfg, "qk_nope_head_dim", default=0, what=w),
        v_head_dim=_int(cfg, "v_head_dim", default=0, what=w),
        source=source,
    )
    return spec


def load_config_file(path: str | Path) -> ModelSpec:
    """Read a Hugging Face ``config.json`` from ``path`` (one-line errors on bad files)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read model config {str(p)!r}: {exc.strerror}") from exc
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    return spec_from_config(cfg, name=p.stem if p.name != "config.json" else p.parent.name
                            or "config", source=f"config file {p}")


def get_model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of a catalog model (case-insensitive name or alias)."""
    from wattprint.catalog import get_model_card

    card = get_model_card(name)
    return spec_from_config(dict(card.config), name=card.id, source=f"{card.source} "
                            f"({card.year})")
