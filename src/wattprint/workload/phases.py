"""FLOPs and bytes of each phase: a training step, a prefill pass, a decode step.

Each function returns a :class:`Work` holding every intermediate. Conventions (see
docs/methodology.md §Workload): a multiply-add is 2 FLOPs; the embedding is a lookup (no
FLOPs); the LM head is a matmul for every token whose logits are needed; attention FLOPs are
``4 · heads · d_head`` per (query, key) pair per layer; causal fused kernels skip the masked
half, unfused ones compute the full square and materialise the scores.
"""

from __future__ import annotations

from typing import Any

from wattprint.arrays import minimum
from wattprint.record import Record
from wattprint.workload import ssm
from wattprint.workload.dequant import dequant_ops
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.precision import PrecisionPlan


class Traffic(Record):
    """How much activation traffic the software stack generates (fusion level)."""

    act_passes_hidden: float  # read+write passes over hidden-size vectors per token-layer
    act_passes_ffn: float  # passes over FFN-width vectors per token-layer
    fused_attention: bool  # FlashAttention-style: no materialised scores, causal skip


class Work(Record):
    """The FLOPs and bytes of one phase (all passes included), before any hardware."""

    phase: str
    passes: float  # forward passes or decode steps (each pays the per-step overhead)
    layer_passes: float  # layers × passes × (3 for training): per-layer overhead count
    tokens: float  # tokens processed (prompt or generated or trained)
    matmul_flops: float  # weight matmuls incl. LM head, dense-equivalent
    attention_flops: float  # score and value products (and the Mamba-2 SSD scan)
    dequant_ops: float  # weight dequantisation (vector units)
    weight_bytes: float  # weights read from device memory
    kv_bytes: float  # KV-cache (and Mamba-2 recurrent-state) writes and reads
    activation_bytes: float  # activations (and materialised scores) moved by the kernels
    optimizer_bytes: float = 0.0  # optimizer state traffic (training)
    loop_steps: float = 0.0  # decode-loop iterations (each pays the generation-loop overhead)
    layer_seq_passes: float = 0.0  # layers × sequences × passes: per-sequence host/launch work
    seq_passes: float = 0.0  # sequences × passes: per-sequence serving-engine work per step
    expert_flops: float = 0.0  # part of matmul_flops run by routed-expert (MoE) kernels
    expert_bytes: float = 0.0  # part of weight_bytes read by routed-expert kernels
    gemm_k: float = 0.0  # typical inner dimension of the matmuls (hidden size); intensive
    vocab_seq_passes: float = 0.0  # sequences × passes × vocabulary: per-sequence sampling work
    moe_layer_passes: float = 0.0  # MoE layers × passes: each pays the MoE kernel-chain latency
    state_bytes: float = 0.0  # part of kv_bytes moved by recurrent-state (Mamba-2) kernels

    _INTENSIVE = ("phase", "gemm_k")

    def __init__(self, phase: str, passes: float, layer_passes: float, tokens: float,
                 matmul_flops: float, attention_flops: float, dequant_ops: float,
                 weight_bytes: float, kv_bytes: float, activation_bytes: float,
                 optimizer_bytes: float = 0.0, loop_steps: float = 0.0,
                 layer_seq_passes: float = 0.0, seq_passes: float = 0.0,
                 expert_flops: float = 0.0, expert_bytes: float = 0.0,
                 gemm_k: float = 0.0, vocab_seq_passes: float = 0.0,
                 moe_layer_passes: float = 0.0, state_bytes: float = 0.0) -> None:
        # Written out (built several times per estimate): one store per field into the
        # instance dict, which holds exactly the fields, in field order (``_values`` and
        # :func:`_work_of` rely on it).
        d = self.__dict__
        d["phase"] = phase
        d["passes"] = passes
        d["layer_passes"] = layer_passes
        d["tokens"] = tokens
        d["matmul_flops"] = matmul_flops
        d["attention_flops"] = attention_flops
        d["dequant_ops"] = dequant_ops
        d["weight_bytes"] = weight_bytes
        d["kv_bytes"] = kv_bytes
        d["activation_bytes"] = activation_bytes
        d["optimizer_bytes"] = optimizer_bytes
        d["loop_steps"] = loop_steps
        d["layer_seq_passes"] = layer_seq_passes
        d["seq_passes"] = seq_passes
        d["expert_flops"] = expert_flops
        d["expert_bytes"] = expert_bytes
        d["gemm_k"] = gemm_k
        d["vocab_seq_passes"] = vocab_seq_passes
        d["moe_layer_passes"] = moe_layer_passes
        d["state_bytes"] = state_bytes

    @property
    def flops(self) -> float:
        """All FLOPs (matmul + attention + dequantisation ops)."""
        return self.matmul_flops + self.attention_flops + self.dequant_ops

    @property
    def bytes(self) -> float:
        """All device-memory bytes."""
        return self.weight_bytes + self.kv_bytes + self.activation_bytes + self.optimizer_bytes

    def _values(self) -> dict[str, Any]:
        """Field name → value (a shallow copy: every field is a number or the phase name;
        ``dataclasses.asdict`` deep-copies and cost a quarter of a scalar estimate). The
        instance dict holds exactly the fields, in field order."""
        return dict(self.__dict__)

    def replace(self, **changes: Any) -> Work:
        """A copy with some fields changed (``dataclasses.replace``; from the instance dict,
        which holds exactly the fields: a training estimate replaces one per call)."""
        d = self.__dict__
        if not changes.keys() <= d.keys():
            raise TypeError(f"Work has no field {sorted(changes.keys() - d.keys())[0]!r}")
        return _work_of({**d, **changes})

    def scaled(self, k: float) -> Work:
        """This work repeated ``k`` times (every field times ``k`` but the intensive
        ``phase`` and ``gemm_k``)."""
        (phase, passes, layer_passes, tokens, matmul_flops, attention_flops, dequant_ops,
         weight_bytes, kv_bytes, activation_bytes, optimizer_bytes, loop_steps,
         layer_seq_passes, seq_passes, expert_flops, expert_bytes, gemm_k, vocab_seq_passes,
         moe_layer_passes, state_bytes) = self.__dict__.values()  # the fields, in order
        return Work(phase, passes * k, layer_passes * k, tokens * k, matmul_flops * k,
                    attention_flops * k, dequant_ops * k, weight_bytes * k, kv_bytes * k,
                    activation_bytes * k, optimizer_bytes * k, loop_steps * k,
                    layer_seq_passes * k, seq_passes * k, expert_flops * k, expert_bytes * k,
                    gemm_k, vocab_seq_passes * k, moe_layer_passes * k, state_bytes * k)

    def __add__(self, other: Work) -> Work:
        a, b = self._values(), other._values()
        out: dict[str, Any] = {k: a[k] + b[k] for k in a if k not in self._INTENSIVE}
        return Work(phase=f"{self.phase}+{other.phase}", gemm_k=max(self.gemm_k, other.gemm_k),
                    **out)

    def to_dict(self) -> dict[str, float | str]:
        """Every intermediate, plus totals."""
        d: dict[str, float | str] = self._values()
        d["flops"] = self.flops
        d["bytes"] = self.bytes
        return d


_new = object.__new__


def _work_of(fields: dict[str, Any]) -> Work:
    """A :class:`Work` whose instance dict is a copy of ``fields``: every field, in field
    order (built from another Work's dict; skips ``__init__``'s keyword matching)."""
    w = _new(Work)
    w.__dict__.update(fields)
    return w


# --- small named formulas --------------------------------------------------------------

def block_matmul_flops(spec: ModelSpec, tokens: float) -> float:
    """``2 · N_active_blocks · tokens``: weight matmuls in the transformer blocks [FLOP]."""
    return 2.0 * spec.body_params_active * tokens


def lm_head_flops(spec: ModelSpec, logit_tokens: float) -> float:
    """``2 · d · V`` per token whose logits are computed [FLOP]."""
    return 2.0 * spec.hidden * spec.vocab * logit_tokens


def attention_pair_flops(spec: ModelSpec, pairs: float) -> float:
    """``4 · heads · d_head · attention layers`` per (query, key) pair: QKᵀ and AV [FLOP]."""
    return 4.0 * spec.heads * spec.attn_dim * spec.attn_layers * pairs


def decode_attention_flops(spec: ModelSpec, pairs: float) -> float:
    """Decode attention FLOPs for ``pairs`` (query, cached key) pairs over all layers [FLOP].

    ``attention layers · pairs ·`` :attr:`ModelSpec.decode_attn_flops_per_pair_layer`:
    ``4·h·d_head``, or for MLA with absorbed up-projections ``2·h·(2·kv_lora + d_rope)``.
    """
    return spec.decode_attn_flops_per_pair_layer * spec.attn_layers * pairs


def causal_pairs(seq: float, fused: bool) -> float:
    """(query, key) pairs computed for a causal pass over ``seq`` tokens.

    Fused kernels skip masked blocks: ``seq·(seq+1)/2``; unfused ones compute ``seq²``.
    """
    return seq * (seq + 1.0) / 2.0 if fused else seq * seq


def weight_bytes_read(spec: ModelSpec, plan: PrecisionPlan, tokens: float) -> float:
    """Bytes of weights read by one pass over ``tokens`` tokens [B].

    Dense weights and the LM head are read once per pass; of the routed experts only the
    expected share hit by the pass is read (:meth:`ModelSpec.expert_bytes_fraction_touched`).
    """
    all_experts = float(spec.routed_expert_params)
    read = spec.body_params_total - all_experts
    return read * plan.weight_bytes + spec.lm_head_params * plan.head_bytes + \
        expert_bytes_read(spec, plan, tokens)


def expert_weight_bytes(plan: PrecisionPlan) -> float:
    """Bytes per routed-expert weight: ``plan.expert_bytes`` for experts-only formats
    (MXFP4), else the block weight format."""
    return plan.weight_bytes if plan.expert_bytes is None else plan.expert_bytes


def weight_storage_bytes(spec: ModelSpec, plan: PrecisionPlan) -> float:
    """Bytes of all weights in device memory [B].

    Transformer blocks at the weight format; the embedding, the LM head and a vision tower at
    ``plan.head_bytes`` (weight-only quantisers leave them in 16 bit, see precision.py).
    """
    outside = spec.params_total - spec.body_params_total
    experts = float(spec.routed_expert_params)
    return (spec.body_params_total - experts) * plan.weight_bytes + \
        experts * expert_weight_bytes(plan) + outside * plan.head_bytes


def expert_bytes_read(spec: ModelSpec, plan: PrecisionPlan, tokens: float) -> float:
    """Bytes of routed-expert weights read by one pass: all experts × share hit [B]."""
    if not spec.n_experts:
        return 0.0
    return spec.routed_expert_params * spec.expert_bytes_fraction_touched(tokens) * \
        expert_weight_bytes(plan)


def expert_matmul_flops(spec: ModelSpec, tokens: float) -> float:
    """FLOPs of the routed experts: ``2 · k · expert params per layer · MoE layers · tokens``."""
    if not spec.n_experts or not spec.moe_layers:  # dense, or an MoE config with no MoE layer
        return 0.0
    per_expert = spec.routed_expert_params / (spec.moe_layers * spec.n_experts)
    return 2.0 * spec.experts_per_token * per_expert * spec.moe_layers * tokens


def ffn_width_active(spec: ModelSpec) -> float:
    """Average wide-vector width a token passes through per layer equivalent: the dense MLP,
    top-k + shared experts, and a Mamba-2 layer's ``heads · head_dim``."""
    if not spec.n_experts and not spec.mamba_layers:
        return float(spec.intermediate)
    moe_w = spec.experts_per_token * spec.moe_intermediate + (
        spec.shared_intermediate or spec.shared_experts * spec.moe_intermediate)
    mamba_w = spec.mamba_layers * spec.mamba_heads * spec.mamba_head_dim
    return (spec.dense_layers * spec.intermediate + spec.moe_layers * moe_w + mamba_w) / \
        spec.layer_equivalents


def activation_bytes(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic,
                     tokens: float) -> float:
    """Activation traffic of the elementwise kernels (norms, rotary, residuals, activations).

    ``tokens · layers · (a_h · d + a_f · d_ff) · bytes_per_activation`` [B], where the pass
    counts ``a_h``, ``a_f`` describe the software stack's fusion (eager ≫ compiled); hybrid
    models count :attr:`ModelSpec.layer_equivalents` layers.
    """
    per_token_layer = traffic.act_passes_hidden * spec.hidden + \
        traffic.act_passes_ffn * ffn_width_active(spec)
    return tokens * spec.layer_equivalents * per_token_layer * plan.act_bytes


def score_bytes(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, pairs: float) -> float:
    """Materialised attention scores of unfused attention: write, softmax r/w, read [B]."""
    if traffic.fused_attention:
        return 0.0
    return 4.0 * spec.heads * spec.attn_layers * pairs * plan.act_bytes


def kv_copies(spec: ModelSpec, chips: Any) -> Any:
    """Copies of the KV cache held across ``chips`` tensor-parallel chips.

    Tensor parallelism splits attention by KV head, so each head's cache lives on one chip
    only while there are at least as many KV heads as chips; with more chips than KV heads
    (GQA/MQA) vLLM replicates each KV head on ``chips / kv_heads`` chips, and MLA's latent
    cache is shared by all heads, so every chip holds all of it (vLLM, SGLang: the MLA cache
    is replicated across TP ranks). Returns ``chips / min(chips, kv_heads)``, or ``chips`` for
    MLA. Array-native in ``chips``.
    """
    if spec.is_mla:
        return chips * 1.0
    return chips / minimum(chips, float(max(spec.kv_heads, 1)))


def replicate_kv(work: Work, spec: ModelSpec, chips: Any) -> Work:
    """``work`` with its KV-cache traffic multiplied by :func:`kv_copies` (every copy is
    written, and each chip reads its own copy)."""
    copies = kv_copies(spec, chips)
    if isinstance(copies, float) and copies == 1.0 and isinstance(work.kv_bytes, float):
        return work  # one copy (the common scalar case): the same Work, no rebuild
    return work.replace(kv_bytes=work.kv_bytes * copies)


def kv_bytes_per_token(spec: ModelSpec, plan: PrecisionPlan) -> float:
    """KV-cache bytes stored per token over all layers [B]."""
    return spec.kv_elements_per_token() * plan.kv_bytes


# --- phases ---------------------------------------------------------------------------

def prefill_work(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, batch: float,
                 prompt_tokens: float, passes: float = 1.0,
                 logits_all: bool = False) -> Work:
    """One prefill over ``batch`` prompts of ``prompt_tokens`` tokens (× ``passes``).

    Logits are computed for the last position only unless ``logits_all``. Mamba-2 layers add
    the chunked SSD scan and write each sequence's final state (workload/ssm.py).
    """
    tokens = batch * prompt_tokens
    pairs = batch * spec.causal_pairs_mean(prompt_tokens, traffic.fused_attention)
    w = Work(
        phase="prefill",
        passes=1.0,
        layer_passes=spec.layer_equivalents,
        tokens=tokens,
        matmul_flops=block_matmul_flops(spec, tokens)
        + lm_head_flops(spec, tokens if logits_all else batch),
        attention_flops=attention_pair_flops(spec, pairs)
        + ssm.ssd_chunked_flops(spec, tokens, prompt_tokens),
        dequant_ops=dequant_ops(spec, plan, tokens, 1.0),
        weight_bytes=weight_bytes_read(spec, plan, tokens),
        kv_bytes=tokens * kv_bytes_per_token(spec, plan)
        + ssm.prefill_state_traffic_bytes(spec, plan, batch),
        activation_bytes=activation_bytes(spec, plan, traffic, tokens)
        + score_bytes(spec, plan, traffic, pairs),
        gemm_k=float(spec.hidden),
        layer_seq_passes=spec.layer_equivalents * batch,
        seq_passes=batch,
        vocab_seq_passes=batch * float(spec.vocab),
        expert_flops=expert_matmul_flops(spec, tokens),
        expert_bytes=expert_bytes_read(spec, plan, tokens),
        moe_layer_passes=float(spec.moe_layers),
    )
    return w.scaled(passes) if passes != 1.0 else w


def decode_work(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, batch: float,
                context_tokens: float, steps: float = 1.0) -> Work:
    """``steps`` decode steps for ``batch`` sequences at mean context ``context_tokens``.

    Each step reads all touched weights once, reads the KV cache of every sequence (local
    layers: at most their window) and writes one new KV entry per sequence; logits are
    computed for every new token. MLA attends to the compressed cache (weight absorption).
    Mamba-2 layers step their recurrent state: the SSD update, and a read and write of each
    sequence's fixed-size state (workload/ssm.py).
    """
    pairs = batch * spec.attended_keys(context_tokens)  # local layers read ≤ window entries
    kvb, state = kv_bytes_per_token(spec, plan), ssm.decode_state_traffic_bytes(spec, plan, batch)
    w = Work(
        phase="decode",
        passes=1.0,
        layer_passes=spec.layer_equivalents,
        tokens=batch,
        matmul_flops=block_matmul_flops(spec, batch) + lm_head_flops(spec, batch),
        attention_flops=decode_attention_flops(spec, pairs) + ssm.ssd_decode_flops(spec, batch),
        dequant_ops=dequant_ops(spec, plan, batch, 1.0),
        weight_bytes=weight_bytes_read(spec, plan, batch),
        kv_bytes=batch * kvb + pairs * kvb + state,
        activation_bytes=activation_bytes(spec, plan, traffic, batch)
        + score_bytes(spec, plan, traffic, pairs),
        loop_steps=1.0,
        gemm_k=float(spec.hidden),
        layer_seq_passes=spec.layer_equivalents * batch,
        seq_passes=batch,
        vocab_seq_passes=batch * float(spec.vocab),
        expert_flops=expert_matmul_flops(spec, batch),
        expert_bytes=expert_bytes_read(spec, plan, batch),
        moe_layer_passes=float(spec.moe_layers),
        state_bytes=state,
    )
    return w.scaled(steps) if steps != 1.0 else w


#: Mixed-precision Adam: fp32 master weights (r/w 8 B), fp32 gradient read (4 B), two fp32
#: moments (r/w 16 B) and a low-precision weight copy written (2 B) per parameter.
ADAM_BYTES_PER_PARAM = 30.0


def train_step_work(spec: ModelSpec, plan: PrecisionPlan, traffic: Traffic, batch: float,
                    seq_len: float, recompute: bool = False) -> Work:
    """One optimizer step over ``batch`` sequences of ``seq_len`` tokens.

    Backward costs twice the forward (input and weight gradients): FLOPs = 3 × forward, or
    4 × forward with full activation recomputation. Weights are read in the forward and twice
    in the backward; gradients are written once; Adam then touches every parameter.
    """
    tokens = batch * seq_len
    fwd = prefill_work(spec, plan, traffic, batch, seq_len, logits_all=True)
    k = 4.0 if recompute else 3.0
    return Work(
        phase="train_step",
        passes=1.0,
        layer_passes=fwd.layer_passes * k,  # layer equivalents (hybrid: blocks / 2)
        tokens=tokens,
        matmul_flops=fwd.matmul_flops * k,
        attention_flops=fwd.attention_flops * (k + 0.5),  # flash backward recomputes scores
        dequant_ops=0.0,
        weight_bytes=fwd.weight_bytes * (k + 1.0),  # reads + gradient write
        kv_bytes=0.0,
        activation_bytes=fwd.activation_bytes * k,
        optimizer_bytes=ADAM_BYTES_PER_PARAM * spec.params_total,
        gemm_k=float(spec.hidden),
        layer_seq_passes=fwd.layer_seq_passes * k,
        expert_flops=fwd.expert_flops * k,
        expert_bytes=fwd.expert_bytes * (k + 1.0),
        moe_layer_passes=fwd.moe_layer_passes * k,
    )
