"""--resolution for diffusion pipelines: the denoiser and VAE scaled from their traced size
(torch-free: shipped summaries)."""

from __future__ import annotations

import pytest

from wattprint.cli.main import run
from wattprint.engine.catalog_models import estimate_operator_model, model_parts
from wattprint.errors import InputError, UnsupportedError
from wattprint.workload.operators.catalog import get_operator_model, load_summary
from wattprint.workload.operators.resolution import parse_resolution, scale_summary, token_scale


def test_vae_512_scaled_to_1024_equals_the_1024_trace() -> None:
    # Both decoders are the same architecture traced at 64×64 and 128×128 latents.
    scaled = scale_summary(load_summary("sd_vae_decoder_512"), 4.0)
    traced = load_summary("sd_vae_decoder_1024")
    assert scaled.tensor_flops == pytest.approx(traced.tensor_flops, rel=1e-6)
    assert scaled.class_flops("attention") == pytest.approx(traced.class_flops("attention"),
                                                            rel=1e-6)
    moved = sum(g.in_elements + g.out_elements for g in scaled.groups)
    assert moved == pytest.approx(sum(g.in_elements + g.out_elements for g in traced.groups),
                                  rel=1e-4)


def test_unet_and_mmdit_scaling_match_traces_at_another_size() -> None:
    # Golden values traced with tools/trace_catalog.py's builders (torch 2.14.1, meta device):
    # SD 1.5 UNet at 128×128 latents (1024 px) 4.674e12 FLOPs per step at batch 1 — the
    # cross-attention scaled as self-attention makes the scaled figure 1.1 % high;
    # SD3 MMDiT at 64×64 latents (512 px, 1,024 image + 333 text tokens) 2.1075e12 FLOPs.
    sd15 = scale_summary(load_summary("sd15_unet"), 4.0)
    assert sd15.tensor_flops == pytest.approx(4.674006e12, rel=0.02)
    sd3 = scale_summary(load_summary("sd3_transformer"), token_scale(0.25, 4096, 333))
    assert sd3.tensor_flops == pytest.approx(2.107451e12, rel=0.01)


def test_default_resolution_changes_nothing_and_smaller_images_cost_less() -> None:
    base = estimate_operator_model("flux.1-dev", "h100")
    same = estimate_operator_model("flux.1-dev", "h100", resolution="1024x1024")
    small = estimate_operator_model("flux.1-dev", "h100", resolution="512")
    assert same.accelerator_energy.value == pytest.approx(base.accelerator_energy.value)
    # 512² has a quarter of the image tokens; the 512 text tokens do not shrink.
    assert 0.25 < small["flops"].value / base["flops"].value < 0.35
    parts = {p.role: p for p in model_parts(get_operator_model("sdxl"), 1, None, None,
                                            (512, 512))}
    assert parts["text encoder 1"].summary is load_summary("clip_text_l14")  # not scaled


def test_token_scale_keeps_text_tokens() -> None:
    assert token_scale(4.0, 4096, 0) == 4.0
    assert token_scale(0.25, 4096, 512) == pytest.approx((1024 + 512) / 4608)


@pytest.mark.parametrize("text", ["0x0", "1001x1024", "abc", "1024x1024x3", "16"])
def test_bad_resolutions_are_input_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_resolution(text)


def test_resolution_needs_an_image_model() -> None:
    with pytest.raises(UnsupportedError, match="image-generation"):
        estimate_operator_model("resnet50", "h100", resolution="512x512")


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        run(args)
    out = capsys.readouterr()
    return int(e.value.code or 0), out.out, out.err


def test_cli_resolution(capsys) -> None:
    code, out, err = _cli(["estimate", "infer", "--model", "sd-1.5", "-H", "h100",
                           "--resolution", "768x768", "--json"], capsys)
    assert code == 0, err
    assert "resolution 768\\u00d7768" in out or "resolution 768×768" in out
    for model in ("llama-3.1-8b", "resnet50"):
        code, _, err = _cli(["estimate", "infer", "--model", model, "-H", "h100",
                             "--resolution", "512"], capsys)
        assert code == 2 and "image-generation" in err and "Traceback" not in err
