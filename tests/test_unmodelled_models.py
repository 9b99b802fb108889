"""Model families wattprint knows of but does not model: one reason, the same everywhere."""

import pickle

import pytest

from wattprint.catalog import get_model_card
from wattprint.catalog.unmodelled import unmodelled_reason
from wattprint.errors import InputError, UnknownNameError

REASON = "architecture not modelled: Mamba-2 hybrid with mixture-of-experts blocks"


@pytest.mark.parametrize("name", ["nemotron-3-nano", "Nemotron 3 Nano",
                                  "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"])
def test_catalog_lookup_names_the_reason(name):
    with pytest.raises(UnknownNameError) as e:
        get_model_card(name)
    assert e.value.reason == REASON
    assert str(e.value).startswith(f"model {name!r} is not in the catalog: architecture")
    assert "closest" not in str(e.value)


def test_other_unknown_names_keep_the_closest_names():
    with pytest.raises(UnknownNameError) as e:
        get_model_card("llama-9")
    assert e.value.reason is None and "closest" in str(e.value)
    assert unmodelled_reason("llama-3.1-8b") is None


def test_reason_survives_pickling():
    err = UnknownNameError("models", "nemotron-h", ["a"], reason="why")
    back = pickle.loads(pickle.dumps(err))
    assert back.reason == "why" and str(back) == str(err)


def test_nemotron_nano_2_is_modelled_now():
    assert unmodelled_reason("nvidia/NVIDIA-Nemotron-Nano-12B-v2") is None
    assert get_model_card("nemotron-nano-v2").id == "nemotron-nano-9b-v2"


def test_config_json_with_moe_blocks_names_the_block():
    from wattprint.workload.model_spec import spec_from_config

    cfg = {"model_type": "nemotron_h", "hidden_size": 2688, "num_hidden_layers": 3,
           "num_attention_heads": 32, "vocab_size": 131072, "hybrid_override_pattern": "ME*",
           "mamba_num_heads": 64, "mamba_head_dim": 64, "ssm_state_size": 128,
           "n_groups": 8, "conv_kernel": 4, "chunk_size": 128}
    with pytest.raises(InputError, match="hybrid_override_pattern.*'E'"):
        spec_from_config(cfg)
