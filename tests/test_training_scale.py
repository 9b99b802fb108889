"""Training at scale: layout, global batch, pipeline bubble, exposed collectives, goodput."""

import pytest

from wattprint.cli.main import run
from wattprint.engine import estimate_training
from wattprint.engine.parallelism import choose_layout, pipeline_bubble
from wattprint.errors import InputError
from wattprint.workload.model_spec import get_model_spec

H100_MEM = 80e9


def test_pipeline_bubble_golden():
    # Narayanan et al. 2021 (Megatron-LM, SC21) §2.2: 1F1B bubble (p − 1)/(m + p − 1).
    assert pipeline_bubble(16, 48) == pytest.approx(15 / 63)
    assert pipeline_bubble(1, 8) == 0.0


def test_recipe_layouts():
    small = choose_layout(get_model_spec("llama-3.1-8b"), 1024, H100_MEM, 8192)
    assert (small.tp, small.pp, small.dp) == (1, 1, 1024)
    big = choose_layout(get_model_spec("llama-3.1-405b"), 16384, H100_MEM, 8192)
    assert big.tp == 8 and big.pp >= 8 and big.tp * big.pp * big.dp == 16384
    moe = choose_layout(get_model_spec("deepseek-v3"), 2048, H100_MEM, 4096)
    assert moe.ep > 1
    assert "raised to one sequence per DP rank" in small.batch_source  # 2M tokens < 1024 seqs
    fits = choose_layout(get_model_spec("llama-3.1-8b"), 256, H100_MEM, 2048)
    assert fits.global_batch_tokens == 2e6 and "Table 2.1" in fits.batch_source


def test_chip_count_and_global_batch_matter():
    few = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64)
    many = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=8192)
    assert many["chip_hours"].value > 1.3 * few["chip_hours"].value
    small_b = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=2048,
                                global_batch_tokens=2e6)
    big_b = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=2048,
                              global_batch_tokens=16e6)
    assert small_b["chip_hours"].value > 1.1 * big_b["chip_hours"].value


def test_goodput_and_breakdown_reported():
    fp = estimate_training("llama-3.1-70b", "h100", tokens=1e12, chips=1024)
    lay = fp.details["layout"]
    shares = lay["time_shares"]
    assert shares["goodput loss"] == pytest.approx(0.1)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert any(n.startswith("parallelism (chosen by wattprint): TP 8") for n in fp.notes)
    assert any("goodput loss" in n and "Llama 3" in n for n in fp.notes)
    t = fp["time"]
    assert t.lo < t.value < t.hi


def test_given_layout_and_bad_layout():
    fp = estimate_training("llama-3.1-70b", "h100", tokens=1e12, chips=64, tensor_parallel=4,
                           pipeline_parallel=2)
    assert (fp.details["layout"]["tp"], fp.details["layout"]["pp"]) == (4, 2)
    assert any("(given)" in n for n in fp.notes)
    with pytest.raises(InputError, match="divide"):
        estimate_training("llama-3.1-70b", "h100", tokens=1e12, chips=64, tensor_parallel=3)


def test_one_chip_unchanged_and_overrides_still_win():
    one = estimate_training("llama-3.2-1b", "h200", tokens=131072, batch=8, seq_len=2048)
    assert one.details["layout"] is None and one.details["steps"] == pytest.approx(8.0)
    given = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64, chip_hours=1e5)
    assert given["chip_hours"].value == pytest.approx(1e5)


def test_cli_train_layout_options(capsys):
    with pytest.raises(SystemExit) as e:
        run(["estimate", "train", "--model", "llama-3.1-70b", "--tokens", "1T", "--hardware",
             "h100", "--chips", "64", "--tp", "8", "--pp", "2", "--global-batch", "4M",
             "--json"])
    assert e.value.code == 0
    assert '"tp": 8' in capsys.readouterr().out
