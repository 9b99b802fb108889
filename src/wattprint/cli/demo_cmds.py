"""``wattprint demo``: the main job on built-in defaults, with every assumption printed."""

from __future__ import annotations

from typing import Annotated

import typer

from wattprint.cli.options import JsonOpt, SiteOpt


def demo(
    model: Annotated[str, typer.Option("--model", "-m")] = "llama-3.1-8b",
    hardware: Annotated[str, typer.Option("--hardware", "-H")] = "h100",
    site: SiteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The main job on built-in defaults: train a well-known model, then serve it for a year.

    Training: 15T tokens on 1,024 chips (bf16, distributed stack, the recipe's layout and
    global batch, goodput). Serving: 1 million requests a day of 1,000 prompt + 300 output
    tokens on a vLLM-like engine for 365 days (the batch it reaches at that load, replicas).
    """
    from rich.console import Console

    from wattprint.cli.operator_cmds import operator_model
    from wattprint.engine import estimate_training
    from wattprint.errors import InputError

    if operator_model(model, None) is not None:
        raise InputError(f"demo trains and serves a language model; {model!r} is priced by "
                         f"operators: try `wattprint estimate infer --model {model}`")
    from wattprint.engine.serving_rate import estimate_serving
    from wattprint.report.fit import print_table
    from wattprint.report.tables import dump_json, footprint_table

    train_fp = estimate_training(model, hardware, tokens=15e12, chips=1024, site=site)
    serve_fp = estimate_serving(model, hardware, rate_rps=1e6 / 86400.0,
                                duration_s=365 * 86400.0, prompt_tokens=1000,
                                output_tokens=300, site=site)
    if json_out:
        dump_json({"training": train_fp.to_dict(), "serving_one_year": serve_fp.to_dict()})
        return
    console = Console()
    train_title = (f"Training {train_fp.inputs['model']} on 15 T tokens, 1,024 × "
                   f"{train_fp.inputs['hardware']}")
    serve_title = ("Serving it for a year: 1M requests/day (1,000 + 300 tokens) on "
                   f"{serve_fp.inputs['hardware']}, vLLM")
    print_table(console, footprint_table(train_fp, train_title, provenance=False))
    print_table(console, footprint_table(serve_fp, serve_title, provenance=False))
    console.print(_assumed(train_fp.details.get("site"), site), markup=False)
    for n in train_fp.notes:
        if n.startswith(("parallelism", "time:")):
            console.print(f"Training assumed: {n}", markup=False)
    for n in serve_fp.notes:
        console.print(f"Serving assumed: {n}", markup=False)
    ratio = serve_fp["facility_energy"].value / train_fp["facility_energy"].value
    console.print(f"A year of serving at this demand takes {ratio * 100:.2g} % of the training "
                  "energy (provisioned replicas included, idle time at the idle floor). Use "
                  "--json for every number's provenance.")


def _assumed(site: object, given: str | None) -> str:
    """One line naming the site factors a demo assumed (grid, PUE, price, water) and sources."""
    d = site.to_dict() if hasattr(site, "to_dict") else site
    if not isinstance(d, dict):
        return "Assumed: site factors unknown."
    parts = []
    for key, label, unit in (("grid_gco2e_per_kwh", "grid", " gCO2e/kWh"), ("pue", "PUE", ""),
                             ("price_usd_per_kwh", "price", " USD/kWh"),
                             ("wue_l_per_kwh", "on-site water", " L/kWh")):
        q = d.get(key)
        if isinstance(q, dict):
            src = str(q.get("provenance", "")).split(": ", 1)[-1]
            parts.append(f"{label} {q['value']:g}{unit} ({src})")
    how = f"--site {given}" if given else "default site; change it with --site"
    return f"Assumed for {d.get('name', d.get('site'))} ({how}): " + "; ".join(parts) + "."
