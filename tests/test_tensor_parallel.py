"""A tensor-parallel degree must split (or replicate) the model's heads, as vLLM requires
(``ModelConfig.verify_with_parallel_config``, ``QKVParallelLinear``, ``MambaMixer2``)."""

from __future__ import annotations

import pytest

from wattprint.cli.main import run
from wattprint.engine import estimate_inference
from wattprint.errors import InputError, UnsupportedError
from wattprint.plan.serving import plan_inference
from wattprint.workload.demand import parse_demand
from wattprint.workload.model_spec import get_model_spec
from wattprint.workload.tensor_parallel import tensor_parallel_problem


def test_heads_rule_golden() -> None:
    # StarCoder2-7B: 36 query heads, 4 KV heads (config.json); Phi-3-medium: 40 and 10;
    # Llama-3.1-8B: 32 and 8; Nemotron Nano 9B v2: 40 attention, 8 KV, 128 Mamba-2 heads
    sc = get_model_spec("starcoder2-7b")
    assert tensor_parallel_problem(sc, 4) is None  # 36/4 heads, 4/4 KV heads
    assert "36 attention heads" in (tensor_parallel_problem(sc, 8) or "")
    phi = get_model_spec("phi-3-medium-4k")
    assert tensor_parallel_problem(phi, 2) is None  # 10 KV heads split in two
    assert "10 key/value heads" in (tensor_parallel_problem(phi, 4) or "")
    llama = get_model_spec("llama-3.1-8b")
    assert all(tensor_parallel_problem(llama, tp) is None for tp in (1, 2, 4, 8, 16, 32))
    assert tensor_parallel_problem(llama, 3) is not None
    nemo = get_model_spec("nemotron-nano-9b-v2")
    assert tensor_parallel_problem(nemo, 8) is None
    assert tensor_parallel_problem(nemo, 16) is not None  # 40 heads


def test_estimate_refuses_a_degree_that_does_not_divide_the_heads() -> None:
    with pytest.raises(InputError, match="does not divide starcoder2-7b's 36 attention"):
        estimate_inference("starcoder2-7b", "h100", chips=8)
    with pytest.raises(InputError, match="tensor parallel degree 4 can neither split"):
        estimate_inference("phi-3-medium-4k", "h100", chips=4)
    assert estimate_inference("starcoder2-7b", "h100", chips=4)["accelerator_energy"].value > 0


def test_cli_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        run(["estimate", "infer", "--model", "starcoder2-7b", "--hardware", "h100",
             "--chips", "8"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "36 attention heads" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_planner_leaves_out_chip_counts_the_model_cannot_be_split_over() -> None:
    demand = parse_demand("5rps")
    res = plan_inference("starcoder2-7b", demand, chips=[1, 2, 4, 8], hardware="h100",
                         regions="us-ca", batches=[8, 16])
    assert res.space["chips"] == [1, 2, 4]
    assert any(n.startswith("8 chips left out: tensor parallel degree 8") for n in res.notes)
    with pytest.raises(UnsupportedError, match="no chip count to plan"):
        plan_inference("starcoder2-7b", demand, chips=[8], hardware="h100", regions="us-ca")


def test_edge_planner_cloud_side_rounds_chips_up_to_a_shardable_count() -> None:
    # llama-3.1-70b at bf16 needs 3 H100s by memory; 64 heads cannot be split 3 ways, so the
    # cloud side serves it on 4 (the next count vLLM accepts)
    from wattprint.plan.edge import edge_vs_cloud

    res = edge_vs_cloud("llama-3.1-70b", "apple-a17-pro")
    assert res.cloud.chips == 4
