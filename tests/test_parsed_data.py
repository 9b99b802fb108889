"""The parsed JSON twins of the data files stay byte-for-byte what the generator writes from
the TOML, are used only while their hash matches, and estimates from them are identical."""

from __future__ import annotations

import json
import runpy
import tomllib
from pathlib import Path

import pytest

from wattprint import estimate_inference, estimate_training
from wattprint.catalog import clear_caches, load_hardware_file
from wattprint.catalog.loader import (
    _hardware,
    _sites,
    catalog_from_doc,
    measured_reference_hardware,
    read_data_toml,
)
from wattprint.catalog.parsed import (
    CATALOG_TABLES,
    ROW_TABLES,
    TWINNED,
    TwinRows,
    load_json,
    packaged_data_dir,
    parsed_catalog,
    parsed_rows,
    parsed_twin,
    twin_path,
)
from wattprint.catalog.table import Catalog
from wattprint.errors import DataError

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "gen_parsed_data.py"


@pytest.mark.parametrize("name", TWINNED)
def test_twin_is_what_the_generator_writes_from_the_toml(name: str) -> None:
    render = runpy.run_path(str(TOOL))["render"]
    assert twin_path(name).read_text(encoding="utf-8") == render(name), (
        f"{name} twin is stale: run `PYTHONPATH=src python tools/gen_parsed_data.py`")


@pytest.mark.parametrize("name", TWINNED)
def test_twin_document_equals_the_toml_parse(name: str) -> None:
    path = packaged_data_dir() / name
    raw = path.read_bytes()
    doc = parsed_twin(path, raw)
    assert doc is not None
    assert doc == tomllib.loads(raw.decode("utf-8"))
    assert read_data_toml(path) == doc


@pytest.mark.parametrize("name", sorted(CATALOG_TABLES))
def test_catalog_twin_holds_the_loaders_index_and_the_tomls_rows(name: str) -> None:
    path = packaged_data_dir() / name
    raw = path.read_bytes()
    doc = tomllib.loads(raw.decode("utf-8"))
    table = CATALOG_TABLES[name]
    twin = parsed_catalog(path, raw, table)
    assert twin is not None
    index, rows = twin
    assert index == catalog_from_doc(doc, name, table, "").index  # same names, same checks
    assert list(rows) == [row["id"] for row in doc[table]]
    assert [json.loads(r) for r in rows.values()] == doc[table]
    assert parsed_catalog(path, raw + b"\n", table) is None
    assert parsed_catalog(path, raw, "other") is None


def test_load_json_is_json_loads() -> None:
    for name in TWINNED:
        data = twin_path(name).read_bytes()
        if name not in CATALOG_TABLES and name not in ROW_TABLES:
            assert load_json(data) == json.loads(data)
    doc = ' {"a": [1, 2.5, -0.0, 1e400, "\\u00e9\\n\\"", null, true, false, {}], "b": -7} \n'
    assert load_json(doc) == json.loads(doc)
    assert load_json(doc.encode("utf-8")) == json.loads(doc)
    for bad in ["", " ", "{", "[1,]", "{} {}", "{'a': 1}", "tru"]:
        with pytest.raises(ValueError):
            load_json(bad)


def test_a_lookup_decodes_only_the_rows_it_uses() -> None:
    clear_caches()
    try:
        cat = _sites()
        cat.entry(cat.index["fra"])
        decoded = [eid for eid in cat.ids() if isinstance(cat._rows[eid], dict)]
        assert decoded == [cat.index["fra"]]
    finally:
        clear_caches()


@pytest.mark.parametrize("name", sorted(ROW_TABLES))
def test_row_twin_holds_the_tomls_rows_and_keys(name: str) -> None:
    raw = (packaged_data_dir() / name).read_bytes()
    table, key_field = ROW_TABLES[name]
    twin = parsed_rows(packaged_data_dir() / name, raw, table)
    assert twin is not None
    head, rows = twin
    toml_rows = tomllib.loads(raw.decode("utf-8"))[table]
    assert list(rows) == head["ids"] == [r["id"] for r in toml_rows]
    assert [rows.decoded(r["id"]) for r in toml_rows] == toml_rows
    if key_field is not None:  # each key -> the first row that holds it (file order)
        for key, eid in head["keys"].items():
            assert eid == next(r["id"] for r in toml_rows if key in r[key_field])
        assert set(head["keys"]) == {k for r in toml_rows for k in r[key_field]}


def test_a_stack_and_a_scarcity_factor_decode_one_row_each() -> None:
    clear_caches()
    try:
        from wattprint.catalog.light import light_row_twin
        from wattprint.catalog.stacks import stack_entry
        from wattprint.site.water_stress import scarcity_factor

        assert stack_entry("vllm").id == "vllm"
        assert scarcity_factor("gcp-us-east4", "USA") is not None
        for file, table in (("stacks.toml", "stack"), ("aware.toml", "scarcity")):
            twin = light_row_twin(file, table)
            assert twin is not None and len(twin[1]._decoded) == 1
    finally:
        clear_caches()


def test_twin_rows_are_cut_out_on_first_use_and_a_damaged_twin_is_an_error() -> None:
    data = b'{"head": 1}\n\n{"id":"a","x":1}\n{"id":"b","x":2}\n'
    start = data.index(b"\n\n") + 2
    rows = TwinRows(["a", "b"], data, start)
    assert list(rows) == ["a", "b"] and len(rows) == 2 and "b" in rows and "c" not in rows
    assert rows._starts == [start]  # nothing split yet
    assert rows["b"] == b'{"id":"b","x":2}' and rows["a"] == b'{"id":"a","x":1}'
    rows["a"] = {"id": "a", "x": 1}
    assert rows["a"] == {"id": "a", "x": 1}
    with pytest.raises(KeyError):
        rows["c"] = {}
    cat = Catalog("t.toml", TwinRows(["a", "b"], data, start), "Hardware", {"a": "a"}, True)
    assert cat.row("b") == {"id": "b", "x": 2}
    short = Catalog("t.toml", TwinRows(["a", "b", "c"], data, start), "Hardware", {}, True)
    with pytest.raises(DataError, match="twin has 2 rows, not 3"):
        short.row("c")
    assert short.may_hold("c", "x")  # not known to lack it: row() says what is wrong
    shifted = Catalog("t.toml", TwinRows(["b", "a"], data, start), "Hardware", {}, True)
    with pytest.raises(DataError, match="another entry's"):
        shifted.row("b")


def test_the_reference_chip_is_found_without_decoding_every_row() -> None:
    clear_caches()
    try:
        ref = measured_reference_hardware(light=True)
        cat = _hardware()
        decoded = {eid for eid in cat.ids() if isinstance(cat._rows[eid], dict)}
        assert ref.id in decoded
        mention = {eid for eid in cat.ids() if b'"j_per_byte"' in json.dumps(
            cat.row(eid)).encode()}  # (decodes them all, after the check above)
        assert decoded <= mention and len(mention) < len(list(cat.ids()))
        assert measured_reference_hardware().id == ref.id  # the validated path agrees
    finally:
        clear_caches()


def test_twin_is_ignored_for_other_bytes_and_for_user_files(tmp_path: Path) -> None:
    path = packaged_data_dir() / "hardware.toml"
    raw = path.read_bytes()
    assert parsed_twin(path, raw + b"\n# edited\n") is None
    same_length = raw.replace(b"year = 2", b"year = 3", 1)  # an edit that keeps the length
    assert len(same_length) == len(raw) and same_length != raw
    assert parsed_twin(path, same_length) is None
    user = tmp_path / "hardware.toml"
    user.write_bytes(path.read_bytes())
    assert parsed_twin(user, user.read_bytes()) is None  # user files: TOML, full validation
    user.write_text(path.read_text(encoding="utf-8").replace("year = ", "year = 1", 1),
                    encoding="utf-8")
    with pytest.raises(DataError, match="hardware.toml.*year"):
        load_hardware_file(user)


def _estimates() -> list[str]:
    out = []
    for model, hw, site in [("llama-3.1-8b", "h100", "world"), ("llama-3.1-70b", "h200", "fra"),
                            ("mixtral-8x7b", "a100", "us-ca"), ("qwen3-8b", "l4", "swe")]:
        out.append(json.dumps(estimate_inference(model, hw, batch=8, prompt_tokens=512, chips=2,
                                                 output_tokens=128, site=site).to_dict(),
                              sort_keys=True))
        out.append(json.dumps(estimate_training(model, hw, tokens=1e11, chips=8,
                                                site=site).to_dict(), sort_keys=True))
    return out


def test_estimates_from_the_twins_equal_those_from_the_toml(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clear_caches()
    fast = _estimates()
    monkeypatch.setattr("wattprint.catalog.loader.parsed_twin", lambda path, raw: None)
    monkeypatch.setattr("wattprint.catalog.loader.parsed_catalog",
                        lambda path, raw, table: None)
    clear_caches()
    try:
        slow = _estimates()
    finally:
        monkeypatch.undo()
        clear_caches()
    assert fast == slow
