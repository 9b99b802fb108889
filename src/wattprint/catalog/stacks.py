"""Software-stack profiles (``data/stacks.toml``): overheads, efficiencies, fusion."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from wattprint.catalog.loader import data_dir, read_data_toml
from wattprint.catalog.schema import Sourced
from wattprint.errors import DataError, UnknownNameError


class Stack(BaseModel):
    """A software stack's overheads, kernel efficiencies and fusion level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    aliases: list[str] = []
    per_step_s: Sourced  # host time per forward call / optimizer step [s]
    per_layer_s: Sourced  # host time per decoder layer per pass [s]
    per_loop_step_s: Sourced  # generation-loop time per decode step [s]
    per_layer_seq_s: Sourced  # per-layer host/launch work per sequence in the batch [s]
    compute_efficiency: Sourced  # fraction of peak FLOP/s reached by large matmuls
    memory_efficiency: Sourced  # fraction of peak bandwidth reached by streaming kernels
    moe_efficiency: Sourced  # share of those efficiencies reached by routed-expert kernels
    act_passes_hidden: Sourced
    act_passes_ffn: Sourced
    fused_attention: bool = True
    continuous_batching: bool = False  # serving engine: sequences at staggered lengths

    @field_validator("aliases")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [a.lower() for a in v]


@lru_cache(maxsize=1)
def stack_catalog() -> dict[str, Stack]:
    """All stacks by id (loaded once, validated)."""
    path = data_dir() / "stacks.toml"
    raw = read_data_toml(path)
    out: dict[str, Stack] = {}
    for entry in raw.get("stack", []):
        try:
            s = Stack(**entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DataError(f"stacks.toml: entry {entry.get('id', '?')}: "
                            f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
        out[s.id] = s
    return out


def get_stack(name: str | Stack) -> Stack:
    """A stack by id or alias (case-insensitive)."""
    if isinstance(name, Stack):
        return name
    key = name.strip().lower()
    cat = stack_catalog()
    if key in cat:
        return cat[key]
    for s in cat.values():
        if key in s.aliases:
            return s
    names = list(cat) + [a for s in cat.values() for a in s.aliases]
    raise UnknownNameError("stacks", name, names)
