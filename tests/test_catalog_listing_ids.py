"""At 80 columns a catalog listing shortens other columns, never the id the user types next."""

from __future__ import annotations

import pytest

from wattprint.testing import cli_call


def test_models_list_shows_every_full_id_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cli_call("models", "list")
    assert code == 0
    for name in ("resnet50", "efficientnet-b0", "clip-vit-l-14", "whisper-large-v3", "sdxl",
                 "llama-3.1-8b"):
        assert f" {name} " in out, name
    assert max(len(line) for line in out.splitlines()) <= 80


def test_models_list_says_a_vision_tower_makes_total_exceed_active(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Gemma 3 is dense, yet active B < total B: the vision tower (0.42 B) is counted in the
    total only; the table says so, and the JSON gives the tower's parameters."""
    import json

    monkeypatch.setenv("COLUMNS", "220")
    code, out, _ = cli_call("models", "list")
    assert code == 0
    gemma = next(line for line in out.splitlines() if " gemma-3-12b " in line)
    assert "dense+vision" in gemma and "12.19" in gemma and "11.77" in gemma
    llama = next(line for line in out.splitlines() if " llama-3.1-8b " in line)
    assert "vision" not in llama
    assert "+vision: total B includes the vision tower" in out
    assert "gemma-3-12b 0.42 B" in out
    code, out, _ = cli_call("models", "list", "--json")
    card = next(m for m in json.loads(out) if m["id"] == "gemma-3-12b")
    assert card["derived_params_total"] - card["derived_params_active"] == \
        card["derived_params_vision"] == 420_890_112
