"""Predictions for catalog models priced from traced operators (CNNs, ViTs, CLIP, encoders,
encoder–decoders, diffusion pipelines, state-space models) — no torch needed.

``estimate_operator_model`` builds the pipeline's parts (text encoders once, the denoiser
``steps`` times with the batch doubled by classifier-free guidance, the VAE once; a decoder
token by token) and prices them with :func:`wattprint.engine.modules.estimate_parts`.
``match_config`` recognises a model from its standard config file (``config.json``, a diffusers
``model_index.json`` or a unet/transformer ``config.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wattprint.catalog.profiles import Profile
from wattprint.catalog.schema import Hardware
from wattprint.catalog.stacks import Stack
from wattprint.engine.modules import Part, estimate_parts, options
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.numbers import check_number
from wattprint.site.chain import SiteFactors
from wattprint.workload.operators.catalog import (
    OperatorModel,
    find_operator_model,
    get_operator_model,
    load_summary,
    operator_models,
)
from wattprint.workload.operators.resolution import (
    parse_resolution,
    scale_summary,
    token_scale,
)


def model_parts(m: OperatorModel, batch: int, steps: int | None, tokens: int | None,
                resolution: tuple[int, int] | None = None) -> list[Part]:
    """The parts of one batch of ``batch`` samples of ``m`` (at ``resolution`` px, w × h)."""
    n_steps = steps if steps is not None else (m.steps or 1)
    n_tokens = tokens if tokens is not None else (m.tokens or 1)
    ratio = pixel_ratio(m, resolution)
    parts = []
    for c in m.components:
        calls = c.calls * (n_steps if c.per_step else 1)
        b = int(round(batch * (m.guidance if c.guidance else 1.0)))
        summary = load_summary(c.summary)
        if c.scales_with_resolution and ratio != 1.0:
            summary = scale_summary(summary, token_scale(ratio, c.image_tokens, c.fixed_tokens))
        parts.append(Part(c.role, summary, calls, b, float(n_tokens) if c.decode else 1.0))
    return parts


def pixel_ratio(m: OperatorModel, resolution: tuple[int, int] | None) -> float:
    """``(W·H)/(W₀·H₀)`` against the resolution ``m`` was traced at (1 without one).

    Raises :class:`UnsupportedError` for a model without an image resolution.
    """
    if resolution is None:
        return 1.0
    if m.resolution is None:
        raise UnsupportedError(f"--resolution applies to image-generation models; {m.id} "
                               f"({m.family}) has no image resolution")
    w0, h0 = m.resolution
    return resolution[0] * resolution[1] / (w0 * h0)


def estimate_operator_model(model: str | OperatorModel, hardware: str | Hardware, *,
                            units: float | None = None, batch: int = 1,
                            steps: int | None = None, tokens: int | None = None,
                            resolution: str | tuple[int, int] | None = None,
                            train: bool = False, precision: str = "bf16",
                            stack: str | Stack | None = None, activation: str | None = None,
                            op_precision: dict[str, str] | None = None,
                            site: str | SiteFactors | None = None, pue: float | None = None,
                            profile: str | Profile | None = None,
                            market_gco2e_per_kwh: float | None = None) -> Footprint:
    """Footprint of ``units`` natural units (images, seconds of audio…) of a catalog model.

    ``batch`` samples run together (a sample is ``units_per_sample`` units: 30 s of audio for
    Whisper); ``steps`` overrides the denoising steps, ``tokens`` the generated tokens,
    ``resolution`` (``"768x768"``) the image size of a text-to-image model: its denoiser and
    VAE are scaled from the traced size (:mod:`wattprint.workload.operators.resolution`).
    """
    m = model if isinstance(model, OperatorModel) else get_operator_model(model)
    batch = _positive_int(batch, "batch", 10**6)
    if steps is not None:
        steps = _positive_int(steps, "steps", 10**5)
    if tokens is not None:
        tokens = _positive_int(tokens, "tokens", 10**6)
    if train and len(m.components) > 1:
        raise UnsupportedError(f"training {m.id} ({m.family} pipeline) is not modelled; "
                               "trace the trainable part with --module and --samples")
    o, notes = options(hardware, precision=precision, stack=stack, activation=activation,
                       op_precision=op_precision, train=train, profile=profile)
    per_batch = batch * m.units_per_sample
    n = per_batch if units is None else check_number(float(units), "units")
    if n <= 0:
        raise InputError(f"units must be > 0, got {n:g}")
    res = None if resolution is None else parse_resolution(resolution)
    if res is not None and m.resolution is not None and res != tuple(m.resolution):
        notes.append(f"resolution {res[0]}×{res[1]}: denoiser and VAE scaled from the traced "
                     f"{m.resolution[0]}×{m.resolution[1]} (tokens × s, self-attention × s²)")
    if m.guidance > 1:
        notes.append(f"classifier-free guidance: guided parts run a batch of "
                     f"{m.guidance:g} × {batch}")
    return estimate_parts(model_parts(m, batch, steps, tokens, res), o, name=m.id, unit=m.unit,
                          units_per_batch=per_batch, units=n, site=site, pue=pue,
                          market_gco2e_per_kwh=market_gco2e_per_kwh, notes=notes,
                          queries_per_batch=float(batch))


def _positive_int(v: Any, what: str, limit: int) -> int:
    check_number(float(v), what, integer=True)
    if not 1 <= int(v) <= limit:
        raise InputError(f"{what} must be between 1 and {limit}, got {v}")
    return int(v)


def _matches(cfg: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, value in want.items():
        have = cfg.get(key)
        if isinstance(value, str) and value.startswith("["):
            have = json.dumps(have) if isinstance(have, list) else have
        if isinstance(value, int | float) and isinstance(have, bool):
            have = int(have)
        if have != value:
            return False
    return bool(want)


_PIPELINES = {"StableDiffusionPipeline": "sd-1.5", "StableDiffusionXLPipeline": "sdxl",
              "StableDiffusion3Pipeline": "sd3-medium", "FluxPipeline": "flux.1-dev"}


def match_config(path: Path | str) -> OperatorModel | None:
    """The catalog model a ``config.json``/``model_index.json`` describes, or None.

    Raises :class:`InputError` if the file is unreadable. A diffusers pipeline index is
    recognised by its ``_class_name`` (SD3/FLUX indexes by their transformer's shape when a
    ``transformer/config.json`` sits next to it).
    """
    p = Path(path)
    try:
        cfg = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{p}: cannot read config: {exc}") from exc
    if not isinstance(cfg, dict):
        raise InputError(f"{p}: a config file must hold a JSON object")
    cls = str(cfg.get("_class_name", ""))
    if cls.endswith("Pipeline"):
        sub = p.parent / "transformer" / "config.json"
        if sub.is_file():
            found = match_config(sub)
            if found is not None:
                return found
        name = _PIPELINES.get(cls)
        return find_operator_model(name) if name else None
    name_or_path = str(cfg.get("_name_or_path", ""))
    if name_or_path and (hit := find_operator_model(name_or_path)):
        return hit
    # The most specific match wins (SD 3.5 Medium's config also fits SD3 Medium's keys).
    hits = [m for m in operator_models().values()
            if m.config_match and _matches(cfg, dict(m.config_match))]
    return max(hits, key=lambda m: len(m.config_match)) if hits else None
