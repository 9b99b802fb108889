"""``estimate infer|train`` for models priced by operators: ``--module pkg:factory`` (traced,
torch extra) or a catalog/config model beyond decoder LLMs (resnet50, sdxl, whisper…)."""

from typing import Any

from wattprint.errors import InputError


def operator_model(model: str | None, model_config: str | None) -> Any:
    """The operator-catalog model named by --model / --model-config, or None (an LLM)."""
    if model:
        from wattprint.catalog.light import operator_key, operator_model_keys

        keys = operator_model_keys()  # names only (no pydantic): most --model names are LLMs
        if keys is not None and operator_key(model) not in keys:
            return None
        from wattprint.workload.operators.catalog import find_operator_model

        return find_operator_model(model)
    if model_config:
        from pathlib import Path

        from wattprint.engine.catalog_models import match_config

        p = Path(model_config)
        if p.is_dir():
            p = p / ("model_index.json" if (p / "model_index.json").is_file()
                     else "config.json")
        if not p.is_file():
            return None  # missing, a directory without config, a FIFO: the LLM path reports it
        try:
            found = match_config(p)
        except InputError:
            return None  # unreadable: the LLM path reports it
        if found is None and _is_non_llm_config(p):
            raise InputError(f"{p}: this architecture is not in the operator catalog "
                             "(`wattprint models list`); trace it with --module "
                             "package.module:factory --input SHAPE (needs the torch extra)")
        return found
    return None


def _is_non_llm_config(p: Any) -> bool:
    import json

    try:
        cfg = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(cfg, dict):
        return False
    if isinstance(cfg.get("text_config"), dict):  # a multimodal LLM (Llama 4, Gemma 3)
        return False
    return "_class_name" in cfg or (
        "hidden_size" not in cfg and "d_model" not in cfg and "n_embd" not in cfg)


def parse_inputs(text: str | None) -> list[Any]:
    """``"3x224x224"`` or ``"int:128,3x224x224"`` → per-sample shapes (int: token ids)."""
    from wattprint.workload.operators.trace import parse_shape

    if not text:
        raise InputError("--module needs --input SHAPE (one sample, e.g. 3x224x224; "
                         "int:128 for 128 token ids)")
    out: list[Any] = []
    for part in text.split(","):
        part = part.strip()
        if part.startswith("int:"):
            out.append(("int", parse_shape(part[4:])))
        else:
            out.append(parse_shape(part))
    return out


def example_inputs(shapes: list[Any], batch: int) -> list[Any]:
    """Meta tensors for the parsed shapes (batch 1; the estimate scales to ``batch``)."""
    import torch

    out = []
    for s in shapes:
        if isinstance(s, tuple) and s and s[0] == "int":
            out.append(torch.zeros((batch, *s[1]), dtype=torch.long, device="meta"))
        else:
            out.append(torch.empty((batch, *s), device="meta"))
    return out


def op_precisions(values: list[str] | None) -> dict[str, str] | None:
    """``["normalisation=fp32"]`` → ``{"normalisation": "fp32"}``."""
    if not values:
        return None
    out = {}
    for v in values:
        if "=" not in v:
            raise InputError(f"--op-precision {v!r}: use CLASS=PRECISION, e.g. "
                             "normalisation=fp32")
        cls, prec = v.split("=", 1)
        out[cls.strip()] = prec.strip()
    return out


def module_footprint(module: str, inputs: str | None, hardware: str, *, batch: int,
                     samples: float | None, train: bool, **kw: Any) -> Any:
    """Trace ``package.module:factory`` on the meta device and estimate it."""
    from wattprint.engine.modules import estimate_operators
    from wattprint.workload.operators.trace import load_factory, trace_module

    shapes = parse_inputs(inputs)
    factory = load_factory(module)
    summary = trace_module(factory, example_inputs(shapes, 1), name=module, train=train)
    return estimate_operators(summary, hardware, batch=batch, samples=samples, train=train,
                              **kw)


def emit(fp: Any, json_out: bool, explain: bool, title: str) -> None:
    """Table (plus the --explain breakdown) or JSON."""
    from wattprint.report.tables import dump_json, print_footprint

    if json_out:
        dump_json(fp.to_dict())
        return
    print_footprint(fp, title)
    if explain:
        from wattprint.report.operators import print_explain

        print_explain(fp)
