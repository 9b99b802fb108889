"""Serving demand: ``10rps``, ``5M tokens/day``, ``1e6 requests/day`` → requests per second.

A demand is an arrival rate of requests, each with ``prompt_tokens`` in and ``output_tokens``
out. Token rates count prompt + output tokens unless the text says ``output tokens``
(``2M output tokens/day``): ``requests/s = tokens/s ÷ tokens per request``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wattprint.errors import InputError
from wattprint.numbers import check_number, parse_number
from wattprint.quantity import S_PER_DAY
from wattprint.units import TIME_UNITS

_PER = TIME_UNITS
#: ``50rps``, ``1.5Mrps``, ``1e3rps`` (an exponent is part of the number, not a unit letter).
_RPS = re.compile(r"^(?P<n>[^a-zA-Z/]*(?:[eE][+-]?\d+)?[a-zA-Z]?)\s*(?P<what>rps|qps|tps|otps)$",
                  re.I)
_RATE = re.compile(r"^(?P<n>.+?)\s*(?P<what>(?:output\s*|out\s*)?(?:tokens?|tok|requests?|"
                   r"reqs?|queries|query|calls?)?)\s*(?:/|\s+per\s+)\s*(?P<per>[a-z]+)$", re.I)


@dataclass(frozen=True)
class Demand:
    """A steady request rate with fixed prompt and output lengths."""

    requests_per_s: float
    prompt_tokens: int
    output_tokens: int
    text: str = ""

    @property
    def requests_per_day(self) -> float:
        """Requests per day."""
        return self.requests_per_s * S_PER_DAY

    @property
    def tokens_per_day(self) -> float:
        """Prompt + output tokens per day."""
        return self.requests_per_day * (self.prompt_tokens + self.output_tokens)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"text": self.text, "requests_per_s": self.requests_per_s,
                "requests_per_day": self.requests_per_day, "prompt_tokens": self.prompt_tokens,
                "output_tokens": self.output_tokens, "tokens_per_day": self.tokens_per_day}


def _tokens(value: float | int, what: str) -> int:
    v = check_number(float(value), what, integer=True)
    return int(v)


def _rate_number(num_text: str, raw: str) -> float:
    """The number of a demand ``raw`` (its unit already split off as ``num_text``'s rest);
    one reason, said once: not "demand: ... demand: ..."."""
    try:
        return parse_number(num_text.strip(), "demand")
    except InputError as exc:
        why = str(exc).removeprefix("demand: ")
        if why.startswith("must be"):  # 0rps, 1e400rps: the number is read, and wrong
            raise InputError(f"demand {why} ({raw!r})") from exc
        if "suffix" in why or "as a number" in why:
            why = ("a rate is N rps, qps, tps or otps, or N requests, tokens or output tokens "
                   "per s, min, h or day")
        raise InputError(f"demand: cannot read {raw!r}: {why} (e.g. 10rps, 600/min, "
                         "5M tokens/day, 1e6 requests/day)") from exc


def parse_demand(text: str | float, prompt_tokens: int = 512, output_tokens: int = 256
                 ) -> Demand:
    """Parse a demand such as ``10rps``, ``5M tokens/day``, ``1e6 requests/day``, ``3/s``.

    A bare number is requests per second. Units: ``rps``/``qps`` (requests/s), ``tps``
    (tokens/s), ``otps`` (output tokens/s), or ``N <requests|tokens|output tokens> /
    <s|min|h|day|week|month|year>`` (also ``per day``). Zero, negative or non-finite rates
    raise :class:`InputError`.
    """
    p = _tokens(prompt_tokens, "prompt tokens")
    o = _tokens(output_tokens, "output tokens")
    if isinstance(text, int | float) and not isinstance(text, bool):
        return Demand(check_number(float(text), "demand"), p, o, f"{text:g} requests/s")
    raw = str(text).strip()
    if not raw:
        raise InputError("demand: empty (e.g. 10rps, 5M tokens/day, 1e6 requests/day)")
    if raw.startswith("-"):
        raise InputError(f"demand must be > 0, got {raw!r}")
    kind, per_s = "requests", 1.0
    m = _RPS.match(raw.replace(" ", ""))
    if m:
        num_text, unit = m.group("n"), m.group("what").lower()
        kind = {"rps": "requests", "qps": "requests", "tps": "tokens",
                "otps": "output tokens"}[unit]
    else:
        m2 = _RATE.match(raw)
        if m2:
            num_text = m2.group("n")
            what = re.sub(r"\s+", " ", m2.group("what").lower()).strip()
            per = m2.group("per").lower().rstrip("s") if m2.group("per").lower() not in (
                "s",) else "s"
            if per not in _PER:
                raise InputError(f"demand: unknown time unit {m2.group('per')!r} in {raw!r} "
                                 "(use s, min, h, day, week, month, year)")
            per_s = _PER[per]
            if what.startswith(("output", "out")):
                kind = "output tokens"
            elif what.startswith("tok"):
                kind = "tokens"
            else:
                kind = "requests"
        else:
            num_text = raw
    n = _rate_number(num_text, raw)
    rate = n / per_s
    if kind == "tokens":
        rate /= p + o
    elif kind == "output tokens":
        rate /= o
    return Demand(rate, p, o, raw)
