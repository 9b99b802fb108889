"""Validation group ``inference``: ML.ENERGY leaderboard LLM rows (V3, V2, V1).

Energy per output token for every row; throughput and power per chip where the row publishes
average power (V3) or the throughput of its energy window (V2's steady state); time per output
token where it publishes a mean latency per response (V1). Predicted at the row's measured
average batch with the stack, precision and prompt lengths of the version's measurement setup
(:mod:`wattprint.validation.mlenergy`: V1 transformers through FastChat (``fastchat-hf``), V2
vLLM v0.5, V3 the ``vllm`` profile).
"""

from __future__ import annotations

import re
from typing import Any

from wattprint.errors import WattprintError
from wattprint.estimate import estimate_inference
from wattprint.validation.mlenergy import (
    by_workload,
    setup_precision,
    setup_prompt_tokens,
    setup_stack,
    setup_steady_throughput,
)
from wattprint.validation.parse import first_number, half_precision, hardware_id, parse_count
from wattprint.validation.specs import inference_model


def load_rows(name: str) -> list[dict[str, str]]:
    """Rows of a packaged validation CSV."""
    from wattprint.validation.data import load_rows as _load

    return _load(name)


#: Prompt length per workload: an ASSUMPTION (ML.ENERGY publishes output lengths, not
#: prompt lengths). Chat-style prompts are short; sourcegraph fill-in-the-middle carries
#: file context. lm-arena-chat: vLLM held 474 Qwen3-8B sequences of ~645 output tokens on one
#: H100 (~378k KV tokens free), which bounds the mean prompt below ~475 tokens.
PROMPT_TOKENS: dict[str, int] = {
    "lm-arena-chat": 400,
    "gpqa": 300,
    "sourcegraph-fim": 1500,
    "chat": 500,
    "code": 500,
}
DEFAULT_PROMPT_TOKENS = 500


def _prompt_tokens(workload: str) -> int:
    n = by_workload(PROMPT_TOKENS, workload)
    return DEFAULT_PROMPT_TOKENS if n is None else n


#: Short names of a ``parallelism`` cell (``TP=8;PP=2``) for the long ones ML.ENERGY V3 uses.
_PARALLEL_ALIASES = {"tp": "tensor_parallel", "pp": "pipeline_parallel",
                     "dp": "data_parallel", "ep": "expert_parallel"}


def _parallel_degrees(parallelism: str) -> dict[str, int]:
    """The integer degrees of a ``parallelism`` cell, keyed by long name: ``TP=8;PP=2`` →
    ``{"tensor_parallel": 8, "pipeline_parallel": 2}``; entries that are not integers
    (``notes=...``) are dropped."""
    degrees: dict[str, int] = {}
    for part in parallelism.split(";"):
        key, _, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if value.isdigit():
            degrees[_PARALLEL_ALIASES.get(key, key)] = int(value)
    return degrees


def _tensor_parallel(parallelism: str, chips: int) -> int:
    """The attention tensor-parallel degree in a ``parallelism`` cell (``TP=8;PP=2``,
    ``tensor_parallel=1;expert_parallel=8``): the rest of the chips split layers (pipeline) or
    sequences (data-parallel attention). All chips when the cell does not say.

    ML.ENERGY V3 lists vLLM's expert-parallel runs as ``data_parallel=D;expert_parallel=N;
    tensor_parallel=1`` on N GPUs. Its harness starts vLLM with ``--tensor-parallel-size N``
    plus ``enable-expert-parallel`` unless the model's config names ``data-parallel-size``
    (ml-energy/benchmark ``mlenergy/benchmark/llm/benchmark.py`` @ c1d6557), and vLLM's
    expert-parallel group is TP × DP: the attention runs tensor-parallel over ``N / D`` chips.
    """
    cell = _parallel_degrees(parallelism)
    ep, dp = cell.get("expert_parallel"), cell.get("data_parallel", 1)
    if ep == chips and dp > 0 and chips % dp == 0:
        return chips // dp
    tp = cell.get("tensor_parallel", chips)
    return tp if 0 < tp <= chips and chips % tp == 0 else chips


def _pipeline_parallel(parallelism: str) -> int:
    """The pipeline-parallel degree in a ``parallelism`` cell (``TP=8;PP=2`` → 2), else 1."""
    return max(1, _parallel_degrees(parallelism).get("pipeline_parallel", 1))


def _data_parallel_attention(parallelism: str, chips: int) -> int:
    """The data-parallel attention degree of a ``parallelism`` cell, 1 when there is none.

    ``data_parallel=D;expert_parallel=N`` with ``D > 1`` on ``N`` chips is vLLM's DP-attention
    layout (``--data-parallel-size D`` with ``enable-expert-parallel``; ML.ENERGY V3 notes it as
    "DP for attention, EP for MLP experts"): ``D`` engine cores each schedule their own
    sequences and meet at every MoE layer, whose experts are spread over all ``N`` chips:
    ``estimate_inference(data_parallel=D)`` (:mod:`wattprint.workload.data_parallel`).
    """
    dp = _parallel_degrees(parallelism).get("data_parallel", 1)
    return dp if dp > 1 and chips > 1 else 1


def _precision(row: dict[str, str], hw: str, setup: str | None = None) -> str:
    """The precision a row ran at: fp8 (named in the model id or the precision cell), MXFP4
    expert weights (gpt-oss checkpoints), otherwise the version's setup precision (V1: fp16)
    or the chip's 16-bit format."""
    cell = row.get("precision", "").strip().lower()
    if "fp8" in row["model"].lower() or cell == "fp8":
        return "fp8"
    if cell == "mxfp4":
        return "mxfp4"
    return setup or half_precision(hw)


def _batch(row: dict[str, str]) -> int | None:
    avg = first_number(row.get("avg_batch"))
    if avg is not None and avg > 0:
        return max(1, int(round(avg)))
    setting = row.get("batch_setting", "")
    m = re.search(r"(?:max_num_seqs|max batch|batch size|batch_size)\s*=?\s*(\d+)", setting)
    return int(m.group(1)) if m else None


def _dataset_version(dataset: str) -> str:
    """ML.ENERGY leaderboard version (V1 2023, V2 2024, V3 2026): different vLLM releases and
    measurement windows, so their errors are reported apart."""
    m = re.search(r"\bV(\d)\b", dataset)
    return f"ML.ENERGY V{m.group(1)}" if m else dataset or "unknown dataset"


def validate_inference(c: Any) -> Any:
    """ML.ENERGY LLM rows, each under its version's setup (stack, prompt length): accelerator
    energy per output token, and what the row publishes besides (throughput and power per
    chip, or time per output token) scored separately (right for the right reasons: time and
    power can err in opposite directions and cancel in energy per token)."""
    for row in load_rows("inference_llm.csv"):
        rid = row["id"]
        spec, m_note = inference_model(row["model"], first_number(row.get("params_total_B")))
        if spec is None:
            c.skip(rid, f"{m_note}: {row['model']}")
            continue
        hw, hw_note = hardware_id(row.get("hardware"))
        if hw is None:
            c.skip(rid, hw_note)
            continue
        batch = _batch(row)
        out = first_number(row.get("avg_output_tokens"))
        pub = first_number(row.get("energy_per_output_token_J"))
        chips = parse_count(row.get("num_accelerators")) or 1
        tp = _tensor_parallel(row.get("parallelism", ""), chips)
        pp = _pipeline_parallel(row.get("parallelism", ""))
        if batch is None or out is None or pub is None:
            c.skip(rid, "no batch size, output length or energy per output token")
            continue
        dp = _data_parallel_attention(row.get("parallelism", ""), chips)
        version = _dataset_version(row.get("dataset", ""))
        precision = _precision(row, hw, setup_precision(version))
        workload = row.get("workload", "")
        stack = setup_stack(version, workload)
        setup_prompt = setup_prompt_tokens(version, workload)
        prompt = setup_prompt or _prompt_tokens(workload)
        try:
            fp = estimate_inference(spec, hw, batch=batch, prompt_tokens=prompt,
                                    output_tokens=max(1, int(round(out))), chips=chips,
                                    tensor_parallel=tp, pipeline_parallel=pp,
                                    data_parallel=dp, precision=precision, stack=stack)
        except WattprintError as exc:
            c.skip(rid, f"estimate failed: {exc}")
            continue
        note = (f"{m_note}; {chips} × {hw} (TP {tp}{f' × PP {pp}' if pp > 1 else ''}"
                f"{f', DP attention {dp} + EP {chips}' if dp > 1 else ''}), "
                f"{precision}, stack {stack}, "
                f"batch {batch}, prompt {prompt} "
                f"({'from the setup' if setup_prompt else 'assumed'}), "
                f"output {int(round(out))}; {workload}")
        if hw_note:
            note += f"; {hw_note}"
        tags = {"family": spec.name, "hardware": hw}
        c.add_q(rid, f"energy per output token ({version})",
                fp["accelerator_energy_per_output_token"], pub, "J", note, **tags)
        _time_quantities(c, row, fp, batch * int(round(out)), chips, pub, version, note,
                         tags)
    return c


#: ``latency 13.37 s`` in a V1 row's notes: the leaderboard's mean time per response.
_LATENCY_RE = re.compile(r"\blatency\s+(\d+(?:\.\d+)?)\s*s\b")


def published_latency_s(notes: str | None) -> float | None:
    """The mean response latency [s] quoted in a row's notes (V1 rows), else ``None``."""
    m = _LATENCY_RE.search(notes or "")
    return float(m.group(1)) if m else None


def _time_quantities(c: Any, row: dict[str, str], fp: Any, out_tokens: int, chips: int,
                     j_per_token: float, version: str, note: str,
                     tags: dict[str, str]) -> None:
    """Score what a row publishes besides energy: average power (V3) gives throughput and
    power per chip; so does the throughput of the energy's own window (V2's steady state:
    average power = energy per output token × throughput); a mean latency per response (V1,
    batch 1, prefill included: Zeus's window around the whole generation) over the mean
    response length against the predicted time of a batch over its output tokens.

    V2's avg TPOT (in the notes) is not scored: it averages every iteration of the run, the
    drain after the queue empties included, so it is not the time of the steady state the
    energy was summed over (:data:`wattprint.validation.mlenergy.V2`)."""
    power = first_number(row.get("avg_power_W"))
    if not power and setup_steady_throughput(version):
        throughput = first_number(row.get("throughput"))
        power = j_per_token * throughput if throughput else None
    if power:
        _throughput_and_power(c, row["id"], fp, out_tokens, chips, power, j_per_token,
                              version, note, tags)
    latency = published_latency_s(row.get("notes"))
    out = first_number(row.get("avg_output_tokens"))
    if latency and out:
        t = fp["time"]
        c.add(row["id"], f"time per output token ({version})", t.value / out_tokens,
              latency / out, "s", note, t.lo / out_tokens, t.hi / out_tokens, **tags)


def _throughput_and_power(c: Any, rid: str, fp: Any, out_tokens: int, chips: int,
                          power_w: float, j_per_token: float, version: str, note: str,
                          tags: dict[str, str]) -> None:
    """Output tokens/s and W per chip, predicted from one batch vs the published row.

    Published throughput = average power (all GPUs) / energy per output token; published power
    per chip = average power / GPUs. Predicted: ``batch·N / t`` and ``E / (t · chips)``, with
    ranges from the time and energy corners.
    """
    t, e = fp["time"], fp["accelerator_energy"]
    c.add(rid, f"throughput ({version})", out_tokens / t.value, power_w / j_per_token,
          "token/s", note, out_tokens / t.hi, out_tokens / t.lo, **tags)
    corners = (e.lo / t.lo, e.hi / t.hi)  # the optimistic and pessimistic corners' power
    c.add(rid, f"power per chip ({version})", e.value / (t.value * chips), power_w / chips,
          "W", note, min(corners) / chips, max(corners) / chips, **tags)
