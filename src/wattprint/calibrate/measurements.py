"""Measured workloads for ``wattprint calibrate fit``: the JSON-lines format and the ledger.

One JSON object per line (blank lines and lines starting with ``#`` are skipped). Fields
(units in brackets; see docs/calibration.md):

* ``kind``: ``prefill`` | ``generate`` | ``train``;
* ``model_config``: the model's Hugging Face ``config.json`` contents (or ``model``: a
  wattprint catalog model name);
* ``hardware``: catalog name or alias (may come from ``--hardware`` instead);
* ``precision`` (default ``bf16``), ``batch`` (sequences, ≥ 1), ``chips`` (default 1);
* prefill: ``prompt_tokens``; generate: ``prompt_tokens`` and ``output_tokens`` (the window
  covers the prompt's prefill and ``output_tokens − 1`` decode steps); train: ``seq_len``
  and ``steps`` (optimizer steps in the window, default 1);
* ``repeats``: how many identical passes (prefill) or generate calls the window covers
  (default 1);
* ``time_s`` [s] and ``energy_j`` [J, accelerator only] measured over the window (> 0;
  ``energy_j`` may be ``null`` for a time-only row), or ``ledger_run`` (+ optional
  ``window``) to take both from a run in the wattprint ledger;
* optional ``id``, ``stack`` and anything else (kept, ignored).

Errors name the file and line: ``measurements.jsonl line 3: energy_j must be > 0``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wattprint.errors import DataError, InputError

KINDS = ("prefill", "generate", "train")


class WorkloadMeasurement(BaseModel):
    """One measured workload (a line of a measurements file)."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True,
                              protected_namespaces=())

    kind: Literal["prefill", "generate", "train"]
    model_cfg: dict[str, Any] | None = Field(default=None, alias="model_config")
    model: str | None = None
    hardware: str | None = None
    precision: str = "bf16"
    batch: int = Field(default=1, ge=1)
    chips: int = Field(default=1, ge=1)
    prompt_tokens: int | None = Field(default=None, ge=1)
    output_tokens: int | None = Field(default=None, ge=1)
    seq_len: int | None = Field(default=None, ge=1)
    steps: int = Field(default=1, ge=1)
    repeats: int = Field(default=1, ge=1)
    time_s: float | None = Field(default=None, gt=0)
    energy_j: float | None = Field(default=None, gt=0)
    id: str | None = None
    stack: str | None = None
    ledger_run: str | None = None
    window: str | None = None
    line: int = 0  # line number in the source file (0: not from a file)
    source: str = ""  # file name or ``ledger run ...``

    @field_validator("time_s", "energy_j")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @property
    def label(self) -> str:
        """A short name for tables: the ``id`` or kind, batch and tokens."""
        if self.id:
            return self.id
        if self.kind == "train":
            return f"train b{self.batch} s{self.seq_len}"
        if self.kind == "prefill":
            return f"prefill b{self.batch} p{self.prompt_tokens}"
        return f"generate b{self.batch} p{self.prompt_tokens} n{self.output_tokens}"

    @property
    def where(self) -> str:
        """``file line N`` for error messages."""
        return f"{self.source} line {self.line}" if self.line else (self.source or "measurement")


def _field_error(exc: ValidationError, data: dict[str, Any]) -> str:
    """One readable phrase for the first validation error."""
    err = exc.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ())) or "value"
    if loc == "model_cfg":
        loc = "model_config"
    typ = err.get("type", "")
    ctx = err.get("ctx") or {}
    if typ == "missing":
        return f"missing field {loc}"
    if typ == "literal_error" and loc == "kind":
        return f"unknown kind {data.get('kind')!r} (use {', '.join(KINDS)})"
    if typ == "greater_than":
        return f"{loc} must be > {ctx.get('gt')}"
    if typ == "greater_than_equal":
        return f"{loc} must be ≥ {ctx.get('ge')}"
    msg = str(err.get("msg", "invalid"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
        return f"{loc} {msg}"
    return f"{loc}: {msg.lower()}"


def _check_row(m: WorkloadMeasurement, data: dict[str, Any]) -> str | None:
    """Cross-field rules; returns the problem or ``None``."""
    if m.model_cfg is None and not m.model:
        return "missing field model_config (or model: a catalog model name)"
    if m.model_cfg is None:
        from wattprint.workload.model_spec import get_model_spec

        try:
            get_model_spec(str(m.model))
        except InputError:
            return (f"missing field model_config, and model {m.model!r} is not a catalog "
                    "model (see `wattprint models list`)")
    else:
        from wattprint.workload.model_spec import spec_from_config

        try:
            spec_from_config(m.model_cfg, name="model_config")
        except InputError as exc:
            return str(exc)
    need = {"prefill": ("prompt_tokens",), "generate": ("prompt_tokens", "output_tokens"),
            "train": ("seq_len",)}[m.kind]
    for f in need:
        if getattr(m, f) is None:
            return f"missing field {f} (needed for kind {m.kind})"
    if m.ledger_run is None:
        if m.time_s is None:
            return "missing field time_s (or ledger_run)"
        if "energy_j" not in data:
            return "missing field energy_j (give null for a time-only measurement)"
    return None


def parse_measurement(data: Any, source: str = "", line: int = 0) -> WorkloadMeasurement:
    """Validate one measurement object; errors name ``source line N``."""
    where = f"{source} line {line}" if line else (source or "measurement")
    if not isinstance(data, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(data).__name__}")
    for key in ("time_s", "energy_j"):  # bool is an int in Python; reject it explicitly
        if isinstance(data.get(key), bool):
            raise DataError(f"{where}: {key} must be a number")
    try:
        m = WorkloadMeasurement(**{**data, "line": line, "source": source})
    except ValidationError as exc:
        raise DataError(f"{where}: {_field_error(exc, data)}") from exc
    except TypeError as exc:
        raise DataError(f"{where}: {exc}") from exc
    problem = _check_row(m, data)
    if problem:
        raise DataError(f"{where}: {problem}")
    return m


def read_measurements(path: str | Path) -> list[WorkloadMeasurement]:
    """Read and validate a measurements file (JSON lines).

    Raises:
        InputError: the file cannot be read.
        DataError: a line is not valid JSON or not a valid measurement (names the line),
            or the file holds no measurement.
    """
    from wattprint.textfiles import loads_json, read_text

    p = Path(path)
    if not p.exists():
        raise InputError(f"no measurements file {str(path)!r}")
    text = read_text(p, "measurements file")
    name = p.name
    out: list[WorkloadMeasurement] = []
    for i, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        data = loads_json(s, f"{name} line {i}", DataError)
        out.append(parse_measurement(data, name, i))
    if not out:
        raise DataError(f"{name}: no measurements (one JSON object per line expected)")
    return out


# -- the ledger ----------------------------------------------------------------------------

def _window_totals(rows: list[dict[str, Any]], where: str) -> tuple[float, float | None, int]:
    """Sum time and accelerator energy over ledger windows; count them."""
    t = sum(float(r.get("time_s") or 0.0) for r in rows)
    energies = [r.get("accelerator_energy_j") for r in rows]
    if any(e is None for e in energies) or not all(float(e or 0.0) > 0 for e in energies):
        energies = [r.get("total_energy_j") for r in rows]
    e: float | None = None
    nums = [float(x) for x in energies if x is not None]
    if energies and len(nums) == len(energies) and all(x > 0 for x in nums):
        e = float(sum(nums))
    if t <= 0:
        raise DataError(f"{where}: the ledger gives no positive time")
    return t, e, len(rows)


def resolve_from_ledger(m: WorkloadMeasurement, ledger: Any) -> WorkloadMeasurement:
    """Fill ``time_s`` and ``energy_j`` of a row that names a ``ledger_run``.

    With ``window``, the windows of that name are summed (their count must match ``steps``
    × ``repeats`` or be 1); without, the whole run's totals are used. Accelerator energy is
    used when the run measured a GPU, otherwise the total.
    """
    if m.ledger_run is None:
        return m
    try:
        run = ledger.run(m.ledger_run)
    except InputError as exc:
        raise DataError(f"{m.where}: {exc}") from exc
    where = f"{m.where} (ledger run {run['id']})"
    if m.window:
        rows = [w for w in ledger.windows(run["id"]) if w.get("name") == m.window]
        if not rows:
            raise DataError(f"{where}: no window named {m.window!r}")
        t, e, _ = _window_totals(rows, where)
    else:
        t, e, _ = _window_totals([run], where)
    update: dict[str, Any] = {"time_s": t, "energy_j": e if m.energy_j is None else m.energy_j}
    return m.model_copy(update=update)


def measurements_from_ledger(ledger: Any, run: str, workload: dict[str, Any],
                             window: str | None = None) -> WorkloadMeasurement:
    """A measurement from a ledger run (or its windows named ``window``) and a description.

    ``workload`` holds the fields the ledger cannot know (``kind``, ``model_config``,
    ``batch``, tokens ...); time and energy come from the ledger.
    """
    data = {**workload, "ledger_run": run}
    if window:
        data["window"] = window
    data.setdefault("energy_j", None)
    m = parse_measurement(data, f"ledger run {run}")
    return resolve_from_ledger(m, ledger)


def resolve_all(rows: Iterable[WorkloadMeasurement], db: str | Path | None = None
                ) -> list[WorkloadMeasurement]:
    """Resolve every ``ledger_run`` row from the ledger at ``db`` (opened only if needed)."""
    rows = list(rows)
    if not any(r.ledger_run for r in rows):
        return rows
    from wattprint.ledger import Ledger

    with Ledger(db, create=False) as led:
        return [resolve_from_ledger(r, led) for r in rows]
