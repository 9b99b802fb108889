"""Training at scale: a parallel layout, its global batch, and what it costs per step.

A run on ``chips`` chips is laid out as tensor (TP) × pipeline (PP) × data (DP) parallel, with
expert parallelism (EP) for MoE layers. The global batch (tokens per optimizer step) is fixed
by the recipe, not by the chip count, so more chips mean less work per chip per step while
the gradient reduction per chip stays the same: chip count and global batch matter. See
docs/methodology.md §2.5 for every formula here.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from wattprint.catalog.caches import register_derived_cache
from wattprint.catalog.defaults import default_value
from wattprint.device.execute import (
    CHIPS_PER_NODE,
    COLLECTIVE_BASE_S,
    COLLECTIVE_HOP_S,
    COLLECTIVE_LATENCY_S,
    INTER_NODE_BPS,
)
from wattprint.device.roofline import allreduce_time_s, collective_latency_s
from wattprint.errors import InputError
from wattprint.record import Record
from wattprint.workload.model_spec import ModelSpec

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware, Sourced

#: Models above this many parameters get tensor parallelism within a node (recipe rule:
#: Llama 3 8B trains with FSDP alone, 70B and 405B with TP 8; Llama 3 paper Table 4).
TP_ABOVE_PARAMS = 15e9
#: Share of a chip's memory the pipeline stage's bf16 weights and gradients may take.
STAGE_MEMORY_SHARE = 0.4
#: Largest expert-parallel group (DeepSeek-V3: EP 64 across 8 nodes).
MAX_EP = 64


def default_global_batch(spec: ModelSpec) -> Sourced:
    """Published recipe's global batch [tokens] for a model of this size (defaults.toml)."""
    n = spec.params_total
    key = ("global_batch_tokens_below_1b" if n < 1e9 else "global_batch_tokens_1b_to_10b"
           if n < 1e10 else "global_batch_tokens_10b_to_100b" if n < 1e11
           else "global_batch_tokens_above_100b")
    return default_value("training", key)


def pipeline_bubble(stages: int, micro_batches: float) -> float:
    """Idle share of a 1F1B pipeline step: ``(p − 1) / (m + p − 1)`` (Narayanan et al. 2021)."""
    return (stages - 1.0) / (micro_batches + stages - 1.0)


class Layout(Record):
    """A parallel layout and the batch it runs (sequences are ``seq_len`` tokens)."""

    tp: int
    pp: int
    dp: int
    ep: int
    global_batch_tokens: float
    seq_len: int
    chosen: bool  # True when wattprint chose it (no --tp/--pp given)
    batch_source: str

    def __init__(self, tp: int, pp: int, dp: int, ep: int, global_batch_tokens: float,
                 seq_len: int, chosen: bool, batch_source: str) -> None:
        put = object.__setattr__  # written out (frozen): one is built per training estimate
        put(self, "tp", tp)
        put(self, "pp", pp)
        put(self, "dp", dp)
        put(self, "ep", ep)
        put(self, "global_batch_tokens", global_batch_tokens)
        put(self, "seq_len", seq_len)
        put(self, "chosen", chosen)
        put(self, "batch_source", batch_source)

    @property
    def sequences_per_rank(self) -> float:
        """Sequences each data-parallel rank processes per optimizer step."""
        return self.global_batch_tokens / self.seq_len / self.dp

    @property
    def bubble(self) -> float:
        """Pipeline idle share with micro-batches of one sequence."""
        return pipeline_bubble(self.pp, self.sequences_per_rank) if self.pp > 1 else 0.0

    def describe(self) -> str:
        """A recipe line: ``TP 8 × PP 4 × DP 64 (EP 1), global batch 4.19M tokens …``."""
        how = "chosen by wattprint" if self.chosen else "given"
        return (f"parallelism ({how}): TP {self.tp} × PP {self.pp} × DP {self.dp}"
                f"{f' (EP {self.ep})' if self.ep > 1 else ''}; global batch "
                f"{self.global_batch_tokens / 1e6:.3g}M tokens ({self.batch_source}) = "
                f"{self.sequences_per_rank:.3g} sequences of {self.seq_len} per DP rank"
                + (f"; pipeline bubble {self.bubble * 100:.0f} %" if self.pp > 1 else ""))


def _pow2_divisor(n: int, cap: int) -> int:
    d = 1
    while d * 2 <= cap and n % (d * 2) == 0:
        d *= 2
    return d


def _stage_bytes(spec: ModelSpec, tp: int, pp: int, ep: int) -> float:
    """bf16 weights and gradients of one pipeline stage on one chip [B]: dense weights over
    TP·PP, routed experts over EP·PP."""
    experts = float(spec.routed_expert_params)
    return 4.0 * ((spec.params_total - experts) / (tp * pp) + experts / (ep * pp))


def _expert_parallel(spec: ModelSpec, chips: int, tp: int, pp: int) -> int:
    if not spec.n_experts:
        return 1
    return max(1, min(spec.n_experts, _pow2_divisor(chips // (tp * pp) * tp, MAX_EP)))


def _recipe_tp_pp(spec: ModelSpec, chips: int, memory_bytes: float, tp: int | None,
                  pp: int | None) -> tuple[int, int]:
    if tp is None:  # MoE: experts over EP, no TP (DeepSeek-V3 report §3.2)
        tp = _pow2_divisor(chips, CHIPS_PER_NODE) if (spec.params_total > TP_ABOVE_PARAMS
                                                      and not spec.n_experts) else 1
    if pp is None:
        pp = 1  # dense without TP: FSDP (ZeRO-3) shards the weights over DP
        while ((tp > 1 or spec.n_experts)
               and _stage_bytes(spec, tp, pp, _expert_parallel(spec, chips, tp, pp))
               > STAGE_MEMORY_SHARE * memory_bytes
               and chips % (tp * pp * 2) == 0 and pp * 2 <= spec.layers):
            pp *= 2
    return tp, pp


def choose_layout(spec: ModelSpec, chips: int, memory_bytes: float, seq_len: int,
                  global_batch_tokens: float | None = None, tp: int | None = None,
                  pp: int | None = None) -> Layout:
    """The layout a Megatron/torchtitan recipe would pick, unless ``tp``/``pp`` are given.

    TP: 8 (within a node) for dense models above 15B parameters, else 1 (FSDP shards the
    weights over DP); MoE models use expert parallelism instead (EP: experts spread over up
    to 64 chips of the DP × TP group; DeepSeek-V3 report §3.2: PP 16 × EP 64, no TP).
    PP (with TP or EP): the smallest power of two whose stage's bf16 weights and gradients
    (:func:`_stage_bytes`) fit in 40 % of a chip's memory. DP: the rest. A global batch with
    fewer sequences than DP ranks first raises TP (up to a node: each sequence split over more
    chips, smaller GEMMs and more tensor-parallel traffic), then the batch itself (one
    sequence per DP rank, noted).
    """
    if global_batch_tokens is None:
        src = default_global_batch(spec)
        gbt, how = src.value, f"default for {spec.params_total / 1e9:.3g}B: {src.source}"
    else:
        gbt, how = float(global_batch_tokens), "given"
    chosen = tp is None and pp is None
    tp_given = tp is not None
    tp, pp = _recipe_tp_pp(spec, chips, memory_bytes, tp, pp)
    while (not tp_given and chips // (tp * pp) > gbt / seq_len and tp * 2 <= CHIPS_PER_NODE
           and chips % (tp * pp * 2) == 0):
        tp *= 2  # too few sequences for one per DP rank: split each over more chips
    if tp < 1 or pp < 1 or chips % (tp * pp):
        raise InputError(f"tensor × pipeline parallel ({tp} × {pp}) must divide the {chips} "
                         "chips")
    dp = chips // (tp * pp)
    if gbt / seq_len < dp:
        how += f"; raised to one sequence per DP rank ({dp} × {seq_len})"
        gbt = float(dp * seq_len)
    return Layout(tp, pp, dp, _expert_parallel(spec, chips, tp, pp), gbt, seq_len, chosen,
                  how)


class Fabric(Record):
    """The links a chip's collectives use, per direction [B/s]."""

    node_bps: float  # within a node: NVLink/NVSwitch, Infinity Fabric; TPU ICI
    scale_out_bps: float  # between nodes, per chip: InfiniBand/RoCE (TPU: ICI again)
    node_chips: int  # chips that share the node fabric

    def __init__(self, node_bps: float, scale_out_bps: float, node_chips: int) -> None:
        put = object.__setattr__  # written out (frozen): one is built per training estimate
        put(self, "node_bps", node_bps)
        put(self, "scale_out_bps", scale_out_bps)
        put(self, "node_chips", node_chips)

    def link(self, spans_nodes: bool) -> float:
        """Bandwidth of a point-to-point transfer that does (or does not) leave the node
        [B/s]: a chip's own NIC between nodes."""
        return min(self.node_bps, self.scale_out_bps) if spans_nodes else self.node_bps

    def ring_link(self, spans_nodes: bool) -> float:
        """Bus bandwidth per chip of a ring all-reduce [B/s]. Across nodes NCCL runs one
        ring per NIC, each carrying 1/``node_chips`` of the buffer, so a node's rings share
        all of its NICs: ``min(node link, node_chips × NIC)`` (NCCL rings; nccl-tests
        PERFORMANCE.md: the bus bandwidth of an inter-node all-reduce is bounded by the
        node's network bandwidth)."""
        if not spans_nodes:
            return self.node_bps
        return min(self.node_bps, self.node_chips * self.scale_out_bps)


def fabric_of(hw: Hardware) -> Fabric:
    """A chip's fabric: its own interconnect within a node (``interconnect_bps``, per
    direction) and one 400 Gb/s NIC per GPU between nodes (``INTER_NODE_BPS``). A TPU slice is
    one ICI torus, so every collective of a slice runs on ICI. A chip without a catalogued
    interconnect uses the NIC figure for both."""
    node = hw.interconnect_bps.value if hw.interconnect_bps else INTER_NODE_BPS
    if hw.kind == "tpu":
        return Fabric(node, node, 1 << 30)
    return Fabric(node, INTER_NODE_BPS, CHIPS_PER_NODE)


def tp_comm_s(spec: ModelSpec, lay: Layout, act_bytes: float, fabric: Fabric) -> float:
    """Tensor-parallel collectives of one step per chip [s], before overlap: 4 all-reduces
    (2 forward, 2 backward) of a sequence's hidden states per layer of the stage, per
    sequence of the rank, on the node's fabric (the recipe keeps TP within a node). A hybrid
    model's block (Mamba-2, attention or MLP) has one forward all-reduce: per layer
    equivalent (:attr:`ModelSpec.layer_equivalents`) two, as inference counts them."""
    if lay.tp == 1:
        return 0.0
    nbytes = lay.seq_len * spec.hidden * act_bytes
    calls = 4.0 * spec.layer_equivalents / lay.pp * lay.sequences_per_rank
    link = fabric.link(lay.tp > fabric.node_chips)
    return calls * (allreduce_time_s(nbytes, float(lay.tp), link)
                    + collective_latency_s(float(lay.tp), COLLECTIVE_BASE_S, COLLECTIVE_HOP_S))


def dp_comm_s(spec: ModelSpec, lay: Layout, fabric: Fabric) -> float:
    """Data-parallel gradient reduction of one step per chip [s], before overlap: bf16
    gradients of the chip's shard (dense weights / (TP·PP), experts / (EP·PP)), ring over the
    DP group, across nodes once TP·DP exceeds a node."""
    if lay.dp == 1:
        return 0.0
    experts = float(spec.routed_expert_params)
    grad_bytes = _stage_bytes(spec, lay.tp, lay.pp, lay.ep) / 2.0  # bf16 gradients only
    group = max(lay.dp * lay.tp // lay.ep, 1) if experts else lay.dp
    link = fabric.ring_link(group > 1 and lay.tp * lay.dp > fabric.node_chips)
    return allreduce_time_s(grad_bytes, float(group), link) + \
        2 * spec.layers / lay.pp * COLLECTIVE_LATENCY_S


def ep_comm_s(spec: ModelSpec, lay: Layout, act_bytes: float, fabric: Fabric) -> float:
    """Expert-parallel all-to-all of one step per chip [s], before overlap: dispatch and
    combine, forward and backward (4 passes) of ``k`` hidden-state copies per token of the
    rank, per MoE layer of the stage. Of a chip's copies, ``(min(EP, node) − 1)/EP`` go to
    chips of its node (node link) and ``(EP − node)/EP`` to other nodes (the chip's NIC);
    both run at once."""
    if lay.ep == 1 or not spec.n_experts:
        return 0.0
    tokens = lay.sequences_per_rank * lay.seq_len / lay.tp
    nbytes = 4.0 * spec.moe_layers / lay.pp * tokens * spec.experts_per_token * spec.hidden * \
        act_bytes
    local = min(lay.ep, fabric.node_chips)
    inside = nbytes * (local - 1) / lay.ep / fabric.node_bps
    outside = nbytes * (lay.ep - local) / lay.ep / fabric.link(True)
    return max(inside, outside)


@register_derived_cache
@cache
def exposed(name: str) -> tuple[float, float, float]:
    """(central, low, high) exposed share of a collective kind (defaults.toml [training];
    cached: read a dozen times per training estimate)."""
    v = default_value("training", f"{name}_exposed")
    return v.value, v.low if v.low is not None else v.value, \
        v.high if v.high is not None else v.value


@register_derived_cache
@cache
def goodput() -> tuple[float, float, float]:
    """(central, pessimistic, optimistic) share of wall time that advances training."""
    v = default_value("training", "goodput")
    return v.value, v.low if v.low is not None else v.value, \
        v.high if v.high is not None else v.value


