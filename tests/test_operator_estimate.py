"""Pricing operator summaries without torch: fusion, precision, training, data-file format."""

from __future__ import annotations

import json

import pytest

from wattprint.engine.modules import estimate_operators
from wattprint.errors import DataError, InputError
from wattprint.workload.operators.classes import classify, stack_fuses
from wattprint.workload.operators.summary import OperatorSummary, OpGroup


def _summary() -> OperatorSummary:
    # One 3x3 conv (64→64 channels, 56x56) → batch norm → ReLU, per image.
    px = 56 * 56 * 64
    groups = (
        OpGroup("aten.convolution.default", "matmul", count=1,
                tensor_flops=2 * 56 * 56 * 64 * 64 * 9, in_elements=px, out_elements=px,
                weight_elements=64 * 64 * 9, gemm_k=576, gemm_m=3136),
        OpGroup("aten.native_batch_norm.default", "normalisation", "batch_norm", count=1,
                cost_elements=px, in_elements=px, out_elements=px, weight_elements=256,
                fused_read_elements=px, fused_write_elements=px, fused_count=1),
        OpGroup("aten.relu_.default", "activation", "relu", count=1, cost_elements=px,
                in_elements=px, out_elements=px, fused_read_elements=px,
                fused_write_elements=px, fused_count=1),
    )
    return OperatorSummary("toy", "forward", 1, "image", ("64x56x56",), 37_000.0, groups)


def test_fused_stack_moves_fewer_bytes_same_flops() -> None:
    s = _summary()
    e = estimate_operators(s, "h200", batch=32, stack="eager").details["operators"]
    c = estimate_operators(s, "h200", batch=32, stack="graphs").details["operators"]
    assert c["flops"] == pytest.approx(e["flops"])
    px = 56 * 56 * 64 * 32
    assert e["bytes"] - c["bytes"] == pytest.approx(4 * px * 2.0)  # 2 ops × (read+write) × bf16
    assert e["by_class"]["activation"]["memory_energy_j"] > \
        c["by_class"]["activation"]["memory_energy_j"]


def test_precision_per_operator_class() -> None:
    s = _summary()
    bf = estimate_operators(s, "h200", batch=8).details["operators"]
    f32 = estimate_operators(s, "h200", batch=8,
                             op_precision={"normalisation": "fp32"}).details["operators"]
    assert f32["by_class"]["normalisation"]["bytes"] == pytest.approx(
        2 * bf["by_class"]["normalisation"]["bytes"], rel=0.01)
    assert f32["by_class"]["matmul"]["bytes"] == bf["by_class"]["matmul"]["bytes"]
    with pytest.raises(InputError):
        estimate_operators(s, "h200", op_precision={"matmul": "fp32"})
    with pytest.raises(InputError):
        estimate_operators(s, "h200", op_precision={"nonsense": "fp32"})
    with pytest.raises(InputError):
        estimate_operators(s, "h200", activation="swishy")


def test_energy_scales_with_samples_and_reports_per_unit() -> None:
    s = _summary()
    one = estimate_operators(s, "h200", batch=16, samples=16)
    many = estimate_operators(s, "h200", batch=16, samples=1600)
    assert many.accelerator_energy.value == pytest.approx(100 * one.accelerator_energy.value)
    per = one["accelerator_energy_per_image"]
    assert per.value == pytest.approx(one.accelerator_energy.value / 16)
    assert per.lo <= per.value <= per.hi


def test_training_adds_backward_and_optimizer() -> None:
    s = _summary()
    inf = estimate_operators(s, "h200", batch=1024, samples=102400)
    tr = estimate_operators(s, "h200", batch=1024, samples=102400, train=True)
    assert tr.flops.value > 3 * inf.flops.value  # forward + backward + Adam's vector ops
    assert tr.accelerator_energy.value > 1.5 * inf.accelerator_energy.value
    assert "backward" in tr.details["operators"]["training"]
    with pytest.raises(InputError):
        estimate_operators(s, "h200", samples=-1)


def test_summary_roundtrip_and_validation(tmp_path) -> None:
    s = _summary()
    path = tmp_path / "toy.json"
    s.save(path)
    back = OperatorSummary.load(path)
    assert back == s
    raw = json.loads(path.read_text())
    raw["groups"][0]["cls"] = "magic"
    path.write_text(json.dumps(raw))
    with pytest.raises(DataError, match="magic"):
        OperatorSummary.load(path)
    raw["groups"][0]["cls"] = "matmul"
    raw["groups"][0]["tensor_flops"] = -1
    path.write_text(json.dumps(raw))
    with pytest.raises(DataError, match="negative"):
        OperatorSummary.load(path)


def test_classes_and_fusing_stacks() -> None:
    assert classify("aten.convolution.default") == ("matmul", None)
    assert classify("aten.gelu.default") == ("activation", "gelu")
    assert classify("aten.native_layer_norm.default") == ("normalisation", "layer_norm")
    assert classify("aten.view.default", True)[0] == "view"
    assert classify("aten.totally_new_op.default") == ("unknown", None)
    assert not stack_fuses("eager")
    assert stack_fuses("graphs") and stack_fuses("vllm")


def test_unpriced_operator_is_listed_and_its_bytes_counted() -> None:
    # Torch-free: a summary as the tracer writes it, with an operator wattprint has no FLOP
    # formula for. Its bytes are priced, its FLOPs listed as unpriced, never a silent zero.
    from wattprint.engine.modules import estimate_operators
    from wattprint.workload.operators.summary import OperatorSummary, OpGroup

    mm = OpGroup("aten.mm.default", "matmul", count=1, tensor_flops=2 * 512**3,
                 in_elements=512 * 512, out_elements=512 * 512, weight_elements=512 * 512,
                 gemm_k=512, gemm_m=512)
    odd = OpGroup("aten._fft_r2c.default", "unknown", count=1, in_elements=4e8,
                  out_elements=4e8)
    base = OperatorSummary("toy", "forward", 1, "sample", ("512",), 512 * 512, (mm,))
    with_odd = OperatorSummary("toy", "forward", 1, "sample", ("512",), 512 * 512, (mm, odd))
    assert with_odd.unpriced == ["aten._fft_r2c.default"]
    fp0, fp1 = estimate_operators(base, "h100"), estimate_operators(with_odd, "h100")
    assert any("without a FLOP formula" in n and "_fft_r2c" in n for n in fp1.notes)
    assert not any("without a FLOP formula" in n for n in fp0.notes)
    assert fp1.accelerator_energy.value > fp0.accelerator_energy.value  # its bytes cost energy
    assert fp1["flops"].value == fp0["flops"].value  # no invented FLOPs
