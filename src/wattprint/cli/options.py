"""Options shared by several commands, and number parsing for option values."""


from typing import Annotated

import typer

from wattprint.errors import InputError
from wattprint.numbers import parse_number

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]
SiteOpt = Annotated[str | None, typer.Option("--site", help="Site (country, cloud region or "
                                             "grid zone); default: world average. See "
                                             "`wattprint sites list`.")]
PueOpt = Annotated[str | None, typer.Option("--pue", help="Override the site's PUE (≥ 1).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="Calibration profile (file "
                                                "or built-in name) that replaces defaults.")]


def num(value: str | None, what: str, *, integer: bool = False, allow_zero: bool = False
        ) -> float | None:
    """Parse an optional option value such as ``2T`` or ``1.5e6`` (one-line errors)."""
    if value is None:
        return None
    return parse_number(value, what, integer=integer, allow_zero=allow_zero)


def need(value: str | None, what: str, flag: str, *, integer: bool = False) -> float:
    """Parse a required option value, or fail with a one-line message naming the flag."""
    if value is None:
        raise InputError(f"missing {flag} ({what})")
    return parse_number(value, what, integer=integer)


def model_arg(model: str | None, model_config: str | None) -> str:
    """Exactly one of --model / --model-config."""
    if model and model_config:
        raise InputError("give --model or --model-config, not both")
    if not model and not model_config:
        raise InputError("missing --model NAME or --model-config PATH (see `wattprint models "
                         "list`)")
    if model_config:
        if not model_config.endswith(".json"):
            from pathlib import Path

            p = Path(model_config)
            if p.is_dir():
                return str(p / "config.json")
        return model_config
    assert model is not None
    return model


def opt_int(value: str | None, what: str, flag: str) -> int | None:
    """An optional whole-number option (``--tp 4``), checked; ``None`` when not given."""
    return None if value is None else int(need(value, what, flag, integer=True))


def refuse_unused(context: str, **given: object) -> None:
    """One-line error for the first option that was given but does not apply in ``context``.

    An option silently ignored is a wrong answer the user cannot see (``--duration`` without
    ``--rate``, ``--steps`` on an LLM): name it instead.
    """
    for name, value in given.items():
        if value not in (None, False, []):
            raise InputError(f"--{name.replace('_', '-')} does not apply {context}")


def refuse_for_one_chip(chips: str, **given: str | None) -> None:
    """One-line error for a multi-chip option (``--tp 4``, ``--global-batch 4M``) on one chip,
    where the single-chip model would ignore it."""
    if parse_number(chips, "chips", integer=True) == 1:
        refuse_unused("on one chip (give --chips N; --batch sets one chip's sequences per step)",
                      **{k: v for k, v in given.items() if v is None or v.strip() != "1"})
