"""Validated shapes of the data files in ``wattprint/data`` (pydantic).

Every number in a data file is a :class:`Sourced` value: ``{value, low?, high?, source, year,
status?, note?}``. Units are in the field names and are SI except where the field name says
otherwise (``_per_kwh`` fields keep the kWh people publish in; code converts with exact factors).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from wattprint.catalog.precisions import COMPUTE_FORMATS

#: The formats a chip may list (derived from the one table, catalog/precisions.py).
PRECISIONS: tuple[str, ...] = COMPUTE_FORMATS


def _compute_format(name: str) -> str:
    if name not in COMPUTE_FORMATS:
        raise ValueError(f"unknown precision {name!r}; choose one of {', '.join(COMPUTE_FORMATS)}")
    return name


Precision = Annotated[str, AfterValidator(_compute_format)]
Status = Literal["primary", "secondary", "derived", "unconfirmed", "measured", "assumption"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Strict):
    """A number with its source and year (and optionally a range)."""

    value: float
    low: float | None = None
    high: float | None = None
    source: str = Field(min_length=3)
    year: int = Field(ge=1990, le=2030)
    status: Status = "secondary"
    note: str | None = None

    @model_validator(mode="after")
    def _range(self) -> Sourced:
        if self.low is not None and self.low > self.value:
            raise ValueError(f"low {self.low} > value {self.value}")
        if self.high is not None and self.high < self.value:
            raise ValueError(f"high {self.high} < value {self.value}")
        return self

    def cite(self) -> str:
        """Short citation: ``source (year, status)``."""
        return f"{self.source} ({self.year}, {self.status})"


class Hardware(_Strict):
    """One accelerator or processor, per chip (or per board where the vendor sells boards)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str
    aliases: list[str] = []
    kind: Literal["gpu", "tpu", "npu", "cpu", "accelerator", "soc"]
    vendor: str
    family: str
    segment: Literal["datacenter", "workstation", "edge", "client"] = "datacenter"
    peak_flops: dict[Precision, Sourced]  # dense FLOP/s (OP/s for int) per precision
    memory_bytes: Sourced
    memory_bandwidth_bps: Sourced  # bytes per second
    memory_type: str
    tdp_w: Sourced  # power limit / TDP / TBP
    idle_w: Sourced  # floor while a job holds the device (e.g. a CUDA context open)
    idle_no_context_w: Sourced | None = None
    embodied_co2e_g: Sourced  # manufacturing footprint of the chip or board
    host_power_w: Sourced  # host share per accelerator (CPU, RAM, NIC, fans) under load
    host_embodied_co2e_g: Sourced  # host server share per accelerator
    interconnect_bps: Sourced | None = None  # scale-up bandwidth per chip and direction, B/s
    j_per_flop: dict[Precision, Sourced] = {}  # measured dynamic energy per FLOP where known
    j_per_byte: Sourced | None = None  # measured dynamic energy per byte of device memory
    charging_efficiency: Sourced | None = None  # battery devices: wall energy = battery / eff
    #: 2:4 structured-sparsity matmul rate over dense (sparse tensor cores); absent: no kernel
    sparse_matmul_speedup: Sourced | None = None
    notes: str | None = None

    @field_validator("aliases")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [a.lower() for a in v]


class Site(_Strict):
    """A country, cloud region or grid zone, with the data centre defaults used there."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.:\-_]*$")
    name: str
    aliases: list[str] = []
    kind: Literal["country", "cloud-region", "grid-region", "world", "residential"]
    country: str  # ISO 3166 alpha-3, or WOR
    provider: str | None = None  # aws, gcp, azure, ... for cloud regions
    grid_gco2e_per_kwh: Sourced  # location-based average intensity
    water_l_per_kwh: Sourced  # off-site: water consumed to generate 1 kWh
    price_usd_per_kwh: Sourced
    pue: Sourced
    wue_l_per_kwh: Sourced  # on-site water use effectiveness (per kWh of IT energy)
    cooling: Literal["air", "evaporative", "liquid", "unknown"] = "unknown"
    hourly_profile: str | None = None  # name of a 24-value profile in grid_profiles.toml

    @field_validator("aliases")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [a.lower() for a in v]


class Facility(_Strict):
    """Default PUE/WUE for an operator or a cooling type."""

    id: str
    name: str
    pue: Sourced
    wue_l_per_kwh: Sourced


class ModelCard(_Strict):
    """Architecture of a well-known model in Hugging Face ``config.json`` field names."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-_]*$")
    name: str
    aliases: list[str] = []
    source: str
    year: int
    params_total: float | None = None  # published parameter count (for checks)
    params_active: float | None = None
    config: dict[str, object]  # the HF config fields (hidden_size, num_hidden_layers, ...)

    @field_validator("aliases")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [a.lower() for a in v]


class Stack(BaseModel):
    """A software stack's overheads, kernel efficiencies and fusion level (``stacks.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    aliases: list[str] = []
    per_step_s: Sourced  # host time per forward call / optimizer step [s]
    per_layer_s: Sourced  # host time per decoder layer per pass [s]
    per_loop_step_s: Sourced  # generation-loop time per decode step [s]
    per_layer_seq_s: Sourced  # per-layer host/launch work per sequence in the batch [s]
    #: serving-engine host work serial with the device step: per step, per running sequence [s]
    per_engine_step_s: Sourced | None = None
    per_seq_step_s: Sourced | None = None
    #: serial host time per step for each tensor-/pipeline-parallel worker beyond the first [s]
    per_worker_step_s: Sourced | None = None
    #: per running sequence and vocabulary entry per step (full-vocabulary sampling) [s]
    per_seq_vocab_s: Sourced | None = None
    #: serving-engine host work once per request, when its prompt is admitted [s]
    per_request_s: Sourced | None = None
    #: share of the dynamic power budget drawn during the per-sequence engine work
    per_seq_power_fraction: Sourced | None = None
    #: power above idle drawn during the per-sequence engine work, the same on every chip
    #: (replaces per_seq_power_fraction when given; capped at TDP − idle) [W]
    per_seq_power_w: Sourced | None = None
    #: share of the dynamic power budget drawn during host-paced (launch-bound) time
    host_power_fraction: Sourced | None = None
    #: benchmark-harness host time per query while the chip waits at its idle floor [s]
    per_query_host_s: Sourced | None = None
    compute_efficiency: Sourced  # fraction of peak FLOP/s reached by large matmuls
    memory_efficiency: Sourced  # fraction of peak bandwidth reached by streaming kernels
    moe_efficiency: Sourced  # share of those efficiencies reached by routed-expert kernels
    #: highest memory bandwidth the routed-expert kernels reach (bytes in flight) [B/s]
    moe_bandwidth_bps: Sourced | None = None
    #: highest bandwidth the recurrent-state (Mamba-2) decode kernels reach [B/s]
    state_bandwidth_bps: Sourced | None = None
    #: highest bandwidth dense weight streaming reaches in decode GEMMs [B/s]
    weight_bandwidth_bps: Sourced | None = None
    #: latency of the MoE kernel chain (router, sort, two grouped GEMMs, combine) per layer [s]
    moe_layer_s: Sourced | None = None
    #: share of moe_efficiency reached by block-scaled fp8 expert kernels
    moe_fp8_efficiency: Sourced | None = None
    #: share of the link's per-direction rate the tensor-parallel all-reduces reach
    allreduce_efficiency: Sourced | None = None
    #: share of TDP − idle drawn above idle during the all-reduce time
    collective_power_fraction: Sourced | None = None
    act_passes_hidden: Sourced
    act_passes_ffn: Sourced
    fused_attention: bool = True
    continuous_batching: bool = False  # serving engine: sequences at staggered lengths
    #: the engine runs admitted prompts' prefill as steps of their own, never mixed with
    #: decode (vLLM V0 with chunked prefill off): see ``separate_prefill_steps``
    separate_prefill_steps: bool = False
    host_serial: bool = False  # host dispatch adds to device time (batch-1 eager loops)

    @field_validator("aliases")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [a.lower() for a in v]
