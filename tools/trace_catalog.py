"""Regenerate the catalog's traced operator summaries (``src/wattprint/data/operators/*.json``).

Needs the torch extra plus torchvision, transformers and diffusers (only here, never at run
time). Every model is built from its published configuration on the meta device — no weights
are downloaded — and traced at batch 1 by ``wattprint.workload.operators.trace``. The
configuration values are those of each model's published ``config.json`` (Hugging Face Hub
repository named in ``source``); defaults of the library classes are used where they equal it.

    PYTHONPATH=src python tools/trace_catalog.py [name ...]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from wattprint.workload.operators.trace import trace_module

OUT = Path(__file__).resolve().parents[1] / "src" / "wattprint" / "data" / "operators"
META = "meta"


def _ids(n: int) -> torch.Tensor:
    return torch.zeros((1, n), dtype=torch.long, device=META)


def _x(*shape: int) -> torch.Tensor:
    return torch.empty(shape, device=META)


def _tv(name: str) -> Callable[[], nn.Module]:
    import torchvision

    return getattr(torchvision.models, name)  # type: ignore[no-any-return]


class Method(nn.Module):
    """Trace one method of a module (``vae.decode``, ``whisper.encoder``…)."""

    def __init__(self, inner: nn.Module, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.inner = inner
        self.fn = fn

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(self.inner, *args, **kwargs)


def _vae(latent: int) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        from diffusers import AutoencoderKL

        vae = AutoencoderKL(
            in_channels=3, out_channels=3, latent_channels=latent,
            down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
            block_out_channels=(128, 256, 512, 512), layers_per_block=2,
            use_quant_conv=latent == 4, use_post_quant_conv=latent == 4)
        return Method(vae, lambda m, z: m.decode(z).sample)
    return build


def _clip_text(hidden: int, layers: int, heads: int, ffn: int, proj: int
               ) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        from transformers import CLIPTextConfig, CLIPTextModelWithProjection

        return CLIPTextModelWithProjection(CLIPTextConfig(
            hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
            intermediate_size=ffn, projection_dim=proj, hidden_act="gelu" if hidden > 768
            else "quick_gelu", vocab_size=49408, max_position_embeddings=77))
    return build


def _t5_encoder(d: int, layers: int, heads: int, ff: int, kv: int, gated: bool
                ) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        from transformers import T5Config, T5EncoderModel

        return T5EncoderModel(T5Config(
            d_model=d, num_layers=layers, num_heads=heads, d_ff=ff, d_kv=kv,
            feed_forward_proj="gated-gelu" if gated else "relu", vocab_size=32128))
    return build


def _hf(cls_name: str, cfg_name: str, **cfg: Any) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        import transformers

        return getattr(transformers, cls_name)(getattr(transformers, cfg_name)(**cfg))
    return build


def _sd15_unet() -> nn.Module:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(cross_attention_dim=768)


def _sdxl_unet() -> nn.Module:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=128, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D",
                                           "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        block_out_channels=(320, 640, 1280), transformer_layers_per_block=(1, 2, 10),
        attention_head_dim=(5, 10, 20), cross_attention_dim=2048, use_linear_projection=True,
        addition_embed_type="text_time", addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=2816)


def _sd3_transformer() -> nn.Module:
    from diffusers import SD3Transformer2DModel

    return SD3Transformer2DModel(
        sample_size=128, patch_size=2, in_channels=16, num_layers=24, attention_head_dim=64,
        num_attention_heads=24, joint_attention_dim=4096, caption_projection_dim=1536,
        pooled_projection_dim=2048, out_channels=16, pos_embed_max_size=192)


def _sd35_transformer(layers: int, heads: int, dual: tuple[int, ...]) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        from diffusers import SD3Transformer2DModel

        return SD3Transformer2DModel(
            sample_size=128, patch_size=2, in_channels=16, num_layers=layers,
            attention_head_dim=64, num_attention_heads=heads, joint_attention_dim=4096,
            caption_projection_dim=64 * heads, pooled_projection_dim=2048, out_channels=16,
            pos_embed_max_size=192 if layers == 38 else 384, qk_norm="rms_norm",
            dual_attention_layers=dual)
    return build


def _flux_transformer() -> nn.Module:
    from diffusers import FluxTransformer2DModel

    return FluxTransformer2DModel(guidance_embeds=True)


#: openai/whisper-large-v3 and openai/whisper-medium config.json values
_WHISPER = {"large_v3": dict(d_model=1280, layers=32, heads=20, ffn=5120, mels=128, vocab=51866),
            "medium": dict(d_model=1024, layers=24, heads=16, ffn=4096, mels=80, vocab=51865)}


def _whisper(part: str, size: str = "large_v3") -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        from transformers import WhisperConfig, WhisperModel

        c = _WHISPER[size]
        m = WhisperModel(WhisperConfig(
            d_model=c["d_model"], encoder_layers=c["layers"], decoder_layers=c["layers"],
            encoder_attention_heads=c["heads"], decoder_attention_heads=c["heads"],
            encoder_ffn_dim=c["ffn"], decoder_ffn_dim=c["ffn"], num_mel_bins=c["mels"],
            vocab_size=c["vocab"]))
        if part == "encoder":
            return Method(m, lambda mm, f: mm.encoder(f).last_hidden_state)
        return Method(m, lambda mm, ids, enc: mm.decoder(
            input_ids=ids, encoder_hidden_states=enc).last_hidden_state)
    return build


def _t5_base(part: str) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        from transformers import T5Config, T5Model

        m = T5Model(T5Config(d_model=768, num_layers=12, num_heads=12, d_ff=3072))  # t5-base
        if part == "encoder":
            return Method(m, lambda mm, ids: mm.encoder(input_ids=ids).last_hidden_state)
        return Method(m, lambda mm, ids, enc: mm.decoder(
            input_ids=ids, encoder_hidden_states=enc).last_hidden_state)
    return build


#: name → (builder, args, kwargs, unit, source)
ENTRIES: dict[str, tuple[Callable[[], nn.Module], list[Any], dict[str, Any], str, str]] = {
    "resnet50": (_tv("resnet50"), [_x(1, 3, 224, 224)], {}, "image",
                 "torchvision.models.resnet50 (He et al. 2016), 224×224"),
    "resnet18": (_tv("resnet18"), [_x(1, 3, 224, 224)], {}, "image",
                 "torchvision.models.resnet18 (He et al. 2016), 224×224"),
    "efficientnet_b0": (_tv("efficientnet_b0"), [_x(1, 3, 224, 224)], {}, "image",
                        "torchvision.models.efficientnet_b0 (Tan & Le 2019), 224×224"),
    "efficientnet_b7": (_tv("efficientnet_b7"), [_x(1, 3, 600, 600)], {}, "image",
                        "torchvision.models.efficientnet_b7 (Tan & Le 2019), 600×600 (the "
                        "google/efficientnet-b7 image_size)"),
    "convnext_tiny": (_tv("convnext_tiny"), [_x(1, 3, 224, 224)], {}, "image",
                      "torchvision.models.convnext_tiny (Liu et al. 2022), 224×224"),
    "vit_b_16": (_tv("vit_b_16"), [_x(1, 3, 224, 224)], {}, "image",
                 "torchvision.models.vit_b_16 (Dosovitskiy et al. 2021), 224×224"),
    "vit_l_14": (_hf("CLIPVisionModelWithProjection", "CLIPVisionConfig", hidden_size=1024,
                     num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                     patch_size=14, image_size=224, projection_dim=768),
                 [_x(1, 3, 224, 224)], {}, "image",
                 "openai/clip-vit-large-patch14 vision tower config (ViT-L/14, 224×224)"),
    "clip_text_l14": (_clip_text(768, 12, 12, 3072, 768), [_ids(77)], {}, "prompt",
                      "openai/clip-vit-large-patch14 text tower config (77 tokens)"),
    "clip_text_bigg14": (_clip_text(1280, 32, 20, 5120, 1280), [_ids(77)], {}, "prompt",
                         "stabilityai/stable-diffusion-xl-base-1.0 text_encoder_2 config "
                         "(OpenCLIP ViT-bigG/14 text, 77 tokens)"),
    "t5_xxl_encoder_256": (_t5_encoder(4096, 24, 64, 10240, 64, True), [_ids(256)], {},
                           "prompt", "google/t5-v1_1-xxl encoder config (SD3 text_encoder_3), "
                           "256 tokens"),
    "t5_xxl_encoder_512": (_t5_encoder(4096, 24, 64, 10240, 64, True), [_ids(512)], {},
                           "prompt", "google/t5-v1_1-xxl encoder config (FLUX.1 text_encoder_2),"
                           " 512 tokens"),
    "bert_base": (_hf("BertModel", "BertConfig"), [_ids(128)], {}, "sequence",
                  "google-bert/bert-base-uncased config, 128 tokens"),
    "roberta_base": (_hf("RobertaModel", "RobertaConfig", vocab_size=50265,
                         max_position_embeddings=514, type_vocab_size=1), [_ids(128)], {},
                     "sequence", "FacebookAI/roberta-base config, 128 tokens"),
    "t5_base_encoder": (_t5_base("encoder"), [_ids(512)], {}, "request",
                        "google-t5/t5-base config, encoder over 512 input tokens"),
    "t5_base_decoder": (_t5_base("decoder"), [_ids(128), _x(1, 512, 768)], {}, "request",
                        "google-t5/t5-base config, decoder over 128 output tokens "
                        "(teacher-forced; decode steps priced separately)"),
    "whisper_large_v3_encoder": (_whisper("encoder"), [_x(1, 128, 3000)], {}, "30 s window",
                                 "openai/whisper-large-v3 config, encoder over one 30 s window"),
    "whisper_large_v3_decoder": (_whisper("decoder"), [_ids(100), _x(1, 1500, 1280)], {},
                                 "30 s window", "openai/whisper-large-v3 config, decoder over "
                                 "100 tokens (teacher-forced; decode steps priced separately)"),
    "whisper_medium_encoder": (_whisper("encoder", "medium"), [_x(1, 80, 3000)], {},
                               "30 s window",
                               "openai/whisper-medium config, encoder over one 30 s window"),
    "whisper_medium_decoder": (_whisper("decoder", "medium"), [_ids(100), _x(1, 1500, 1024)],
                               {}, "30 s window", "openai/whisper-medium config, decoder over "
                               "100 tokens against one window's encoder states"),
    "mamba_130m": (_hf("MambaModel", "MambaConfig", hidden_size=768, num_hidden_layers=24,
                       vocab_size=50280), [_ids(256)], {}, "token",
                   "state-spaces/mamba-130m-hf config, 256 tokens (PyTorch reference scan)"),
    "sd15_unet": (_sd15_unet, [_x(1, 4, 64, 64), torch.zeros(1, device=META),
                               _x(1, 77, 768)], {}, "step",
                  "stable-diffusion-v1-5 unet/config.json, 512×512 (64×64 latents)"),
    "sdxl_unet": (_sdxl_unet, [_x(1, 4, 128, 128), torch.zeros(1, device=META),
                               _x(1, 77, 2048)],
                  {"added_cond_kwargs": {"text_embeds": _x(1, 1280), "time_ids": _x(1, 6)}},
                  "step", "stabilityai/stable-diffusion-xl-base-1.0 unet/config.json, "
                          "1024×1024 (128×128 latents)"),
    "sd3_transformer": (_sd3_transformer, [_x(1, 16, 128, 128)],
                        {"encoder_hidden_states": _x(1, 333, 4096),
                         "pooled_projections": _x(1, 2048),
                         "timestep": torch.zeros(1, device=META)}, "step",
                        "stabilityai/stable-diffusion-3-medium-diffusers transformer/config.json,"
                        " 1024×1024"),
    "sd35_large_transformer": (_sd35_transformer(38, 38, ()), [_x(1, 16, 128, 128)],
                               {"encoder_hidden_states": _x(1, 333, 4096),
                                "pooled_projections": _x(1, 2048),
                                "timestep": torch.zeros(1, device=META)}, "step",
                               "stabilityai/stable-diffusion-3.5-large transformer/config.json,"
                               " 1024×1024"),
    "sd35_medium_transformer": (_sd35_transformer(24, 24, tuple(range(13))),
                                [_x(1, 16, 128, 128)],
                                {"encoder_hidden_states": _x(1, 333, 4096),
                                 "pooled_projections": _x(1, 2048),
                                 "timestep": torch.zeros(1, device=META)}, "step",
                                "stabilityai/stable-diffusion-3.5-medium transformer/config.json"
                                " (MMDiT-X, dual attention in layers 0-12), 1024×1024"),
    "flux1_transformer": (_flux_transformer, [_x(1, 4096, 64)],
                          {"encoder_hidden_states": _x(1, 512, 4096),
                           "pooled_projections": _x(1, 768),
                           "timestep": torch.zeros(1, device=META),
                           "img_ids": _x(4096, 3), "txt_ids": _x(512, 3),
                           "guidance": torch.zeros(1, device=META)}, "step",
                          "black-forest-labs/FLUX.1-dev transformer/config.json, 1024×1024"),
    "sd_vae_decoder_512": (_vae(4), [_x(1, 4, 64, 64)], {}, "image",
                           "stable-diffusion-v1-5 vae/config.json, decode 64×64 latents"),
    "sd_vae_decoder_1024": (_vae(4), [_x(1, 4, 128, 128)], {}, "image",
                            "stabilityai/stable-diffusion-xl-base-1.0 vae, decode 128×128"),
    "sd3_vae_decoder_1024": (_vae(16), [_x(1, 16, 128, 128)], {}, "image",
                             "SD3/FLUX.1 16-channel VAE config, decode 128×128 latents"),
}


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or list(ENTRIES):
        build, args, kwargs, unit, source = ENTRIES[name]
        s = trace_module(build, args, name=name, unit=unit, kwargs=kwargs)
        from dataclasses import replace

        s = replace(s, source=f"{source}; {s.source}; regenerate: tools/trace_catalog.py")
        s.save(OUT / f"{name}.json")
        print(f"{name}: {s.tensor_flops / 2e9:.2f} GMAC, {s.params / 1e6:.1f} M params, "
              f"{len(s.groups)} groups, unpriced {s.unpriced}")


if __name__ == "__main__":
    main(sys.argv[1:])
