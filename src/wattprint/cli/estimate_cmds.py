"""``wattprint estimate train|infer`` and ``wattprint demo``."""


from pathlib import Path
from typing import Annotated

import typer

from wattprint.catalog.defaults import default_stack
from wattprint.catalog.precisions import KV_FORMATS, PRECISIONS
from wattprint.cli import options
from wattprint.cli.options import JsonOpt, ProfileOpt, PueOpt, SiteOpt, model_arg, need, num
from wattprint.errors import InputError
from wattprint.numbers import parse_duration
from wattprint.units import fmt_count, plural

estimate_app = typer.Typer(help="Predict the footprint of training or inference before running "
                           "it.", no_args_is_help=True)

ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help="Catalog model name "
                                              "(see `wattprint models list`).")]
ConfigOpt = Annotated[str | None, typer.Option("--model-config", help="Path to a Hugging Face "
                                               "config.json (dense, MoE, GQA, MLA).")]
HwOpt = Annotated[str, typer.Option("--hardware", "-H", help="Accelerator (see `wattprint "
                                    "hardware list`).")]
ChipsOpt = Annotated[str, typer.Option("--chips", help="Number of chips.")]
PrecOpt = Annotated[str, typer.Option("--precision", "-p", help=", ".join(PRECISIONS)
                                      + " (int4: weight-only).")]
ModuleOpt = Annotated[str | None, typer.Option("--module", help="Any PyTorch module, traced on "
                                               "the meta device: package.module:factory, e.g. "
                                               "torchvision.models:resnet50 (torch extra).")]
InputOpt = Annotated[str | None, typer.Option("--input", help="One sample's input shape for "
                                              "--module: 3x224x224; int:128 for token ids; "
                                              "comma-separated for several inputs.")]
SamplesOpt = Annotated[str | None, typer.Option("--samples", help="Samples (images, sequences, "
                                                "seconds of audio…) for --module or a "
                                                "non-LLM catalog model.")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Where the joules go by operator "
                                          "class (compute vs memory, bytes fusion saved).")]
ActOpt = Annotated[str | None, typer.Option("--activation", help="What-if: price every "
                                            "activation as relu, gelu, silu, …")]
OpPrecOpt = Annotated[list[str] | None, typer.Option("--op-precision", help="Per operator "
                                                     "class, e.g. normalisation=fp32 "
                                                     "(repeatable).")]
StepsOpt = Annotated[str | None, typer.Option("--steps", help="Denoising steps of a diffusion "
                                              "model (default: its pipeline's).")]
ResOpt = Annotated[str | None, typer.Option("--resolution", help="Diffusion image size "
                                            "WIDTHxHEIGHT px, e.g. 768x768.")]


LLM = "to LLMs (only to --module and non-LLM catalog models)"


def _model(model: str | None, config: str | None) -> str | Path:
    m = model_arg(model, config)
    return Path(m) if config else m


@estimate_app.command("train")
def train(
    hardware: HwOpt,
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens, e.g. 2T or "
                                               "1.5e12 (LLMs).")] = None,
    model: ModelOpt = None,
    module: ModuleOpt = None,
    input_shape: InputOpt = None,
    samples: SamplesOpt = None,
    explain: ExplainOpt = False,
    model_config: ConfigOpt = None,
    chips: ChipsOpt = "1",
    chip_hours: Annotated[str | None, typer.Option("--chip-hours", help="Measured chip-hours "
                                                   "(replaces the roofline time).")] = None,
    mfu: Annotated[str | None, typer.Option("--mfu", help="Model FLOPs utilisation in (0, 1] "
                                            "(replaces the roofline time).")] = None,
    precision: PrecOpt = "bf16",
    batch: Annotated[str, typer.Option("--batch", help="Sequences per step on one chip.")]
    = "8",
    global_batch: Annotated[str | None, typer.Option(
        "--global-batch", help="Tokens per optimizer step on several chips, e.g. 4M (default: "
        "the published recipe for the model's size).")] = None,
    tensor_parallel: Annotated[str | None, typer.Option(
        "--tensor-parallel", "--tp", help="Tensor-parallel degree (default: chosen).")] = None,
    pipeline_parallel: Annotated[str | None, typer.Option(
        "--pipeline-parallel", "--pp", help="Pipeline-parallel degree (default: chosen).")]
    = None,
    seq_len: Annotated[str, typer.Option("--seq-len", help="Tokens per sequence.")] = "2048",
    recompute: Annotated[bool, typer.Option("--recompute", help="Full activation "
                                            "recomputation.")] = False,
    stack: Annotated[str | None, typer.Option("--stack", help="Software stack (default eager on "
                                              "1 chip, megatron on more).")] = None,
    site: SiteOpt = None,
    pue: PueOpt = None,
    profile: ProfileOpt = None,
    market_intensity: Annotated[str | None, typer.Option(
        "--market-intensity", help="Market-based gCO2e/kWh (adds co2e_market).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Footprint of a training run.

    Example: wattprint estimate train --model llama-3.1-8b --tokens 15T --hardware h100 --chips 1024

    Any module: wattprint estimate train --module torchvision.models:resnet50 --input 3x224x224
    --samples 1.28M --batch 256 --hardware h100
    """
    from wattprint.engine import estimate_training

    if module or (model or model_config) and _operator_model(model, model_config):
        options.refuse_unused("to --module or non-LLM models", tokens=tokens, chip_hours=chip_hours,
                              mfu=mfu, global_batch=global_batch, tensor_parallel=tensor_parallel,
                              pipeline_parallel=pipeline_parallel, recompute=recompute)
        _operator_train(module, input_shape, model, model_config, hardware, samples, batch,
                        precision, stack, site, pue, profile, market_intensity, json_out,
                        explain, chips)
        return
    options.refuse_unused(LLM, samples=samples, input=input_shape, explain=explain)
    options.refuse_for_one_chip(chips, global_batch=global_batch, tensor_parallel=tensor_parallel,
                                pipeline_parallel=pipeline_parallel)
    fp = estimate_training(
        _model(model, model_config), hardware,
        tokens=need(tokens, "tokens", "--tokens"),
        chips=int(need(chips, "chips", "--chips", integer=True)),
        chip_hours=num(chip_hours, "chip hours"), mfu=num(mfu, "mfu"),
        precision=precision, batch=int(need(batch, "batch", "--batch", integer=True)),
        seq_len=int(need(seq_len, "sequence length", "--seq-len", integer=True)),
        recompute=recompute, stack=stack, site=site, pue=num(pue, "PUE"), profile=profile,
        market_gco2e_per_kwh=num(market_intensity, "market intensity", allow_zero=True),
        global_batch_tokens=num(global_batch, "global batch"),
        tensor_parallel=options.opt_int(tensor_parallel, "tensor parallel", "--tensor-parallel"),
        pipeline_parallel=options.opt_int(pipeline_parallel, "pipeline parallel",
                                   "--pipeline-parallel"))
    _emit(fp, json_out, f"Training {fp.inputs['model']} on "
          f"{plural(fp.inputs['tokens'], 'token', fmt_count(fp.inputs['tokens']))}, "
          f"{fp.inputs['chips']} × {fp.inputs['hardware']} ({fp.inputs['precision']}, "
          f"{fp.inputs['site']})")


def _serve(model: str | Path, hardware: str, rate: str, duration: str | None, prompt: str,
           output: str, precision: str, chips: str, stack: str, kv_cache: str | None,
           site: str | None, pue: str | None, json_out: bool, serving_opts: object = None
           ) -> None:
    from wattprint.engine.serving_rate import estimate_serving
    from wattprint.workload.demand import parse_demand

    p = int(need(prompt, "prompt tokens", "--prompt-tokens", integer=True))
    o = int(need(output, "output tokens", "--output-tokens", integer=True))
    d = parse_demand(rate, p, o)
    fp = estimate_serving(model, hardware, rate_rps=d.requests_per_s,
                          duration_s=parse_duration(duration or "1d", "--duration"),
                          prompt_tokens=p, output_tokens=o, precision=precision,
                          chips=int(need(chips, "chips", "--chips", integer=True)),
                          stack=stack, kv_cache=kv_cache, site=site, pue=num(pue, "PUE"),
                          options=serving_opts)  # type: ignore[arg-type]
    i = fp.inputs
    _emit(fp, json_out, f"Serving {i['model']} at {d.text}: "
          f"{plural(i['requests'], 'request', fmt_count(i['requests']))} in "
          f"{i['duration_s']:g} s on {i['chips']} × {i['hardware']} ({i['site']})")


@estimate_app.command("infer")
def infer(
    hardware: HwOpt,
    model: ModelOpt = None,
    model_config: ConfigOpt = None,
    module: ModuleOpt = None,
    input_shape: InputOpt = None,
    samples: SamplesOpt = None,
    steps: StepsOpt = None,
    resolution: ResOpt = None,
    explain: ExplainOpt = False,
    activation: ActOpt = None,
    op_precision: OpPrecOpt = None,
    chips: ChipsOpt = "1",
    batch: Annotated[str | None, typer.Option("--batch", "-b", help="Concurrent sequences "
                                              "(default: 64 on a vLLM engine when --stack is "
                                              "not given either, else 1; samples per call for "
                                              "--module and non-LLM models).")] = None,
    prompt_tokens: Annotated[str, typer.Option("--prompt-tokens", help="Prompt length.")] = "512",
    output_tokens: Annotated[str, typer.Option("--output-tokens", help="Generated tokens per "
                                               "sequence (1 prefill + N−1 decode steps).")]
    = "256",
    requests: Annotated[str | None, typer.Option("--requests", help="Total requests (default: "
                                                 "one batch).")] = None,
    precision: PrecOpt = "bf16",
    kv_cache: Annotated[str | None, typer.Option("--kv-cache", help="KV-cache format ("
                                                 + ", ".join(KV_FORMATS) + ").")] = None,
    stack: Annotated[str | None, typer.Option("--stack", help="eager, graphs, vllm, unfused "
                                              "(see `wattprint stacks list`; default vllm "
                                              "without --batch or with --rate, else "
                                              "eager).")] = None,
    rate: Annotated[str | None, typer.Option(
        "--rate", help="Serve a request rate, e.g. 50rps or 1e6requests/day: the batch a "
        "serving engine reaches at that load, replicas and their idle time.")] = None,
    duration: Annotated[str | None, typer.Option("--duration", help="Serving period with "
                                                 "--rate, e.g. 3600s (default 1d).")] = None,
    sparsity: Annotated[str | None, typer.Option("--sparsity", help="2:4 structured "
                                                 "sparsity.")] = None,
    site: SiteOpt = None,
    pue: PueOpt = None,
    profile: ProfileOpt = None,
    market_intensity: Annotated[str | None, typer.Option(
        "--market-intensity", help="Market-based gCO2e/kWh (adds co2e_market).")] = None,
    tensor_parallel: Annotated[str | None, typer.Option(
        "--tensor-parallel", "--tp", help="Attention tensor-parallel degree (default: all "
        "chips); the rest split layers or sequences.")] = None,
    data_parallel: Annotated[str | None, typer.Option("--data-parallel", "--dp", help=(
        "MoE: data-parallel attention ranks, experts over all chips (vLLM DP + EP)."))] = None,
    prefix_hit: Annotated[str | None, typer.Option(
        "--prefix-hit", help="Share of prompt tokens reused from the prefix cache (0-1).")]
    = None,
    prefill_chunk: Annotated[str | None, typer.Option(
        "--prefill-chunk", help="Chunked prefill: at most this many prompt tokens per "
        "pass.")] = None,
    draft: Annotated[str | None, typer.Option(
        "--draft", help="Speculative decoding with this draft model (catalog name).")] = None,
    draft_tokens: Annotated[str, typer.Option(
        "--draft-tokens", help="Draft tokens proposed per step.")] = "4",
    acceptance: Annotated[str, typer.Option(
        "--acceptance", help="Per-token acceptance rate of the draft (0-1).")] = "0.7",
    json_out: JsonOpt = False,
) -> None:
    """Footprint of inference: one batch, or --requests many.

    Example: wattprint estimate infer --model llama-3.1-8b --hardware h100 --batch 32
    --prompt-tokens 1000 --output-tokens 300 --stack vllm

    Any module: wattprint estimate infer --module torchvision.models:resnet50 --input 3x224x224
    --batch 64 --stack compiled --explain; catalog: --model sdxl, --model whisper-large-v3
    """
    serving_opts = _serving_options(prefix_hit, prefill_chunk, draft, draft_tokens, acceptance)
    if rate is not None:
        options.refuse_unused("with --rate", batch=batch, requests=requests, sparsity=sparsity,
                              profile=profile, market_intensity=market_intensity, module=module,
                              tensor_parallel=tensor_parallel, samples=samples, steps=steps,
                              resolution=resolution, data_parallel=data_parallel)
        _serve(_model(model, model_config), hardware, rate, duration, prompt_tokens,
               output_tokens, precision, chips, stack or default_stack("serve"), kv_cache, site,
               pue, json_out, serving_opts)
        return
    from wattprint.engine import estimate_inference

    options.refuse_unused("without --rate", duration=duration)
    if module or _operator_model(model, model_config):
        options.refuse_unused("to --module or non-LLM models", kv_cache=kv_cache, sparsity=sparsity,
                              tensor_parallel=tensor_parallel, prefix_hit=prefix_hit,
                              prefill_chunk=prefill_chunk, draft=draft, data_parallel=data_parallel)
        _operator_infer(module, input_shape, model, model_config, hardware, samples or requests,
                        batch, (steps, resolution), precision, stack, activation,
                        op_precision, site, pue, profile, market_intensity, json_out, explain,
                        chips)
        return
    if resolution is not None:
        raise InputError("--resolution applies to image-generation models (sdxl, flux…)")
    options.refuse_unused(LLM, samples=samples, steps=steps, input=input_shape, explain=explain,
                          activation=activation, op_precision=op_precision)
    serving = batch is None and stack is None  # the common question: what serving costs
    fp = estimate_inference(
        _model(model, model_config), hardware,
        batch=_default_batch() if serving else int(need(batch or "1", "batch", "--batch",
                                                        integer=True)),
        prompt_tokens=int(need(prompt_tokens, "prompt tokens", "--prompt-tokens", integer=True)),
        output_tokens=int(need(output_tokens, "output tokens", "--output-tokens", integer=True)),
        requests=num(requests, "requests"), precision=precision, kv_cache=kv_cache,
        chips=int(need(chips, "chips", "--chips", integer=True)),
        stack="vllm" if serving else stack or default_stack("infer"),
        site=site,
        pue=num(pue, "PUE"), profile=profile, sparsity=sparsity,
        market_gco2e_per_kwh=num(market_intensity, "market intensity", allow_zero=True),
        tensor_parallel=options.opt_int(tensor_parallel, "tensor parallel", "--tensor-parallel"),
        data_parallel=options.opt_int(data_parallel, "data parallel", "--data-parallel") or 1,
        options=serving_opts)  # type: ignore[arg-type]
    if serving:
        fp.notes.insert(0, f"assumed: a serving engine (vLLM stack: continuous batching, CUDA "
                        f"graphs) with {fp.details.get('admitted_batch', _default_batch())} "
                        "requests in flight (default_batch of the serving defaults); for one "
                        "local run give --batch 1 --stack eager, for a request rate --rate 50rps")
    i = fp.inputs
    _emit(fp, json_out, f"Inference {i['model']} on {i['chips']} × {i['hardware']}: "
          f"{plural(i['requests'], 'request', fmt_count(i['requests']))}, batch {i['batch']}, "
          f"{i['prompt_tokens']} + "
          f"{i['output_tokens']} tokens ({i['precision']}, {i['stack']}, {i['site']})")


def _serving_options(prefix_hit: str | None, prefill_chunk: str | None, draft: str | None,
                     draft_tokens: str, acceptance: str) -> object:
    from wattprint.engine.inputs import resolve_model
    from wattprint.engine.serving_options import ServingOptions

    opts = ServingOptions(
        prefix_hit=num(prefix_hit, "prefix-cache hit rate", allow_zero=True) or 0.0,
        prefill_chunk_tokens=options.opt_int(prefill_chunk, "prefill chunk", "--prefill-chunk"),
        draft=resolve_model(draft) if draft else None,
        draft_tokens=int(need(draft_tokens, "draft tokens", "--draft-tokens", integer=True)),
        acceptance=float(num(acceptance, "acceptance rate", allow_zero=True) or 0.0))
    opts.check()
    return opts


def _default_batch() -> int:
    from wattprint.catalog.defaults import default_value

    return int(default_value("serving", "default_batch").value)


def _operator_model(model: str | None, model_config: str | None) -> object:
    from wattprint.cli.operator_cmds import operator_model

    return operator_model(model, model_config)


def _one_chip(chips: str) -> None:
    if int(need(chips, "chips", "--chips", integer=True)) != 1:
        from wattprint.errors import UnsupportedError

        raise UnsupportedError("--module and non-LLM catalog models are estimated on one chip; "
                               "multiply by replicas for data parallelism")


def _catalog_input(input_shape: str | None) -> None:
    """A catalog model has its own input shape: ``--input`` would be silently ignored."""
    if input_shape is not None:
        raise InputError("--input applies only to --module (a catalog model has its own input "
                         "shape; a diffusion model takes --resolution)")


def _operator_infer(module, input_shape, model, model_config, hardware, samples, batch,
                    steps_resolution, precision, stack, activation, op_precision, site, pue,
                    profile, market_intensity, json_out, explain, chips) -> None:
    from wattprint.cli import operator_cmds as oc

    _one_chip(chips)
    kw = dict(precision=precision, stack=stack, activation=activation,
              op_precision=oc.op_precisions(op_precision), site=site, pue=num(pue, "PUE"),
              profile=profile,
              market_gco2e_per_kwh=num(market_intensity, "market intensity", allow_zero=True))
    b = int(need(batch or "1", "batch", "--batch", integer=True))
    steps, resolution = steps_resolution
    if module:
        if model or model_config or resolution is not None:
            raise InputError("give --module or --model/--model-config, not both (and "
                             "--resolution only with a catalog diffusion model)")
        fp = oc.module_footprint(module, input_shape, hardware, batch=b,
                                 samples=num(samples, "samples"), train=False, **kw)
    else:
        from wattprint.engine.catalog_models import estimate_operator_model

        _catalog_input(input_shape)
        fp = estimate_operator_model(oc.operator_model(model, model_config), hardware,
                                     units=num(samples, "samples"), batch=b,
                                     steps=None if steps is None else
                                     int(need(steps, "steps", "--steps", integer=True)),
                                     resolution=resolution, **kw)
    i = fp.inputs
    oc.emit(fp, json_out, explain, f"Inference {i['model']} on {i['hardware']}: "
            f"{plural(i['units'], i['unit'], fmt_count(i['units']))}, batch {b} "
            f"({i['precision']}, {i['stack']}, "
            f"{i['site']})")


def _operator_train(module, input_shape, model, model_config, hardware, samples, batch,
                    precision, stack, site, pue, profile, market_intensity, json_out,
                    explain, chips) -> None:
    from wattprint.cli import operator_cmds as oc

    _one_chip(chips)
    kw = dict(precision=precision, stack=stack, site=site, pue=num(pue, "PUE"),
              profile=profile,
              market_gco2e_per_kwh=num(market_intensity, "market intensity", allow_zero=True))
    b = int(need(batch or "8", "batch", "--batch", integer=True))
    n = need(samples, "samples", "--samples")
    if module:
        fp = oc.module_footprint(module, input_shape, hardware, batch=b, samples=n, train=True,
                                 **kw)
    else:
        from wattprint.engine.catalog_models import estimate_operator_model

        _catalog_input(input_shape)
        fp = estimate_operator_model(oc.operator_model(model, model_config), hardware,
                                     units=n, batch=b, train=True, **kw)
    i = fp.inputs
    oc.emit(fp, json_out, explain, f"Training {i['model']} on "
            f"{plural(i['units'], i['unit'], fmt_count(i['units']))}, "
            f"batch {b}, {i['hardware']} ({i['precision']}, {i['site']})")


def _emit(fp: object, json_out: bool, title: str) -> None:
    from wattprint.report.tables import dump_json, print_footprint

    if json_out:
        dump_json(fp.to_dict())  # type: ignore[attr-defined]
    else:
        print_footprint(fp, title)  # type: ignore[arg-type]


def register(app: typer.Typer) -> None:
    """Add ``estimate`` and ``demo`` to the CLI."""
    from wattprint.cli.demo_cmds import demo

    app.add_typer(estimate_app, name="estimate")
    app.command("demo")(demo)
