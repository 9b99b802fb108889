"""One count, one noun: "1 year", "1 request", "2 hours" — never "1 years" or "hour(s)"."""

from __future__ import annotations

import json
import re

import pytest

from wattprint.quantity import S_PER_DAY, S_PER_YEAR, Quantity
from wattprint.testing import cli_call
from wattprint.units import fmt_count, human, plural

ONE_PLURAL = re.compile(r"(?<![\d.,])1 (years|days|hours|requests|tokens|chips|images|runs|"
                        r"nodes|rows|steps|ledgers)\b|\w\(s\)")


def test_plural_agrees_with_the_count_shown() -> None:
    assert plural(1, "year") == "1 year" and plural(2, "hour") == "2 hours"
    assert plural(3, "second of audio") == "3 seconds of audio"
    assert plural(1e6, "request", fmt_count(1e6)) == "1 M requests"
    assert plural(0, "day", "1") == "1 day" and plural(2, "batch") == "2 batches"
    assert fmt_count(1.5e13) == "15 T" and fmt_count(12345) == "12,345"


def test_human_durations_are_singular_at_one() -> None:
    assert human(Quantity(S_PER_YEAR, "s", "x"))[0] == "1 year"
    assert human(Quantity(S_PER_DAY, "s", "x"))[0] == "1 day"
    assert human(Quantity(2 * S_PER_DAY, "s", "x"))[0] == "2 days"


@pytest.mark.parametrize("args", [
    "estimate infer --model llama-3.1-8b --hardware h100 --requests 1 --batch 1",
    "estimate train --model llama-3.1-8b --tokens 1 --hardware h100 --chips 1",
    "estimate infer --model resnet50 --hardware h100 --samples 1 --batch 1",
    "lifecycle --model llama-3.1-8b --training-tokens 15T --demand 1/day --days 1",
])
def test_commands_say_one_thing_not_one_things(monkeypatch: pytest.MonkeyPatch,
                                               args: str) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli_call(*args.split())
    assert code == 0, err
    title = out.splitlines()[0]
    assert not ONE_PLURAL.search(title), title


def _strings(obj: object) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return [obj] if isinstance(obj, str) else []


#: "batch(es)", "image(s)", "pass(es)", "replica(s)": a noun that does not know its count.
HEDGED = re.compile(r"\w\((?:e?s)\)")
ONE_THINGS = re.compile(r"(?<![\d.,])1 (batches|images|passes|replicas|runs)\b")


@pytest.mark.parametrize("args,says", [
    ("estimate infer --model resnet50 --hardware h100 --samples 1 --batch 1",
     ["1 batch", "/ 1 image"]),
    ("estimate infer --model resnet50 --hardware h100 --samples 128 --batch 64",
     ["2 batches", "/ 64 images"]),
    ("estimate infer --model llama-3.1-8b --hardware h100 --requests 1 --batch 1 "
     "--prefill-chunk 2048", ["1 batch of 1", "chunked prefill: 1 pass of"]),
    ("estimate infer --model llama-3.1-8b --hardware h100 --requests 64 --batch 32 "
     "--prompt-tokens 4096 --prefill-chunk 2048", ["2 batches of 32", "prefill: 64 passes"]),
    ("estimate infer --model llama-3.1-8b --hardware h100 --rate 1rps --duration 1h",
     ["1 replica ×"]),
])
def test_engine_notes_count_their_nouns(args: str, says: list[str]) -> None:
    """The provenance and notes the engine writes (--json) agree with their counts."""
    code, out, err = cli_call(*args.split(), "--json")
    assert code == 0, err
    text = "\n".join(_strings(json.loads(out)))
    assert not HEDGED.findall(text) and not ONE_THINGS.findall(text), text
    for s in says:
        assert s in text, (s, text)
