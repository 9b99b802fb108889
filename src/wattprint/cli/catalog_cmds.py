"""``wattprint hardware|models|sites|stacks list``: the catalogs and their sources."""


from typing import Annotated

import typer

from wattprint.cli.options import JsonOpt

WideOpt = Annotated[bool, typer.Option("--wide", help="Every column, whatever the terminal "
                                       "width (long lines; pipe to `less -S`).")]


def _check_kind(kind: str | None, known: set[str]) -> None:
    """An unknown ``--kind`` is an error, never an empty list."""
    from wattprint.errors import InputError

    if kind is not None and kind not in known:
        raise InputError(f"unknown --kind {kind!r}; choose one of {', '.join(sorted(known))}")


def hardware_list(json_out: JsonOpt = False,
                  kind: Annotated[str | None, typer.Option("--kind", help="gpu, tpu, npu, cpu, "
                                                           "accelerator, soc")] = None,
                  wide: WideOpt = False) -> None:
    """Hardware catalog: peak throughput, memory, power and their sources."""
    from wattprint.catalog import hardware_catalog
    from wattprint.report.catalog_tables import print_hardware
    from wattprint.report.tables import dump_json

    cat = hardware_catalog().values()
    _check_kind(kind, {h.kind for h in cat})
    items = [h for h in cat if kind is None or h.kind == kind]
    if json_out:
        dump_json([h.model_dump(exclude_none=True) for h in items])
        return
    print_hardware(items, wide)

def models_list(json_out: JsonOpt = False, wide: WideOpt = False) -> None:
    """Model catalog: architecture, parameter counts and sources."""
    from wattprint.catalog import model_catalog
    from wattprint.report.catalog_tables import print_models
    from wattprint.report.tables import dump_json
    from wattprint.workload.model_spec import spec_from_config
    from wattprint.workload.operators.catalog import operator_models

    cards = list(model_catalog().values())
    ops = list(operator_models().values())
    if json_out:
        out = []
        for c in cards:
            s = spec_from_config(dict(c.config), name=c.id)
            out.append({**c.model_dump(exclude_none=True), "derived_params_total":
                        s.params_total, "derived_params_active": s.params_active,
                        "derived_params_vision": s.vision_params})
        out.extend({**m.model_dump(exclude_none=True), "priced_by": "traced operators"}
                   for m in ops)
        dump_json(out)
        return
    print_models([(c, spec_from_config(dict(c.config), name=c.id)) for c in cards], ops,
                 wide)

def sites_list(json_out: JsonOpt = False,
               kind: Annotated[str | None, typer.Option("--kind", help="country, cloud-region, "
                                                        "grid-region, world, residential")]
               = None, wide: WideOpt = False) -> None:
    """Site catalog: grid intensity, water, price, PUE, WUE and their sources."""
    from wattprint.catalog import site_catalog
    from wattprint.report.catalog_tables import print_sites
    from wattprint.report.tables import dump_json

    cat = site_catalog().values()
    _check_kind(kind, {s.kind for s in cat})
    items = [s for s in cat if kind is None or s.kind == kind]
    if json_out:
        dump_json([s.model_dump(exclude_none=True) for s in items])
        return
    print_sites(items, wide)

def stacks_list(json_out: JsonOpt = False, wide: WideOpt = False) -> None:
    """Software-stack profiles: overheads and efficiencies."""
    from wattprint.catalog.stacks import stack_catalog
    from wattprint.report.catalog_tables import print_stacks
    from wattprint.report.tables import dump_json

    items = list(stack_catalog().values())
    if json_out:
        dump_json([s.model_dump() for s in items])
        return
    print_stacks(items, wide)

def register(app: typer.Typer) -> None:
    """Add the catalog listing commands."""
    for name, fn, help_ in (("hardware", hardware_list, "The hardware catalog."),
                            ("models", models_list, "The model catalog."),
                            ("sites", sites_list, "The site catalog."),
                            ("stacks", stacks_list, "Software-stack profiles.")):
        sub = typer.Typer(help=help_, no_args_is_help=True)
        sub.command("list")(fn)
        app.add_typer(sub, name=name)
