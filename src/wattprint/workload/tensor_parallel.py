"""Which tensor-parallel degrees a model can be sharded over (docs/methodology.md §3).

A tensor-parallel group splits every attention layer by heads, so vLLM refuses a degree that
does not divide the query heads (``ModelConfig.verify_with_parallel_config``: "Total number
of attention heads must be divisible by tensor parallel size"). Key/value heads are split
when there are at least as many as chips, otherwise replicated, which needs the degree to be
a multiple of them (``QKVParallelLinear``: ``divide(total_num_kv_heads, tp_size)`` or
``divide(tp_size, total_num_kv_heads)``), and Mamba-2 heads are split like query heads
(``MambaMixer2``: ``num_heads % tp_size == 0``). Megatron-LM states the same rule for
training (``num_attention_heads`` divisible by the tensor model parallel size).
"""

from __future__ import annotations

from wattprint.workload.model_spec import ModelSpec


def tensor_parallel_problem(spec: ModelSpec, tp: int) -> str | None:
    """Why ``spec`` cannot be split over ``tp`` tensor-parallel chips, or ``None`` when it
    can (always for ``tp`` = 1, and for a spec without attention heads)."""
    if tp <= 1 or spec.heads <= 0:
        return None
    if spec.heads % tp:
        return (f"tensor parallel degree {tp} does not divide {spec.name}'s {spec.heads} "
                "attention heads")
    kv = spec.kv_heads
    if kv > 0 and (kv % tp if kv >= tp else tp % kv):
        return (f"tensor parallel degree {tp} can neither split nor replicate {spec.name}'s "
                f"{kv} key/value heads")
    if spec.mamba_heads and spec.mamba_heads % tp:
        return (f"tensor parallel degree {tp} does not divide {spec.name}'s "
                f"{spec.mamba_heads} Mamba-2 heads")
    return None
