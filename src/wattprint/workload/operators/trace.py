"""Trace any ``torch.nn.Module`` on the meta device into an :class:`OperatorSummary`.

Why a dispatch mode (``TorchDispatchMode``) rather than ``torch.export``/FX or
``FlopCounterMode`` alone:

- it sees every ATen operator that actually runs — after ``nn.Linear`` has become ``addmm``,
  ``F.scaled_dot_product_attention`` its kernel, autograd its backward operators — so a
  training step is traced through the real backward pass;
- it needs no graph capture: data-dependent Python control flow, hooks and non-exportable
  modules (most of ``transformers`` and ``diffusers``) trace as they run, where
  ``torch.export`` raises on the first graph break;
- on the meta device every operator propagates shapes without memory or arithmetic: a 12 B
  parameter model traces on a laptop CPU in seconds, with no weights downloaded;
- FLOPs of matmuls, convolutions and attention come from ``torch.utils.flop_counter``'s
  registry (the formulas ``FlopCounterMode`` uses), so they match PyTorch's own counting;
  ``FlopCounterMode`` itself counts nothing else and no bytes, hence the own mode.

The tracer records, per operator, its class, FLOPs, and the elements it reads (activations,
weights) and writes, and which producer each input came from (for fusion). Torch is imported
only here (the ``torch`` extra).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from typing import Any

from wattprint.errors import InputError
from wattprint.workload.operators.classes import TENSOR_CLASSES, classify
from wattprint.workload.operators.grouping import OpRecord, TensorUse, group_records
from wattprint.workload.operators.summary import OperatorSummary


class TraceError(InputError):
    """A module or input shape that does not trace; the message names the operator."""


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise InputError("tracing a module needs PyTorch: pip install 'wattprint[torch]'") \
            from exc
    return torch


def load_factory(spec: str) -> Callable[[], Any]:
    """``"package.module:attr"`` → the callable (a model class or a builder function)."""
    if ":" not in spec:
        raise InputError(f"--module {spec!r}: use package.module:callable, e.g. "
                         "torchvision.models:resnet50")
    mod_name, attr = spec.split(":", 1)
    try:
        obj: Any = importlib.import_module(mod_name)
    except ImportError as exc:
        raise InputError(f"--module {spec!r}: cannot import {mod_name}: {exc}") from exc
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InputError(f"--module {spec!r}: {mod_name} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise InputError(f"--module {spec!r}: {attr} is not callable")
    return obj


def parse_shape(text: str) -> tuple[int, ...]:
    """``"3x224x224"`` → ``(3, 224, 224)`` (one sample, without the batch dimension)."""
    try:
        dims = tuple(int(p) for p in text.lower().replace("×", "x").split("x") if p.strip())
    except ValueError as exc:
        raise InputError(f"input shape {text!r}: use dimensions like 3x224x224") from exc
    if not dims or any(d < 1 for d in dims):
        raise InputError(f"input shape {text!r}: every dimension must be ≥ 1")
    if math.prod(dims) > 10**10:
        raise InputError(f"input shape {text!r} is beyond the supported size")
    return dims


class _Tracer:
    """State of one trace: tensor identities, producers, records and the module stack."""

    def __init__(self, torch: Any, weight_ids: set[int]) -> None:
        self.torch = torch
        self.serial: dict[int, int] = {}
        self.producer: dict[int, int] = {}  # serial → index of the record that wrote it
        self.keep: list[Any] = []  # keep tensors alive so ids are not reused
        self.weights: set[int] = set()
        self.records: list[OpRecord] = []
        self.modules: list[str] = []
        self.last_op = ""
        for i in weight_ids:
            self.weights.add(self._new_serial_for_id(i))

    def _new_serial_for_id(self, ident: int) -> int:
        s = len(self.serial) + len(self.producer) + 1 + len(self.keep)
        self.serial[ident] = s
        return s

    def serial_of(self, t: Any) -> int:
        s = self.serial.get(id(t))
        if s is None:
            self.keep.append(t)
            s = self._new_serial_for_id(id(t))
        return s

    def where(self) -> str:
        return f" in module {self.modules[-1]}" if self.modules and self.modules[-1] else ""

    def use(self, t: Any) -> TensorUse:
        s = self.serial_of(t)
        numel = float(t.numel())
        try:
            stored = t.untyped_storage().nbytes() / max(t.element_size(), 1)
            numel = min(numel, float(stored)) if stored > 0 else numel
        except (RuntimeError, NotImplementedError):
            pass
        return TensorUse(s, numel, t.dtype.is_floating_point or t.dtype.is_complex,
                         float(t.element_size()), s in self.weights, self.producer.get(s))

    def record(self, func: Any, args: Any, kwargs: Any, out: Any) -> None:
        flat_in = [a for a in _tensors(self.torch, (args, kwargs))]
        flat_out = [o for o in _tensors(self.torch, out)]
        cls, key = classify(str(func), bool(getattr(func, "is_view", False)))
        if cls == "view":
            if flat_in:
                base = self.serial_of(flat_in[0])
                for o in flat_out:
                    if id(o) not in self.serial:
                        self.keep.append(o)
                        self.serial[id(o)] = base
            return
        ins = [self.use(t) for t in _dedupe(flat_in)]
        if func.overloadpacket.__name__ in ("bmm", "baddbmm", "matmul") and \
                not any(u.weight for u in ins):
            cls = "attention"  # a product of two activations: scores or values
        flops, k, m = self._tensor_flops(func, args, kwargs, out, cls)
        if cls in TENSOR_CLASSES and flops is None:
            cls = "unknown"
        idx = len(self.records)
        outs = []
        for o in _dedupe(flat_out):
            self.keep.append(o)
            s = self._new_serial_for_id(id(o))  # in-place results get a new version
            self.producer[s] = idx
            outs.append(TensorUse(s, float(o.numel()), o.dtype.is_floating_point,
                                  float(o.element_size()), False, None))
        self.records.append(OpRecord(str(func), cls, key, ins, outs, flops or 0.0, k, m))

    def fused_attention(self, q: Any, k: Any, v: Any, extra: list[Any], out: Any,
                        causal: bool) -> None:
        """Record ``scaled_dot_product_attention`` as one fused (flash) kernel.

        FLOPs ``2·B·H·L·S·(E + E_v)`` (halved when causal: the kernel skips masked blocks);
        bytes: q, k, v (and a mask) read, the output written — no materialised scores.
        """
        ins = [self.use(t) for t in _dedupe([q, k, v, *extra])]
        flops = _sdpa_flops((q, k, v)) * (0.5 if causal else 1.0)
        idx = len(self.records)
        self.keep.append(out)
        s = self._new_serial_for_id(id(out))
        self.producer[s] = idx
        outs = [TensorUse(s, float(out.numel()), True, float(out.element_size()), False, None)]
        self.records.append(OpRecord("aten._scaled_dot_product_flash_attention.default",
                                     "attention", None, ins, outs, flops,
                                     float(q.shape[-1]), float(math.prod(q.shape[:-1]))))

    def _tensor_flops(self, func: Any, args: Any, kwargs: Any, out: Any,
                      cls: str) -> tuple[float | None, float, float]:
        if cls not in TENSOR_CLASSES:
            return 0.0, 0.0, 0.0
        from torch.utils.flop_counter import flop_registry

        fn = flop_registry.get(func.overloadpacket)
        name = func.overloadpacket.__name__
        if fn is None and "attention" in name:
            return _sdpa_flops(args), _k_of(name, args), _m_of(name, args)
        if fn is None:
            return (0.0, 0.0, 0.0) if "softmax" in name else (None, 0.0, 0.0)
        return float(fn(*args, **kwargs, out_val=out)), _k_of(name, args), _m_of(name, args)


def _tensors(torch: Any, tree: Any) -> list[Any]:
    from torch.utils._pytree import tree_flatten

    leaves, _ = tree_flatten(tree)
    return [x for x in leaves if isinstance(x, torch.Tensor)]


def _dedupe(ts: list[Any]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for t in ts:
        if id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _sdpa_flops(args: Any) -> float:
    """``2·B·H·L·S·(E + E_v)`` for attention kernels without a registered formula."""
    q, k, v = args[0], args[1], args[2]
    lead = math.prod(q.shape[:-2])
    return 2.0 * lead * q.shape[-2] * k.shape[-2] * (q.shape[-1] + v.shape[-1])


def _k_of(name: str, args: Any) -> float:
    """Inner dimension of a matmul/convolution (C_in/groups · kernel size for a conv)."""
    try:
        if "conv" in name:
            w = args[1]
            return float(math.prod(w.shape[1:]))
        a = args[1] if name in ("addmm", "baddbmm") else args[0]
        return float(a.shape[-1])
    except (IndexError, AttributeError, TypeError):
        return 0.0


def _m_of(name: str, args: Any) -> float:
    """Rows of a matmul (output pixels × batch for a convolution)."""
    try:
        if "conv" in name:
            x = args[0]
            return float(x.shape[0] * math.prod(x.shape[2:]))
        a = args[1] if name in ("addmm", "baddbmm") else args[0]
        return float(math.prod(a.shape[:-1]))
    except (IndexError, AttributeError, TypeError):
        return 0.0


def _meta_inputs(torch: Any, example_inputs: Any, batch: int) -> tuple[Any, ...]:
    """Tensors, shapes (``(3, 224, 224)`` without the batch) or a mix → meta tensors."""
    if isinstance(example_inputs, torch.Tensor | tuple) and not isinstance(
            example_inputs, torch.Tensor) and example_inputs and \
            all(isinstance(d, int) for d in example_inputs):
        example_inputs = [example_inputs]
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = [example_inputs]
    out = []
    for x in example_inputs:
        if isinstance(x, torch.Tensor):
            out.append(x.to("meta") if x.device.type != "meta" else x)
        elif isinstance(x, Sequence) and all(isinstance(d, int) for d in x):
            out.append(torch.empty((batch, *x), device="meta"))
        else:
            raise InputError(f"example input {x!r}: give tensors or shapes like (3, 224, 224)")
    return tuple(out)


def _build(torch: Any, model: Any) -> tuple[Any, dict[str, Any]]:
    """The module on the meta device and replacement meta parameters (no weights copied)."""
    if isinstance(model, torch.nn.Module):
        module = model
    elif callable(model):
        with torch.device("meta"):
            try:
                module = model()
            except Exception as exc:
                raise TraceError(f"building the module failed: {type(exc).__name__}: "
                                 f"{_first_line(exc)}") from exc
        if not isinstance(module, torch.nn.Module):
            raise TraceError(f"{model!r} returned {type(module).__name__}, not an nn.Module")
    else:
        raise InputError(f"{model!r} is neither an nn.Module nor a callable that builds one")
    state = {}
    for name, t in list(module.named_parameters()) + list(module.named_buffers()):
        if t.device.type != "meta":
            state[name] = torch.empty_like(t, device="meta").requires_grad_(t.requires_grad)
        else:
            state[name] = t
    return module, state


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def trace_module(model: Any, example_inputs: Any, *, batch: int = 1, name: str | None = None,
                 unit: str = "sample", train: bool = False,
                 kwargs: dict[str, Any] | None = None) -> OperatorSummary:
    """Trace one forward pass (``train=True``: forward + backward) of ``model`` on meta.

    ``model`` is an ``nn.Module`` (left untouched: its parameters are replaced by meta
    tensors for the trace) or a callable that builds one (called under the meta device, so
    no weights are allocated). ``example_inputs`` are tensors or per-sample shapes (the
    ``batch`` dimension is prepended). Raises :class:`TraceError` naming the failing operator
    and module.
    """
    torch = _torch()
    from torch.func import functional_call
    from torch.utils._python_dispatch import TorchDispatchMode

    module, state = _build(torch, model)
    module.train(train)
    inputs = _meta_inputs(torch, example_inputs, batch)
    tracer = _Tracer(torch, {id(t) for t in state.values()})
    names = {m: n for n, m in module.named_modules()}

    class Mode(TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (),
                               kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            tracer.last_op = str(func)
            try:
                out = func(*args, **kwargs)
            except Exception as exc:
                raise TraceError(f"operator {func}{tracer.where()} failed: "
                                 f"{_first_line(exc)}") from exc
            tracer.record(func, args, kwargs, out)
            return out

    def pre(mod: Any, _args: Any) -> None:
        tracer.modules.append(names.get(mod, type(mod).__name__))

    def post(mod: Any, _args: Any, _out: Any) -> None:
        if tracer.modules:
            tracer.modules.pop()

    from torch.nn.modules.module import (
        register_module_forward_hook,
        register_module_forward_pre_hook,
    )

    h1, h2 = register_module_forward_pre_hook(pre), register_module_forward_hook(post)
    try:
        with _attention_mode(torch, tracer, enabled=not train)():
            _run(torch, functional_call, module, state, inputs, kwargs or {}, train, Mode)
    except TraceError:
        raise
    except Exception as exc:
        op = f" (last operator {tracer.last_op})" if tracer.last_op else ""
        raise TraceError(f"tracing failed{tracer.where()}{op}: {type(exc).__name__}: "
                         f"{_first_line(exc)}") from exc
    finally:
        h1.remove()
        h2.remove()
    groups = group_records(tracer.records)
    params = float(sum(t.numel() for n, t in module.named_parameters()))
    label = name or type(module).__name__
    shapes = tuple("x".join(str(d) for d in x.shape[1:]) for x in inputs)
    return OperatorSummary(
        name=label, phase="train_step" if train else "forward", batch=batch, unit=unit,
        inputs=shapes, params=params, groups=groups,
        source=f"traced with torch {torch.__version__} on the meta device "
               "(wattprint.workload.operators.trace)")


_SDPA_ARGS = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale",
              "enable_gqa")


def _attention_mode(torch: Any, tracer: _Tracer, enabled: bool) -> Any:
    """A function mode that keeps ``scaled_dot_product_attention`` one fused kernel.

    On the meta device PyTorch decomposes it into matmuls and a softmax that materialise the
    scores; on a GPU it runs as a flash/memory-efficient kernel. Inference traces record the
    fused kernel; training traces keep the decomposition (its backward must be traced), which
    overstates attention bytes (noted in methodology).
    """
    import contextlib

    from torch.overrides import TorchFunctionMode

    sdpa = torch.nn.functional.scaled_dot_product_attention

    class AttentionMode(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (),
                               kwargs: Any = None) -> Any:
            kwargs = kwargs or {}
            if func is not sdpa:
                return func(*args, **kwargs)
            bound = dict(zip(_SDPA_ARGS, args, strict=False)) | kwargs
            q, k, v = bound["query"], bound["key"], bound["value"]
            mask = bound.get("attn_mask")
            causal = bool(bound.get("is_causal", False))
            if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
                raise TraceError(f"operator aten.scaled_dot_product_attention{tracer.where()}"
                                 f" failed: q {tuple(q.shape)}, k {tuple(k.shape)}, "
                                 f"v {tuple(v.shape)} do not fit")
            out = torch.empty((*q.shape[:-1], v.shape[-1]), dtype=q.dtype, device=q.device)
            tracer.fused_attention(q, k, v, [mask] if isinstance(mask, torch.Tensor) else [],
                                   out, causal)
            return out

    return AttentionMode if enabled else contextlib.nullcontext


def _run(torch: Any, functional_call: Any, module: Any, state: dict[str, Any],
         inputs: tuple[Any, ...], kwargs: dict[str, Any], train: bool, mode: Any) -> None:
    if not train:
        with torch.no_grad(), mode():
            functional_call(module, state, inputs, kwargs)
        return
    with mode():
        out = functional_call(module, state, inputs, kwargs)
        leaves = [t for t in _tensors(torch, out) if t.requires_grad]
        if not leaves:
            raise TraceError("training trace: the module's output does not depend on any "
                             "trainable parameter")
        loss = sum(t.float().sum() for t in leaves)
        loss.backward()
