"""Catalog models described by operators (``data/operator_models.toml``), torch-free.

Each model is a pipeline of traced components (``data/operators/<summary>.json``, regenerated
by ``tools/trace_catalog.py``): a classifier is one forward pass per image; a text-to-image
model runs its text encoders once, its denoiser ``steps`` times with the batch doubled by
classifier-free guidance, and its VAE decoder once; a speech model runs its encoder once per
30 s window and its decoder once per generated token.

Two outside checks of a trace: :func:`flops_checks` (traced multiply-adds against published
figures, ``published_macs``) and :func:`params_checks` (the traced parameter count against the
model card's or paper's, ``published_params``), which tests that the traced weights, and so the
traced matmul shapes, are right where no FLOPs figure with stated conditions exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wattprint.catalog.caches import register_derived_cache
from wattprint.catalog.light import operator_key
from wattprint.catalog.operator_data import operator_model_entries, operator_summary_data
from wattprint.catalog.schema import Sourced
from wattprint.errors import DataError, UnknownNameError
from wattprint.workload.operators.classes import CLASSES
from wattprint.workload.operators.summary import OperatorSummary


class PublishedMacs(Sourced):
    """An outside figure for the multiply-adds of one call of a component at batch 1.

    ``value`` is in multiply-adds (a figure quoted as FLOPs at 2 per multiply-add is halved).
    ``conditions`` states what the figure covers (resolution, tokens, per step or per image);
    ``excludes`` lists the operator classes the source does not count, e.g. ``["attention"]``
    for counters that see only ``nn.Linear``/``nn.Conv2d`` modules (thop) and so miss the
    attention-score and value products.
    """

    conditions: str = Field(min_length=3)
    excludes: list[str] = []

    @field_validator("excludes")
    @classmethod
    def _known_classes(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in CLASSES]
        if bad:
            raise ValueError(f"unknown operator class(es) {bad}; choose from {CLASSES}")
        return v


class PublishedParams(Sourced):
    """An outside parameter count for what a traced summary holds (its ``params``).

    ``value`` in parameters, as stated by the source (often rounded: "1550M", "2.6B").
    ``tolerance`` is the relative error the rounding allows (e.g. 0.01 for a figure given to
    3-4 digits, 0.02 for 2 digits, 0.05 for 1). ``conditions`` states what the figure counts
    (whole model or one part; tied embeddings once).
    """

    conditions: str = Field(min_length=3)
    tolerance: float = Field(gt=0, le=0.1)


class Component(BaseModel):
    """One traced part of a pipeline and how often it runs per batch of samples."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: str  # data/operators/<summary>.json
    role: str
    calls: float = Field(default=1.0, gt=0)  # forward calls per batch (before steps)
    per_step: bool = False  # × denoising steps
    guidance: bool = False  # batch × the guidance factor (classifier-free guidance)
    decode: bool = False  # autoregressive: the traced pass covers `tokens` tokens, run 1 by 1
    published_macs: list[PublishedMacs] = []  # outside figures (tests, `validate`)
    published_params: list[PublishedParams] = []  # outside parameter counts (tests, `validate`)
    scales_with_resolution: bool = False  # a denoiser or VAE (see operators/resolution.py)
    image_tokens: float = Field(default=0.0, ge=0)  # tokens from the image at the default size
    fixed_tokens: float = Field(default=0.0, ge=0)  # text tokens run through the same blocks


class OperatorModel(BaseModel):
    """A catalog model priced from traced operators."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    aliases: list[str] = []
    family: str
    task: str
    unit: str  # natural unit: image, generated image, second of audio, sequence, token…
    units_per_sample: float = 1.0  # e.g. 30 seconds of audio per Whisper window
    steps: int | None = None  # default denoising steps
    guidance: float = 1.0  # batch multiplier of guided components (2 = classifier-free)
    tokens: int | None = None  # tokens a decode component generates per sample
    resolution: tuple[int, int] | None = None  # (width, height) px the parts were traced at
    config_match: dict[str, str | int | float] = {}  # keys of a config.json that identify it
    source: str
    components: list[Component]


@register_derived_cache
@lru_cache(maxsize=1)
def operator_models() -> dict[str, OperatorModel]:
    """All operator-level catalog models by id (validated once; the file is read by
    :func:`wattprint.catalog.operator_data.operator_model_entries`)."""
    out: dict[str, OperatorModel] = {}
    for entry in operator_model_entries():
        try:
            m = OperatorModel(**entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DataError(f"operator_models.toml: entry {entry.get('id', '?')}: "
                            f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
        out[m.id] = m
    return out


def _key(name: str) -> str:
    return operator_key(name)


def find_operator_model(name: str) -> OperatorModel | None:
    """The model whose id or alias matches ``name`` (case-insensitive), else None."""
    key = _key(name)
    for m in operator_models().values():
        if key == _key(m.id) or key in (_key(a) for a in m.aliases):
            return m
    return None


def get_operator_model(name: str) -> OperatorModel:
    """Like :func:`find_operator_model` but raises :class:`UnknownNameError`."""
    m = find_operator_model(name)
    if m is None:
        names = [n for m in operator_models().values() for n in (m.id, *m.aliases)]
        raise UnknownNameError("models", name, names)
    return m


@register_derived_cache
@lru_cache(maxsize=64)
def load_summary(name: str) -> OperatorSummary:
    """A shipped traced summary (``data/operators/<name>.json``, read by
    :func:`wattprint.catalog.operator_data.operator_summary_data`), validated."""
    return OperatorSummary.from_dict(operator_summary_data(name), f"data/operators/{name}.json")


def traced_macs(summary: OperatorSummary, excludes: tuple[str, ...] | list[str] = ()) -> float:
    """Multiply-adds of one traced pass (tensor FLOPs / 2), leaving out the operator classes
    in ``excludes`` (to compare with a source that does not count them). Unit: MAC."""
    return sum(g.tensor_flops for g in summary.groups if g.cls not in excludes) / 2.0


@dataclass(frozen=True)
class FlopsCheck:
    """One traced-vs-published multiply-add comparison. ``error`` = traced / published − 1."""

    model: str
    summary: str
    role: str
    traced_macs: float
    published: PublishedMacs

    @property
    def error(self) -> float:
        """Relative error of the traced count against the published figure."""
        return self.traced_macs / self.published.value - 1.0


def flops_checks() -> list[FlopsCheck]:
    """Every component's traced multiply-adds against each published figure it carries,
    counted the way the source counts (``PublishedMacs.excludes``)."""
    out: list[FlopsCheck] = []
    for m in operator_models().values():
        for c in m.components:
            for pub in c.published_macs:
                macs = traced_macs(load_summary(c.summary), pub.excludes)
                out.append(FlopsCheck(m.id, c.summary, c.role, macs, pub))
    return out


@dataclass(frozen=True)
class ParamsCheck:
    """One traced-vs-published parameter count. ``error`` = traced / published − 1."""

    model: str
    summary: str
    role: str
    traced_params: float
    published: PublishedParams

    @property
    def error(self) -> float:
        """Relative error of the traced count against the published figure."""
        return self.traced_params / self.published.value - 1.0

    @property
    def within(self) -> bool:
        """Whether the error is inside the figure's rounding tolerance."""
        return abs(self.error) <= self.published.tolerance


def params_checks() -> list[ParamsCheck]:
    """Every component's traced parameter count (the summary's ``params``, in parameters)
    against each published count it carries (``published_params``)."""
    out: list[ParamsCheck] = []
    for m in operator_models().values():
        for c in m.components:
            for pub in c.published_params:
                out.append(ParamsCheck(m.id, c.summary, c.role,
                                       load_summary(c.summary).params, pub))
    return out
