"""Typed results of edge vs cloud (:func:`wattprint.plan.edge.edge_vs_cloud`): one request
on a personal device (or why it does not fit), one in a data centre, and the comparison."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wattprint.quantity import Quantity


@dataclass
class EdgeMisfit:
    """The model does not fit in the memory an app may use on the device."""

    device: str
    device_class: str
    usable_memory_gb: float
    message: str
    fits: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"fits": False, "device": self.device, "device_class": self.device_class,
                "usable_memory_gb": self.usable_memory_gb, "message": self.message}


@dataclass
class EdgeSide:
    """One request on a personal device: ``energy`` (at the wall) and ``embodied`` (the
    device's share) are :class:`Quantity` with their provenance; CO2e, water and cost from
    the home site's chain."""

    device: str
    device_class: str
    precision: str
    stack: str
    home_site: Any
    time_s: float
    latency_s: float
    ttft_s: float
    it_energy_j: float
    charging_efficiency: float
    energy: Quantity
    co2e_g: float
    embodied: Quantity
    total_co2e_g: float
    water_l: float
    cost_usd: float
    provenance: dict[str, str] = field(default_factory=dict)
    fits: bool = True

    @property
    def energy_j(self) -> float:
        """Energy at the wall per request [J]."""
        return self.energy.value

    @property
    def embodied_co2e_g(self) -> float:
        """The device's embodied CO2e amortised over this request [g]."""
        return self.embodied.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (energy and embodied as values; their provenance alongside)."""
        return {"fits": True, "device": self.device, "device_class": self.device_class,
                "precision": self.precision, "stack": self.stack, "home_site": self.home_site,
                "time_s": self.time_s, "latency_s": self.latency_s, "ttft_s": self.ttft_s,
                "it_energy_j": self.it_energy_j,
                "charging_efficiency": self.charging_efficiency, "energy_j": self.energy_j,
                "co2e_g": self.co2e_g, "embodied_co2e_g": self.embodied_co2e_g,
                "total_co2e_g": self.total_co2e_g, "water_l": self.water_l,
                "cost_usd": self.cost_usd,
                "provenance": {"energy": self.energy.provenance,
                               "embodied": self.embodied.provenance, **self.provenance}}


@dataclass
class CloudSide:
    """One request served in a data centre plus the network to the user: ``datacenter``
    and ``network`` energy are :class:`Quantity` with their provenance."""

    hardware: str
    chips: int
    batch: int
    precision: str
    stack: str
    region: Any
    latency_s: float
    ttft_s: float
    datacenter: Quantity
    network_bytes: float
    network: Quantity
    co2e_g: float
    embodied_co2e_g: float
    total_co2e_g: float
    water_l: float
    cost_usd: float
    round_trip: str

    @property
    def datacenter_energy_j(self) -> float:
        """Facility energy per request in the data centre [J]."""
        return self.datacenter.value

    @property
    def network_energy_j(self) -> float:
        """Network transfer energy per request [J]."""
        return self.network.value

    @property
    def energy_j(self) -> float:
        """Data centre plus network energy per request [J]."""
        return self.datacenter.value + self.network.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (energies as values; their provenance alongside)."""
        return {"hardware": self.hardware, "chips": self.chips, "batch": self.batch,
                "precision": self.precision, "stack": self.stack, "region": self.region,
                "latency_s": self.latency_s, "ttft_s": self.ttft_s,
                "datacenter_energy_j": self.datacenter_energy_j,
                "network_bytes": self.network_bytes,
                "network_energy_j": self.network_energy_j, "energy_j": self.energy_j,
                "co2e_g": self.co2e_g, "embodied_co2e_g": self.embodied_co2e_g,
                "total_co2e_g": self.total_co2e_g, "water_l": self.water_l,
                "cost_usd": self.cost_usd,
                "provenance": {"datacenter": self.datacenter.provenance,
                               "network": self.network.provenance,
                               "round_trip": self.round_trip}}


@dataclass
class EdgeVsCloud:
    """The same request on a device and in the cloud; with a fitting model also the
    per-metric ``comparison``, the ``break_even`` points and the verdict."""

    model: str
    prompt_tokens: int
    output_tokens: int
    edge: EdgeSide | EdgeMisfit
    cloud: CloudSide
    verdict: str
    notes: list[str] = field(default_factory=list)
    comparison: dict[str, dict[str, Any]] | None = None
    break_even: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        out: dict[str, Any] = {"model": self.model, "prompt_tokens": self.prompt_tokens,
                               "output_tokens": self.output_tokens,
                               "edge": self.edge.to_dict(), "cloud": self.cloud.to_dict(),
                               "notes": self.notes}
        if self.comparison is not None:
            out["comparison"] = self.comparison
        if self.break_even is not None:
            out["break_even"] = self.break_even
        out["verdict"] = self.verdict
        return out
