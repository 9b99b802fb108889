"""``wattprint serve-meter``: measured energy per output token and per request of a serving
engine, next to wattprint's prediction at the observed load.

Each interval the engine's ``/metrics`` is scraped (:mod:`.serving_metrics`) and one meter
window closes on this node's devices; the token and request increases of the interval are
paired with the window's energy. A sliding window (the last ``window_s`` seconds of
intervals) gives ``J per output token = Σ energy / Σ generated tokens`` and ``J per request
= Σ energy / Σ successful requests``. The energy is the accelerators' (GPUs) when the meter
measures any, else every measured device's (said in ``energy_scope``). The prediction is
:func:`wattprint.engine.serving_rate.estimate_serving` at the window's request rate and
mean prompt/output lengths. Every interval is stored as a ledger window; the run's notes
carry the token counts and the last sliding-window result.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wattprint.integrations.serving_metrics import (
    EngineCounters,
    counter_increase,
    parse_counters,
    scrape,
)
from wattprint.units import plural


@dataclass(frozen=True)
class Interval:
    """One scrape-to-scrape interval: energy (J) and the counters' increases (count)."""

    started_at: float
    ended_at: float
    time_s: float
    energy_j: float
    prompt_tokens: float | None
    output_tokens: float
    requests: float | None
    reset: bool


def _ratio(num: float, den: float | None) -> float | None:
    return num / den if den is not None and den > 0 else None


def _sum(xs: list[float | None]) -> float | None:
    return None if any(x is None for x in xs) else sum(x for x in xs if x is not None)


def predict_at_load(model: str, hardware: str, rate_rps: float, duration_s: float,
                    prompt_tokens: float, output_tokens: float) -> dict[str, Any]:
    """wattprint's prediction of accelerator J per output token and per request when
    serving ``rate_rps`` requests/s of ``prompt_tokens``/``output_tokens`` mean length for
    ``duration_s`` s (:func:`~wattprint.engine.serving_rate.estimate_serving`, vLLM-like
    engine). Returns values with their low–high ranges (J)."""
    from wattprint.engine.serving_rate import estimate_serving

    p, o = max(int(round(prompt_tokens)), 1), max(int(round(output_tokens)), 1)
    fp = estimate_serving(model, hardware, rate_rps=rate_rps, duration_s=duration_s,
                          prompt_tokens=p, output_tokens=o)
    e = fp["accelerator_energy"]
    tokens = rate_rps * duration_s * o
    per_req = fp["accelerator_energy_per_request"]
    return {"j_per_output_token": e.value / tokens, "j_per_output_token_low": e.lo / tokens,
            "j_per_output_token_high": e.hi / tokens, "j_per_request": per_req.value,
            "j_per_request_low": per_req.lo, "j_per_request_high": per_req.hi,
            "replicas": fp.details["replicas"], "steady_batch": fp.details["steady_batch"],
            "basis": "modelled: estimate_serving (vLLM-like engine)"}


class ServeMeter:
    """Pairs an engine's token counters with a :class:`~wattprint.meter.Meter`'s windows.

    Args:
        engine: ``vllm``, ``sglang`` or ``tgi``.
        url: the engine's metrics URL (http/https).
        meter: the meter of this node's devices (started here).
        window_s: sliding-window length (s).
        model / hardware: catalog names for the prediction (both or neither).
        ledger / run_id: where each interval is stored (optional).
        fetch: ``url → text`` (default: :func:`.serving_metrics.scrape`).
    """

    def __init__(self, engine: str, url: str, meter: Any, *, window_s: float = 60.0,
                 model: str | None = None, hardware: str | None = None,
                 ledger: Any = None, run_id: str | None = None,
                 fetch: Callable[[str], str] = scrape) -> None:
        self.engine, self.url, self.meter = engine, url, meter
        self.window_s = float(window_s)
        self.model, self.hardware = model, hardware
        self.ledger, self.run_id = ledger, run_id
        self.fetch = fetch
        self.intervals: collections.deque[Interval] = collections.deque()
        self.last: dict[str, Any] | None = None
        self.totals = {"output_tokens": 0.0, "requests": 0.0, "energy_j": 0.0, "resets": 0}
        self._prev: EngineCounters | None = None
        self._n = 0
        self.energy_scope = "accelerators"

    def _counters(self) -> EngineCounters:
        return parse_counters(self.engine, self.fetch(self.url), self.url)

    def start(self) -> ServeMeter:
        """First scrape (checks the endpoint) and open the first interval's window."""
        self._prev = self._counters()
        self.meter.start()
        self.meter.begin_window("serve-meter", sync=False)
        self.meter.begin_window("serve", sync=False)
        return self

    def _energy_j(self, m: Any) -> float:
        if m.gpus:
            self.energy_scope = "accelerators"
            return float(m.accelerator_energy.value)
        self.energy_scope = "all measured devices (no accelerator measured)"
        return float(m.total_energy.value)

    def step(self) -> dict[str, Any]:
        """Close the current interval (scrape + window), open the next; returns the
        sliding-window result (see :meth:`summary`)."""
        cur = self._counters()
        m = self.meter.end_window("serve", sync=False)
        self.meter.begin_window("serve", sync=False)
        prev = self._prev
        assert prev is not None, "start() first"
        self._prev = cur
        iv = Interval(m.started_at, m.ended_at, float(m.time.value), self._energy_j(m),
                      counter_increase(prev.prompt_tokens, cur.prompt_tokens),
                      counter_increase(prev.generation_tokens, cur.generation_tokens) or 0.0,
                      counter_increase(prev.requests, cur.requests),
                      cur.generation_tokens < prev.generation_tokens)
        self._record(iv, m)
        return self.summary()

    def _record(self, iv: Interval, m: Any) -> None:
        self._n += 1
        self.intervals.append(iv)
        while self.intervals and iv.ended_at - self.intervals[0].started_at > \
                self.window_s + 1e-9 and len(self.intervals) > 1:
            self.intervals.popleft()
        t = self.totals
        t["output_tokens"] += iv.output_tokens
        t["requests"] += iv.requests or 0.0
        t["energy_j"] += iv.energy_j
        t["resets"] += int(iv.reset)
        m.notes.append(f"serving ({self.engine}): {iv.output_tokens:g} output tokens, "
                       f"{_fmt_opt(iv.prompt_tokens)} prompt tokens, "
                       f"{_fmt_opt(iv.requests)} requests"
                       + ("; counters reset (engine restart)" if iv.reset else ""))
        if self.ledger is not None and self.run_id is not None:
            self.ledger.add_window(self.run_id, m)

    def summary(self) -> dict[str, Any]:
        """The sliding window: energy (J), tokens, requests, J per output token and per
        request (``None`` when nothing was generated), and the prediction when a model and
        hardware were given."""
        ivs = list(self.intervals)
        e = sum(i.energy_j for i in ivs)
        time_s = sum(i.time_s for i in ivs)
        gen = sum(i.output_tokens for i in ivs)
        req, prompt = _sum([i.requests for i in ivs]), _sum([i.prompt_tokens for i in ivs])
        out: dict[str, Any] = {
            "interval": self._n, "ended_at": ivs[-1].ended_at if ivs else None,
            "window_s": time_s, "energy_j": e, "energy_scope": self.energy_scope,
            "output_tokens": gen, "prompt_tokens": prompt, "requests": req,
            "j_per_output_token": _ratio(e, gen), "j_per_request": _ratio(e, req),
            "output_tokens_per_s": _ratio(gen, time_s), "requests_per_s": _ratio(req or 0.0,
                                                                               time_s),
            "counter_resets": sum(int(i.reset) for i in ivs), "predicted": None,
            "prediction_note": None}
        self._predict(out, gen, req, prompt, time_s)
        self.last = out
        return out

    def _predict(self, out: dict[str, Any], gen: float, req: float | None,
                 prompt: float | None, time_s: float) -> None:
        if not (self.model and self.hardware):
            return
        if not req or time_s <= 0 or gen <= 0:
            out["prediction_note"] = "no completed requests in the window"
            return
        from wattprint.errors import WattprintError

        try:
            out["predicted"] = predict_at_load(self.model, self.hardware, req / time_s,
                                               time_s, (prompt or 0.0) / req, gen / req)
        except WattprintError as exc:
            out["prediction_note"] = str(exc)

    def finish(self, complete: bool = True) -> Any:
        """Close the windows; store the run's totals in the ledger; returns the whole-run
        measurement."""
        self.meter.end_window("serve", sync=False)
        whole = self.meter.end_window("serve-meter", sync=False, complete=complete)
        self.meter.stop()
        t = self.totals
        notes = [f"serve-meter {self.engine} {self.url}: {plural(self._n, 'interval')}, "
                 f"{t['output_tokens']:g} output tokens, {t['requests']:g} requests, "
                 f"{t['energy_j']:.6g} J ({self.energy_scope}), "
                 f"{plural(t['resets'], 'counter reset')}"]
        if self.last is not None and self.last["j_per_output_token"] is not None:
            notes.append(f"last window: {self.last['j_per_output_token']:.6g} J/output token"
                         + (f", {self.last['j_per_request']:.6g} J/request"
                            if self.last["j_per_request"] is not None else ""))
        if self.ledger is not None and self.run_id is not None:
            self.ledger.finish_run(self.run_id, complete=complete, exit_code=0 if complete else 2,
                                   measurement=whole, notes=notes)
        return whole


def _fmt_opt(x: float | None) -> str:
    return "unknown" if x is None or not math.isfinite(x) else f"{x:g}"
