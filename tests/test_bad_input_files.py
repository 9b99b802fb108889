"""Files users hand us: every bad one is one line and exit 2, never a traceback or a hang
(issue 14)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wattprint.errors import InputError
from wattprint.testing import cli_call
from wattprint.textfiles import loads_json, read_text

GOOD = {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32,
        "num_attention_heads": 32, "vocab_size": 32000, "intermediate_size": 11008}


def _train(cfg: Path) -> tuple[int, str, str]:
    return cli_call("estimate", "train", "--model-config", str(cfg), "--tokens", "1T",
                    "-H", "h100", "--json")


def _one_line_exit_2(res: tuple[int, str, str]) -> str:
    code, _, err = res
    assert code == 2, err
    assert err.startswith("wattprint: error:") and len(err.strip().splitlines()) == 1, err
    assert "internal error" not in err
    return err


def write(tmp_path: Path, text: str, name: str = "c.json", enc: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(enc))
    return p


@pytest.mark.parametrize(("content", "msg"), [
    (b"\x80\x81{", "not UTF-8"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"hidden_size": Infinity}', "Infinity"),
    ('{"hidden_size": NaN}', "NaN"),
    ('{"hidden_size": 1e400}', "overflows"),
    ('{"hidden_size": ' + "9" * 400 + "}", "out of range"),
], ids=["latin1", "deep", "infinity", "nan", "1e400", "400-digits"])
def test_bad_json_files(tmp_path: Path, content: str | bytes, msg: str) -> None:
    p = tmp_path / "c.json"
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert msg in _one_line_exit_2(_train(p))


@pytest.mark.parametrize(("field", "value", "msg"), [
    ("hidden_size", 1e300, "non-negative integer"),
    ("vocab_size", 0, "vocab_size"),
    ("num_hidden_layers", 10**40, "out of range"),
], ids=["1e300", "vocab0", "10**40"])
def test_out_of_range_config_fields(tmp_path: Path, field: str, value: float, msg: str) -> None:
    cfg = dict(GOOD, **{field: value})
    p = write(tmp_path, json.dumps(cfg))
    assert msg in _one_line_exit_2(_train(p))


def test_utf16_config_with_bom_is_read(tmp_path: Path) -> None:
    p = write(tmp_path, "\ufeff" + json.dumps(GOOD), enc="utf-16-le")
    code, out, err = _train(p)
    assert code == 0, err


def test_mlp_type_null_is_the_default(tmp_path: Path) -> None:
    p = write(tmp_path, json.dumps(dict(GOOD, mlp_type=None)))
    assert _train(p)[0] == 0


@pytest.mark.parametrize("extra", [
    {"first_k_dense_replace": 4},
    {"decoder_sparse_step": 9},
])
def test_moe_config_whose_layers_are_all_dense(tmp_path: Path, extra: dict) -> None:  # type: ignore[type-arg]
    cfg = {"model_type": "qwen2_moe", "hidden_size": 1024, "num_hidden_layers": 4,
           "num_attention_heads": 8, "vocab_size": 32000, "intermediate_size": 2816,
           "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 512, **extra}
    if "first_k_dense_replace" in extra:
        cfg["model_type"] = "deepseek_v2"
        cfg["n_routed_experts"] = cfg.pop("num_experts")
    p = write(tmp_path, json.dumps(cfg))
    code, out, err = _train(p)
    assert code in (0, 2), err
    assert "internal error" not in err


def test_dev_zero_fifo_and_directory_never_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "FIFO" in _one_line_exit_2(_train(fifo))
    assert "not a regular file" in _one_line_exit_2(_train(Path("/dev/zero")))


def test_huge_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.json"
    with open(p, "wb") as fh:
        fh.truncate(5 * 1024 * 1024)
    assert "too large" in _one_line_exit_2(_train(p))


def test_textfiles_helpers(tmp_path: Path) -> None:
    p = write(tmp_path, "\ufeffhello", enc="utf-8")
    assert read_text(p, "x") == "hello"
    with pytest.raises(InputError, match="nested"):
        loads_json("[" * 50_000, "x")
    assert loads_json('{"a": 1.5, "b": 2}', "x") == {"a": 1.5, "b": 2}


def test_non_utf8_csv_profile(tmp_path: Path) -> None:
    p = tmp_path / "hourly.csv"
    p.write_bytes("hour,gco2e_per_kwh\n0,1\u00e9\n".encode("latin-1"))
    code, _, err = cli_call("plan", "when", "--duration", "2h", "--profile-csv", str(p))
    assert code == 2 and "internal error" not in err, err
