"""Hugging Face config.json fixtures of every modelled family: counts within 1 % of published.

The fixtures and the published figures (with their sources) live in tests/data/configs/.
"""

import json
import math
import tomllib
from pathlib import Path

import pytest

from wattprint.cli.main import run
from wattprint.errors import InputError
from wattprint.workload.model_spec import load_config_file, spec_from_config

CONFIGS = Path(__file__).parent / "data" / "configs"
PUBLISHED = tomllib.loads((CONFIGS / "published.toml").read_text())


def published_tolerance(value: float, digits: int, truncated: bool) -> float:
    """1 % or the rounding of a figure published to ``digits`` significant digits."""
    unit = 10 ** (math.floor(math.log10(value)) - digits + 1)
    return max(0.01 * value, unit if truncated else unit / 2)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_total_and_active_match_published(name):
    pub = PUBLISHED[name]
    spec = load_config_file(CONFIGS / f"{name}.json")
    total = spec.params_total
    assert abs(total - pub["total"]) <= published_tolerance(pub["total"], pub["digits"], False), \
        f"{name}: total {total / 1e9:.3f}B vs published {pub['total'] / 1e9:.3f}B ({pub['source']})"
    if "active" in pub:
        active = spec.params_active
        if pub.get("active_excludes") == "embedding":
            active -= spec.embedding_params
        tol = published_tolerance(pub["active"], pub.get("active_digits", pub["digits"]),
                         pub.get("truncated", False))
        assert abs(active - pub["active"]) <= tol, \
            f"{name}: active {active / 1e9:.3f}B vs published {pub['active'] / 1e9:.3f}B"


def test_every_fixture_has_a_published_figure_and_a_readme_row():
    files = {p.stem for p in CONFIGS.glob("*.json")}
    assert files == set(PUBLISHED)
    readme = (CONFIGS / "README.md").read_text()
    assert all(f"{f}.json" in readme for f in files)


def test_llama4_shared_expert_and_interleave():
    # Issue #9: Scout was read as 11.1B active (shared expert missing), Maverick as 778B total
    # (interleave_moe_layer_step ignored).
    scout = load_config_file(CONFIGS / "llama-4-scout-17b-16e.json")
    mav = load_config_file(CONFIGS / "llama-4-maverick-17b-128e.json")
    assert scout.shared_experts == 1 and scout.moe_layers == 48
    assert mav.moe_layers == 24 and mav.dense_layers == 24 and mav.intermediate == 16384
    assert 16.5e9 < scout.params_active < 17.5e9 and 16.5e9 < mav.params_active < 17.5e9
    assert 396e9 < mav.params_total < 404e9
    # chunked attention on the 36 RoPE layers (no_rope_layer_interval 4), 12 global layers
    assert (scout.sliding_window, scout.local_layers) == (8192, 36)


def test_local_attention_layers_per_family():
    def win(name):
        s = load_config_file(CONFIGS / f"{name}.json")
        return s.sliding_window, s.local_layers
    assert win("gemma-3-1b-pt") == (512, 22)  # every 6th of 26 layers is global
    assert win("gemma-3-27b-it") == (1024, 52)  # pattern 6 from Gemma3TextConfig's default
    assert win("gemma-2-9b") == (4096, 21)  # even layers local
    assert win("gpt-oss-120b") == (128, 18)  # layer_types
    assert win("mistral-7b-v0.1") == (4096, 32)
    assert win("qwen2-7b") == (0, 0)  # use_sliding_window false
    assert win("llama-3.1-8b") == (0, 0)


def test_sliding_window_caps_keys_and_kv():
    s = load_config_file(CONFIGS / "gemma-3-1b-pt.json")
    assert s.attended_keys(100) == 100
    # 4 global layers see 8192 keys, 22 local layers see 512
    assert s.attended_keys(8192) == pytest.approx((4 * 8192 + 22 * 512) / 26)
    assert s.kv_elements(8192) == pytest.approx(s.kv_elements_per_token() * s.attended_keys(8192))
    full = 8192 * 8193 / 2
    local = 512 * 513 / 2 + (8192 - 512) * 512
    assert s.causal_pairs_mean(8192, True) == pytest.approx((4 * full + 22 * local) / 26)


def test_mtp_module_not_counted():
    cfg = json.loads((CONFIGS / "deepseek-v3.json").read_text())
    with_mtp = spec_from_config(cfg)
    without = spec_from_config({k: v for k, v in cfg.items() if k != "num_nextn_predict_layers"})
    assert with_mtp.params_total == without.params_total


BASE = {"model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192,
        "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
        "vocab_size": 128256}


@pytest.mark.parametrize("cfg,field", [
    ({**BASE, "model_type": "qwen3_next"}, "model_type"),
    ({**BASE, "model_type": "nemotron_h"}, "hybrid_override_pattern"),
    ({**BASE, "model_type": "nemotron_h", "hybrid_override_pattern": "M-M*-M-M-M-M-M-M"},
     "mamba_num_heads"),
    ({**BASE, "num_kv_shared_layers": 10}, "num_kv_shared_layers"),
    ({**BASE, "hybrid_override_pattern": "M-M*"}, "hybrid_override_pattern"),
    ({**BASE, "mamba_num_heads": 64}, "mamba_num_heads"),
    ({**BASE, "linear_num_key_heads": 16}, "linear_num_key_heads"),
    ({**BASE, "cross_attention_layers": [3, 8]}, "cross_attention_layers"),
    ({**BASE, "layer_types": ["linear_attention"] * 16}, "layer_types"),
    ({"model_type": "llama4", "text_config": {**BASE, "model_type": "llama4_text",
                                              "altup_num_inputs": 4}}, "altup_num_inputs"),
])
def test_unmodelled_architecture_field_is_refused_by_name(cfg, field):
    with pytest.raises(InputError, match=field):
        spec_from_config(cfg)


def test_harmless_fields_and_false_flags_are_accepted():
    spec = spec_from_config({**BASE, "rope_theta": 5e5, "num_kv_shared_layers": 0,
                             "is_encoder_decoder": False, "torch_dtype": "bfloat16"})
    assert spec.layers == 16


def test_cli_refuses_unmodelled_field_with_exit_2(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**BASE, "num_kv_shared_layers": 10}))
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "--model-config", str(path), "--hardware", "h100"])
    err = capsys.readouterr().err
    assert e.value.code == 2
    assert "num_kv_shared_layers" in err and "Traceback" not in err


CATALOG_FIXTURES = {"llama-2-7b": "llama-2-7b", "llama-2-70b": "llama-2-70b",
                    "llama-3.1-8b": "llama-3.1-8b", "llama-3.1-405b": "llama-3.1-405b",
                    "mistral-7b": "mistral-7b-v0.1", "mixtral-8x7b": "mixtral-8x7b-v0.1",
                    "qwen3-8b": "qwen3-8b", "qwen3-30b-a3b": "qwen3-30b-a3b",
                    "qwen3-235b-a22b": "qwen3-235b-a22b", "gemma-2-9b": "gemma-2-9b",
                    "gemma-2-27b": "gemma-2-27b", "deepseek-v3": "deepseek-v3",
                    "gemma-3-27b": "gemma-3-27b-it", "gpt-oss-120b": "gpt-oss-120b",
                    "gpt-oss-20b": "gpt-oss-20b",
                    "mistral-7b-v0.3": "mistral-7b-instruct-v0.3",
                    "mistral-nemo-12b": "mistral-nemo-instruct-2407",
                    "mistral-large-2407": "mistral-large-instruct-2407",
                    "codellama-7b": "codellama-7b-hf", "codellama-34b": "codellama-34b-hf",
                    "gemma-2-2b": "gemma-2-2b-it", "codegemma-7b": "codegemma-7b",
                    "phi-3-mini-4k": "phi-3-mini-4k-instruct",
                    "phi-3-medium-4k": "phi-3-medium-4k-instruct",
                    "phi-3-small-8k": "phi-3-small-8k-instruct",
                    "starcoder2-3b": "starcoder2-3b", "starcoder2-15b": "starcoder2-15b"}


@pytest.mark.parametrize("model,fixture", sorted(CATALOG_FIXTURES.items()))
def test_catalog_cards_match_their_config_fixture(model, fixture):
    from wattprint.workload.model_spec import get_model_spec

    card, ref = get_model_spec(model), load_config_file(CONFIGS / f"{fixture}.json")
    fields = ("hidden", "layers", "heads", "kv_heads", "head_dim", "intermediate", "vocab",
              "n_experts", "experts_per_token", "moe_intermediate", "tied_embeddings",
              "sliding_window", "local_layers", "kv_lora_rank", "q_lora_rank")
    assert {f: getattr(card, f) for f in fields} == {f: getattr(ref, f) for f in fields}
    assert card.params_total == ref.params_total


#: Catalog cards added for the models ML.ENERGY V2 ran (issue #9), and the HF ids its rows use.
V2_CARDS = {"mistral-7b-v0.3": "mistralai/Mistral-7B-Instruct-v0.3",
            "mistral-nemo-12b": "mistralai/Mistral-Nemo-Instruct-2407",
            "mistral-large-2407": "mistralai/Mistral-Large-Instruct-2407",
            "codellama-7b": "codellama/CodeLlama-7b-hf",
            "codellama-13b": "codellama/CodeLlama-13b-hf",
            "codellama-34b": "codellama/CodeLlama-34b-hf",
            "codellama-70b": "codellama/CodeLlama-70b-hf",
            "gemma-2-2b": "google/gemma-2-2b-it",
            "codegemma-2b": "google/codegemma-1.1-2b",
            "codegemma-7b": "google/codegemma-7b",
            "phi-3-mini-4k": "microsoft/Phi-3-mini-4k-instruct",
            "phi-3-small-8k": "microsoft/Phi-3-small-8k-instruct",
            "phi-3-medium-4k": "microsoft/Phi-3-medium-4k-instruct",
            "starcoder2-3b": "bigcode/starcoder2-3b",
            "starcoder2-7b": "bigcode/starcoder2-7b",
            "starcoder2-15b": "bigcode/starcoder2-15b"}


@pytest.mark.parametrize("model,hf_id", sorted(V2_CARDS.items()))
def test_v2_cards_match_published_totals_and_hf_ids(model, hf_id):
    from wattprint.catalog import get_model_card
    from wattprint.workload.model_spec import get_model_spec

    card = get_model_card(hf_id)
    assert card.id == model and card.params_total is not None
    assert get_model_spec(model).params_total == pytest.approx(card.params_total, rel=0.01)
    assert "huggingface.co/" in card.source and "config.json" in card.source


def test_explicit_null_window_overrides_the_family_default():
    # Mistral v0.3 / NeMo / Large 2 ship "sliding_window": null: full attention, although
    # MistralConfig defaults to 4096 when the field is absent (v0.1 states 4096 itself).
    for name in ("mistral-7b-instruct-v0.3", "mistral-nemo-instruct-2407",
                 "mistral-large-instruct-2407"):
        s = load_config_file(CONFIGS / f"{name}.json")
        assert (s.sliding_window, s.local_layers) == (0, 0)
    cfg = json.loads((CONFIGS / "mistral-7b-instruct-v0.3.json").read_text())
    del cfg["sliding_window"]
    assert spec_from_config(cfg).sliding_window == 4096  # absent: the class default
    nemo = load_config_file(CONFIGS / "mistral-nemo-instruct-2407.json")
    assert nemo.head_dim == 128 and nemo.hidden // nemo.heads == 160
    assert nemo.attn_params_per_layer == 2 * 5120 * 32 * 128 + 2 * 5120 * 8 * 128


def test_no_catalog_source_is_from_memory():
    data = Path(__file__).parents[1] / "src" / "wattprint" / "data"
    for path in data.glob("*.toml"):
        assert "as recalled" not in path.read_text(), path.name


def test_starcoder2_plain_mlp_biases_and_layernorm():
    # Starcoder2MLP: c_fc -> gelu_pytorch_tanh -> c_proj (two matrices, not gated), biases on
    # q, k, v, o, c_fc, c_proj (use_bias), LayerNorm weight + bias; Lozhkov et al. 2024.
    s = load_config_file(CONFIGS / "starcoder2-3b.json")
    assert not s.gated_mlp and s.linear_bias and s.norm_bias and s.tied_embeddings
    d, ff, hd = 3072, 12288, 128
    assert s.dense_mlp_params == 2 * d * ff
    assert s.bias_params == 30 * ((24 + 2 * 2) * hd + d + ff + d) == 660_480
    assert s.norm_params == 2 * (2 * 30 + 1) * d
    assert (s.sliding_window, s.local_layers) == (4096, 30)
    cfg = json.loads((CONFIGS / "starcoder2-3b.json").read_text())
    assert spec_from_config({**cfg, "use_bias": False}).params_total == \
        s.params_total - 660_480


def test_phi3small_blocksparse_attention_golden():
    # 32 layers, every 2nd dense: 16 block-sparse layers see the last 16 x 64 = 1024 keys plus
    # every 8th earlier block, and keep every key cached (heads read different blocks).
    s = load_config_file(CONFIGS / "phi-3-small-8k-instruct.json")
    assert (s.sliding_window, s.local_layers, s.sparse_stride) == (1024, 16, 8)
    assert s.gated_mlp and s.intermediate == 14336 and s.tied_embeddings
    assert s.attended_keys(512) == 512
    assert s.attended_keys(8192) == pytest.approx((16 * 8192 + 16 * (1024 + 7168 / 8)) / 32)
    assert s.kv_elements(8192) == s.kv_elements_per_token() * 8192
    full = 8192 * 8193 / 2
    local = 1024 * 1025 / 2 + 7168 * 1024 + 7168 * 7169 / 2 / 8
    assert s.causal_pairs_mean(8192, True) == pytest.approx((16 * full + 16 * local) / 32)


PHI3SMALL = json.loads((CONFIGS / "phi-3-small-8k-instruct.json").read_text())


@pytest.mark.parametrize("change,field", [
    ({"blocksparse_vert_stride": None}, "blocksparse_vert_stride"),
    ({"dense_attention_every_n_layers": None}, "dense_attention_every_n_layers"),
    ({"ff_intermediate_size": None, "ff_dim_multiplier": 3.5}, "ff_dim_multiplier"),
    ({"ff_intermediate_size": 14000}, "gegelu_pad_to_256"),
])
def test_phi3small_fields_not_understood_are_refused(change, field):
    cfg = {k: v for k, v in {**PHI3SMALL, **change}.items() if v is not None}
    with pytest.raises(InputError, match=field):
        spec_from_config(cfg)


def test_cli_refuses_phi3small_without_its_sparse_layout(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({k: v for k, v in PHI3SMALL.items()
                                if k != "blocksparse_block_size"}))
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "--model-config", str(path), "--hardware", "h100"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "blocksparse_block_size" in err and "Traceback" not in err
