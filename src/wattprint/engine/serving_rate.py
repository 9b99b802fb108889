"""Serving at a request rate: the batch continuous batching reaches, replicas, idle capacity.

``estimate_serving`` answers "what does serving λ requests/s cost": a serving engine (vLLM by
default) admits sequences while its paged KV pool has room; at a load of ``λ_r`` requests/s
per replica, Little's law gives the steady number in flight, ``B = λ_r · T(B)``, where
``T(B)`` is a request's time in the engine at batch ``B`` (one batch-cycle of
:func:`~wattprint.engine.estimate_inference`: prefill + ``N − 1`` decode steps). Replicas
are added until ``B`` meets the latency targets and fits the pool, then multiplied by a
provisioning headroom; every provisioned replica draws its power for the whole period
(docs/methodology.md §3.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wattprint.catalog.defaults import default_stack, default_value
from wattprint.catalog.schema import Hardware
from wattprint.engine.inference import estimate_inference
from wattprint.engine.inputs import check_limit, resolve_hardware, resolve_model
from wattprint.engine.memory import KV_BLOCK_TOKENS as KV_BLOCK_TOKENS
from wattprint.engine.memory import paged_kv_capacity
from wattprint.engine.serving_options import ServingOptions
from wattprint.errors import InputError, UnsupportedError
from wattprint.footprint import Footprint
from wattprint.quantity import Quantity
from wattprint.site.chain import SiteFactors, build_footprint, resolve_site
from wattprint.units import plural
from wattprint.workload.model_spec import ModelSpec
from wattprint.workload.precision import precision_plan


def paged_kv_max_batch(spec: ModelSpec, hw: Hardware, precision: str, chips: int,
                       prompt_tokens: int, output_tokens: int,
                       kv_cache: str | None = None) -> int:
    """Sequences a vLLM-like engine holds at once [count]
    (:func:`~wattprint.engine.memory.paged_kv_capacity` at the mean held length ``P + N/2``)."""
    plan = precision_plan(precision, kv_cache)
    return paged_kv_capacity(spec, plan, hw.memory_bytes.value, chips,
                             prompt_tokens + output_tokens / 2.0)


@dataclass(frozen=True)
class ServingPoint:
    """One replica at a steady batch: its request time, TPOT, TTFT and power."""

    batch: int
    request_s: float  # time a request spends in the engine (one batch-cycle)
    tpot_s: float
    ttft_s: float
    power_w: float  # accelerator power of the replica (all its chips)
    footprint: Footprint

    def meets(self, tpot_s: float, ttft_s: float) -> bool:
        """True when the batch meets both latency targets."""
        return self.tpot_s <= tpot_s and self.ttft_s <= ttft_s


def _point(spec: ModelSpec, hw: Hardware, b: int, kw: dict[str, Any]) -> ServingPoint:
    fp = estimate_inference(spec, hw, batch=b, **kw)
    t = fp["time"].value
    return ServingPoint(b, t, fp["time_per_output_token"].value,
                        fp["time_to_first_token"].value,
                        fp["accelerator_energy"].value / t if t > 0 else 0.0, fp)


def _batches(b_max: int) -> list[int]:
    out, b = [], 1
    while b < b_max:
        out.append(b)
        b *= 2
    return [*out, b_max]


def steady_batch(points: list[ServingPoint], rate_per_replica: float) -> ServingPoint | None:
    """The smallest batch whose throughput carries the load: ``λ_r · T(B) ≤ B`` (Little's
    law: fewer in flight than that cannot serve the arrivals)."""
    for p in points:
        if rate_per_replica * p.request_s <= p.batch:
            return p
    return None


def estimate_serving(model: str | ModelSpec | Path, hardware: str | Hardware, *,
                     rate_rps: float, duration_s: float = 86400.0, prompt_tokens: int = 512,
                     output_tokens: int = 256, precision: str = "bf16", chips: int = 1,
                     stack: str | None = None, kv_cache: str | None = None,
                     site: str | SiteFactors | None = None, pue: float | None = None,
                     options: ServingOptions | None = None) -> Footprint:
    """Footprint of serving ``rate_rps`` requests/s for ``duration_s`` seconds.

    ``chips`` are the chips of one replica (tensor parallel). Returns a footprint over all
    provisioned replicas and the whole period, with the steady batch, replicas, utilisation
    and the latency targets in ``details`` and the notes.
    """
    if not (rate_rps > 0 and math.isfinite(rate_rps)):
        raise InputError(f"request rate must be a positive number, got {rate_rps!r}")
    check_limit(rate_rps, "request rate")
    check_limit(rate_rps * duration_s, "requests")
    spec, hw = resolve_model(model), resolve_hardware(hardware)
    stack = stack or default_stack("serve")
    b_max = paged_kv_max_batch(spec, hw, precision, chips, prompt_tokens, output_tokens,
                               kv_cache)
    if b_max < 1:
        raise UnsupportedError(f"{spec.name} at {precision} leaves no KV-cache room on {chips} "
                               f"× {hw.id}; use more chips or a lower precision")
    kw = {"prompt_tokens": prompt_tokens, "output_tokens": output_tokens,
          "precision": precision, "chips": chips, "stack": stack, "kv_cache": kv_cache,
          "options": options}
    points = [_point(spec, hw, b, kw) for b in _batches(min(b_max, 4096))]
    tpot_t = default_value("serving", "tpot_target_s").value
    ttft_t = default_value("serving", "ttft_target_s").value
    ok = [p for p in points if p.meets(tpot_t, ttft_t)] or points[:1]
    best = ok[-1]  # the largest batch within the targets: most requests per replica
    load = rate_rps * best.request_s / best.batch  # replicas the mean load fills
    needed = max(1, math.ceil(load - 1e-9))
    headroom = default_value("serving", "headroom")
    replicas = max(needed, math.ceil(load * headroom.value - 1e-9))
    at = steady_batch(ok, rate_rps / replicas) or best
    return _serving_footprint(spec, hw, at, replicas, needed, rate_rps, duration_s, chips,
                              (tpot_t, ttft_t, b_max, headroom.cite()), site, pue)


def _serving_footprint(spec: ModelSpec, hw: Hardware, at: ServingPoint, replicas: int,
                       needed: int, rate: float, duration: float, chips: int,
                       targets: tuple[float, float, int, str],
                       site: str | SiteFactors | None, pue: float | None) -> Footprint:
    tpot_t, ttft_t, b_max, head = targets
    n_chips = chips * replicas
    util = min(rate * at.request_s / (at.batch * replicas), 1.0)
    inst = at.footprint["accelerator_energy"]
    cycles = rate * duration / at.batch  # batch-cycles all replicas run together
    idle_s = max(replicas * duration - cycles * at.request_s, 0.0)
    idle = at.footprint.details["device_provenance"]
    idle_w = hw.idle_w
    lo_w = idle_w.low if idle_w.low is not None else idle_w.value
    hi_w = idle_w.high if idle_w.high is not None else idle_w.value
    energy = Quantity(
        cycles * inst.value + idle_w.value * chips * idle_s, "J",
        f"{plural(replicas, 'replica')} × {chips} × {hw.id} for {duration:g} s: {cycles:.4g} "
        f"batch-cycles at batch {at.batch} + idle floor × chips × the provisioned time not "
        f"busy ({idle['idle_w']})", "modelled",
        cycles * inst.lo + lo_w * chips * idle_s, cycles * inst.hi + hi_w * chips * idle_s)
    time_q = Quantity(duration, "s", "serving period", "default")
    requests = rate * duration
    notes = [f"serving at {rate:g} requests/s with a vLLM-like engine (continuous batching, "
             f"paged KV: at most {b_max} sequences per replica): steady batch {at.batch} per "
             f"replica, TPOT {at.tpot_s * 1e3:.0f} ms (target ≤ {tpot_t * 1e3:.0f} ms), TTFT "
             f"{at.ttft_s:.2f} s (target ≤ {ttft_t:g} s)",
             f"replicas: {needed} carry the mean load, {replicas} provisioned (headroom: "
             f"{head}); utilisation {util * 100:.0f} %"]
    extra = {
        "accelerator_energy_per_request": Quantity(energy.value / requests, "J",
                                                   "accelerator energy / requests", "modelled",
                                                   energy.lo / requests, energy.hi / requests),
        "replicas": Quantity(float(replicas), "", "provisioned replicas", "modelled"),
        "steady_batch": Quantity(float(at.batch), "", "sequences in flight per replica "
                                 "(Little's law at the per-replica rate)", "modelled"),
    }
    site_f = site if isinstance(site, SiteFactors) else resolve_site(site, pue=pue)
    details = {"model": spec.to_dict(), "hardware": hw.id, "replicas": replicas,
               "replicas_needed": needed, "steady_batch": at.batch, "max_batch": b_max,
               "utilisation": util, "tpot_s": at.tpot_s, "ttft_s": at.ttft_s,
               "request_s": at.request_s, "replica_power_w": at.power_w}
    inputs = {"kind": "serve", "model": spec.name, "hardware": hw.id, "chips": n_chips,
              "rate_rps": rate, "duration_s": duration, "requests": requests,
              "site": site_f.site_id}
    return build_footprint(kind="estimate", time=time_q, chips=n_chips,
                           accelerator_energy=energy, host_energy=None, hardware=hw,
                           site=site_f, details=details, inputs=inputs, notes=notes,
                           extra=extra)
