"""Operator classes and the cost of non-matmul operators (``data/operator_costs.toml``).

Every ATen operator a traced module runs falls in one class:

- ``matmul``: weight matmuls and convolutions (tensor cores, FLOPs from PyTorch's formulas);
- ``attention``: products of two activations (scores, values), fused attention kernels and the
  softmax between them;
- ``normalisation``: batch, layer, group and RMS norms;
- ``activation``: ReLU, GELU, SiLU, …;
- ``elementwise``: add, mul, residuals, scaling, casts;
- ``reduction``: sums, means, pooling;
- ``data_movement``: copies, concatenation, padding, indexing, embedding lookups, upsampling;
- ``view``: reshapes and transposes that alias memory (no kernel, no bytes);
- ``unknown``: an operator wattprint has no formula for: its bytes are counted, its FLOPs are
  listed as unpriced, never counted as zero.

Torch-free: the tracer (``trace.py``) and the catalog summaries share these names.
"""

from __future__ import annotations

from wattprint.catalog.operator_costs import operator_costs
from wattprint.catalog.schema import Sourced
from wattprint.errors import DataError

CLASSES = ("matmul", "attention", "normalisation", "activation", "elementwise", "reduction",
           "data_movement", "view", "unknown")
#: Classes whose operators fuse into their producer under a compiling stack.
FUSABLE = frozenset({"activation", "elementwise", "normalisation"})
#: Classes computed on tensor cores at the compute precision.
TENSOR_CLASSES = frozenset({"matmul", "attention"})

_MATMUL = {"mm", "addmm", "bmm", "baddbmm", "matmul", "_scaled_mm", "convolution",
           "_convolution", "cudnn_convolution", "convolution_overrideable",
           "_slow_conv2d_forward", "convolution_backward", "linear", "addbmm", "addmv", "mv",
           "dot", "vdot", "einsum", "_int_mm", "conv2d", "conv1d", "conv3d",
           "conv_transpose2d", "mkldnn_convolution"}
_ATTENTION = {"_scaled_dot_product_efficient_attention", "_scaled_dot_product_flash_attention",
              "_scaled_dot_product_cudnn_attention", "_flash_attention_forward",
              "_efficient_attention_forward", "_scaled_dot_product_flash_attention_for_cpu",
              "_scaled_dot_product_efficient_attention_backward",
              "_scaled_dot_product_flash_attention_backward",
              "_scaled_dot_product_cudnn_attention_backward", "_flash_attention_backward",
              "_efficient_attention_backward", "_safe_softmax", "_softmax", "softmax",
              "_softmax_backward_data", "scaled_dot_product_attention",
              "_scaled_dot_product_attention_math"}
_NORM = {"native_batch_norm": "batch_norm", "_native_batch_norm_legit": "batch_norm",
         "_native_batch_norm_legit_no_training": "batch_norm",
         "_native_batch_norm_legit_functional": "batch_norm", "batch_norm": "batch_norm",
         "cudnn_batch_norm": "batch_norm", "native_batch_norm_backward": "batch_norm",
         "native_layer_norm": "layer_norm", "native_layer_norm_backward": "layer_norm",
         "layer_norm": "layer_norm", "native_group_norm": "group_norm",
         "native_group_norm_backward": "group_norm", "group_norm": "group_norm",
         "_fused_rms_norm": "rms_norm", "rms_norm": "rms_norm",
         "_fused_rms_norm_backward": "rms_norm"}
_ACTIVATION = {"relu": "relu", "relu_": "relu", "gelu": "gelu", "gelu_": "gelu",
               "silu": "silu", "silu_": "silu", "sigmoid": "sigmoid", "sigmoid_": "sigmoid",
               "tanh": "tanh", "tanh_": "tanh", "hardswish": "hardswish",
               "hardswish_": "hardswish", "hardsigmoid": "hardsigmoid",
               "hardsigmoid_": "hardsigmoid", "softplus": "softplus", "mish": "mish",
               "mish_": "mish", "elu": "elu", "elu_": "elu", "leaky_relu": "leaky_relu",
               "leaky_relu_": "leaky_relu", "threshold_backward": "relu",
               "gelu_backward": "gelu", "silu_backward": "silu",
               "sigmoid_backward": "sigmoid", "tanh_backward": "tanh",
               "hardswish_backward": "hardswish", "hardtanh": "relu", "hardtanh_": "relu",
               "relu6": "relu", "clamp_min": "relu", "clamp_min_": "relu"}
_ELEMENTWISE = {"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "neg", "pow",
                "rsqrt", "sqrt", "exp", "log", "abs", "where", "clamp", "clamp_",
                "clamp_max", "addcmul", "addcmul_", "addcdiv", "addcdiv_", "lerp", "lerp_",
                "reciprocal", "sin", "cos", "erf", "fill", "fill_", "zero_", "zeros_like",
                "ones_like", "full", "full_like", "zeros", "ones", "arange", "rsub", "eq", "ne",
                "lt", "le", "gt", "ge", "logical_not", "logical_and", "bitwise_not",
                "masked_fill", "masked_fill_", "maximum", "minimum", "floor", "ceil", "round",
                "sign", "square", "exp2", "log1p", "expm1", "bernoulli_", "native_dropout",
                "native_dropout_backward", "_foreach_add", "_foreach_mul", "trunc", "frac",
                "remainder", "fmod", "floor_divide", "isnan", "logical_or", "_to_copy",
                "scalar_tensor", "linspace", "bitwise_and",
                "tril", "triu", "tril_", "triu_", "reciprocal_", "sqrt_", "rsqrt_", "exp_"}
_REDUCTION = {"sum", "mean", "amax", "amin", "max", "min", "var_mean", "var", "std",
              "norm", "linalg_vector_norm", "argmax", "argmin", "prod", "cumsum", "logsumexp",
              "max_pool2d_with_indices", "max_pool2d", "max_pool3d_with_indices",
              "avg_pool2d", "avg_pool1d", "avg_pool3d", "_adaptive_avg_pool2d",
              "adaptive_avg_pool2d", "adaptive_max_pool2d", "_adaptive_avg_pool3d",
              "_log_softmax", "log_softmax", "nll_loss_forward", "nll_loss_backward",
              "mse_loss", "max_pool2d_with_indices_backward", "avg_pool2d_backward",
              "_adaptive_avg_pool2d_backward", "_log_softmax_backward_data", "topk", "sort",
              "any", "all", "std_mean", "mean_", "sum_"}
_DATA = {"cat", "stack", "constant_pad_nd", "pad", "index_select", "gather", "scatter",
         "scatter_add", "index", "_unsafe_index", "index_put", "index_put_", "embedding",
         "embedding_dense_backward", "upsample_nearest2d", "upsample_bilinear2d",
         "upsample_nearest1d", "upsample_nearest3d", "upsample_bicubic2d",
         "_upsample_nearest_exact2d", "_upsample_bilinear2d_aa", "roll", "repeat", "flip",
         "slice_scatter", "select_scatter", "reflection_pad2d", "replicate_pad2d",
         "reflection_pad1d", "im2col", "col2im", "contiguous", "new_zeros", "new_empty_strided",
         "masked_scatter", "index_add", "repeat_interleave", "pixel_shuffle",
         "upsample_nearest2d_backward", "upsample_bilinear2d_backward", "_unsafe_index_put",
         "new_ones", "one_hot", "clone", "copy_", "copy", "lift_fresh_copy"}
#: Operators that allocate or alias without moving bytes (no kernel launch).
_FREE = {"empty", "empty_like", "empty_strided", "new_empty", "detach", "alias", "lift_fresh",
         "_local_scalar_dense", "set_", "resize_", "_reshape_alias", "_unsafe_view", "view",
         "reshape", "unsqueeze", "squeeze", "t", "transpose", "permute", "expand", "slice",
         "select", "split", "split_with_sizes", "unbind", "as_strided", "as_strided_",
         "unflatten", "flatten",
         "narrow", "chunk", "view_as", "expand_as", "movedim", "unfold", "diagonal", "_to_dense",
         "sym_size", "sym_stride", "sym_numel", "is_same_size", "_has_compatible_shallow_copy_type",
         "unsafe_split", "unsafe_chunk", "real", "view_as_real", "view_as_complex", "_conj",
         "ones_like_", "record_stream", "_assert_tensor_metadata", "_assert_async"}


def classify(op_name: str, is_view: bool = False) -> tuple[str, str | None]:
    """Class of an ATen operator (``aten.gelu.default`` or ``gelu``) and its cost key.

    Returns ``(class, key)`` where ``key`` names the entry in ``operator_costs.toml``
    (``gelu``, ``layer_norm``…) or is None for matmul/attention/data movement/unknown.
    """
    base = _base_name(op_name)
    if is_view or base in _FREE:
        return "view", None
    if base in _MATMUL:
        return "matmul", None
    if base in _ATTENTION:
        return "attention", "softmax" if "softmax" in base else None
    if base in _NORM:
        return "normalisation", _NORM[base]
    if base in _ACTIVATION:
        return "activation", _ACTIVATION[base]
    if base in _ELEMENTWISE:
        return "elementwise", "default"
    if base in _REDUCTION:
        return "reduction", "default"
    if base in _DATA:
        return "data_movement", None
    return "unknown", None


def _base_name(op_name: str) -> str:
    """``aten.add_.Tensor`` → ``add_``; ``gelu`` → ``gelu``."""
    parts = op_name.split(".")
    if len(parts) >= 2 and parts[0] in ("aten", "prims", "torch"):
        return parts[1]
    return parts[0]


def flops_per_element(cls: str, key: str | None) -> Sourced:
    """Sourced FLOPs per element of a non-matmul operator class/key."""
    costs = operator_costs()
    if cls == "attention":  # the softmax between the score and value products
        cls = "normalisation"
    table: dict[str, Sourced] = costs.get(cls, {})
    if key in table:
        return table[key]
    if "default" in table:
        return table["default"]
    raise DataError(f"operator_costs.toml has no FLOPs per element for {cls}.{key}")


def activation_names() -> list[str]:
    """Activation functions with a sourced cost (for the ``--activation`` what-if)."""
    return sorted(operator_costs()["activation"])


def stack_fuses(stack_id: str) -> bool:
    """Whether a stack fuses elementwise chains into their producer (``[fusion]`` table).

    Stacks not listed fuse unless they are ``eager`` (an explicit, documented default).
    """
    table = operator_costs()["fusion"]
    value = table.get(stack_id)
    return bool(value) if isinstance(value, bool) else stack_id != "eager"
