"""`wattprint report -f FORMAT -o PATH` on a path it cannot write: one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wattprint.testing import cli_call


@pytest.fixture()
def est(tmp_path: Path) -> Path:
    code, out, err = cli_call("estimate", "infer", "-m", "llama-3.1-8b", "-H", "h100", "--json")
    assert code == 0, err
    p = tmp_path / "est.json"
    p.write_text(json.dumps(json.loads(out)))
    return p


@pytest.mark.parametrize("fmt", ["ghg-scope2", "sci"])
@pytest.mark.parametrize("where", ["dir", "missing-folder"])
def test_unwritable_output(est: Path, tmp_path: Path, fmt: str, where: str) -> None:
    target = tmp_path if where == "dir" else tmp_path / "no" / "such" / "x.txt"
    code, _, err = cli_call("report", str(est), "-f", fmt, "-o", str(target))
    assert code == 2 and err.startswith(f"wattprint: error: cannot write {target}"), err
    assert "internal error" not in err and len(err.strip().splitlines()) == 1


def test_writable_output(est: Path, tmp_path: Path) -> None:
    target = tmp_path / "sci.json"
    code, _, err = cli_call("report", str(est), "-f", "sci", "-o", str(target))
    assert code == 0 and json.loads(target.read_text())["format"] == "sci"


def test_pdf_into_a_missing_folder_is_refused_before_chromium(est: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "x.pdf"
    code, _, err = cli_call("report", str(est), "-f", "pdf", "-o", str(target))
    assert code == 2 and err == f"wattprint: error: cannot write {target}: folder " \
        f"{target.parent} does not exist (wattprint does not create folders: make it first)\n", err
