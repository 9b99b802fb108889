"""Light catalog entries: the estimate path's records, built without pydantic.

Importing pydantic and building the schema classes (:mod:`wattprint.catalog.schema`) was
most of the first estimate after ``import wattprint``. A packaged data file whose parsed twin
matches its bytes (:mod:`wattprint.catalog.parsed`) holds exactly the rows that the schema
validates, so the estimate path reads them as plain, read-only :class:`Entry` records with the
same attribute names, the same values and types (numbers of ``float`` fields as ``float``,
aliases lower-cased) and the schema's defaults filled in. Every other use (the catalog
listings, a user's data file, an edited file without its twin) goes through full pydantic
validation, and ``tests/test_light_entries.py`` checks that every packaged entry read here
equals its validated twin, field by field and type by type.
"""

from __future__ import annotations

from typing import Any

#: Defaults of :class:`~wattprint.catalog.schema.Sourced`.
_SOURCED_DEFAULTS: dict[str, Any] = {"low": None, "high": None, "status": "secondary",
                                     "note": None}


class Entry:
    """A read-only record of one validated catalog entry (attribute access only)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "__dict__", fields)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({body})"


class SourcedEntry(Entry):
    """A sourced number (``value``, ``low``, ``high``, ``source``, ``year``, ``status``,
    ``note``), as :class:`~wattprint.catalog.schema.Sourced`."""

    value: float
    low: float | None
    high: float | None
    source: str
    year: int
    status: str
    note: str | None

    def cite(self) -> str:
        """Short citation: ``source (year, status)``."""
        return f"{self.source} ({self.year}, {self.status})"


def _float(v: Any) -> Any:
    return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


def sourced(row: dict[str, Any]) -> SourcedEntry:
    """A :class:`SourcedEntry` from a validated row (defaults filled, numbers as float)."""
    d = {**_SOURCED_DEFAULTS, **row}
    for k in ("value", "low", "high"):
        d[k] = _float(d[k])
    return SourcedEntry(d)


class Kind:
    """How to turn a row of one schema class into an :class:`Entry`: the schema's defaults,
    its sourced fields (one value, or a ``{key: value}`` map), its ``float`` fields and the
    lower-cased alias list."""

    def __init__(self, defaults: dict[str, Any], sourced_fields: tuple[str, ...] = (),
                 sourced_maps: tuple[str, ...] = (), floats: tuple[str, ...] = ()) -> None:
        self.defaults = defaults
        self.sourced_fields = sourced_fields
        self.sourced_maps = sourced_maps
        self.floats = floats

    def build(self, row: dict[str, Any]) -> Entry:
        """The record of one row (a new dict; the row is not changed)."""
        d = {**self.defaults, **row}
        for k in self.sourced_fields:
            if d[k] is not None:
                d[k] = sourced(d[k])
        for k in self.sourced_maps:
            d[k] = {key: sourced(v) for key, v in d[k].items()}
        for k in self.floats:
            d[k] = _float(d[k])
        if "aliases" in d:
            d["aliases"] = [a.lower() for a in d["aliases"]]
        return Entry(d)


#: One :class:`Kind` per schema class, by class name (the schema's field defaults).
KINDS: dict[str, Kind] = {
    "Hardware": Kind(
        {"aliases": [], "segment": "datacenter", "idle_no_context_w": None,
         "interconnect_bps": None, "j_per_flop": {}, "j_per_byte": None,
         "charging_efficiency": None, "sparse_matmul_speedup": None, "notes": None},
        ("memory_bytes", "memory_bandwidth_bps", "tdp_w", "idle_w", "idle_no_context_w",
         "embodied_co2e_g", "host_power_w", "host_embodied_co2e_g", "interconnect_bps",
         "j_per_byte", "charging_efficiency", "sparse_matmul_speedup"),
        ("peak_flops", "j_per_flop")),
    "Site": Kind(
        {"aliases": [], "provider": None, "cooling": "unknown", "hourly_profile": None},
        ("grid_gco2e_per_kwh", "water_l_per_kwh", "price_usd_per_kwh", "pue",
         "wue_l_per_kwh")),
    "Facility": Kind({}, ("pue", "wue_l_per_kwh")),
    "ModelCard": Kind({"aliases": [], "params_total": None, "params_active": None},
                      floats=("params_total", "params_active")),
    "Stack": Kind(
        {"aliases": [], "fused_attention": True, "continuous_batching": False,
         "separate_prefill_steps": False,
         "host_serial": False, "host_power_fraction": None,
         "per_engine_step_s": None, "per_seq_step_s": None, "per_seq_power_fraction": None,
         "per_seq_power_w": None,
         "per_query_host_s": None, "per_worker_step_s": None, "per_seq_vocab_s": None,
         "per_request_s": None, "moe_bandwidth_bps": None, "moe_layer_s": None,
         "moe_fp8_efficiency": None, "state_bandwidth_bps": None,
         "weight_bandwidth_bps": None, "allreduce_efficiency": None,
         "collective_power_fraction": None},
        ("per_step_s", "per_layer_s", "per_loop_step_s", "per_layer_seq_s",
         "per_engine_step_s", "per_seq_step_s", "per_seq_power_fraction", "per_seq_power_w",
         "per_query_host_s",
         "per_worker_step_s", "per_seq_vocab_s", "per_request_s", "host_power_fraction",
         "compute_efficiency", "memory_efficiency", "moe_efficiency", "act_passes_hidden",
         "act_passes_ffn", "moe_bandwidth_bps", "moe_layer_s", "moe_fp8_efficiency",
         "state_bandwidth_bps", "weight_bandwidth_bps", "allreduce_efficiency",
         "collective_power_fraction")),
    "ScarcityFactor": Kind({}, ("cf",)),
}
