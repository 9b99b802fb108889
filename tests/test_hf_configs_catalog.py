"""Catalog cards without a config.json fixture: derived counts within 1 % of published.

Same rule as tests/test_hf_configs.py (1 %, or half a unit of the published figure's last
digit where it is rounded coarser). Each figure names where it is published.
"""

import math

import pytest

from wattprint.workload.model_spec import get_model_spec

#: card id -> (total, active or None, significant digits, active digits,
#: active leaves out the input embedding, source)
PUBLISHED: dict[str, tuple[float, float | None, int, int, bool, str]] = {
    "qwen3-14b": (14.8e9, None, 3, 3, False,
                  "Qwen/Qwen3-14B model card: 14.8B parameters"),
    "gemma-3-12b": (12.187e9, None, 5, 5, False,
                    "Gemma 3 report (arXiv 2503.19786) Table 1: 417M vision + 1,012M "
                    "embedding + 10,759M non-embedding"),
    "gemma-3-27b": (27.433e9, None, 5, 5, False,
                    "Gemma 3 report (arXiv 2503.19786) Table 1: 417M + 1,416M + 25,600M"),
}


def _tolerance(value: float, digits: int) -> float:
    unit = 10 ** (math.floor(math.log10(value)) - digits + 1)
    return max(0.01 * value, unit / 2)


@pytest.mark.parametrize("card", sorted(PUBLISHED))
def test_catalog_card_counts_match_published(card):
    total, active, digits, active_digits, no_embedding, source = PUBLISHED[card]
    spec = get_model_spec(card)
    assert abs(spec.params_total - total) <= _tolerance(total, digits), \
        f"{card}: total {spec.params_total / 1e9:.3f}B vs {total / 1e9:.3f}B ({source})"
    if active is not None:
        got = spec.params_active - (spec.embedding_params if no_embedding else 0)
        assert abs(got - active) <= _tolerance(active, active_digits), \
            f"{card}: active {got / 1e9:.3f}B vs {active / 1e9:.3f}B ({source})"


def test_gemma3_cards_use_five_local_layers_per_global_layer():
    # Gemma 3: every 6th layer global, the rest a 1,024-token sliding window (Gemma 3 report
    # §2.1, "5:1 interleaving"); the KV cache of a long sequence shrinks accordingly.
    for card, layers in (("gemma-3-12b", 48), ("gemma-3-27b", 62)):
        s = get_model_spec(card)
        assert s.sliding_window == 1024 and s.local_layers == layers - layers // 6
        assert s.kv_elements(8192) < 0.3 * s.kv_elements_per_token() * 8192
