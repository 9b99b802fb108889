"""How each ML.ENERGY leaderboard version measured: the serving stack and prompt lengths.

The three versions ran different software on different prompts, so one set of assumptions
cannot stand for all of them. Each :class:`Setup` names the stack profile (``data/stacks.toml``)
that matches what the version ran and the mean prompt length of its workloads, with the
source of each. V3's prompt lengths are the assumptions in
:data:`wattprint.validation.inference.PROMPT_TOKENS` (no setup entry here).
"""

from __future__ import annotations

from typing import NamedTuple, TypeVar

T = TypeVar("T")


def by_workload(table: dict[str, T], workload: str) -> T | None:
    """The value of the first key of ``table`` that ``workload`` starts with (case-insensitive:
    ``chat``, ``code`` …), or ``None`` when none does."""
    w = workload.lower()
    return next((v for key, v in table.items() if w.startswith(key)), None)


class Setup(NamedTuple):
    """Measurement conditions of one leaderboard version."""

    stack: str  # stack id in data/stacks.toml
    prompt_tokens: dict[str, int]  # mean prompt tokens per workload prefix (system prompt
    # and chat template included)
    source: str
    #: stack ids of workloads whose requests ran the engine differently (prefix → stack id)
    workload_stacks: dict[str, str] | None = None
    precision: str | None = None  # what the harness loaded the weights in (None: bf16, or fp16
    # on chips without bf16)
    #: the row's ``throughput`` is the output tokens per second of the window its energy was
    #: summed over (V2's steady state), so throughput and power are scored from it
    steady_throughput: bool = False


#: ML.ENERGY V1 (2023): Hugging Face transformers models loaded through FastChat 0.2.14-0.2.23
#: (torch 2.0.1, fp16), a hand-written generation loop (one eager forward per token, a
#: logits processor, multinomial sampling, ``tokenizer.batch_decode`` of the whole output
#: every step), batch 1, ``max_new_tokens`` 512, context 2048; Zeus energy of the one GPU
#: over the whole generation (prefill included) divided by the response length.
#: Prompts: the first turns of the length-sorted ShareGPT sample
#: (``sg_90k_part1_html_cleaned_lang_first_sampled_sorted.json``, 2,978 prompts, mean 498
#: characters ≈ 125 tokens at ~4 characters per token) plus the FastChat system prompt and
#: roles (~40 tokens): ~165 tokens.
V1 = Setup(
    stack="fastchat-hf",
    prompt_tokens={"chat": 165},
    source=("github.com/ml-energy/leaderboard-v2 @31b5924 (2023-09-06): scripts/benchmark.py, "
            "setup.py (fschat==0.2.23, torch==2.0.1), sharegpt/"
            "sg_90k_part1_html_cleaned_lang_first_sampled_sorted.json; earlier rows: "
            "@2e3c3ed (2023-06-28, fschat==0.2.14) and @679ce1c (2023-08-04, fschat==0.2.20); "
            "docs/leaderboard.md 'Parameters: Batch size 1, FP16'"),
    precision="fp16",
)

#: ML.ENERGY V2 (2024): vLLM v0.5.4 (``mlenergy/vllm:v0.5.4-openai``) with
#: ``--disable-frontend-multiprocessing``, chunked prefill off, ``--max-model-len 4096``,
#: ``--gpu-memory-utilization 0.95``, CUDA graphs on (default), ``max_num_seqs`` swept;
#: 500 ShareGPT first turns × 4 (2,000 requests) sent at once (request rate inf), chat
#: completions with a one-sentence system prompt, ``max_tokens`` 1024, temperature 0.8,
#: top_p 0.95. Energy: Zeus, all GPUs of the replica, summed over the steady state only
#: (while requests wait in the queue, so the batch stays full) and divided by the output
#: tokens generated in that window; runs whose average batch stayed below 95 % of the
#: maximum were dropped. Prompts: ``ShareGPT_V3_filtered_500.json`` (first turns of
#: 4–800 Llama tokens), mean 350 characters ≈ 90 tokens, plus the system prompt (~20
#: tokens) and the chat template (~20 tokens): ~130 tokens.
#: ``aggregate_leaderboard_data.py`` publishes the throughput of the same steady-state window
#: (``Token tput`` = steady-state output tokens / steady-state time) beside the energy, while
#: its ``Avg TPOT`` averages vLLM's per-iteration TPOT over every iteration of the run, the
#: drain after the queue empties included (the last long requests at batch 1-10 for up to
#: ``max_tokens`` steps): the avg TPOT is 1.02x the steady-state step time (avg batch /
#: throughput) at batch <= 64 but 0.61x above 400 (median of 75 rows). Time is therefore
#: scored from the throughput (``steady_throughput``), not from the avg TPOT.
#: The code task (same server flags) sent the 164 EvalPlus HumanEval+ prompts × 10 as plain
#: completions (no chat template; greedy, ``max_tokens`` 512, stop strings;
#: ``benchmark/llm_text_generation/code/scripts/benchmark_client.py``). Those prompts are
#: HumanEval's (openai/human-eval ``data/HumanEval.jsonl.gz``, stripped): mean 448
#: characters, 154.5 tokens with a 32k SentencePiece vocabulary plus BOS (measured with
#: Mistral's v1 tokenizer.model from mistral-common 1.13.1 as a stand-in for Llama 2's,
#: 2.9 characters per token): ~155 tokens. Larger code vocabularies (StarCoder2 49k,
#: Gemma 256k) cut fewer tokens; the prefill of ~155 tokens per ~100 output tokens is
#: a small share of a step either way.
V2 = Setup(
    stack="vllm-0.5",
    prompt_tokens={"chat": 130, "code": 155},
    workload_stacks={"code": "vllm-0.5-greedy"},
    steady_throughput=True,
    source=("github.com/ml-energy/leaderboard-v2 @c3af7f3: benchmark/llm_text_generation/chat/"
            "scripts/benchmark_one_datapoint.py, benchmark_client.py, "
            "aggregate_leaderboard_data.py, pegasus/*/queue_*.yaml, "
            "sharegpt/ShareGPT_V3_filtered_500.json and filter_dataset.py; "
            "benchmark/llm_text_generation/code/scripts/benchmark_client.py (EvalPlus "
            "HumanEval+ prompts, github.com/openai/human-eval data/HumanEval.jsonl.gz)"),
)

#: Setups by version label (``ML.ENERGY V1`` …).
SETUPS: dict[str, Setup] = {"ML.ENERGY V1": V1, "ML.ENERGY V2": V2}

#: The stack of versions without a setup entry (V3: vLLM of 2025, the ``vllm`` profile).
DEFAULT_STACK = "vllm"


def setup_stack(version: str, workload: str = "") -> str:
    """Stack id for a leaderboard version label (``ML.ENERGY V2`` → ``vllm-0.5``), or for one
    of its workloads when that ran the engine differently (V2 ``code``: greedy requests →
    ``vllm-0.5-greedy``)."""
    s = SETUPS.get(version)
    if s is None:
        return DEFAULT_STACK
    return by_workload(s.workload_stacks or {}, workload) or s.stack


def setup_precision(version: str) -> str | None:
    """Weight precision of ``version``'s harness (``ML.ENERGY V1`` → ``fp16``), or ``None``
    when the setup does not fix it."""
    s = SETUPS.get(version)
    return s.precision if s else None


def setup_steady_throughput(version: str) -> bool:
    """True when ``version``'s rows publish the throughput of their energy window (V2)."""
    s = SETUPS.get(version)
    return bool(s and s.steady_throughput)


def setup_prompt_tokens(version: str, workload: str) -> int | None:
    """Mean prompt tokens of ``workload`` in ``version``'s setup, or ``None`` when the setup
    does not state it (the caller's assumption then applies)."""
    s = SETUPS.get(version)
    if s is None:
        return None
    return by_workload(s.prompt_tokens, workload)
