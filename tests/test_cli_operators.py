"""``estimate infer|train`` for non-LLM models: catalog names, config files, --module."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

from wattprint.cli.main import run

HAS_TORCH = importlib.util.find_spec("torch") is not None and \
    importlib.util.find_spec("torchvision") is not None
_skip_without_torch = pytest.mark.skipif(
    not HAS_TORCH and os.environ.get("CI") != "true",
    reason="--module needs the torch extra (CI installs it; under CI=true these fail instead)")


def needs_torch(fn):  # type: ignore[no-untyped-def]
    """Slow tier (importing torch costs 5-13 s); skipped without torch unless CI=true."""
    return pytest.mark.slow(_skip_without_torch(fn))


def cli(args, capsys):
    with pytest.raises(SystemExit) as e:
        run(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_catalog_image_model_json(capsys) -> None:
    code, out, err = cli(["estimate", "infer", "--model", "resnet50", "--hardware", "h100",
                          "--batch", "64", "--samples", "6400", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["inputs"]["unit"] == "image" and d["inputs"]["units"] == 6400
    per = d["accelerator_energy_per_image"]["value"]
    assert d["accelerator_energy"]["value"] == pytest.approx(per * 6400)


def test_diffusion_steps_and_explain(capsys) -> None:
    code, out, err = cli(["estimate", "infer", "--model", "sdxl", "--hardware", "h100",
                          "--steps", "20", "--stack", "compiled", "--explain"], capsys)
    assert code == 0, err
    assert "Where the joules go" in out and "Fusion removed" in out


def test_config_file_routes_to_operator_catalog(tmp_path, capsys) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"model_type": "whisper", "d_model": 1280,
                               "encoder_layers": 32}))
    code, out, err = cli(["estimate", "infer", "--model-config", str(cfg), "--hardware",
                          "a100", "--samples", "60", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["inputs"]["unit"] == "second of audio"


def test_unknown_architecture_config_is_a_clear_error(tmp_path, capsys) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"model_type": "swin", "embed_dim": 96, "depths": [2, 2, 6, 2]}))
    code, _, err = cli(["estimate", "infer", "--model-config", str(cfg), "--hardware", "a100"],
                       capsys)
    assert code == 2 and "--module" in err and "Traceback" not in err


def test_catalog_bad_inputs_exit_2(capsys) -> None:
    for args in (["--model", "sdxl", "--steps", "0"], ["--model", "resnet50", "--batch", "-3"],
                 ["--model", "resnet50", "--activation", "swishy"],
                 ["--model", "resnet50", "--op-precision", "matmul"],
                 ["--model", "resnet50", "--chips", "8"]):
        code, _, err = cli(["estimate", "infer", "--hardware", "h100", *args], capsys)
        assert code == 2, (args, err)
        assert err.startswith("wattprint: error:") and "Traceback" not in err


@needs_torch
def test_module_infer_and_train(capsys) -> None:
    code, out, err = cli(["estimate", "infer", "--module", "torchvision.models:resnet18",
                          "--input", "3x64x64", "--batch", "8", "--hardware", "h100",
                          "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["details"]["operators"]["flops"] > 0
    code, out, err = cli(["estimate", "train", "--module", "torchvision.models:resnet18",
                          "--input", "3x64x64", "--samples", "1000", "--batch", "50",
                          "--hardware", "h100", "--json"], capsys)
    assert code == 0, err
    assert "backward" in json.loads(out)["details"]["operators"]["training"]


@needs_torch
def test_module_errors_name_the_operator(capsys) -> None:
    code, _, err = cli(["estimate", "infer", "--module", "torchvision.models:resnet18",
                        "--input", "5x64x64", "--hardware", "h100"], capsys)
    assert code == 2 and "aten.convolution" in err and "conv1" in err
    code, _, err = cli(["estimate", "infer", "--module", "torchvision.models:resnet18",
                        "--hardware", "h100"], capsys)
    assert code == 2 and "--input" in err
