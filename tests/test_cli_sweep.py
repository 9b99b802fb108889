"""The CLI bad-input sweep (slow tier, issue 14): every option of the main commands gets
each value of a list of bad inputs, one at a time, on an otherwise valid command line.

Counted and reported: tracebacks, internal errors (exit 1), hangs (over HANG_S), exit
codes other than 0 or 2, error messages that are not one ``wattprint: error:`` line, and,
on success, non-finite or negative physical numbers in the JSON output. All must be 0.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wattprint.cli import main

pytestmark = pytest.mark.slow

HANG_S = 30
BAD = ["", "0", "-1", "nan", "inf", "-inf", "1e400", "1e300", "1e-300", "1m", "abc",
       "1e20", ",,,", "💥", "9" * 400, "0x10", " ", "1,5", "-0", "1e-9"]

#: (base command line, options to mutate): every base is valid on its own.
BASES: list[tuple[list[str], list[str]]] = [
    (["estimate", "train", "-m", "llama-3-8b", "--tokens", "1T", "-H", "h100", "--json"],
     ["--tokens", "--chips", "--chip-hours", "--mfu", "-p", "--batch", "--seq-len", "--stack",
      "--site", "--pue", "--profile", "--market-intensity", "-H", "-m", "--model-config"]),
    (["estimate", "infer", "-m", "llama-3-8b", "-H", "h100", "--json"],
     ["-b", "--prompt-tokens", "--output-tokens", "--requests", "-p", "--kv-cache", "--stack",
      "--site", "--pue", "--chips", "-H", "-m"]),
    (["plan", "train", "-m", "llama-3.2-1b", "--tokens", "1T", "-H", "h100", "--chips", "8",
      "--region", "fr", "--json"],
     ["--tokens", "--deadline", "--budget", "-H", "-p", "--chips", "--region", "--objective",
      "--top", "--batch", "--seq-len", "--pue"]),
    (["plan", "infer", "-m", "llama-3.2-1b", "--demand", "10", "-H", "h100", "--chips", "1",
      "--batch", "8", "--region", "fr", "--json"],
     ["--demand", "--prompt-tokens", "--output-tokens", "--latency-slo", "--ttft", "--tpot",
      "--budget", "-H", "-p", "--chips", "--batch", "--region", "--stack", "--kv-cache",
      "--objective", "--top", "--pue"]),
    (["plan", "budget", "--energy", "500MWh", "--json"],
     ["--energy", "--co2e", "-H", "--chips", "-p", "--region", "--fit", "--demand",
      "--prompt-tokens", "--output-tokens", "--days"]),
    (["plan", "regions", "--energy", "10MWh", "--json"], ["--energy", "--region",
                                                           "--objective"]),
    (["plan", "when", "--region", "fr", "--duration", "6h", "--energy", "2MWh", "--json"],
     ["--duration", "--energy", "--power", "--now", "--region", "--chips"]),
    (["plan", "edge", "--device", "orin", "-m", "llama-3.2-1b", "--json"],
     ["--device", "--prompt-tokens", "--output-tokens", "-p", "--home", "--cloud-hardware",
      "--cloud-region", "--cloud-batch", "--cloud-chips", "--cloud-precision"]),
    (["hardware", "list", "--json"], ["--kind"]),
    (["sites", "list", "--json"], ["--kind"]),
    (["history", "--json"], ["--limit", "--since", "--command-contains"]),
    (["export", "--format", "json"], ["--format", "--run"]),
    (["ledger", "check", "--json"], []),
]


def cases() -> Iterator[list[str]]:
    """Every mutated command line (option replaced or added with each bad value)."""
    for base, opts in BASES:
        yield base
        for opt in opts:
            for bad in BAD:
                argv = list(base)
                if opt in argv:
                    argv[argv.index(opt) + 1] = bad
                else:
                    argv += [opt, bad]
                yield argv


class Hang(Exception):
    pass


def _alarm(_sig: int, _frame: Any) -> None:
    raise Hang


def call(argv: list[str]) -> tuple[int | str, str, str]:
    """Run one command line in-process; exit code (or ``"hang"``), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    code: int | str = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main.run(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except Hang:
        code = "hang"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, out.getvalue(), err.getvalue()


#: Values no option accepts: each must be a user error (exit 2), except in free text.
MUST_REJECT = {"", " ", "nan", "inf", "-inf", "1e400", "abc", "💥", ",,,", "1m", "-1"}
FREE_TEXT = {"--command-contains"}

PHYSICAL_SUFFIXES = ("_j", "_w", "_kwh", "_g", "_l", "_usd", "_s")


def bad_numbers(obj: Any, path: str = "") -> Iterator[str]:
    """Paths of non-finite or negative physical numbers in a JSON result: quantity dicts
    (``value``/``low``/``high`` with a ``unit``) and keys ending in an SI unit suffix."""
    if isinstance(obj, dict):
        if "unit" in obj and "value" in obj:
            for k in ("value", "low", "high"):
                v = obj.get(k)
                if isinstance(v, float) and (not math.isfinite(v) or v < 0):
                    yield f"{path}.{k}={v}"
                if k == "value" and v is None and obj.get("basis") != "measured":
                    yield f"{path}.value=null"
        for k, v in obj.items():
            if k.endswith(PHYSICAL_SUFFIXES) and isinstance(v, int | float) \
                    and not isinstance(v, bool) and (not math.isfinite(v) or v < 0):
                yield f"{path}.{k}={v}"
            yield from bad_numbers(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from bad_numbers(v, f"{path}[{i}]")


def classify(argv: list[str], code: int | str, out: str, err: str) -> list[str]:
    """The problems of one result (empty when it is clean)."""
    probs = []
    if code == "hang":
        return ["hang"]
    if "Traceback" in out or "Traceback" in err:
        probs.append("traceback")
    if "internal error" in err or code == 1:
        probs.append("internal error")
    if code not in (0, 2):
        probs.append(f"exit {code}")
    opt, val = (argv[-2], argv[-1]) if len(argv) > 1 else ("", "")
    mutated = [a for a, b in zip(argv, argv[1:], strict=False) if b == val and a.startswith("-")]
    if code == 0 and val in MUST_REJECT and mutated and mutated[0] not in FREE_TEXT:
        probs.append(f"accepted {val!r}")
    del opt
    if code == 2:
        lines = err.strip().splitlines()
        if not lines or not lines[-1].startswith("wattprint: error:") or len(lines) != 1:
            probs.append("not one error line")
    if code == 0 and "--json" in argv and out.strip():
        try:
            data = json.loads(out.strip().splitlines()[-1])
        except ValueError:
            data = None
            with contextlib.suppress(ValueError):
                data = json.loads(out)
        if data is None:
            probs.append("json unreadable")
        else:
            probs += [f"non-physical {p}" for p in list(bad_numbers(data))[:3]]
    return probs


def test_bad_input_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "none"))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    from wattprint.ledger import Ledger

    with Ledger() as led:  # the $WATTPRINT_DB of this test: one finished run
        rid = led.start_run(["true"])
        led.finish_run(rid, complete=True, exit_code=0)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    all_cases = list(cases())
    for argv in all_cases:
        code, out, err = call(argv)
        counts["cases"] += 1
        counts[f"exit {code}"] += 1
        for p in classify(argv, code, out, err):
            counts[p.split(" ")[0] if p.startswith("non-physical") else p] += 1
            failures.append(f"{' '.join(argv)[:150]} -> {p} | {err.strip()[-160:]}")
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    with capsys.disabled():
        print(f"\nCLI bad-input sweep: {summary}")
        for f in failures[:400]:
            print("  " + f)
    assert counts["cases"] >= 800
    assert not failures, f"{len(failures)} problems; first: {failures[:5]}"
