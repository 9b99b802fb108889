"""Mamba-2 (state-space) layers of hybrid models: weights, scan FLOPs and recurrent state.

A Mamba-2 layer (Dao & Gu 2024, "Transformers are SSMs", arXiv 2405.21060, §7 and Fig. 6)
projects the hidden state ``d`` into ``z`` and ``x`` (``d_inner = heads · head_dim`` each), the
group-shared ``B`` and ``C`` (``groups · state`` each) and one ``dt`` per head; runs a causal
depthwise convolution of width ``kernel`` over ``x, B, C``; scans the selective SSM (SSD) with
a ``head_dim × state`` state per head; applies a gated RMSNorm over ``d_inner``; and projects
back to ``d``. NVIDIA's Nemotron-H (arXiv 2504.03624) and Nemotron Nano 2 (arXiv 2508.14444)
interleave such layers with a few attention and MLP layers (``hybrid_override_pattern``).

The weight matmuls (in and out projections) count in ``2 · params`` per token like any other
weight; this module adds what is not a weight matmul: the SSD scan and the recurrent state that
replaces a KV cache (fixed size per sequence, read and written every decode step).
docs/methodology.md §1.1 "Hybrid Mamba-2 models" writes each formula out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wattprint.arrays import minimum

if TYPE_CHECKING:
    from wattprint.workload.model_spec import ModelSpec
    from wattprint.workload.precision import PrecisionPlan


def mamba2_conv_channels(heads: int, head_dim: int, groups: int, state: int) -> int:
    """Channels of the depthwise convolution: ``x, B, C`` = ``heads·head_dim + 2·groups·state``
    (Mamba-2 paper §7.1; ``conv_dim`` in the Hugging Face ``NemotronHMamba2Mixer``)."""
    return heads * head_dim + 2 * groups * state


def mamba2_layer_params(hidden: int, heads: int, head_dim: int, groups: int, state: int,
                        kernel: int) -> int:
    """Weights of one Mamba-2 layer [count] (no projection biases; conv with bias).

    ``d·(2·d_inner + 2·G·N + H)`` (in_proj: z, x, B, C, dt) ``+ c·(K + 1)`` (conv weight and
    bias, ``c`` = :func:`mamba2_conv_channels`) ``+ 3·H`` (dt_bias, A_log, D) ``+ d_inner``
    (gated RMSNorm) ``+ d_inner·d`` (out_proj), with ``d_inner = H·P``. The layer's input
    RMSNorm is counted with the other norms (:attr:`ModelSpec.norm_params`).
    """
    d_inner = heads * head_dim
    conv = mamba2_conv_channels(heads, head_dim, groups, state)
    return hidden * (2 * d_inner + 2 * groups * state + heads) + conv * (kernel + 1) + \
        3 * heads + d_inner + d_inner * hidden


def ssd_decode_flops(spec: ModelSpec, tokens: float) -> float:
    """SSD recurrent-mode FLOPs of ``tokens`` decode tokens over all Mamba-2 layers [FLOP].

    Per head and token the state update ``h ← exp(Δ·A)·h + Δ·x·Bᵀ`` costs ``3·P·N`` (decay,
    outer product, add) and the read-out ``y = h·C`` ``2·P·N`` (Mamba-2 paper §3.4, the
    linear-time recurrent form): ``5 · H · P · N · mamba_layers · tokens``.
    """
    if not spec.mamba_layers:
        return 0.0
    return 5.0 * spec.mamba_heads * spec.mamba_head_dim * spec.ssm_state_size * \
        spec.mamba_layers * tokens


def ssd_chunked_flops(spec: ModelSpec, tokens: Any, seq_tokens: Any) -> Any:
    """SSD chunked-scan FLOPs of a prefill of ``tokens`` tokens in sequences of ``seq_tokens``
    [FLOP].

    The SSD algorithm (Mamba-2 paper §6, Listing 1) with chunk length ``Q = min(chunk,
    seq_tokens)`` costs per token: ``Q·N`` multiply-adds per group for ``C·Bᵀ`` inside the
    chunk, ``Q·P`` per head for the masked ``(L ∘ C·Bᵀ)·X``, ``N·P`` per head for the chunk
    states ``Bᵀ·X`` and ``N·P`` per head for the state read-out ``C·h``:
    ``2 · (G·Q·N + H·(Q·P + 2·N·P)) · mamba_layers · tokens``. Array-native.
    """
    if not spec.mamba_layers:
        return 0.0
    q = minimum(float(spec.mamba_chunk), seq_tokens * 1.0) if spec.mamba_chunk else \
        seq_tokens * 1.0
    g, h, p, n = (float(spec.mamba_groups), float(spec.mamba_heads),
                  float(spec.mamba_head_dim), float(spec.ssm_state_size))
    return 2.0 * (g * q * n + h * (q * p + 2.0 * n * p)) * spec.mamba_layers * tokens


def ssm_state_bytes_per_element(spec: ModelSpec, plan: PrecisionPlan) -> float:
    """Bytes per SSM-state element [B]: the spec's ``ssm_state_bytes`` (a serving engine's
    ``mamba_ssm_cache_dtype``, e.g. float32 = 4) or, when 0 (vLLM's ``auto``), the model's
    activation format (:func:`conv_state_bytes_per_element`)."""
    return float(spec.ssm_state_bytes) if spec.ssm_state_bytes else \
        conv_state_bytes_per_element(plan)


def conv_state_bytes_per_element(plan: PrecisionPlan) -> float:
    """Bytes per convolution-state element [B]: the model's activation format
    (``plan.act_bytes``). vLLM keeps Mamba state in ``--mamba-cache-dtype``, whose ``auto``
    is the model dtype, not the ``--kv-cache-dtype`` of the attention layers
    (``MambaStateDtypeCalculator._mamba_state_dtype``)."""
    return plan.act_bytes


def recurrent_state_bytes(spec: ModelSpec, plan: PrecisionPlan) -> float:
    """Recurrent state one sequence holds over all Mamba-2 layers [B]; it does not grow with
    the context.

    Per layer the SSM state ``H · P · N`` elements (:func:`ssm_state_bytes_per_element`) and
    the convolution's last ``K − 1`` inputs ``(K − 1) · c`` (:func:`mamba2_conv_channels`,
    :func:`conv_state_bytes_per_element`) (vLLM ``MambaStateShapeCalculator.mamba2_state_shape``).
    """
    if not spec.mamba_layers:
        return 0.0
    ssm = spec.mamba_heads * spec.mamba_head_dim * spec.ssm_state_size * \
        ssm_state_bytes_per_element(spec, plan)
    conv = (spec.mamba_conv_kernel - 1) * mamba2_conv_channels(
        spec.mamba_heads, spec.mamba_head_dim, spec.mamba_groups, spec.ssm_state_size) * \
        conv_state_bytes_per_element(plan)
    return spec.mamba_layers * (ssm + conv)


def decode_state_traffic_bytes(spec: ModelSpec, plan: PrecisionPlan, batch: float) -> float:
    """Recurrent-state bytes moved by one decode step of ``batch`` sequences [B]: every
    sequence's state is read and written back (``2 ·`` :func:`recurrent_state_bytes`), in
    place of the KV-cache reads that grow with the context."""
    if not spec.mamba_layers:
        return 0.0
    return 2.0 * batch * recurrent_state_bytes(spec, plan)


def prefill_state_traffic_bytes(spec: ModelSpec, plan: PrecisionPlan, batch: float) -> float:
    """Recurrent-state bytes written by a prefill of ``batch`` sequences [B]: the final state
    of each sequence once (:func:`recurrent_state_bytes`)."""
    if not spec.mamba_layers:
        return 0.0
    return batch * recurrent_state_bytes(spec, plan)
