"""Reports of predictions: ``wattprint estimate infer|train --json`` and ``demo --json``."""

from __future__ import annotations

from typing import Any

from wattprint.report.html.charts import bars_with_ranges, stacked_bars
from wattprint.report.html.common import (
    chain_section,
    footprint_metrics,
    impact_section,
    provenance_section,
    site_assumptions,
)
from wattprint.report.html.model import Assumption, Report, Section
from wattprint.units import plural

_INFER_INPUTS = (("hardware", "Hardware"), ("chips", "Chips per replica (parallelism)"),
                 ("precision", "Precision"), ("stack", "Software stack"),
                 ("batch", "Batch (concurrent sequences)"), ("prompt_tokens", "Prompt tokens"),
                 ("output_tokens", "Output tokens"), ("requests", "Requests"),
                 ("sparsity", "Sparsity"), ("profile", "Calibration profile"))
_TRAIN_INPUTS = (("hardware", "Hardware"), ("chips", "Chips (data × tensor × pipeline)"),
                 ("precision", "Precision"), ("stack", "Software stack"),
                 ("tokens", "Training tokens"), ("batch", "Sequences per step (one chip)"),
                 ("global_batch_tokens", "Global batch (tokens per step)"),
                 ("seq_len", "Sequence length"), ("recompute", "Activation recomputation"),
                 ("mfu", "MFU given"), ("chip_hours", "Chip-hours given"),
                 ("profile", "Calibration profile"))


def _fmt_input(v: Any) -> str:
    if v is None:
        return "none (built-in defaults)"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def estimate_assumptions(fp: dict[str, Any]) -> list[Assumption]:
    """Inputs of an estimate and its site factors, model and goodput."""
    inputs = fp.get("inputs") or {}
    details = fp.get("details") or {}
    model = details.get("model")
    spec: dict[str, Any] = model if isinstance(model, dict) else {}
    out = [Assumption("Model", f"{inputs.get('model')} "
                      f"({spec.get('params_total', 0) / 1e9:.3g} B parameters)"
                      if spec else str(inputs.get("model")), str(spec.get("source", "")))]
    table = _TRAIN_INPUTS if inputs.get("kind") == "train" else _INFER_INPUTS
    out += [Assumption(label, _fmt_input(inputs.get(key))) for key, label in table
            if key in inputs]
    out += _scale_assumptions(inputs, details)
    return out + site_assumptions(details.get("site"))


def _scale_assumptions(inputs: dict[str, Any], details: dict[str, Any]) -> list[Assumption]:
    """Parallel layout and goodput of a multi-chip run, or the load of a serving estimate."""
    lay = details.get("layout")
    if isinstance(lay, dict):
        shares = lay.get("time_shares") or {}
        return [Assumption("Parallelism", f"TP {lay.get('tp')} × PP {lay.get('pp')} × DP "
                           f"{lay.get('dp')} (EP {lay.get('ep')}), global batch "
                           f"{float(lay.get('global_batch_tokens', 0)) / 1e6:.3g}M tokens",
                           "chosen like a Megatron/torchtitan recipe" if lay.get("chosen")
                           else "given", bool(lay.get("chosen"))),
                Assumption("Goodput", f"{(1 - float(shares.get('goodput loss', 0))) * 100:.0f} "
                           "% of wall time advances training", "Llama 3 paper §3.3.4 "
                           "(defaults.toml [training] goodput)", True)]
    if inputs.get("kind") == "serve":
        return [Assumption("Load", f"{inputs.get('rate_rps'):.4g} requests/s for "
                           f"{inputs.get('duration_s'):g} s: steady batch "
                           f"{details.get('steady_batch')}, "
                           f"{plural(details.get('replicas') or 0, 'replica')} provisioned",
                           "vLLM-like continuous batching, defaults.toml [serving]", True)]
    if inputs.get("kind") == "train":
        return [Assumption("Goodput", "100 % on one chip (no failures modelled)",
                           "wattprint assumption", True)]
    return []


def _phase_sections(fp: dict[str, Any]) -> list[Section]:
    d = fp.get("details") or {}
    phases = {k: d[k] for k in ("prefill", "decode", "step") if isinstance(d.get(k), dict)}
    if not phases:
        return []
    labels = [f"{k} ({v.get('regime', '?')}-bound)" for k, v in phases.items()]
    energy = bars_with_ranges(
        "Accelerator energy by phase (per batch or per step), J", labels,
        [float(v["energy_j"]) for v in phases.values()],
        [v.get("energy_low_j") for v in phases.values()],
        [v.get("energy_high_j") for v in phases.values()], "J",
        [f"dynamic {v.get('dynamic_energy_j', 0):.3g} J + idle "
         f"{v.get('idle_energy_j', 0):.3g} J; {v.get('avg_power_w_per_chip', 0):.0f} W/chip"
         for v in phases.values()])
    parts = {"compute": "t_compute_s", "memory": "t_memory_s", "elementwise": "t_elementwise_s",
             "overhead (launch, sync)": "t_overhead_s", "communication": "t_comm_s"}
    time = stacked_bars("Where the time goes: roofline components per phase (s; the phase "
                        "time is the binding one, not the sum)", list(phases),
                        {name: [float(v.get(k, 0.0)) for v in phases.values()]
                         for name, k in parts.items()}, "s")
    return [Section("Where the joules go, by phase and regime", figure=energy,
                    caption="Bars: central estimate; whiskers: low–high range. The regime says "
                            "which roofline limit binds."),
            Section("Where the time goes", figure=time)]


def estimate_report(fp: dict[str, Any], title: str | None = None) -> Report:
    """A :class:`Report` of ``Footprint.to_dict()`` of an estimate."""
    inputs = fp.get("inputs") or {}
    kind = "training" if inputs.get("kind") == "train" else "inference"
    basis = "measured" if fp.get("kind") == "measurement" else "modelled"
    rep = Report(
        kind="estimate",
        title=title or f"{kind.capitalize()} estimate: {inputs.get('model')} on "
        f"{inputs.get('chips')} × {inputs.get('hardware')}",
        subtitle=f"site {inputs.get('site')}; predicted before running (workload → device → "
                 "site → footprint). Ranges are low–high, not confidence intervals.",
        assumptions=estimate_assumptions(fp), metrics=footprint_metrics(fp),
        notes=[str(n) for n in fp.get("notes") or []], data=fp)
    chain = chain_section(fp, basis)
    if chain:
        rep.sections.append(chain)
    rep.sections.append(impact_section(fp, (fp.get("details") or {}).get("site")))
    rep.sections += _phase_sections(fp)
    rep.sections.append(provenance_section(fp))
    return rep


def demo_report(d: dict[str, Any]) -> Report:
    """``wattprint demo --json``: the training report with serving a year appended."""
    rep = estimate_report(d["training"], "Demo: train a model, then serve it a year")
    serve = estimate_report(d["serving_one_year"])
    for m in serve.metrics:
        m.key, m.label = f"serving.{m.key}", f"Serving 1 year: {m.label}"
    rep.metrics += serve.metrics
    rep.sections += [s for s in serve.sections if s.figure is not None]
    rep.data = d
    return rep
