"""No configuration that vLLM ran is refused (issue #9).

The run configurations of ML.ENERGY's benchmark for the models whose V3 rows are kept back
(github.com/ml-energy/benchmark @ c1d6557, ``configs/vllm/{lm-arena-chat,gpqa}/<org>/<model>/
<GPU>/``: ``num_gpus.txt``, ``monolithic.config.yaml``, ``sweeps.yaml``). Configuration facts
only (model, chip, count, precision, largest ``max_num_seqs`` of the sweep,
``max-model-len``), no measurement. Every config sets ``enable-expert-parallel`` for MoE
models without ``data-parallel-size``, so the harness starts vLLM with
``--tensor-parallel-size <num_gpus>``: tensor parallel over all chips. Checkpoints: the
``-FP8`` Llama repositories and DeepSeek-V3.1 / R1-0528 (block-scaled fp8, ``dtype: auto``)
run fp8; the others ``dtype: bfloat16``. vLLM's default ``gpu_memory_utilization`` (0.9).
"""

from __future__ import annotations

import pytest

from wattprint.estimate import estimate_inference

#: (model, hardware, chips, precision, largest max_num_seqs, max_model_len, prompt tokens:
#: the V3 assumption of the workload, lm-arena-chat 400 / gpqa 300)
CONFIGS = [
    ("llama-3.1-8b", "nvidia-b200", 1, "bf16", 4096, 20480, 400),
    ("llama-3.1-8b", "nvidia-h100-sxm", 1, "bf16", 1024, 20480, 400),
    ("llama-3.1-70b", "nvidia-b200", 2, "bf16", 3072, 20480, 400),
    ("llama-3.1-70b", "nvidia-h100-sxm", 4, "bf16", 2048, 20480, 400),
    ("llama-3.3-70b", "nvidia-b200", 2, "bf16", 3072, 20480, 400),
    ("llama-3.3-70b", "nvidia-h100-sxm", 4, "bf16", 2048, 20480, 400),
    ("llama-3.1-405b", "nvidia-b200", 8, "bf16", 4096, 20480, 400),
    ("llama-3.1-405b", "nvidia-h200-sxm", 8, "bf16", 512, 20480, 400),
    ("llama-3.1-405b", "nvidia-b200", 4, "fp8", 1024, 20480, 400),
    ("llama-3.1-405b", "nvidia-h100-sxm", 8, "fp8", 384, 20480, 400),
    ("llama-3.1-405b", "nvidia-h200-sxm", 4, "fp8", 1024, 20480, 400),
    ("llama-3.1-405b", "nvidia-h200-sxm", 8, "fp8", 1024, 20480, 400),
    ("llama-4-scout-17b-16e", "nvidia-b200", 2, "bf16", 1024, 20480, 400),
    ("llama-4-scout-17b-16e", "nvidia-h100-sxm", 4, "bf16", 1024, 20480, 400),
    ("llama-4-maverick-17b-128e", "nvidia-b200", 8, "bf16", 3072, 20480, 400),
    ("llama-4-maverick-17b-128e", "nvidia-h200-sxm", 8, "bf16", 3072, 20480, 400),
    ("llama-4-maverick-17b-128e", "nvidia-b200", 4, "fp8", 2048, 20480, 400),
    ("llama-4-maverick-17b-128e", "nvidia-h100-sxm", 8, "fp8", 2048, 20480, 400),
    ("llama-4-maverick-17b-128e", "nvidia-h200-sxm", 4, "fp8", 2048, 20480, 400),
    ("llama-4-maverick-17b-128e", "nvidia-h200-sxm", 8, "fp8", 2048, 20480, 400),
    ("deepseek-v3.1", "nvidia-b200", 8, "fp8", 3072, 20480, 400),
    ("deepseek-v3.1", "nvidia-h200-sxm", 8, "fp8", 512, 20480, 400),
    ("deepseek-v3.1", "nvidia-b200", 8, "fp8", 256, 51200, 300),
    ("deepseek-v3.1", "nvidia-h200-sxm", 8, "fp8", 512, 51200, 300),
    ("deepseek-r1", "nvidia-b200", 8, "fp8", 256, 51200, 300),
    ("deepseek-r1", "nvidia-h200-sxm", 8, "fp8", 512, 51200, 300),
]


@pytest.mark.parametrize(("model", "hw", "chips", "precision", "seqs", "max_len", "prompt"),
                         CONFIGS)
def test_vllm_config_is_admitted(model: str, hw: str, chips: int, precision: str, seqs: int,
                                 max_len: int, prompt: int) -> None:
    """The largest batch of the sweep runs (the engine may queue part of it, never refuses),
    and one sequence of ``max_model_len`` tokens fits: vLLM refuses to start otherwise, so
    every config it ran holds one."""
    fp = estimate_inference(model, hw, batch=seqs, prompt_tokens=prompt, output_tokens=1000,
                            chips=chips, tensor_parallel=chips, precision=precision,
                            stack="vllm")
    assert 1 <= fp.details["admitted_batch"] <= seqs
    assert fp["accelerator_energy_per_output_token"].value > 0
    one = estimate_inference(model, hw, batch=1, prompt_tokens=max_len // 2,
                             output_tokens=max_len // 2, chips=chips, tensor_parallel=chips,
                             precision=precision, stack="vllm")
    assert one.details["admitted_batch"] == 1


#: (Hugging Face repo, GPU, num_gpus, model_info.json weight_precision, MoE with
#: enable-expert-parallel): how a V3 row names the configuration
ROWS = [
    ("meta-llama/Llama-3.1-8B-Instruct", "H100", 1, "bfloat16", False),
    ("meta-llama/Llama-3.1-70B-Instruct", "H100", 4, "bfloat16", False),
    ("meta-llama/Llama-3.3-70B-Instruct", "B200", 2, "bfloat16", False),
    ("meta-llama/Llama-3.1-405B-Instruct", "H200", 8, "bfloat16", False),
    ("meta-llama/Llama-3.1-405B-Instruct-FP8", "H100", 8, "fp8", False),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "H100", 4, "bfloat16", True),
    ("meta-llama/Llama-4-Maverick-17B-128E-Instruct", "H200", 8, "bfloat16", True),
    ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "H200", 4, "fp8", True),
    ("deepseek-ai/DeepSeek-V3.1", "H200", 8, "fp8", True),
    ("deepseek-ai/DeepSeek-R1-0528", "B200", 8, "fp8", True),
]


@pytest.mark.parametrize(("repo", "gpu", "chips", "cell", "moe"), ROWS)
def test_validation_reads_the_vllm_layout(repo: str, gpu: str, chips: int, cell: str,
                                          moe: bool) -> None:
    """The row's model, GPU, parallelism and precision cells (in the form of the V3 dev
    rows: ``data_parallel=1;expert_parallel=N;tensor_parallel=1`` for an expert-parallel
    run, ``...;tensor_parallel=N`` for a dense one) resolve to the catalog model, tensor
    parallel over all chips (no data-parallel attention) and the checkpoint's precision,
    and the estimate runs."""
    from wattprint.validation.inference import (
        _data_parallel_attention,
        _precision,
        _tensor_parallel,
    )
    from wattprint.validation.parse import hardware_id
    from wattprint.validation.specs import inference_model

    spec, _ = inference_model(repo, None)
    hw, _ = hardware_id(gpu)
    assert spec is not None and hw is not None
    par = (f"data_parallel=1;expert_parallel={chips};tensor_parallel=1" if moe else
           f"data_parallel=1;expert_parallel=1;tensor_parallel={chips}")
    assert _tensor_parallel(par, chips) == chips
    assert _data_parallel_attention(par, chips) == 1
    precision = _precision({"model": repo, "precision": cell}, hw)
    assert precision == ("fp8" if cell == "fp8" else "bf16")
    fp = estimate_inference(spec, hw, batch=256, prompt_tokens=400, output_tokens=1000,
                            chips=chips, tensor_parallel=chips, precision=precision,
                            stack="vllm")
    assert fp.details["admitted_batch"] >= 1
