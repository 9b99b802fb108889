"""Transformer architecture from a Hugging Face ``config.json`` (or a catalog entry).

Handles dense and MoE models (Mixtral, Qwen-MoE, DeepSeek), grouped-query attention,
DeepSeek multi-head latent attention (MLA), gated (SwiGLU/GeGLU) and plain (GELU) MLPs, and
tied or untied embeddings. Parameter counts are derived from the shape, not copied.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from wattprint.record import Record


class ModelSpec(Record):
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
    # Local attention: layers that attend to at most ``sliding_window`` previous tokens
    sliding_window: int = 0
    local_layers: int = 0
    #: Block-sparse local layers (Phi-3-small): beyond the window they also attend to every
    #: ``sparse_stride``-th block of keys, and every key stays cached (0: a plain window)
    sparse_stride: int = 0
    #: Biases on every block linear layer (q, k, v, o, MLP in and out: StarCoder2, Phi-3-small)
    linear_bias: bool = False
    #: LayerNorm with a bias (two vectors per norm) instead of RMSNorm (one)
    norm_bias: bool = False
    #: Weights outside the language model that are loaded with it (a vision tower)
    vision_params: int = 0
    #: Number of MoE layers when the config states it (-1: derive from the layer frequency)
    moe_layer_count: int = -1
    # Hybrid Mamba-2 models (Nemotron-H, ``hybrid_override_pattern``): each of ``layers`` is
    # one block, an attention, an MLP or a Mamba-2 block (-1: a plain transformer, every layer
    # both attention and MLP); the Mamba-2 shape (workload/ssm.py)
    attention_layer_count: int = -1
    mlp_layer_count: int = -1
    mamba_layers: int = 0
    mamba_heads: int = 0
    mamba_head_dim: int = 0
    ssm_state_size: int = 0
    mamba_groups: int = 0
    mamba_conv_kernel: int = 0
    #: SSD chunk length of the prefill scan (``chunk_size``)
    mamba_chunk: int = 0
    #: Bytes per SSM-state element the serving engine keeps (0: the model dtype, vLLM ``auto``)
    ssm_state_bytes: int = 0
    source: str = "config"

    # Every derived count below is a ``cached_property``: the spec is frozen, so each is
    # computed once per spec and then read from the instance dict on every estimate.

    # ----- layer kinds -----------------------------------------------------------------
    @cached_property
    def attn_layers(self) -> int:
        """Layers with attention (all of them in a plain transformer)."""
        return self.layers if self.attention_layer_count < 0 else self.attention_layer_count

    @cached_property
    def mlp_layers(self) -> int:
        """Layers with an MLP or MoE block (all of them in a plain transformer)."""
        return self.layers if self.mlp_layer_count < 0 else self.mlp_layer_count

    @cached_property
    def layer_equivalents(self) -> float:
        """Transformer layers of equal kernel count: sub-blocks (attention, MLP, Mamba-2) / 2
        (``layers`` for a plain transformer; 28 for Nemotron Nano 9B v2's 56 blocks)."""
        return (self.attn_layers + self.mlp_layers + self.mamba_layers) / 2.0

    @cached_property
    def mamba_params_per_layer(self) -> int:
        """Weights of one Mamba-2 layer (:func:`~wattprint.workload.ssm.mamba2_layer_params`)."""
        if not self.mamba_layers:
            return 0
        from wattprint.workload.ssm import mamba2_layer_params

        return mamba2_layer_params(self.hidden, self.mamba_heads, self.mamba_head_dim,
                                   self.mamba_groups, self.ssm_state_size,
                                   self.mamba_conv_kernel)

    # ----- attention -------------------------------------------------------------------
    @cached_property
    def is_mla(self) -> bool:
        """True for DeepSeek-style multi-head latent attention."""
        return self.kv_lora_rank > 0

    @cached_property
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

    @cached_property
    def attn_dim(self) -> int:
        """Per-head dimension used in the score and value products (QK^T, AV)."""
        if self.is_mla:
            return (self.qk_nope_head_dim + self.qk_rope_head_dim + self.v_head_dim) // 2
        return self.head_dim

    def kv_elements_per_token(self) -> int:
        """KV-cache elements stored per token over all layers (MLA caches the latent)."""
        return self.attn_layers * self.kv_elements_per_token_layer

    @cached_property
    def kv_elements_per_token_layer(self) -> int:
        """KV-cache elements per token in one layer: ``2·kv_heads·d_head`` or MLA's latent."""
        if self.is_mla:
            return self.kv_lora_rank + self.qk_rope_head_dim
        return 2 * self.kv_heads * self.head_dim

    def attended_keys(self, position: float) -> float:
        """Keys a query at ``position`` attends to, averaged over layers.

        Global layers see every earlier token; local (sliding-window or chunked) layers at most
        ``sliding_window``: ``(global·pos + local·min(pos, W)) / layers``. The same count is the
        number of tokens whose KV entries a layer must keep.
        """
        if not self.local_layers or not self.sliding_window:
            return float(position)
        local = min(float(position), float(self.sliding_window))
        if self.sparse_stride:  # block-sparse: every stride-th key beyond the window too
            local += max(float(position) - self.sliding_window, 0.0) / self.sparse_stride
        return ((self.attn_layers - self.local_layers) * float(position)
                + self.local_layers * local) / self.attn_layers

    def kv_elements(self, context_tokens: float) -> float:
        """KV-cache elements held for one sequence at ``context_tokens`` (all layers).

        Local layers keep at most their window; block-sparse layers keep every key (their
        heads read different strided blocks, vLLM's blocksparse kernel pages them all)."""
        keys = float(context_tokens) if self.sparse_stride else \
            self.attended_keys(context_tokens)
        return self.kv_elements_per_token() * keys

    def causal_pairs_mean(self, seq: float, fused: bool) -> float:
        """(query, key) pairs of a causal pass over ``seq`` tokens, averaged over layers.

        Global layers: ``seq·(seq+1)/2`` (fused kernels skip masked blocks) or ``seq²``
        (unfused). Local layers with window ``W < seq``: ``W·(W+1)/2 + (seq − W)·W`` fused.
        """
        full = seq * (seq + 1.0) / 2.0 if fused else seq * seq
        if not self.local_layers or not self.sliding_window or seq <= self.sliding_window:
            return full
        win = float(self.sliding_window)
        local = win * (win + 1.0) / 2.0 + (seq - win) * win if fused else seq * seq
        if fused and self.sparse_stride:  # the strided keys beyond each query's window
            local += (seq - win) * (seq - win + 1.0) / 2.0 / self.sparse_stride
        return ((self.attn_layers - self.local_layers) * full + self.local_layers * local) / \
            self.attn_layers

    @cached_property
    def decode_attn_flops_per_pair_layer(self) -> float:
        """Attention FLOPs per (query, cached key) pair per layer during decode.

        Standard attention: ``4·heads·d_head`` (QKᵀ and AV). MLA decodes against the compressed
        cache with the up-projections absorbed (DeepSeek-V2 paper §2.1.3; FlashMLA):
        ``2·heads·(kv_lora + d_rope)`` for the scores plus ``2·heads·kv_lora`` for the values,
        e.g. 2·128·(576 + 512) = 278,528 for DeepSeek-V3.
        """
        if self.is_mla:
            return 2.0 * self.heads * (2 * self.kv_lora_rank + self.qk_rope_head_dim)
        return 4.0 * self.heads * self.attn_dim

    # ----- MLP --------------------------------------------------------------------------
    @cached_property
    def _mats(self) -> int:
        return 3 if self.gated_mlp else 2

    @cached_property
    def moe_layers(self) -> int:
        """Number of layers whose MLP is a mixture of experts."""
        if self.n_experts == 0:
            return 0
        if self.moe_layer_count >= 0:
            return min(self.moe_layer_count, self.layers)
        eligible = self.layers - self.first_dense_layers
        return eligible // max(self.moe_layer_freq, 1)

    @cached_property
    def dense_layers(self) -> int:
        """Number of layers with a dense MLP."""
        return self.mlp_layers - self.moe_layers

    def _expert_params(self) -> int:
        return self._mats * self.hidden * self.moe_intermediate

    def _shared_params(self) -> int:
        if self.shared_experts == 0:
            return 0
        width = self.shared_intermediate or self.moe_intermediate * self.shared_experts
        return self._mats * self.hidden * width

    @cached_property
    def routed_expert_params(self) -> int:
        """Weights of all routed experts over all MoE layers (0 for dense models)."""
        return self.moe_layers * self.n_experts * self._expert_params()

    @cached_property
    def dense_mlp_params(self) -> int:
        """Weights of one dense MLP."""
        return self._mats * self.hidden * self.intermediate

    # ----- totals -----------------------------------------------------------------------
    @cached_property
    def embedding_params(self) -> int:
        """Input embedding table (a lookup: no FLOPs, but memory)."""
        return self.vocab * self.hidden

    @cached_property
    def lm_head_params(self) -> int:
        """Output projection (a matmul whether or not it is tied to the embedding)."""
        return self.vocab * self.hidden

    @cached_property
    def norm_params(self) -> int:
        """Normalisation weights: one per attention, MLP and Mamba-2 block (two per plain
        transformer layer) plus the final norm (no FLOPs to speak of), twice that for LayerNorm
        with a bias; plus each Mamba-2 layer's gated RMSNorm over ``heads · head_dim``."""
        blocks = self.attn_layers + self.mlp_layers + self.mamba_layers + 1
        return blocks * self.hidden * (2 if self.norm_bias else 1) + \
            self.mamba_layers * self.mamba_heads * self.mamba_head_dim

    @cached_property
    def bias_params(self) -> int:
        """Biases of the block linear layers when the model has them (dense models): per layer
        ``heads·d_head + 2·kv_heads·d_head + d`` (q, k, v, o) plus ``(m − 1)·d_ff + d`` (MLP
        in, gate, out; ``m`` matrices)."""
        if not self.linear_bias:
            return 0
        attn = (self.heads + 2 * self.kv_heads) * self.head_dim + self.hidden
        mlp = (self._mats - 1) * self.intermediate + self.hidden
        return self.attn_layers * attn + self.mlp_layers * mlp

    @cached_property  # frozen: computed once per spec, read on every estimate
    def body_params_total(self) -> int:
        """All transformer-block weights (attention, MLP/experts, router, norms)."""
        moe = self.moe_layers * (self.n_experts * self._expert_params() + self._shared_params()
                                 + self.hidden * self.n_experts)
        return self.attn_layers * self.attn_params_per_layer + self.dense_layers * \
            self.dense_mlp_params + moe + self.norm_params + self.bias_params + \
            self.mamba_layers * self.mamba_params_per_layer

    @cached_property  # frozen: computed once per spec, read on every estimate
    def body_params_active(self) -> int:
        """Block weights used per token (top-k experts + shared experts + router)."""
        moe = self.moe_layers * (self.experts_per_token * self._expert_params()
                                 + self._shared_params() + self.hidden * self.n_experts)
        return self.attn_layers * self.attn_params_per_layer + self.dense_layers * \
            self.dense_mlp_params + moe + self.norm_params + self.bias_params + \
            self.mamba_layers * self.mamba_params_per_layer

    @cached_property  # frozen: computed once per spec (read several times per estimate)
    def params_total(self) -> int:
        """Total parameters (embedding counted once if tied; a vision tower included)."""
        head = 0 if self.tied_embeddings else self.lm_head_params
        return self.body_params_total + self.embedding_params + head + self.vision_params

    @cached_property  # frozen: computed once per spec (read several times per estimate)
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
        """Shape and derived counts, for reports (hybrid models: their layer kinds too)."""
        d: dict[str, Any] = {
            "name": self.name, "hidden": self.hidden, "layers": self.layers,
            "heads": self.heads, "kv_heads": self.kv_heads, "head_dim": self.head_dim,
            "intermediate": self.intermediate, "vocab": self.vocab,
            "n_experts": self.n_experts, "experts_per_token": self.experts_per_token,
            "params_total": self.params_total, "params_active": self.params_active,
            "source": self.source,
        }
        if self.mamba_layers:
            d.update(attention_layers=self.attn_layers, mlp_layers=self.mlp_layers,
                     mamba_layers=self.mamba_layers)
        return d


def spec_from_config(cfg: Any, name: str = "config", source: str = "config.json") -> ModelSpec:
    """Build a :class:`ModelSpec` from Hugging Face ``config.json`` fields.

    See :func:`wattprint.workload.hf_config.spec_from_hf_config`: every architecture field is
    understood or refused by name; absent fields take the family's ``transformers`` default.
    """
    from wattprint.workload.hf_config import spec_from_hf_config

    return spec_from_hf_config(cfg, name=name, source=source)


#: Largest config.json read (bytes); real ones are a few kB.
CONFIG_MAX_BYTES = 4 * 1024 * 1024


def load_config_file(path: str | Path) -> ModelSpec:
    """Read a Hugging Face ``config.json`` from ``path`` (one-line errors on bad files)."""
    from wattprint.textfiles import loads_json, read_text

    p = Path(path)
    cfg = loads_json(read_text(p, "model config", max_bytes=CONFIG_MAX_BYTES), p.name)
    return spec_from_config(cfg, name=p.stem if p.name != "config.json" else p.parent.name
                            or "config", source=f"config file {p}")


#: Specs built from catalog cards, by card identity: a card object is built once per catalog
#: load, so clearing the catalog's caches (new cards) also retires these.
_SPECS: dict[int, tuple[object, ModelSpec]] = {}


def get_model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of a catalog model (case-insensitive name or alias).

    Built once per catalog card and cached (a ``ModelSpec`` is frozen), so repeated
    estimates do not re-derive it.
    """
    from wattprint.catalog import model_card_entry

    card = model_card_entry(name)
    hit = _SPECS.get(id(card))
    if hit is not None and hit[0] is card:
        return hit[1]
    spec = spec_from_config(dict(card.config), name=card.id, source=f"{card.source} "
                            f"({card.year})")
    if len(_SPECS) >= 512:
        _SPECS.clear()
    _SPECS[id(card)] = (card, spec)
    return spec
