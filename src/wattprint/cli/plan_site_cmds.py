"""``wattprint plan regions|when|edge``: where, when, and on the device or in the cloud."""


from pathlib import Path
from typing import Annotated, Any

import typer

from wattprint.cli.options import JsonOpt, need
from wattprint.cli.plan_options import (
    ConfigOpt,
    MaxPowerOpt,
    MaxStressOpt,
    ModelOpt,
    OutputOpt,
    PromptOpt,
    RegionOpt,
    limits,
    model_path,
)
from wattprint.quantity import J_PER_KWH


def _workload(model: str | None, model_config: str | None, hardware: str | None,
              tokens: str | None, chips: str, demand: str | None, batch: str,
              precision: str, prompt_tokens: str, output_tokens: str,
              stack: str | None) -> Any:
    """An engine footprint for `plan regions` / `plan when`: training or one day of serving."""
    from wattprint.catalog.defaults import default_stack
    from wattprint.cli.plan_options import parse_demand
    from wattprint.engine import estimate_inference, estimate_training
    from wattprint.errors import InputError

    if hardware is None:
        raise InputError("give --hardware with --model (or --energy alone)")
    if (tokens is None) == (demand is None):
        raise InputError("give --tokens (a training run) or --demand (a day of serving), not "
                         "both")
    m = model_path(model, model_config)
    if tokens is not None:
        return estimate_training(m, hardware, tokens=need(tokens, "tokens", "--tokens"),
                                 chips=int(need(chips, "chips", "--chips", integer=True)),
                                 precision=precision)
    d = parse_demand(demand or "", int(need(prompt_tokens, "prompt tokens", "--prompt-tokens",
                                            integer=True)),
                     int(need(output_tokens, "output tokens", "--output-tokens", integer=True)))
    return estimate_inference(m, hardware, batch=int(need(batch, "batch", "--batch",
                                                          integer=True)),
                              prompt_tokens=d.prompt_tokens, output_tokens=d.output_tokens,
                              requests=d.requests_per_day, precision=precision,
                              chips=int(need(chips, "chips", "--chips", integer=True)),
                              stack=stack or default_stack("serve"))


def regions_cmd(
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    hardware: Annotated[str | None, typer.Option("--hardware", "-H")] = None,
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens.")] = None,
    demand: Annotated[str | None, typer.Option("--demand", help="Serving demand (one day).")]
    = None,
    energy: Annotated[str | None, typer.Option("--energy", help="Or: IT energy of the "
                                               "workload, e.g. 10MWh.")] = None,
    chips: Annotated[str, typer.Option("--chips")] = "1",
    batch: Annotated[str, typer.Option("--batch")] = "32",
    precision: Annotated[str, typer.Option("--precision", "-p")] = "bf16",
    stack: Annotated[str | None, typer.Option("--stack")] = None,
    prompt_tokens: PromptOpt = "512",
    output_tokens: OutputOpt = "256",
    region: RegionOpt = None,
    objective: Annotated[str, typer.Option("--objective")] = "co2e",
    max_power: MaxPowerOpt = None,
    max_water_stress: MaxStressOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compare one workload across regions: carbon, water (on-/off-site), price, PUE, cooling.

    Example: wattprint plan regions -m llama-3.1-8b -H h100 --tokens 1T --chips 256 --region all
    """
    from wattprint.errors import InputError
    from wattprint.numbers import ENERGY_UNITS, parse_with_unit
    from wattprint.plan.siting import compare_footprint, compare_regions
    from wattprint.report.plan_tables import human_or_dash
    from wattprint.report.plan_views import print_regions
    from wattprint.report.tables import dump_json

    lim = limits(max_power, max_water_stress)
    if energy is not None:
        if model or model_config or tokens or demand:
            raise InputError("give --energy alone, or a workload (--model with --tokens or "
                             "--demand), not both")
        e = parse_with_unit(energy, "--energy", ENERGY_UNITS)
        res = compare_regions(e, 0.0, 0.0, region, objective=objective,
                              max_power_w=lim[0], max_water_stress=lim[1])
        what = f"{human_or_dash(e, 'J')} of IT energy"
    else:
        fp = _workload(model, model_config, hardware, tokens, chips, demand, batch, precision,
                       prompt_tokens, output_tokens, stack)
        res = compare_footprint(fp, region, objective=objective,
                                max_power_w=lim[0], max_water_stress=lim[1])
        what = f"{fp.inputs['model']} on {fp.inputs['chips']} × {fp.inputs['hardware']}"
    if json_out:
        dump_json(res.to_dict())
        return
    print_regions(res, what)


def when_cmd(
    region: Annotated[str | None, typer.Option("--region", help="Site whose hourly profile "
                                               "to use.")] = None,
    profile_csv: Annotated[str | None, typer.Option("--profile-csv", help="CSV with "
                                                    "hour,gco2e_per_kwh (24 rows).")] = None,
    duration: Annotated[str | None, typer.Option("--duration", help="Job length, e.g. 6h.")]
    = None,
    energy: Annotated[str | None, typer.Option("--energy", help="Job energy at the wall, e.g. "
                                               "2MWh.")] = None,
    power: Annotated[str | None, typer.Option("--power", help="Or: average power, e.g. 40kW.")]
    = None,
    model: ModelOpt = None,
    hardware: Annotated[str | None, typer.Option("--hardware", "-H")] = None,
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens (job from "
                                               "the engine).")] = None,
    chips: Annotated[str, typer.Option("--chips")] = "8",
    now: Annotated[int | None, typer.Option("--now", help="Hour it would start otherwise "
                                            "(0-23, local).")] = None,
    zone: Annotated[str | None, typer.Option("--zone", help="Use real hourly data cached in "
                                             "the ledger for this zone (default: the region "
                                             "id); falls back to the typical profile.")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Ledger file.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Best start hour for a deferrable job from an hourly grid-intensity profile.

    Example: wattprint plan when --region us-ca --duration 4h --energy 2MWh --now 18
    """
    from wattprint.catalog import get_site
    from wattprint.errors import InputError
    from wattprint.numbers import ENERGY_UNITS, parse_with_unit
    from wattprint.plan.data import read_profile_csv, site_profile
    from wattprint.plan.parsing import parse_duration
    from wattprint.plan.siting import best_start_hour
    from wattprint.report.plan_views import print_when
    from wattprint.report.tables import dump_json

    if (region is None) == (profile_csv is None):
        raise InputError("give --region (shipped profile) or --profile-csv FILE, not both")
    prof = read_profile_csv(profile_csv) if profile_csv else site_profile(get_site(region or ""))
    source_note = None
    if profile_csv is None:
        from wattprint.cli.grid_cmds import measured_profile

        measured, source_note = measured_profile(zone or region or "", db)
        prof = measured or prof
    if model is not None:
        if duration or energy or power:
            raise InputError("give a job as --model/--hardware/--tokens or as --duration with "
                             "--energy/--power, not both")
        from wattprint.engine import estimate_training

        if hardware is None or tokens is None:
            raise InputError("--model needs --hardware and --tokens")
        fp = estimate_training(model, hardware, tokens=need(tokens, "tokens", "--tokens"),
                               chips=int(need(chips, "chips", "--chips", integer=True)),
                               site=region)
        dur_h = fp["time"].value / 3600.0
        e_kwh = fp["facility_energy"].value / J_PER_KWH
    else:
        if duration is None:
            raise InputError("missing --duration (e.g. 6h), or give --model/--hardware/--tokens")
        dur_h = parse_duration(duration, "--duration") / 3600.0
        if (energy is None) == (power is None):
            raise InputError("give --energy or --power, not both")
        if energy is not None:
            e_kwh = parse_with_unit(energy, "--energy", ENERGY_UNITS) / J_PER_KWH
        else:
            e_kwh = parse_with_unit(power or "", "--power", {"kW": 1.0, "MW": 1e3, "W": 1e-3}
                                    ) * dur_h
    res = best_start_hour(prof, dur_h, e_kwh, now)
    if source_note:
        res.profile_source = source_note
    if json_out:
        dump_json(res.to_dict())
        return
    print_when(res)


def edge_cmd(
    device: Annotated[str, typer.Option("--device", help="Phone/laptop NPU or GPU from the "
                                        "catalog, e.g. apple-a17-pro-ane.")],
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    prompt_tokens: PromptOpt = "500",
    output_tokens: OutputOpt = "200",
    precision: Annotated[str | None, typer.Option("--precision", "-p", help="On-device "
                                                  "precision (default: the first of int4, "
                                                  "int8, fp16 that fits).")] = None,
    home: Annotated[str, typer.Option("--home", help="Residential site of the device.")]
    = "residential-world",
    cloud_hardware: Annotated[str, typer.Option("--cloud-hardware")] = "h100",
    cloud_region: Annotated[str | None, typer.Option("--cloud-region")] = None,
    cloud_batch: Annotated[str, typer.Option("--cloud-batch")] = "32",
    cloud_chips: Annotated[str | None, typer.Option("--cloud-chips")] = None,
    cloud_precision: Annotated[str, typer.Option("--cloud-precision")] = "bf16",
    json_out: JsonOpt = False,
) -> None:
    """The same request on a personal device vs in a data centre, with the break-even points.

    Example: wattprint plan edge -m llama-3.2-1b --device apple-a17-pro-ane --cloud-region
    aws-us-east-1
    """
    from wattprint.plan.edge import edge_vs_cloud
    from wattprint.report.plan_views import print_edge
    from wattprint.report.tables import dump_json

    res = edge_vs_cloud(model_path(model, model_config), device,
                        prompt_tokens=int(need(prompt_tokens, "prompt tokens",
                                               "--prompt-tokens", integer=True)),
                        output_tokens=int(need(output_tokens, "output tokens",
                                               "--output-tokens", integer=True)),
                        precision=precision, home=home, cloud_hardware=cloud_hardware,
                        cloud_region=cloud_region,
                        cloud_batch=int(need(cloud_batch, "cloud batch", "--cloud-batch",
                                             integer=True)),
                        cloud_chips=int(need(cloud_chips, "cloud chips", "--cloud-chips",
                                             integer=True)) if cloud_chips else None,
                        cloud_precision=cloud_precision)
    if json_out:
        dump_json(res.to_dict())
        return
    print_edge(res)
