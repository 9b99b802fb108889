"""Validation rows wattprint cannot model are skipped with their reason, never approximated."""

from wattprint.validation.inference import (
    _data_parallel_attention,
    _precision,
)
from wattprint.validation.specs import inference_model


def test_mamba_hybrid_models_map_onto_their_cards():
    for hf_id, card in (("nvidia/NVIDIA-Nemotron-Nano-9B-v2", "nemotron-nano-9b-v2"),
                        ("nvidia/NVIDIA-Nemotron-Nano-12B-v2", "nemotron-nano-12b-v2")):
        spec, note = inference_model(hf_id, 9.0 if "9B" in hf_id else 12.0)
        assert spec is not None and spec.name == card and note == f"catalog model {card}"
        assert spec.mamba_layers > 0


def test_data_parallel_attention_layout_is_recognised():
    dp_ep = "data_parallel=8;expert_parallel=8;notes=DP for attention, EP for MLP experts;" \
            "tensor_parallel=1"
    assert _data_parallel_attention(dp_ep, 8) == 8
    assert _data_parallel_attention("data_parallel=1;expert_parallel=8;tensor_parallel=1", 8) == 1
    assert _data_parallel_attention("TP=8", 8) == 1


def test_row_precision():
    row = {"model": "openai/gpt-oss-20b", "precision": "mxfp4"}
    assert _precision(row, "nvidia-h100-sxm") == "mxfp4"
    assert _precision({"model": "Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8", "precision": ""},
                      "nvidia-b200") == "fp8"
    assert _precision({"model": "Qwen/Qwen3-14B", "precision": "bfloat16"},
                      "nvidia-b200") == "bf16"


def test_served_ids_map_onto_the_new_cards():
    for hf_id, card in (("Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8", "qwen3-coder-480b-a35b"),
                        ("Qwen/Qwen3-Coder-30B-A3B-Instruct", "qwen3-coder-30b-a3b"),
                        ("google/gemma-3-12b-it", "gemma-3-12b"),
                        ("meta-llama/Llama-3.3-70B-Instruct", "llama-3.3-70b"),
                        ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
                         "llama-4-maverick-17b-128e"),
                        ("deepseek-ai/DeepSeek-R1", "deepseek-r1"),
                        ("deepseek-ai/DeepSeek-V3.1", "deepseek-v3.1")):
        spec, note = inference_model(hf_id, None)
        assert spec is not None and spec.name == card, (hf_id, note)
