"""Catalog cards without a config.json fixture: derived counts within 1 % of published.

Same rule as tests/test_hf_configs.py (1 %, or half a unit of the published figure's last
digit where it is rounded coarser). Each figure names where it is published.
"""

from pathlib import Path

import pytest

from test_hf_configs import published_tolerance
from wattprint.workload.model_spec import get_model_spec

#: card id -> (total, active or None, significant digits, active digits,
#: active leaves out the input embedding, source). Qwen's "3.3B activated" is truncated
#: (derived 3.35B), so its check allows one unit of the last digit (``TRUNCATED``).
PUBLISHED: dict[str, tuple[float, float | None, int, int, bool, str]] = {
    "qwen3-14b": (14.8e9, None, 3, 3, False,
                  "Qwen/Qwen3-14B model card: 14.8B parameters"),
    "gemma-3-12b": (12.187e9, None, 5, 5, False,
                    "Gemma 3 report (arXiv 2503.19786) Table 1: 417M vision + 1,012M "
                    "embedding + 10,759M non-embedding"),
    "gemma-3-27b": (27.433e9, None, 5, 5, False,
                    "Gemma 3 report (arXiv 2503.19786) Table 1: 417M + 1,416M + 25,600M"),
    "qwen3-coder-30b-a3b": (30.5e9, 3.3e9, 3, 2, False,
                            "Qwen/Qwen3-Coder-30B-A3B-Instruct model card: 30.5B total, 3.3B "
                            "activated"),
    "qwen3-coder-480b-a35b": (480e9, 35e9, 3, 2, False,
                              "Qwen/Qwen3-Coder-480B-A35B-Instruct model card: 480B total, "
                              "35B activated"),
    "llama-3.3-70b": (70.6e9, None, 3, 3, False,
                      "Hugging Face model page meta-llama/Llama-3.3-70B-Instruct, safetensors "
                      "parameter count (70.6B)"),
    "llama-4-scout-17b-16e": (109e9, 17e9, 3, 2, False,
                              "Meta model card: 17B activated, 109B total"),
    "llama-4-maverick-17b-128e": (400e9, 17e9, 3, 2, False,
                                  "Meta model card: 17B activated, 400B total"),
    "deepseek-r1": (671e9, 37e9, 3, 2, True,
                    "deepseek-ai/DeepSeek-R1 model card: 671B total, 37B activated"),
    "deepseek-v3.1": (671e9, 37e9, 3, 2, True,
                      "deepseek-ai/DeepSeek-V3.1 model card: 671B total, 37B activated"),
    "gpt-oss-120b": (116.83e9, 5.13e9, 5, 3, True,
                     "OpenAI gpt-oss model card (2025) Table 1: 116.83B total, 5.13B active"),
    "gpt-oss-20b": (20.91e9, 3.61e9, 4, 3, True,
                    "OpenAI gpt-oss model card (2025) Table 1: 20.91B total, 3.61B active"),
}
TRUNCATED = {"qwen3-coder-30b-a3b"}


@pytest.mark.parametrize("card", sorted(PUBLISHED))
def test_catalog_card_counts_match_published(card):
    total, active, digits, active_digits, no_embedding, source = PUBLISHED[card]
    spec = get_model_spec(card)
    assert abs(spec.params_total - total) <= published_tolerance(total, digits, False), \
        f"{card}: total {spec.params_total / 1e9:.3f}B vs {total / 1e9:.3f}B ({source})"
    if active is not None:
        got = spec.params_active - (spec.embedding_params if no_embedding else 0)
        assert abs(got - active) <= published_tolerance(active, active_digits, card in TRUNCATED), \
            f"{card}: active {got / 1e9:.3f}B vs {active / 1e9:.3f}B ({source})"


def test_gemma3_cards_use_five_local_layers_per_global_layer():
    # Gemma 3: every 6th layer global, the rest a 1,024-token sliding window (Gemma 3 report
    # §2.1, "5:1 interleaving"); the KV cache of a long sequence shrinks accordingly.
    for card, layers in (("gemma-3-12b", 48), ("gemma-3-27b", 62)):
        s = get_model_spec(card)
        assert s.sliding_window == 1024 and s.local_layers == layers - layers // 6
        assert s.kv_elements(8192) < 0.3 * s.kv_elements_per_token() * 8192


def test_cards_of_fixture_architectures_match_the_fixture():
    # The Llama 4 cards are the verbatim fixtures' architecture fields; the DeepSeek-R1 and
    # V3.1 cards the DeepSeek-V3 architecture; Llama 3.3 70B that of Llama 3.1 70B.
    from wattprint.workload.model_spec import load_config_file

    configs = Path(__file__).parent / "data" / "configs"
    pairs = [("llama-4-scout-17b-16e", load_config_file(configs / "llama-4-scout-17b-16e.json")),
             ("llama-4-maverick-17b-128e",
              load_config_file(configs / "llama-4-maverick-17b-128e.json")),
             ("deepseek-r1", get_model_spec("deepseek-v3")),
             ("deepseek-v3.1", get_model_spec("deepseek-v3")),
             ("llama-3.3-70b", get_model_spec("llama-3.1-70b"))]
    for card, ref in pairs:
        spec = get_model_spec(card)
        assert spec.to_dict() | {"name": "", "source": ""} == \
            ref.to_dict() | {"name": "", "source": ""}, card
        assert (spec.sliding_window, spec.local_layers, spec.moe_layers, spec.vision_params) == \
            (ref.sliding_window, ref.local_layers, ref.moe_layers, ref.vision_params), card
