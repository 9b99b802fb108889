import json

import pytest

from wattprint.errors import InputError, UnknownNameError
from wattprint.workload.model_spec import get_model_spec, load_config_file, spec_from_config

LLAMA_1B = {"architecture": "LlamaForCausalLM", "hidden_size": 2048, "intermediate_size": 8192,
            "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
            "vocab_size": 128256, "tie_word_embeddings": True}


def test_llama_1b_params_exact():
    # h200_workloads_dev.jsonl states params = 1,235,814,400 for this shape.
    assert spec_from_config(LLAMA_1B).params_total == 1_235_814_400


@pytest.mark.parametrize("name,total_b,active_b,tol", [
    ("llama-3.1-8b", 8.03, 8.03, 0.02),
    ("llama-3.1-70b", 70.6, 70.6, 0.02),
    ("mixtral-8x7b", 46.7, 12.9, 0.02),
    ("deepseek-v3", 671.0, 37.0, 0.03),
    ("gpt-3", 175.0, 175.0, 0.02),
    ("qwen3-30b-a3b", 30.5, 3.3, 0.05),
])
def test_catalog_param_counts(name, total_b, active_b, tol):
    s = get_model_spec(name)
    assert s.params_total / 1e9 == pytest.approx(total_b, rel=tol)
    assert s.params_active / 1e9 == pytest.approx(active_b, rel=tol)


def test_gqa_kv_cache_smaller_than_mha():
    gqa = spec_from_config(LLAMA_1B)
    mha = spec_from_config({**LLAMA_1B, "num_key_value_heads": 32})
    assert mha.kv_elements_per_token() == 4 * gqa.kv_elements_per_token()
    assert mha.params_total > gqa.params_total


def test_moe_fraction_touched():
    s = get_model_spec("mixtral-8x7b")
    assert s.expert_bytes_fraction_touched(1) == pytest.approx(2 / 8)
    assert s.expert_bytes_fraction_touched(1000) == pytest.approx(1.0)


@pytest.mark.parametrize("cfg,msg", [
    ({"hidden_size": 2048}, "missing"),
    ({**LLAMA_1B, "num_hidden_layers": -3}, "non-negative integer"),
    ({**LLAMA_1B, "hidden_size": "big"}, "non-negative integer"),
    ({**LLAMA_1B, "num_local_experts": 8, "num_experts_per_tok": 9}, "num_experts_per_tok"),
    ([1, 2], "JSON object"),
])
def test_bad_configs(cfg, msg):
    with pytest.raises(InputError, match=msg):
        spec_from_config(cfg)


def test_config_file_errors(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        load_config_file(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_config_file(tmp_path / "missing.json")
    good = tmp_path / "m" / "config.json"
    good.parent.mkdir()
    good.write_text(json.dumps(LLAMA_1B))
    assert load_config_file(good).layers == 16


def test_unknown_model_suggests():
    with pytest.raises(UnknownNameError) as e:
        get_model_spec("llama-3.1-8")
    assert "llama-3.1-8b" in str(e.value)
