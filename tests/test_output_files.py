"""Every ``-o`` writes into an existing folder: a missing folder (or a directory given as the
file) is one line on stderr and exit 2, checked before any work, and no folder is created."""

from __future__ import annotations

from pathlib import Path

import pytest

from wattprint.errors import InputError
from wattprint.ledger import Ledger
from wattprint.testing import cli_call
from wattprint.textfiles import output_file


@pytest.fixture
def estimate_json(tmp_path: Path) -> Path:
    code, out, err = cli_call("estimate", "infer", "--model", "llama-3.1-8b", "--hardware",
                              "h100", "--json")
    assert code == 0, err
    path = tmp_path / "est.json"
    path.write_text(out)
    return path


@pytest.fixture
def ledger_file(tmp_path: Path) -> Path:
    db = tmp_path / "old.sqlite"
    with Ledger(db) as led:
        led.finish_run(led.start_run(["true"]), complete=True, exit_code=0)
    return db


def _commands(out: str, est: Path, db: Path) -> list[list[str]]:
    return [
        ["report", str(est), "-o", out],
        ["report", str(est), "--format", "sci", "-o", out],
        ["export", "--db", str(db), "-o", out],
        ["ledger", "recover", "--db", str(db), "-o", out],
        ["calibrate", "plot", "h200-microbench", "-o", out + ".svg"],
        # checked before the benchmark runs: this would otherwise take 60 s
        ["calibrate", "device", "--cpu", "--budget", "60", "-o", out],
        ["calibrate", "device", "--cpu", "--budget", "60", "--plot", out + ".svg"],
        ["calibrate", "fit", str(est), "-o", out],
    ]


@pytest.mark.parametrize("case", range(8))
def test_a_missing_folder_is_an_error_and_is_not_created(tmp_path: Path, estimate_json: Path,
                                                         ledger_file: Path, case: int) -> None:
    missing = tmp_path / "no" / "such"
    args = _commands(str(missing / "out.x"), estimate_json, ledger_file)[case]
    code, out, err = cli_call(*args)
    assert code == 2, (args, out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"wattprint: error: cannot write {missing}"), err
    assert f"folder {missing} does not exist" in err, err
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("case", range(8))
def test_a_directory_is_not_a_file_name(tmp_path: Path, estimate_json: Path,
                                        ledger_file: Path, case: int) -> None:
    folder = tmp_path / "folder.svg"  # the picture commands want an .svg name
    folder.mkdir()
    args = _commands(str(tmp_path / "folder"), estimate_json, ledger_file)[case]
    args = [str(folder) if a.startswith(str(tmp_path / "folder")) else a for a in args]
    code, _, err = cli_call(*args)
    assert code == 2 and "is a directory" in err and len(err.strip().splitlines()) == 1, err


def test_an_existing_folder_works(tmp_path: Path, estimate_json: Path,
                                  ledger_file: Path) -> None:
    for case in range(5):  # the ones that run quickly
        out = tmp_path / f"out{case}"
        args = _commands(str(out), estimate_json, ledger_file)[case]
        code, _, err = cli_call(*args)
        assert code == 0, (args, err)
        assert out.is_file() or out.with_name(out.name + ".svg").is_file(), args


def test_output_file_helper(tmp_path: Path) -> None:
    assert output_file(tmp_path / "a.json") == tmp_path / "a.json"
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        output_file(tmp_path / "f" / "a.json")
    with pytest.raises(InputError, match="it is a directory"):
        output_file(tmp_path)
