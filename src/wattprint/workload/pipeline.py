"""Pipeline-parallel serving: every stage reads its weights once per micro-batch.

A serving engine that splits the layers over ``p`` pipeline stages keeps ``p`` micro-batches
in flight so that no stage waits: vLLM (v0.5.1 and later) runs ``pipeline_parallel_size``
"virtual engines", each with its own scheduler, KV blocks and ``max_num_seqs``
(``vllm/engine/llm_engine.py``: one ``Scheduler`` per pipeline stage), and the ML.ENERGY V2
rows' average batch is the sum of those micro-batches (``bs64+tp8+pp2`` ran ~127
sequences). Each micro-batch is a forward pass of its own through every stage, so the
stage's weights are streamed from memory once per micro-batch: per step of the whole batch
the chips read their weights ``p`` times, where a single batch split over the same chips
would read them once (docs/methodology.md §3).
"""

from __future__ import annotations

from wattprint.workload.dequant import dequant_ops
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.phases import Work, expert_bytes_read
from wattprint.workload.precision import PrecisionPlan


def pipeline_weight_reads(work: Work, spec: ModelSpec, plan: PrecisionPlan,
                          stages: int) -> Work:
    """``work`` run as ``stages`` micro-batches (one per pipeline stage) [B, op].

    Per pass, dense weights and the LM head are read ``stages`` times instead of once, and
    the routed experts ``stages × share touched by tokens / stages`` (a micro-batch touches
    fewer experts: :meth:`ModelSpec.expert_bytes_fraction_touched`); weight dequantisation
    runs per micro-batch too. FLOPs, KV-cache and activation traffic do not change (the
    same tokens, split). ``stages`` ≤ 1: ``work`` unchanged.
    """
    if stages <= 1 or work.passes <= 0:
        return work
    p = float(stages)
    per_pass = work.tokens / work.passes
    experts = expert_bytes_read(spec, plan, per_pass / p) * p * work.passes
    dense = (work.weight_bytes - work.expert_bytes) * p
    return work.replace(weight_bytes=dense + experts, expert_bytes=experts,
                        dequant_ops=dequant_ops(spec, plan, per_pass / p, work.passes * p))
