"""Serving engines' Prometheus metrics: scrape ``/metrics`` and read the token counters.

Names (verified against the engines' source and docs, 2025):

* vLLM (``vllm/engine/metrics.py``, v1 ``vllm/v1/metrics/loggers.py``; docs.vllm.ai
  "Production Metrics"): counters ``vllm:prompt_tokens_total``,
  ``vllm:generation_tokens_total``, ``vllm:request_success_total`` (one series per
  ``finished_reason``, summed).
* SGLang (``python/sglang/srt/metrics/collector.py``; docs.sglang.ai "Production
  Metrics"): counters ``sglang:prompt_tokens_total``, ``sglang:generation_tokens_total``,
  ``sglang:num_requests_total``; only ``tp_rank`` 0 is counted when the label is present.
* TGI (``router/src/server.rs``; huggingface.co/docs/text-generation-inference
  "Metrics"): histograms ``tgi_request_input_length`` and ``tgi_request_generated_tokens``
  (their ``_sum`` are the token totals) and the counter ``tgi_request_success`` (the
  Rust exporter writes it without ``_total``; the parser adds it).

Counters restart at 0 when the engine restarts: :func:`counter_increase` then counts the
new value only, never a negative increase.
"""

from __future__ import annotations

import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from wattprint.errors import InputError

#: engine → (prompt tokens, generation tokens, successful requests) sample names; each a
#: tuple of accepted spellings.
ENGINE_METRICS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "vllm": (("vllm:prompt_tokens_total",), ("vllm:generation_tokens_total",),
             ("vllm:request_success_total",)),
    "sglang": (("sglang:prompt_tokens_total",), ("sglang:generation_tokens_total",),
               ("sglang:num_requests_total",)),
    "tgi": (("tgi_request_input_length_sum",), ("tgi_request_generated_tokens_sum",),
            ("tgi_request_success_total", "tgi_request_success")),
}

_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class EngineCounters:
    """One scrape's cumulative counters (tokens, requests); ``None`` where not exposed."""

    prompt_tokens: float | None
    generation_tokens: float
    requests: float | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Follows no redirect (to another host, or to ``file://``): one-line error instead."""

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> None:
        raise InputError(f"{req.full_url} redirected (HTTP {code} to "
                         f"{headers.get('Location', '?')!r}); give the final http(s) URL")

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def check_url(url: str) -> str:
    """Return ``url`` when it is an http(s) URL with a host; else a one-line InputError."""
    p = urllib.parse.urlparse(url)
    if p.scheme not in ("http", "https") or not p.hostname:
        raise InputError(f"--url must be an http:// or https:// URL with a host, got {url!r}")
    return url


def scrape(url: str, timeout_s: float = 5.0) -> str:
    """GET ``url`` (no redirects followed) and return the body as text.

    Raises:
        InputError: not http(s), unreachable, an HTTP error, or a body over 32 MiB.
    """
    check_url(url)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=timeout_s) as resp:
            body: bytes = resp.read(_MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        why = getattr(exc, "reason", None) or exc
        raise InputError(f"cannot reach {url}: {why}") from exc
    if len(body) > _MAX_BYTES:
        raise InputError(f"{url}: metrics page over 32 MiB")
    return body.decode("utf-8", errors="replace")


def _counted(labels: dict[str, str]) -> bool:
    return labels.get("tp_rank", "0") == "0"


def _sums(text: str, url: str) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, float] = {}
    try:
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                if _counted(s.labels) and math.isfinite(s.value):
                    out[s.name] = out.get(s.name, 0.0) + float(s.value)
    except ValueError as exc:
        raise InputError(f"{url} did not answer Prometheus metrics text: "
                         f"{str(exc)[:80]}") from exc
    return out


def _first(sums: dict[str, float], names: tuple[str, ...]) -> float | None:
    for n in names:
        if n in sums:
            return sums[n]
    return None


def parse_counters(engine: str, text: str, url: str = "the endpoint") -> EngineCounters:
    """Read the engine's cumulative token and request counters from metrics ``text``.

    Raises:
        InputError: unknown engine, text that is not Prometheus metrics, or no
            generation-token counter of that engine.
    """
    if engine not in ENGINE_METRICS:
        raise InputError(f"--engine must be one of {', '.join(ENGINE_METRICS)}, got "
                         f"{engine!r}")
    prompt_n, gen_n, req_n = ENGINE_METRICS[engine]
    sums = _sums(text, url)
    gen = _first(sums, gen_n)
    if gen is None:
        raise InputError(f"{url} has no {gen_n[0]} metric: is it a {engine} /metrics "
                         "endpoint (and the engine started with metrics on)?")
    return EngineCounters(_first(sums, prompt_n), gen, _first(sums, req_n))


def counter_increase(prev: float | None, cur: float | None) -> float | None:
    """Increase of a cumulative counter between two scrapes (≥ 0, count).

    A counter lower than before was reset (engine restart): the increase is the new value
    (counted from 0). ``None`` when either scrape lacks the counter.
    """
    if prev is None or cur is None:
        return None
    return cur - prev if cur >= prev else max(cur, 0.0)
