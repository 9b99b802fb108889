"""Golden tests for pipeline-parallel serving: weights read once per micro-batch.

Source: vLLM v0.5.1+ runs ``pipeline_parallel_size`` virtual engines, one ``Scheduler`` per
pipeline stage (``vllm/engine/llm_engine.py``), each with its own ``max_num_seqs``; every
micro-batch is a forward pass through every stage, so a stage streams its weights once per
micro-batch. ML.ENERGY V2 ``bs64+tp8+pp2`` (Llama-3.1-405B, 16 H100) ran ~127 sequences.
"""

import pytest

from wattprint.errors import InputError
from wattprint.workload.model_spec import get_model_spec
from wattprint.workload.phases import Traffic, decode_work, prefill_work
from wattprint.workload.pipeline import pipeline_weight_reads
from wattprint.workload.precision import precision_plan

FUSED = Traffic(2.0, 1.0, True)
BF16 = precision_plan("bf16")


def test_dense_weights_read_once_per_micro_batch():
    spec = get_model_spec("llama-3.1-405b")
    dec = decode_work(spec, BF16, FUSED, batch=128, context_tokens=300, steps=10)
    two = pipeline_weight_reads(dec, spec, BF16, 2)
    # 2 stages, 2 micro-batches of 64: the weights are streamed twice per step
    assert two.weight_bytes == pytest.approx(2.0 * dec.weight_bytes)
    # the same tokens: FLOPs, KV-cache and activation traffic do not change
    assert two.matmul_flops == dec.matmul_flops
    assert two.kv_bytes == dec.kv_bytes
    assert two.activation_bytes == dec.activation_bytes
    assert pipeline_weight_reads(dec, spec, BF16, 1) is dec


def test_micro_batch_touches_fewer_experts():
    # Mixtral-8x22B (8 experts, top 2): a pass over t tokens touches 1 − (6/8)^t of each MoE
    # layer's experts; two micro-batches of 2 tokens read 2 × (1 − 0.75²) = 0.875 of the
    # expert bytes, not 2 × (1 − 0.75⁴) = 1.367.
    spec = get_model_spec("mixtral-8x22b")
    dec = decode_work(spec, BF16, FUSED, batch=4, context_tokens=300)
    two = pipeline_weight_reads(dec, spec, BF16, 2)
    all_experts = spec.routed_expert_params * BF16.weight_bytes
    assert dec.expert_bytes == pytest.approx(all_experts * (1 - 0.75 ** 4))
    assert two.expert_bytes == pytest.approx(all_experts * 2 * (1 - 0.75 ** 2))
    dense = dec.weight_bytes - dec.expert_bytes
    assert two.weight_bytes == pytest.approx(2 * dense + two.expert_bytes)


def test_prefill_split_into_micro_batches():
    spec = get_model_spec("llama-3.1-70b")
    pre = prefill_work(spec, BF16, FUSED, batch=8, prompt_tokens=512)
    assert pipeline_weight_reads(pre, spec, BF16, 4).weight_bytes == \
        pytest.approx(4 * pre.weight_bytes)


def test_estimate_takes_pipeline_degree():
    from wattprint.engine import estimate_inference
    from wattprint.validation.inference import _pipeline_parallel

    kw = dict(batch=128, prompt_tokens=130, output_tokens=100, chips=16, tensor_parallel=8,
              stack="vllm-0.5")
    one = estimate_inference("llama-3.1-405b", "h100", **kw)
    two = estimate_inference("llama-3.1-405b", "h100", pipeline_parallel=2, **kw)
    assert two.inputs["pipeline_parallel"] == 2 and "pipeline_parallel" not in one.inputs
    assert two.details["decode"]["bytes"] > 1.5 * one.details["decode"]["bytes"]
    assert two["accelerator_energy"].value > one["accelerator_energy"].value
    with pytest.raises(InputError, match="pipeline parallel"):
        estimate_inference("llama-3.1-70b", "h100", chips=8, tensor_parallel=4,
                           pipeline_parallel=3)
    assert _pipeline_parallel("TP=8;PP=2") == 2
    assert _pipeline_parallel("TP=4;PP=1") == 1
    assert _pipeline_parallel("data_parallel=8;expert_parallel=8;tensor_parallel=1") == 1
