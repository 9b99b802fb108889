"""The estimate path's light records (no pydantic) equal the validated catalog entries, field
by field and type by type, for every packaged entry; an estimate loads neither pydantic nor
numpy (nor tomllib, nor the json package: twins are read by its C scanner; nor dataclasses,
which imports inspect: ~6 ms, see wattprint.record)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from typing import Any

import pytest
from pydantic import BaseModel

from wattprint.catalog import (
    clear_caches,
    get_hardware,
    hardware_entry,
    loader,
    site_entry,
)
from wattprint.catalog.defaults import defaults_table
from wattprint.catalog.entries import Entry, SourcedEntry
from wattprint.catalog.light import light_defaults, light_table
from wattprint.catalog.physical import scarcity_entries
from wattprint.catalog.schema import Sourced
from wattprint.catalog.stacks import stack_catalog, stack_entry, stack_records
from wattprint.engine import estimate_inference, resolve_hardware


def _same(light: Any, valid: Any, where: str) -> None:
    """``light`` (a record or plain value) equals ``valid`` (validated), types included."""
    if isinstance(valid, BaseModel):
        assert isinstance(light, Entry), where
        names = set(type(valid).model_fields) | set(valid.model_extra or {})
        assert set(vars(light)) == names, where
        for name in names:
            _same(getattr(light, name), getattr(valid, name), f"{where}.{name}")
    elif isinstance(valid, dict):
        assert isinstance(light, dict) and set(light) == set(valid), where
        for k in valid:
            _same(light[k], valid[k], f"{where}[{k}]")
    elif isinstance(valid, list | tuple):
        assert type(light) is type(valid) and len(light) == len(valid), where
        for i, (a, b) in enumerate(zip(light, valid, strict=True)):
            _same(a, b, f"{where}[{i}]")
    else:
        assert type(light) is type(valid) and light == valid, (where, light, valid)


@pytest.mark.parametrize("cat", ["_hardware", "_sites", "_facilities", "_models"])
def test_every_packaged_entry_read_light_equals_its_validated_entry(cat: str) -> None:
    clear_caches()
    catalog = getattr(loader, cat)()
    assert catalog._light  # the packaged file has its twin
    for eid in catalog._rows:
        _same(catalog.entry(eid), catalog.get(eid), f"{catalog.file}:{eid}")


def test_stacks_scarcity_factors_and_defaults_read_light_equal_validation() -> None:
    clear_caches()
    records = stack_records()
    assert records is not None
    valid = stack_catalog()
    assert list(records) == list(valid)
    for sid, stack in valid.items():
        _same(records[sid], stack, f"stacks.toml:{sid}")
    rows = light_table("aware.toml", "scarcity", "ScarcityFactor")
    assert rows is not None
    entries = scarcity_entries()
    assert len(rows) == len(entries)
    for row, entry in zip(rows, entries, strict=True):
        _same(row, entry, f"aware.toml:{entry.id}")
    table = light_defaults()
    assert table is not None and table is defaults_table()
    toml = tomllib.loads((loader.data_dir() / "defaults.toml").read_text(encoding="utf-8"))
    assert list(table) == list(toml)
    for sec, vals in toml.items():
        assert list(table[sec]) == list(vals)
        for name, row in vals.items():
            assert isinstance(table[sec][name], SourcedEntry)
            _same(table[sec][name], Sourced(**row), f"defaults.toml:[{sec}] {name}")


def test_light_records_are_read_only_and_objects_pass_through() -> None:
    clear_caches()
    hw = hardware_entry("H100")
    assert hw.id == get_hardware("h100").id and hw is hardware_entry("h100")
    with pytest.raises(AttributeError):
        hw.id = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        hw.memory_bytes.value = 1.0  # type: ignore[misc]
    valid = get_hardware("h100")
    assert hw.memory_bytes.cite() == valid.memory_bytes.cite()
    assert resolve_hardware(valid) is valid  # a validated entry is used as given
    assert stack_entry(stack_catalog()["vllm"]) is stack_catalog()["vllm"]
    assert site_entry("world").id == "world"
    a = estimate_inference("llama-3.1-8b", valid, batch=4).to_dict()
    b = estimate_inference("llama-3.1-8b", "h100", batch=4).to_dict()
    assert a == b


@pytest.mark.slow
def test_an_estimate_imports_neither_pydantic_nor_numpy_nor_dataclasses() -> None:
    code = ("import sys, wattprint\n"
            "wattprint.estimate_inference('llama-3.1-8b', 'h100', batch=8)\n"
            "wattprint.estimate_training('llama-3.1-8b', 'h100', tokens=1e12, chips=64,"
            " site='gcp-us-east4')\n"
            "heavy = sorted(m for m in ('pydantic', 'numpy', 'tomllib', 'json', 'dataclasses')"
            " if m in sys.modules)\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.strip()
    assert out == ""


def test_scarcity_factor_read_light_equals_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    from wattprint.catalog import site_catalog
    from wattprint.site.water_stress import scarcity_factor

    sites = [(s.id, s.country) for s in site_catalog().values()] + [("nowhere", "XXX")]
    light = [scarcity_factor(i, c) for i, c in sites]
    assert light[-1] is None and all(q is not None for q in light[:-1])
    monkeypatch.setattr("wattprint.catalog.light.light_rows", lambda file, table: None)
    assert [scarcity_factor(i, c) for i, c in sites] == light
