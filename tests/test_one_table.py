"""One of each rule: precision names come from the one table, default stacks from one function."""

from __future__ import annotations

import pytest

from wattprint.catalog.defaults import default_stack
from wattprint.catalog.planning import planning_data, sweep_default
from wattprint.catalog.precisions import COMPUTE_FORMATS, KV_FORMATS, PRECISIONS
from wattprint.catalog.schema import PRECISIONS as CHIP_FORMATS
from wattprint.catalog.stacks import get_stack
from wattprint.workload.precision import precision_plan


def test_every_precision_list_is_derived_from_the_table() -> None:
    assert CHIP_FORMATS == COMPUTE_FORMATS
    assert set(COMPUTE_FORMATS) == {"fp64", *PRECISIONS}
    assert set(KV_FORMATS) <= set(PRECISIONS)
    for name in (*sweep_default("precisions"), *sweep_default("train_precisions"),
                 *planning_data()["edge"]["precisions"]):
        assert precision_plan(name).name == name


def test_kv_cache_override_uses_the_table() -> None:
    assert precision_plan("bf16", kv_cache="fp8").kv_bytes == 1.0


@pytest.mark.parametrize("kind", ["infer", "train", "serve", "edge"])
def test_default_stacks_exist(kind: str) -> None:
    assert get_stack(default_stack(kind)).id == default_stack(kind)


def test_serving_default_is_planning_toml() -> None:
    assert default_stack("serve") == planning_data()["sweep"]["stack"]
    assert default_stack("train", 8) != default_stack("train", 1)


def test_a_chip_format_outside_the_table_is_refused() -> None:
    from pydantic import ValidationError

    from wattprint.catalog import get_hardware
    from wattprint.catalog.schema import Hardware

    row = get_hardware("h100").model_dump(exclude_none=True)
    Hardware.model_validate(row)  # the real entry validates
    row["peak_flops"]["fp7"] = dict(row["peak_flops"]["bf16"])
    with pytest.raises(ValidationError, match="unknown precision 'fp7'"):
        Hardware.model_validate(row)
