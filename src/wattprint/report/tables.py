"""Rich tables and JSON for :class:`~wattprint.footprint.Footprint` results."""

from __future__ import annotations

from typing import Any

from wattprint.footprint import Footprint
from wattprint.jsonio import clean_json, dump_json, dumps_json
from wattprint.units import human

__all__ = ["TITLES", "clean_json", "dump_json", "dumps_json", "footprint_table", "print_footprint"]

TITLES = {
    "time": "Time (wall clock)",
    "chip_hours": "Chip-hours",
    "accelerator_energy": "Accelerator energy",
    "host_energy": "Host energy (CPU, RAM, network)",
    "it_energy": "IT energy",
    "facility_energy": "Facility energy (at the wall)",
    "co2e": "Operational CO2e",
    "co2e_market": "Operational CO2e (market-based)",
    "embodied_co2e": "Embodied CO2e",
    "total_co2e": "Total CO2e",
    "water": "Water (on-site + off-site)",
    "water_scarcity_weighted": "Water, scarcity-weighted (AWARE)",
    "cost": "Electricity cost",
    "time_to_first_token": "Time to first token",
    "time_per_output_token": "Time per output token",
    "accelerator_energy_per_output_token": "Accelerator energy / output token",
    "accelerator_energy_per_request": "Accelerator energy / request",
    "prefill_accelerator_energy": "  of which prefill (per batch)",
    "decode_accelerator_energy": "  of which decode (per batch)",
    "flops": "FLOPs",
    "mfu": "Model FLOPs utilisation",
}


def footprint_table(fp: Footprint, title: str, *, provenance: bool = True) -> Any:
    """A Rich table of a footprint: quantity, value, range, basis and provenance."""
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False)
    t.add_column("Quantity")
    t.add_column("Value", justify="right")
    t.add_column("Range", justify="right")
    t.add_column("Basis")
    if provenance:
        t.add_column("Provenance", overflow="fold", max_width=70)
    for name, q in fp.quantities.items():
        if name == "mfu":
            val, rng = f"{q.value * 100:.1f} %", ""
        elif name == "flops":
            val, rng = f"{q.value:.3g}", ""
        else:
            val, rng = human(q)
        row = [TITLES.get(name, name), val, rng, q.basis]
        if provenance:
            row.append(_short(q.provenance))
        t.add_row(*row)
    return t


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_footprint(fp: Footprint, title: str, *, provenance: bool = True) -> None:
    """Print a footprint table and its notes to stdout."""
    from rich.console import Console

    console = Console()
    wide = provenance and console.width >= 140  # a provenance column is unreadable when narrow
    from wattprint.report.fit import print_table

    print_table(console, footprint_table(fp, title, provenance=wide), drop=("Basis",))
    if provenance and not wide:
        console.print("provenance of every number: add --json (or widen the terminal)",
                      style="dim")
    for note in fp.notes:
        console.print(f"note: {note}", style="yellow")
