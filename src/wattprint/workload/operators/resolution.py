"""Image resolution of a diffusion pipeline: scale a traced denoiser or VAE to another size.

A catalog diffusion model is traced at its default resolution (SD 1.5 at 512×512, SDXL, SD3 and
FLUX at 1024×1024). At another resolution the latent has ``r = (W·H)/(W₀·H₀)`` times as many
pixels (docs/methodology.md §Resolution):

- work per latent position (convolutions, projections, norms, activations, copies) scales with
  the tokens, ``s = (r·L_img + L_fix)/(L_img + L_fix)``, where ``L_fix`` are tokens that do not
  depend on the image (the text tokens an MMDiT such as SD3 or FLUX runs through the same
  blocks; 0 for a UNet or a VAE, so ``s = r``);
- self-attention scores and their FLOPs scale with ``s²`` (every token attends to every token);
  a fused attention kernel's reads and writes (q, k, v, output) scale with ``s``;
- weights do not change, and neither do kernel launches.

A UNet's cross-attention (image tokens attending to 77 text tokens) scales with ``s``, not
``s²``; it is scaled as self-attention here (it is 2–7 % of a UNet's attention FLOPs at
512–1024 px: an approximation stated in the methodology).
"""

from __future__ import annotations

from dataclasses import replace

from wattprint.errors import InputError
from wattprint.workload.operators.summary import OperatorSummary, OpGroup

#: Pixels per latent position of the VAE (8×8) — sizes must be multiples of it.
VAE_FACTOR = 8
MIN_SIDE, MAX_SIDE = 64, 8192


def parse_resolution(text: str | tuple[int, int]) -> tuple[int, int]:
    """``"1024x768"`` or ``"1024"`` (square) → (width, height) in pixels.

    Raises :class:`InputError` for sides that are not whole multiples of 8 between 64 and 8192.
    """
    if isinstance(text, tuple):
        parts = [str(v) for v in text]
    else:
        parts = [p.strip() for p in str(text).lower().replace("×", "x").split("x")]
        if len(parts) == 1:
            parts = parts * 2
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise InputError(f"resolution {text!r}: give WIDTHxHEIGHT in pixels, e.g. 1024x1024")
    w, h = int(parts[0]), int(parts[1])
    for side in (w, h):
        if not MIN_SIDE <= side <= MAX_SIDE or side % VAE_FACTOR:
            raise InputError(f"resolution {text!r}: each side must be a multiple of "
                             f"{VAE_FACTOR} between {MIN_SIDE} and {MAX_SIDE} pixels")
    return w, h


def token_scale(pixel_ratio: float, image_tokens: float, fixed_tokens: float) -> float:
    """``s = (r·L_img + L_fix)/(L_img + L_fix)``: how the tokens of one pass grow."""
    if fixed_tokens <= 0 or image_tokens <= 0:
        return pixel_ratio
    return (pixel_ratio * image_tokens + fixed_tokens) / (image_tokens + fixed_tokens)


def _scale_group(g: OpGroup, s: float) -> OpGroup:
    if g.cls != "attention":
        return g.scaled(s)
    fused = "scaled_dot_product" in g.op or "flash" in g.op or "efficient_attention" in g.op
    io = s if fused else s * s
    return replace(g, tensor_flops=g.tensor_flops * s * s, cost_elements=g.cost_elements * s * s,
                   in_elements=g.in_elements * io, out_elements=g.out_elements * io,
                   fixed_bytes=g.fixed_bytes * io,
                   fused_read_elements=g.fused_read_elements * io,
                   fused_write_elements=g.fused_write_elements * io, gemm_m=g.gemm_m * s)


def scale_summary(summary: OperatorSummary, s: float) -> OperatorSummary:
    """``summary`` with its tokens multiplied by ``s`` (attention FLOPs by ``s²``)."""
    if s <= 0:
        raise InputError(f"token scale must be > 0, got {s:g}")
    if s == 1.0:
        return summary
    return replace(summary, groups=tuple(_scale_group(g, s) for g in summary.groups),
                   meta={**summary.meta, "token_scale": s})
