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
