"""An option that does not apply is an error naming it, never silently ignored (in-process)."""

from __future__ import annotations

import pytest

from wattprint.testing import cli_call

LLM = ["estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--json"]
RATE = [*LLM, "--rate", "5rps"]
TRAIN = ["estimate", "train", "-m", "llama-3.1-8b", "--tokens", "1T", "-H", "h100", "--json"]
RESNET = ["estimate", "train", "-m", "resnet50", "--samples", "1M", "-H", "h100", "--json"]


@pytest.mark.parametrize(("args", "flag"), [
    ([*LLM, "--duration", "5parsecs"], "--duration"),
    ([*LLM, "--duration", "2d"], "--duration"),
    ([*LLM, "--steps", "0"], "--steps"),
    ([*LLM, "--samples", "5"], "--samples"),
    ([*LLM, "--explain"], "--explain"),
    ([*LLM, "--activation", "gelu"], "--activation"),
    ([*RATE, "--batch", "7"], "--batch"),
    ([*RATE, "--requests", "9"], "--requests"),
    ([*RATE, "--tp", "2"], "--tensor-parallel"),
    ([*TRAIN, "--input", "3x224x224"], "--input"),
    ([*RESNET, "--tokens", "1T"], "--tokens"),
    ([*RESNET, "--mfu", "0.4"], "--mfu"),
], ids=lambda a: a if isinstance(a, str) else " ".join(a[7:]))
def test_ignored_option_is_named(args: list[str], flag: str) -> None:
    code, out, err = cli_call(*args)
    assert code == 2, out[-300:]
    assert err.startswith("wattprint: error: " + flag) and len(err.strip().splitlines()) == 1
    assert "does not apply" in err


def test_duration_with_rate_still_counts() -> None:
    import json

    code, out, _ = cli_call(*RATE, "--duration", "2d")
    assert code == 0
    assert json.loads(out)["inputs"]["duration_s"] == 2 * 86400.0
    code, out, _ = cli_call(*RATE)
    assert json.loads(out)["inputs"]["duration_s"] == 86400.0


@pytest.mark.parametrize(("extra", "flag"), [(["--tp", "3"], "--tensor-parallel"),
                                             (["--pp", "4"], "--pipeline-parallel"),
                                             (["--global-batch", "4M"], "--global-batch")])
def test_multi_chip_options_on_one_chip_are_refused(extra: list[str], flag: str) -> None:
    code, _, err = cli_call(*TRAIN, *extra)
    assert code == 2 and err.startswith(f"wattprint: error: {flag} does not apply on one chip")


def test_multi_chip_options_apply_on_several_chips() -> None:
    assert cli_call(*TRAIN, "--chips", "8", "--tp", "2", "--global-batch", "4M")[0] == 0
    assert cli_call(*TRAIN, "--tp", "1")[0] == 0  # the one-chip layout, said explicitly


def test_run_on_exceed_stop_without_a_budget_is_refused() -> None:
    code, out, err = cli_call("run", "--on-exceed", "stop", "--", "true")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("wattprint: error: --on-exceed stop is used with --budget")


@pytest.mark.parametrize("args", [
    [*RESNET, "--input", "3x999x999"],
    ["estimate", "infer", "-m", "resnet50", "-H", "h100", "--input", "3x224"],
])
def test_input_shape_of_a_catalog_model_is_refused(args: list[str]) -> None:
    code, _, err = cli_call(*args)
    assert code == 2 and err.startswith("wattprint: error: --input applies only to --module")
