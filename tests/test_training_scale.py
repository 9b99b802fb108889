"""Training at scale: layout, global batch, pipeline bubble, exposed collectives, goodput."""

import pytest

from wattprint.catalog import get_hardware
from wattprint.cli.main import run
from wattprint.engine import estimate_training
from wattprint.engine.parallelism import (
    choose_layout,
    ep_comm_s,
    fabric_of,
    pipeline_bubble,
    tp_comm_s,
)
from wattprint.errors import InputError
from wattprint.workload.model_spec import get_model_spec

H100_MEM = 80e9


def test_pipeline_bubble_golden():
    # Narayanan et al. 2021 (Megatron-LM, SC21) §2.2: 1F1B bubble (p − 1)/(m + p − 1).
    assert pipeline_bubble(16, 48) == pytest.approx(15 / 63)
    assert pipeline_bubble(1, 8) == 0.0


def test_recipe_layouts():
    small = choose_layout(get_model_spec("llama-3.1-8b"), 512, H100_MEM, 2048)
    assert (small.tp, small.pp, small.dp) == (1, 1, 512)
    assert small.global_batch_tokens == 2e6 and "Table 2.1" in small.batch_source
    big = choose_layout(get_model_spec("llama-3.1-405b"), 16384, H100_MEM, 8192)
    assert big.tp == 8 and big.pp >= 8 and big.tp * big.pp * big.dp == 16384


def test_moe_recipe_uses_expert_parallelism_not_tp():
    # DeepSeek-V3 report (arXiv 2412.19437) §3.2: PP 16 × EP 64 over 8 nodes, ZeRO-1 DP, no TP.
    moe = choose_layout(get_model_spec("deepseek-v3"), 2048, H100_MEM, 4096)
    assert moe.tp == 1 and moe.ep == 64 and moe.pp > 1
    assert moe.tp * moe.pp * moe.dp == 2048


def test_too_few_sequences_raise_tp_before_the_batch():
    # 2M tokens of 8192 = 244 sequences for 1024 chips: TP 8 (DP 128), not a bigger batch.
    lay = choose_layout(get_model_spec("llama-3.1-8b"), 1024, H100_MEM, 8192)
    assert (lay.tp, lay.dp) == (8, 128) and lay.global_batch_tokens == 2e6
    # beyond a node of TP the batch itself is raised to one sequence per DP rank, noted
    huge = choose_layout(get_model_spec("llama-3.1-8b"), 65536, H100_MEM, 8192)
    assert huge.tp == 8 and "raised to one sequence per DP rank" in huge.batch_source


def test_fabric_golden():
    # NVLink within a node (per direction); between nodes NCCL runs one ring per NIC, so a
    # ring all-reduce across nodes gets min(node link, 8 × 50 GB/s) per GPU (nccl-tests
    # PERFORMANCE.md bus bandwidth), a point-to-point transfer the GPU's own NIC.
    a100 = fabric_of(get_hardware("a100"))
    assert a100.link(False) == 300e9 and a100.link(True) == 50e9
    assert a100.ring_link(True) == pytest.approx(min(300e9, 8 * 50e9))
    h800 = fabric_of(get_hardware("h800"))
    assert h800.ring_link(True) == pytest.approx(200e9)  # export-limited NVLink binds
    v4 = fabric_of(get_hardware("tpu-v4"))
    assert v4.link(True) == v4.ring_link(True) == 300e9  # one ICI torus


def test_tp_collectives_stay_on_the_node_link():
    # A TP group never leaves its node: on 1024 A100s the TP all-reduces run at NVLink speed,
    # 6× faster than at the per-GPU NIC rate the old model used.
    spec = get_model_spec("llama-2-70b")
    lay = choose_layout(spec, 1024, 80e9, 4096)
    t = tp_comm_s(spec, lay, 2.0, fabric_of(get_hardware("a100")))
    nbytes = 4096 * spec.hidden * 2.0
    calls = 4.0 * spec.layers / lay.pp * lay.sequences_per_rank
    # ring latency over the 8-chip TP group: 4 µs + 2·7·2 µs = 32 µs per all-reduce
    assert t == pytest.approx(calls * (2 * 7 / 8 * nbytes / 300e9 + 32e-6))


def test_chip_count_and_global_batch_matter():
    # fixed global batch (2M tokens), more chips: less work per chip per step, fixed costs
    # and collectives stay, so per-chip efficiency falls and exposed communication grows
    few = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=256,
                            global_batch_tokens=2**21)
    many = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=8192,
                             global_batch_tokens=2**21)
    assert many["mfu"].value < 0.8 * few["mfu"].value
    assert many["chip_hours"].value > 1.3 * few["chip_hours"].value
    share = "exposed communication"
    assert many.details["layout"]["time_shares"][share] > \
        2 * few.details["layout"]["time_shares"][share]
    assert any("exposed communication" in n for n in many.notes)
    small_b = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=4096,
                                global_batch_tokens=2e6)
    big_b = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=4096,
                              global_batch_tokens=16e6)
    assert small_b["chip_hours"].value > 1.1 * big_b["chip_hours"].value


def test_goodput_and_breakdown_reported():
    # goodput 0.70 [0.45, 0.92]: BLOOM 0.66, OPT ~0.45, Llama 3 >0.90 (defaults.toml)
    fp = estimate_training("llama-3.1-70b", "h100", tokens=1e12, chips=1024)
    lay = fp.details["layout"]
    shares = lay["time_shares"]
    assert shares["goodput loss"] == pytest.approx(0.3)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert any(n.startswith("parallelism (chosen by wattprint): TP 8") for n in fp.notes)
    assert any("goodput loss" in n and "Llama 3" in n and "BLOOM" in n for n in fp.notes)
    t = fp["time"]
    assert t.lo < t.value < t.hi
    prod = fp.details["productive"]
    assert prod["chip_hours"][0] == pytest.approx(fp["chip_hours"].value * 0.7)


def test_ranges_are_the_calibrated_intervals():
    # time: central × [0.6, 1.25]; energy from architecture × [0.5, 1.45]; energy at a given
    # time × [0.6, 1.6] capped at TDP × time (defaults.toml [training], dev-set spreads)
    fp = estimate_training("llama-3.1-70b", "h100", tokens=1e12, chips=1024)
    t, e = fp["time"], fp["accelerator_energy"]
    assert (t.lo / t.value, t.hi / t.value) == (pytest.approx(0.6), pytest.approx(1.25))
    assert (e.lo / e.value, e.hi / e.value) == (pytest.approx(0.5), pytest.approx(1.45))
    assert any(n.startswith("time range ×0.6–×1.25: calibrated interval") for n in fp.notes)
    given = estimate_training("llama-3.1-70b", "h100", tokens=1e12, chips=1024, chip_hours=1e6)
    g = given["accelerator_energy"]
    assert g.lo / g.value == pytest.approx(0.6)
    assert g.hi <= 700.0 * 1e6 * 3600 * (1 + 1e-9)  # never above TDP × chip-hours


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


def test_ep_all_to_all_golden():
    # DeepSeek-V3 on 2048 H800s (EP 64 over 8 nodes): of each token's k copies, 7/64 stay in
    # the node (NVLink, 200 GB/s per direction) and 56/64 cross nodes on the GPU's own NIC
    # (50 GB/s); both at once, so the NIC side sets the time (DeepSeek-V3 report §3.2).
    spec = get_model_spec("deepseek-v3")
    lay = choose_layout(spec, 2048, 80e9, 4096)
    fab = fabric_of(get_hardware("h800"))
    tokens = lay.sequences_per_rank * lay.seq_len / lay.tp
    nbytes = 4.0 * spec.moe_layers / lay.pp * tokens * spec.experts_per_token * spec.hidden
    assert ep_comm_s(spec, lay, 1.0, fab) == pytest.approx(
        max(nbytes * 7 / 64 / 200e9, nbytes * 56 / 64 / 50e9))
