"""Model families wattprint knows of but does not model: one reason, the same everywhere."""

import pickle

import pytest

from wattprint.catalog import get_model_card
from wattprint.catalog.unmodelled import unmodelled_reason
from wattprint.errors import InputError, UnknownNameError


@pytest.mark.parametrize("name", ["nemotron-nano-v2", "Nemotron Nano 2", "nemotron_h",
                                  "nvidia/NVIDIA-Nemotron-Nano-12B-v2"])
def test_catalog_lookup_names_the_reason(name):
    with pytest.raises(UnknownNameError) as e:
        get_model_card(name)
    assert e.value.reason == "architecture not modelled: Mamba-2 hybrid layers"
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


def test_config_json_of_an_unmodelled_family_names_the_reason():
    from wattprint.workload.model_spec import spec_from_config

    cfg = {"model_type": "nemotron_h", "hidden_size": 4480, "num_hidden_layers": 56,
           "num_attention_heads": 40, "vocab_size": 131072,
           "hybrid_override_pattern": "M-M-M*-"}
    with pytest.raises(InputError, match="nemotron_h.*Mamba-2 hybrid layers"):
        spec_from_config(cfg)
