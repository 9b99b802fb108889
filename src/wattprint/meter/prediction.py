"""Predict a run before it starts, for the budget guard: ``--workload "train --model ..."``.

The workload is written as the arguments of ``wattprint estimate`` (``train ...`` or
``infer ...``; a leading ``wattprint estimate`` is accepted, so a line that was used to
estimate can be pasted as is). It is predicted with
:func:`wattprint.engine.estimate_training` / :func:`~wattprint.engine.estimate_inference`,
and compared with the budget in the budget's terms (:mod:`wattprint.meter.budget`):

* an energy budget counts the predicted **IT energy** (accelerators + host, before PUE),
  the same scope as the meter's total energy;
* a CO2e budget counts that IT energy × the run's own site factors (PUE × grid intensity),
  so the prediction and the measurement use the same site.

The prediction is the whole workload as described (all of its chips): for a job measured on
several nodes, compare it with a job-wide budget (``--job-budget``).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wattprint.errors import InputError
from wattprint.numbers import parse_number

Conv = Callable[[str, str], Any]


def _int(v: str, what: str) -> int:
    return int(parse_number(v, what, integer=True))


def _float(v: str, what: str) -> float:
    return parse_number(v, what)


def _str(v: str, what: str) -> str:
    return v


_COMMON: dict[str, tuple[str, Conv]] = {
    "--model": ("model", _str), "-m": ("model", _str), "--model-config": ("model", _str),
    "--hardware": ("hardware", _str), "-H": ("hardware", _str), "--chips": ("chips", _int),
    "--precision": ("precision", _str), "-p": ("precision", _str), "--stack": ("stack", _str),
    "--tensor-parallel": ("tensor_parallel", _int), "--tp": ("tensor_parallel", _int),
}
OPTIONS: dict[str, dict[str, tuple[str, Conv]]] = {
    "train": {**_COMMON, "--tokens": ("tokens", _float), "--batch": ("batch", _int),
              "--seq-len": ("seq_len", _int), "--mfu": ("mfu", _float),
              "--chip-hours": ("chip_hours", _float),
              "--global-batch": ("global_batch_tokens", _float),
              "--pipeline-parallel": ("pipeline_parallel", _int),
              "--pp": ("pipeline_parallel", _int)},
    "infer": {**_COMMON, "--batch": ("batch", _int), "-b": ("batch", _int),
              "--prompt-tokens": ("prompt_tokens", _int),
              "--output-tokens": ("output_tokens", _int), "--requests": ("requests", _float),
              "--kv-cache": ("kv_cache", _str), "--sparsity": ("sparsity", _str),
              "--data-parallel": ("data_parallel", _int), "--dp": ("data_parallel", _int)},
}
FLAGS = {"train": {"--recompute": "recompute"}, "infer": {}}


@dataclass(frozen=True)
class Workload:
    """A parsed ``--workload``: ``kind`` (``train`` or ``infer``), the estimate's keyword
    arguments, and the text as given."""

    kind: str
    kwargs: dict[str, Any]
    text: str


def parse_workload(text: str) -> Workload:
    """Parse ``"train --model llama-3.1-8b --tokens 1e9 --hardware h100"``.

    Raises:
        InputError: not ``train``/``infer``, an unknown option, a missing value, or a
            missing ``--model``/``--hardware`` (``--tokens`` for train).
    """
    try:
        words = shlex.split(str(text))
    except ValueError as exc:
        raise InputError(f"--workload {text!r}: {exc}") from exc
    if words[:2] == ["wattprint", "estimate"]:
        words = words[2:]
    elif words[:1] == ["estimate"]:
        words = words[1:]
    if not words or words[0] not in OPTIONS:
        raise InputError(f"--workload {text!r}: start with train or infer, like `wattprint "
                         "estimate` (e.g. \"train --model llama-3.1-8b --tokens 1e9 "
                         "--hardware h100\")")
    kind, opts, flags = words[0], OPTIONS[words[0]], FLAGS[words[0]]
    kw: dict[str, Any] = {}
    it = iter(words[1:])
    for w in it:
        key, eq, val = w.partition("=")
        if key in flags and not eq:
            kw[flags[key]] = True
            continue
        if key not in opts:
            raise InputError(f"--workload: unknown option {key!r} for {kind} (known: "
                             f"{', '.join(sorted(k for k in [*opts, *flags] if k[1] == '-'))})")
        name, conv = opts[key]
        val = val if eq else next(it, None)  # type: ignore[assignment]
        if val is None:
            raise InputError(f"--workload: {key} needs a value")
        kw[name] = conv(val, f"--workload {key}")
    needed = ["model", "hardware"] + (["tokens"] if kind == "train" else [])
    missing = [f"--{n}" for n in needed if n not in kw]
    if missing:
        raise InputError(f"--workload: missing {', '.join(missing)}")
    return Workload(kind, kw, " ".join(words))


@dataclass(frozen=True)
class Prediction:
    """A workload's predicted amount in a budget's unit (J or g CO2e), with its range."""

    workload: str
    value: float
    low: float | None
    high: float | None
    unit: str
    energy_j: float
    provenance: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the run record)."""
        return {"workload": self.workload, "value": self.value, "low": self.low,
                "high": self.high, "unit": self.unit, "it_energy_j": self.energy_j,
                "provenance": self.provenance}


def predict_for_budget(workload: Workload, kind: str, g_per_j: float) -> Prediction:
    """Predict ``workload`` in a budget's terms: IT energy (J) for ``kind="energy"``, or
    IT energy × ``g_per_j`` (g CO2e; PUE × grid ÷ 3.6e6) for ``kind="co2e"``.

    Raises:
        InputError: the estimate itself rejects the workload (unknown model, ...).
    """
    from wattprint.engine import estimate_inference, estimate_training

    kw = dict(workload.kwargs)
    model, hardware = kw.pop("model"), kw.pop("hardware")
    if kind not in ("energy", "co2e"):
        raise InputError(f"unknown budget kind {kind!r}")
    fn = estimate_training if workload.kind == "train" else estimate_inference
    fp = fn(model, hardware, **kw)
    q = fp["it_energy"]
    f = 1.0 if kind == "energy" else g_per_j
    return Prediction(workload.text, q.value * f, None if q.low is None else q.low * f,
                      None if q.high is None else q.high * f,
                      "J" if kind == "energy" else "gCO2e", q.value,
                      f"wattprint estimate {workload.text}: IT energy (accelerators + host, "
                      "before PUE)" + (" × the run's PUE × grid intensity"
                                       if kind == "co2e" else ""))
