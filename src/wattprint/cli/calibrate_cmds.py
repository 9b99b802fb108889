"""``wattprint calibrate device|fit|extrapolate|plot``: measure and fit calibration profiles.

Library code is imported inside the commands so ``wattprint --help`` stays fast. Bad input
raises :class:`~wattprint.errors.InputError`/:class:`~wattprint.errors.DataError`, which the
CLI main turns into one line on stderr and exit code 2.
"""


import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from wattprint.cli.options import JsonOpt, need, num

calibrate_app = typer.Typer(help="Calibrate predictions: benchmark this device, fit a stack to "
                            "measured workloads, extrapolate a run.", no_args_is_help=True)

OutOpt = Annotated[str | None, typer.Option("--output", "-o", help="Write the profile (JSON) "
                                            "here; use it with `estimate --profile`.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Ledger database (default: "
                                           "$WATTPRINT_DB or the user data directory).")]


def _dump(obj: Any) -> None:
    from wattprint.report.tables import dumps_json

    sys.stdout.write(dumps_json(obj) + "\n")


# -- device -------------------------------------------------------------------------------

@calibrate_app.command("device")
def device_cmd(
    output: OutOpt = None,
    budget: Annotated[str, typer.Option("--budget", help="Total time budget in seconds "
                                        "(default 90).")] = "90",
    cpu: Annotated[bool, typer.Option("--cpu", help="Benchmark the CPU even if a GPU is "
                                      "available.")] = False,
    gpu_index: Annotated[str, typer.Option("--gpu-index", help="CUDA device to "
                                           "benchmark.")] = "0",
    name: Annotated[str | None, typer.Option("--name", help="Profile name.")] = None,
    plot: Annotated[str | None, typer.Option("--plot", help="Also write the roofline picture "
                                             "(.html, .png or .svg).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Save the profile even if the "
                                        "machine was not idle (flagged in it).")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Micro-benchmark this device under the meter and write a device profile.

    GPU (PyTorch with CUDA installed): idle with and without a context, matmuls in
    bf16/fp16/tf32/fp32/fp8, a device copy and a launch-bound loop. Otherwise the CPU with
    numpy. Without energy sensors the energy figures are labelled estimated.

    Example: wattprint calibrate device --budget 60 -o my-gpu.json
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from wattprint.calibrate.device_profile import profile_from_run
    from wattprint.calibrate.idle_check import flag_not_idle
    from wattprint.calibrate.microbench import run_device_benchmarks
    from wattprint.device.profile import save_profile

    budget_s = num(budget, "time budget")
    _check_outputs(output, plot)
    idx = int(need(gpu_index, "GPU index", "--gpu-index", integer=True)) if gpu_index != "0" \
        else 0
    err = Console(stderr=True)
    with Progress(TextColumn("[bold]calibrate device[/] {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("starting", total=1)
        log = None if err.is_terminal else _progress_lines(float(budget_s or 90.0))

        def progress(bench: str, done: int, total: int) -> None:
            bar.update(task, description=bench, completed=done, total=total)
            if log is not None:
                log(bench, done, total)

        run = run_device_benchmarks(float(budget_s or 90.0), use_gpu=False if cpu else None,
                                    gpu_index=idx, progress=progress)
    prof = profile_from_run(run, name=name)
    problems = flag_not_idle(prof, run)
    written = None
    if output and (force or not problems):
        written = str(save_profile(prof, output))
    pic = None
    if plot:
        from wattprint.calibrate.plot import write_roofline

        pic = write_roofline(prof, plot)
    if json_out:
        _refuse_if_busy(problems, output, force, err)
        _dump({"profile_path": written, "plot": str(pic.path) if pic else None,
               "plot_kind": pic.kind if pic else None, "device": run.device,
               "device_name": run.device_name, "elapsed_s": run.elapsed_s,
               "budget_s": run.budget_s, "energy_basis": prof.fit.get("energy_basis"),
               "idle_problems": problems,
               "benchmarks": [r.to_dict() for r in run.results],
               "profile": prof.model_dump(mode="json", exclude_none=True)})
        return
    from wattprint.report.calibrate_tables import print_device_run

    print_device_run(run, prof, written, pic)
    _refuse_if_busy(problems, output, force, err)


def _check_outputs(profile: str | None, picture: str | None = None) -> None:
    """Refuse an output in a missing folder before any work (a benchmark takes minutes)."""
    from wattprint.textfiles import output_file

    if profile:
        output_file(profile)
    if picture:
        from wattprint.calibrate.plot import check_picture_path

        check_picture_path(picture)


def _progress_lines(budget_s: float) -> Any:
    """A progress callback printing one line per benchmark to stderr (not a terminal)."""
    import time

    t0 = time.monotonic()

    def log(bench: str, done: int, total: int) -> None:
        sys.stderr.write(f"calibrate device: [{done}/{total}] {bench} "
                         f"({time.monotonic() - t0:.0f} s of ~{budget_s:g} s)\n")
        sys.stderr.flush()
    return log


def _refuse_if_busy(problems: list[str], output: str | None, force: bool, err: Any) -> None:
    from wattprint.errors import InputError

    for p in problems:
        err.print(f"warning: machine not idle: {p}", markup=False)
    if problems and output and not force:
        raise InputError(f"the machine was not idle ({problems[0]}); profile NOT saved: "
                         "rerun on an idle machine, or pass --force to save it flagged")


# -- fit ----------------------------------------------------------------------------------

@calibrate_app.command("fit")
def fit_cmd(
    measurements: Annotated[str, typer.Argument(help="Measured workloads, JSON lines (see "
                                                "docs/calibration.md).")],
    output: OutOpt = None,
    hardware: Annotated[str | None, typer.Option("--hardware", "-H", help="Hardware of rows "
                                                 "that do not name one.")] = None,
    stack: Annotated[str, typer.Option("--stack", help="Software stack the measurements ran "
                                       "on (its defaults are the priors).")] = "eager",
    profile: Annotated[str | None, typer.Option("--profile", help="Base device profile to "
                                                "fit on top of (kept in the output).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Profile name.")] = None,
    db: DbOpt = None,
    no_loo: Annotated[bool, typer.Option("--no-loo", help="Skip the leave-one-out "
                                         "fits.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Fit the stack's overheads, efficiency and energy scale to measured workloads.

    Prints the leave-one-out error of each measurement (predicted when fitted on the
    others) and the fitted parameters with ranges; -o writes a profile for `estimate
    --profile`.

    Example: wattprint calibrate fit runs.jsonl --hardware h200 -o h200-eager.json
    """
    from wattprint.calibrate.fit import fit_measurements
    from wattprint.calibrate.measurements import read_measurements, resolve_all
    from wattprint.device.profile import load_profile, save_profile

    if hardware is not None:  # checked even when every row names its own (never ignored)
        from wattprint.catalog import get_hardware

        hardware = get_hardware(hardware).id
    _check_outputs(output)
    rows = resolve_all(read_measurements(measurements), db)
    base = load_profile(profile) if profile else None
    res = fit_measurements(rows, stack=stack, hardware=hardware, base=base, name=name,
                           leave_one_out=not no_loo, source=Path(measurements).name)
    written = str(save_profile(res.profile, output)) if output else None
    if json_out:
        _dump({"profile_path": written, **res.to_dict()})
        return
    from wattprint.report.calibrate_tables import print_fit

    print_fit(res, stack, written)

# -- extrapolate --------------------------------------------------------------------------

@calibrate_app.command("extrapolate")
def extrapolate_cmd(
    run: Annotated[str, typer.Argument(help="Ledger run id (or a unique prefix).")],
    total_steps: Annotated[str, typer.Option("--total-steps", help="Steps of the whole "
                                             "run.")],
    window: Annotated[str | None, typer.Option("--window", help="Name of the per-step "
                                               "windows (default: the most frequent).")] = None,
    warmup: Annotated[str | None, typer.Option("--warmup", help="Leading steps to treat as "
                                               "warm-up (default: detected).")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Extrapolate the first measured steps of a run (one ledger window per step).

    Linear in steps after the warm-up; the range comes from the step-to-step variation.

    Example: wattprint calibrate extrapolate 3f2a9c --total-steps 100000
    """
    from wattprint.calibrate.extrapolate import extrapolate_run
    from wattprint.ledger import Ledger

    n = int(need(total_steps, "total steps", "--total-steps", integer=True))
    k = None if warmup is None else int(num(warmup, "warm-up steps", integer=True,
                                            allow_zero=True) or 0)
    with Ledger(db, create=False) as led:
        ex = extrapolate_run(led, run, n, window=window, warmup=k)
    if json_out:
        _dump(ex.to_dict())
        return
    from wattprint.report.calibrate_tables import print_extrapolation

    print_extrapolation(ex)

# -- plot ---------------------------------------------------------------------------------

@calibrate_app.command("plot")
def plot_cmd(
    profile: Annotated[str, typer.Argument(help="Profile file or built-in name (e.g. "
                                           "h200-microbench).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Picture to write: .html, "
                                        ".png or .svg.")] = "roofline.html",
    backend: Annotated[str, typer.Option("--backend", help="auto (plotly if installed), "
                                         "plotly or svg.")] = "auto",
    json_out: JsonOpt = False,
) -> None:
    """Draw the roofline of a profile: achieved ceilings and energy per FLOP and byte.

    Example: wattprint calibrate plot h200-microbench -o h200.html
    """
    from wattprint.calibrate.plot import write_roofline
    from wattprint.device.profile import load_profile

    _check_outputs(None, output)
    res = write_roofline(load_profile(profile), output, backend)
    if json_out:
        _dump({"path": str(res.path), "kind": res.kind, "note": res.note})
        return
    typer.echo(f"roofline written to {res.path} ({res.kind})"
               + (f": {res.note}" if res.note else ""))


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` group to the CLI."""
    app.add_typer(calibrate_app, name="calibrate")
