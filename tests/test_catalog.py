"""Catalog data files and their loader (wattprint.catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wattprint.catalog import (
    catalog_names,
    catalog_sources,
    facility_catalog,
    get_facility,
    get_hardware,
    get_model_card,
    get_site,
    hardware_catalog,
    load_hardware_file,
    load_model_file,
    load_site_file,
    model_catalog,
    normalize_name,
    site_catalog,
)
from wattprint.catalog.loader import data_dir
from wattprint.catalog.schema import PRECISIONS, Sourced
from wattprint.errors import DataError, UnknownNameError

# --------------------------------------------------------------------------- loading


def test_every_file_loads() -> None:
    assert len(hardware_catalog()) >= 29
    assert len(site_catalog()) >= 60
    assert len(facility_catalog()) >= 8
    assert len(model_catalog()) >= 25


def test_catalog_returns_a_copy() -> None:
    cat = hardware_catalog()
    cat.clear()
    assert hardware_catalog()


def _sourced(obj: object) -> list[Sourced]:
    from pydantic import BaseModel

    if isinstance(obj, Sourced):
        return [obj]
    if isinstance(obj, BaseModel):
        return [s for f in type(obj).model_fields for s in _sourced(getattr(obj, f))]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _sourced(v)]
    return []


def test_every_number_has_source_and_year() -> None:
    entries = [*hardware_catalog().values(), *site_catalog().values(),
               *facility_catalog().values()]
    values = [s for e in entries for s in _sourced(e)]
    assert len(values) > 500
    for s in values:
        assert len(s.source) >= 3 and 1990 <= s.year <= 2030
        if s.low is not None:
            assert s.low <= s.value
        if s.high is not None:
            assert s.high >= s.value
    for card in model_catalog().values():
        assert card.source and card.year


def test_catalog_sources_summary() -> None:
    files = {d["file"]: d for d in catalog_sources()}
    assert set(files) == {"hardware.toml", "sites.toml", "facilities.toml", "models.toml"}
    assert all(d["entries"] for d in files.values())


# --------------------------------------------------------------------------- hardware


REQUIRED_HARDWARE = [
    "nvidia-p100-sxm2", "nvidia-v100-sxm2", "nvidia-a100-40gb-sxm", "nvidia-a100-80gb-sxm",
    "nvidia-a100-40gb-pcie", "nvidia-a100-80gb-pcie", "nvidia-h100-sxm", "nvidia-h100-pcie",
    "nvidia-h200-sxm", "nvidia-h800-sxm", "nvidia-b200", "nvidia-l4", "nvidia-t4", "nvidia-a10g",
    "amd-mi250x", "amd-mi300x", "google-tpu-v2", "google-tpu-v3", "google-tpu-v4",
    "google-tpu-v5e", "google-tpu-v5p", "intel-gaudi2", "intel-gaudi3", "apple-m3-max-gpu",
    "apple-m3-max-ane", "apple-a17-pro-ane", "nvidia-jetson-agx-orin-64gb",
    "intel-xeon-8480plus", "amd-epyc-9654",
]


def test_required_hardware_present() -> None:
    missing = set(REQUIRED_HARDWARE) - set(hardware_catalog())
    assert not missing


def test_every_hardware_has_bf16_or_fp32_peak() -> None:
    # NPUs (Apple Neural Engine) only do fp16/int8: the engine falls back from bf16 to fp16.
    for hw in hardware_catalog().values():
        if hw.kind == "npu":
            assert "fp16" in hw.peak_flops, hw.id
            continue
        assert "bf16" in hw.peak_flops or "fp32" in hw.peak_flops, hw.id
        for p, s in hw.peak_flops.items():
            assert p in PRECISIONS and s.value > 0, (hw.id, p)


def test_hardware_physical_sanity() -> None:
    for hw in hardware_catalog().values():
        assert 0 < hw.idle_w.value < hw.tdp_w.value, hw.id
        if hw.idle_no_context_w is not None:
            assert hw.idle_no_context_w.value <= hw.idle_w.value, hw.id
        assert hw.memory_bytes.value >= 1e9, hw.id
        assert hw.memory_bandwidth_bps.value >= 1e10, hw.id
        assert hw.embodied_co2e_g.value > 0 and hw.host_embodied_co2e_g.value > 0, hw.id
        assert hw.host_power_w.value > 0, hw.id
        assert hw.memory_type, hw.id
        # no chip does dense arithmetic above 20 PFLOP/s or below 1 GFLOP/s
        for s in hw.peak_flops.values():
            assert 1e9 < s.value < 2e16, hw.id


def test_derived_rule_h100_equals_h200_compute() -> None:
    h100, h200 = get_hardware("h100"), get_hardware("h200")
    for p in ("bf16", "fp16", "fp8", "tf32", "fp32", "int8"):
        assert h100.peak_flops[p].value == h200.peak_flops[p].value
    assert h200.memory_bandwidth_bps.value > h100.memory_bandwidth_bps.value
    h800 = get_hardware("h800")
    assert h800.peak_flops["bf16"].value == h100.peak_flops["bf16"].value
    assert h800.interconnect_bps is not None and h100.interconnect_bps is not None
    assert h800.interconnect_bps.value < h100.interconnect_bps.value


def test_precisions_the_chip_lacks_are_absent() -> None:
    for name in ("a100", "a100-40gb", "a100-pcie", "v100", "t4", "p100", "a10g", "mi250x"):
        assert "fp8" not in get_hardware(name).peak_flops, name
    for name in ("v100", "t4", "p100"):
        assert "bf16" not in get_hardware(name).peak_flops, name
    assert "fp8" in get_hardware("h100").peak_flops
    assert "fp4" in get_hardware("b200").peak_flops
    assert "fp4" not in get_hardware("h100").peak_flops


def test_dense_not_sparse_headline() -> None:
    # NVIDIA headlines 1,979 TFLOPS bf16 (sparse) for H100 SXM; dense is half.
    assert get_hardware("h100").peak_flops["bf16"].value == pytest.approx(989.4e12)
    assert get_hardware("a100").peak_flops["bf16"].value == pytest.approx(312e12)


def test_h200_measured_energy() -> None:
    h200 = get_hardware("nvidia-h200-sxm")
    assert h200.idle_w.value == pytest.approx(120.6)
    assert h200.idle_w.status == "measured"
    assert h200.idle_no_context_w is not None
    assert h200.idle_no_context_w.value == pytest.approx(79.6)
    assert h200.j_per_flop["bf16"].value == pytest.approx(0.866e-12, rel=0.02)
    assert h200.j_per_flop["fp8"].value == pytest.approx(0.466e-12, rel=0.02)
    assert h200.j_per_flop["fp32"].value == pytest.approx(10.76e-12, rel=0.02)
    assert set(h200.j_per_flop) == {"bf16", "fp16", "tf32", "fp32", "fp8", "int8"}
    assert all(s.status == "measured" for s in h200.j_per_flop.values())
    assert h200.j_per_byte is not None
    assert h200.j_per_byte.value == pytest.approx((599.5 - 120.6) / 4.27e12, rel=0.01)


def test_only_measured_chips_carry_energy_coefficients() -> None:
    # The H200 is measured; a chip may otherwise carry a value derived from a published
    # measurement on that chip (B200: Jarmusch & Chandrasekaran 2025), never a guess.
    for hw in hardware_catalog().values():
        if hw.id != "nvidia-h200-sxm":
            assert hw.j_per_byte is None, hw.id
            for s in hw.j_per_flop.values():
                assert s.status == "derived" and "arXiv" in s.source, hw.id
    assert set(get_hardware("nvidia-b200").j_per_flop) == {"bf16", "fp16"}


def test_b200_energy_per_flop_from_its_published_measurement() -> None:
    from wattprint.device.coefficients import coefficients_for

    co = coefficients_for(get_hardware("nvidia-b200"))
    h200 = get_hardware("nvidia-h200-sxm").j_per_flop["bf16"].value
    assert co.j_per_flop["bf16"].value == pytest.approx(h200 / 1.32, rel=1e-3)
    assert co.j_per_flop["bf16"].basis == "modelled"  # derived, not our measurement
    assert co.j_per_flop["fp8"].provenance.startswith("derived")  # still from the datasheet


def test_edge_entries() -> None:
    phone = get_hardware("a17-pro")
    assert phone.segment == "edge" and phone.kind == "npu"
    assert phone.charging_efficiency is not None
    assert 0 < phone.charging_efficiency.value <= 1
    assert get_hardware("jetson-agx-orin").segment == "edge"
    assert get_hardware("m3-max-ane").kind == "npu"
    for name in ("xeon-8480+", "epyc-9654"):
        cpu = get_hardware(name)
        assert cpu.kind == "cpu" and cpu.peak_flops["fp32"].status == "derived"


def test_tpus_present() -> None:
    for name in ("tpu-v2", "tpu-v3", "tpu-v4", "tpuv4", "tpu-v5e", "v5e", "tpu-v5p"):
        assert get_hardware(name).kind == "tpu"
    assert get_hardware("tpu-v5e").peak_flops["bf16"].value == pytest.approx(197e12)


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize("name", ["H100", "h100-sxm", "NVIDIA H100 SXM5 80GB", " h100 ",
                                  "NVIDIA H100 80GB HBM3", "Nvidia-H100-SXM", "h100_sxm"])
def test_case_insensitive_hardware_lookup(name: str) -> None:
    assert get_hardware(name).id == "nvidia-h100-sxm"


@pytest.mark.parametrize(("name", "expected"), [
    ("NVIDIA A100-SXM4-80GB", "nvidia-a100-80gb-sxm"),
    ("NVIDIA A100-SXM4-40GB", "nvidia-a100-40gb-sxm"),
    ("NVIDIA H200", "nvidia-h200-sxm"),
    ("Tesla T4", "nvidia-t4"),
    ("Tesla V100-SXM2-32GB", "nvidia-v100-sxm2"),
    ("AMD Instinct MI300X", "amd-mi300x"),
    ("Intel(R) Xeon(R) Platinum 8480+", "intel-xeon-8480plus"),
    ("AMD EPYC 9654 96-Core Processor", "amd-epyc-9654"),
    ("gaudi3", "intel-gaudi3"),
])
def test_device_names_resolve(name: str, expected: str) -> None:
    assert get_hardware(name).id == expected


def test_unknown_hardware_names_close_matches() -> None:
    with pytest.raises(UnknownNameError) as exc:
        get_hardware("h10")
    assert "h100" in str(exc.value)
    assert "wattprint hardware list" in str(exc.value)
    assert exc.value.what == "hardware"


def test_unknown_site_and_model_messages() -> None:
    with pytest.raises(UnknownNameError, match="wattprint sites list"):
        get_site("atlantis")
    with pytest.raises(UnknownNameError, match="wattprint models list"):
        get_model_card("llama-9-1t")
    with pytest.raises(UnknownNameError):
        get_hardware("")


@pytest.mark.parametrize("what", ["hardware", "sites", "facilities", "models"])
def test_aliases_unique_across_entries(what: str) -> None:
    cats = {"hardware": hardware_catalog, "sites": site_catalog, "facilities": facility_catalog,
            "models": model_catalog}
    seen: dict[str, str] = {}
    for eid, entry in cats[what]().items():
        keys = {normalize_name(eid), normalize_name(entry.name)}
        keys |= {normalize_name(a) for a in getattr(entry, "aliases", [])}
        for k in keys:
            assert seen.setdefault(k, eid) == eid, f"{k!r}: {seen[k]} and {eid}"
    assert catalog_names(what)


def test_ids_are_lower_hyphenated() -> None:
    for cat in (hardware_catalog(), site_catalog(), model_catalog()):
        for eid in cat:
            assert eid == eid.lower() and " " not in eid


# --------------------------------------------------------------------------- sites


def test_site_lookups() -> None:
    assert get_site("us-east4").id == "gcp-us-east4"
    assert get_site("US-EAST-1").id == "aws-us-east-1"
    assert get_site("France").id == "fra"
    assert get_site("us").id == "usa"
    assert get_site("world").kind == "world"
    assert get_site("eastus").provider == "azure"


def test_site_countries_are_iso3() -> None:
    for site in site_catalog().values():
        assert len(site.country) == 3 and site.country.isalpha() and site.country.isupper()
    for site in site_catalog().values():
        if site.kind == "country":
            assert site.id == site.country.lower()


def test_site_values_in_physical_ranges() -> None:
    for s in site_catalog().values():
        assert 0 <= s.grid_gco2e_per_kwh.value < 1200, s.id
        assert 0 < s.water_l_per_kwh.value < 30, s.id
        assert 0.01 < s.price_usd_per_kwh.value < 1.0, s.id
        assert 1.0 <= s.pue.value < 2.5, s.id
        assert 0 <= s.wue_l_per_kwh.value < 10, s.id
        if s.kind == "cloud-region":
            assert s.provider in {"gcp", "aws", "azure"}, s.id
        if s.kind == "residential":
            assert s.pue.value == 1.0 and s.wue_l_per_kwh.value == 0.0


def test_required_sites_present() -> None:
    ids = set(site_catalog())
    for sid in ("world", "usa", "fra", "deu", "swe", "irl", "gbr", "ind", "chn", "jpn", "kor",
                "twn", "aus", "bra", "can", "nor", "isl", "fin", "nld", "bel", "sgp", "sau",
                "are", "us-va", "us-or", "us-ia", "us-tx", "us-ca", "gcp-us-east4",
                "gcp-europe-west4", "aws-us-east-1", "aws-us-west-2", "aws-eu-west-1",
                "aws-eu-central-1", "aws-eu-north-1", "aws-ap-northeast-1",
                "aws-ap-southeast-1", "azure-eastus", "azure-westeurope", "azure-swedencentral",
                "residential-usa", "residential-fra", "residential-deu"):
        assert sid in ids, sid


def test_water_fallback_is_labelled() -> None:
    sgp = get_site("sgp")
    assert sgp.water_l_per_kwh.status == "assumption"
    assert sgp.water_l_per_kwh.value == get_site("world").water_l_per_kwh.value
    assert get_site("fra").water_l_per_kwh.status == "primary"


def test_facilities() -> None:
    for fid in ("aws", "gcp", "azure", "meta", "industry-average", "on-premises", "air",
                "evaporative", "liquid"):
        f = get_facility(fid)
        assert 1.0 <= f.pue.value < 2.5 and f.wue_l_per_kwh.value >= 0
    assert get_facility("aws").pue.value == pytest.approx(1.15)
    assert get_facility("industry-average").pue.value == pytest.approx(1.58)
    evap, air = get_facility("evaporative"), get_facility("air")
    assert evap.wue_l_per_kwh.value > air.wue_l_per_kwh.value
    assert evap.pue.value < air.pue.value
    assert get_facility("Amazon Web Services").id == "aws"


# --------------------------------------------------------------------------- models


def _llama_like_params(cfg: dict[str, object]) -> float:
    def i(key: str) -> int:
        v = cfg[key]
        assert isinstance(v, int)
        return v

    h, layers, heads, vocab = (i("hidden_size"), i("num_hidden_layers"),
                               i("num_attention_heads"), i("vocab_size"))
    kv = i("num_key_value_heads")
    hd = i("head_dim") if "head_dim" in cfg else h // heads
    attn = 2 * h * heads * hd + 2 * h * kv * hd
    mlp = 3 * h * i("intermediate_size")
    emb = vocab * h * (1 if cfg.get("tie_word_embeddings") else 2)
    return emb + layers * (attn + mlp)


@pytest.mark.parametrize("name", ["llama-2-7b", "llama-3-8b", "llama-3.1-70b", "llama-3.1-405b",
                                  "llama-3.2-1b", "mistral-7b", "qwen3-8b", "qwen3-32b",
                                  "gemma-2-9b"])
def test_dense_model_configs_match_published_counts(name: str) -> None:
    card = get_model_card(name)
    assert card.params_total is not None
    assert _llama_like_params(dict(card.config)) == pytest.approx(card.params_total, rel=0.02)


def test_model_aliases_and_shapes() -> None:
    assert get_model_card("Meta-Llama/Llama-3.1-8B").id == "llama-3.1-8b"
    assert get_model_card("llama3-8b").id == "llama-3-8b"
    assert get_model_card("GPT3").config["model_type"] == "gpt3"
    assert get_model_card("bloom").config["hidden_size"] == 14336
    assert get_model_card("opt-175b").config["ffn_dim"] == 49152
    ds = get_model_card("deepseek-v3")
    assert ds.params_active == 37e9 and ds.config["kv_lora_rank"] == 512
    shape = get_model_card("llama-3.2-1b-shape").config
    assert (shape["hidden_size"], shape["intermediate_size"], shape["num_hidden_layers"],
            shape["num_key_value_heads"], shape["tie_word_embeddings"]) == (2048, 8192, 16, 8, True)
    moe = get_model_card("mixtral-8x7b")
    assert moe.config["num_local_experts"] == 8 and moe.params_active is not None


# --------------------------------------------------------------------------- malformed files


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_malformed_toml_raises_data_error(tmp_path: Path) -> None:
    p = _write(tmp_path, "hardware.toml", "[[hardware]]\nid = \"x\nname = 1\n")
    with pytest.raises(DataError, match=r"hardware\.toml: invalid TOML"):
        load_hardware_file(p)


def test_invalid_entry_names_file_and_id(tmp_path: Path) -> None:
    good = (data_dir() / "hardware.toml").read_text(encoding="utf-8")
    bad = good.replace('tdp_w = { value = 72.0', 'tdp_w = { value = "lots"', 1)
    assert bad != good
    p = _write(tmp_path, "hardware.toml", bad)
    with pytest.raises(DataError) as exc:
        load_hardware_file(p)
    msg = str(exc.value)
    assert "hardware.toml" in msg and "'nvidia-l4'" in msg and "tdp_w" in msg
    assert "\n" not in msg


def test_missing_source_is_rejected(tmp_path: Path) -> None:
    text = """
[[site]]
id = "nowhere"
name = "Nowhere"
kind = "country"
country = "NWH"
grid_gco2e_per_kwh = { value = 100, year = 2024 }
water_l_per_kwh = { value = 1, source = "x source", year = 2024 }
price_usd_per_kwh = { value = 0.1, source = "x source", year = 2024 }
pue = { value = 1.5, source = "x source", year = 2024 }
wue_l_per_kwh = { value = 1, source = "x source", year = 2024 }
"""
    with pytest.raises(DataError, match=r"sites\.toml: entry 'nowhere': grid_gco2e_per_kwh"):
        load_site_file(_write(tmp_path, "sites.toml", text))


def test_duplicate_alias_raises_data_error(tmp_path: Path) -> None:
    text = """
[[model]]
id = "a"
name = "A"
aliases = ["shared"]
source = "test"
year = 2024
config = { hidden_size = 1 }

[[model]]
id = "b"
name = "B"
aliases = ["SHARED"]
source = "test"
year = 2024
config = { hidden_size = 1 }
"""
    with pytest.raises(DataError, match="'shared'.*'b'.*'a'"):
        load_model_file(_write(tmp_path, "models.toml", text))


def test_duplicate_id_raises_data_error(tmp_path: Path) -> None:
    entry = '[[model]]\nid = "a"\nname = "A{n}"\nsource = "test"\nyear = 2024\nconfig = {{}}\n'
    text = entry.format(n=1) + entry.format(n=2)
    with pytest.raises(DataError, match="duplicate id 'a'"):
        load_model_file(_write(tmp_path, "models.toml", text))


def test_wrong_table_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unexpected top-level"):
        load_model_file(_write(tmp_path, "models.toml", "[[hardware]]\nid = \"x\"\n"))
    with pytest.raises(DataError, match="cannot read"):
        load_model_file(tmp_path / "absent.toml")
    with pytest.raises(DataError, match="no \\[\\[model\\]\\] entries"):
        load_model_file(_write(tmp_path, "empty.toml", ""))
