"""The engine: one compute-rate rule per precision and chip, public array-native formulas."""

from __future__ import annotations

import pytest

from wattprint.catalog import get_hardware
from wattprint.engine import compute_rate, estimate_inference, estimate_training
from wattprint.errors import UnsupportedError
from wattprint.workload.precision import precision_plan


def test_bf16_on_a_chip_without_bf16_is_an_error() -> None:
    with pytest.raises(UnsupportedError, match="no bf16"):
        estimate_inference("llama-3.1-8b", "v100", precision="bf16")
    with pytest.raises(UnsupportedError, match="no bf16"):
        estimate_training("llama-3.1-8b", "v100", tokens=1e12, precision="bf16")


def test_weight_only_int4_on_a_chip_without_bf16_is_a_noted_emulation() -> None:
    hw = get_hardware("v100")
    key, note = compute_rate(hw, precision_plan("int4"))
    assert key == "fp16" and note and "fp16" in note
    fp = estimate_inference("llama-3.1-8b", "v100", precision="int4")
    assert any("dequantised to fp16" in n for n in fp.notes)
    assert compute_rate(get_hardware("h100"), precision_plan("bf16")) == ("bf16", None)


def test_work_values_are_exactly_its_fields_in_order() -> None:

    from wattprint.catalog.stacks import stack_entry
    from wattprint.engine import resolve_model, traffic_of
    from wattprint.workload.phases import Work, decode_work
    from wattprint.workload.precision import precision_plan

    w = decode_work(resolve_model("llama-3.1-8b"), precision_plan("bf16"),
                    traffic_of(stack_entry("vllm")), 8, 600.0, steps=10)
    assert list(w._values()) == list(Work._fields)
    assert w.scaled(2.0).tokens == 2 * w.tokens and (w + w).phase == "decode+decode"


@pytest.mark.parametrize("kw", [{"tensor_parallel": 2}, {"pipeline_parallel": 4},
                                {"global_batch_tokens": 4e6}])
def test_one_chip_refuses_a_parallel_layout(kw: dict[str, float]) -> None:
    from wattprint.errors import InputError

    with pytest.raises(InputError, match="more than one chip"):
        estimate_training("llama-3.2-1b", "h100", tokens=1e9, chips=1, **kw)
