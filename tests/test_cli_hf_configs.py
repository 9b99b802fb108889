"""Every Hugging Face config.json fixture a user might download goes through the CLI as the
LLM it is: multimodal wrappers (Llama 4, Gemma 3: ``text_config``) were taken for non-LLM
models and sent to --module."""

from __future__ import annotations

from pathlib import Path

import pytest

from wattprint.testing import cli_call

CONFIGS = sorted((Path(__file__).parent / "data" / "configs").glob("*.json"))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_config_trains_through_the_cli(config: Path) -> None:
    code, _, err = cli_call("estimate", "train", "--model-config", str(config), "-H", "h100",
                            "--chips", "64", "--tokens", "1T", "--json")
    assert code == 0, err
