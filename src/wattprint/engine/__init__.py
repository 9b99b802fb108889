"""The engine: workload → device → site → footprint, for one configuration or a grid.

Every formula here takes floats or numpy arrays and broadcasts (hardware, precision, batch,
chips, prompt/output length and region are all array axes somewhere). The scalar entry points
:func:`estimate_training` and :func:`estimate_inference` return a
:class:`~wattprint.footprint.Footprint`; :func:`evaluate_inference_grid` and
:func:`evaluate_training_grid` evaluate a whole sweep on arrays with the same formulas, and the
planner (``wattprint.plan``) uses only the names exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wattprint.device.execute import (
    DeviceParams,
    PhaseResult,
    compute_rate,
    device_params,
    evaluate_phase,
    run_work,
)
from wattprint.engine.inference import (
    estimate_inference,
    held_context_tokens,
    serving_latencies,
    tensor_parallel_comm,
)
from wattprint.engine.inputs import (
    LIMITS,
    check_count,
    check_limit,
    resolve_hardware,
    resolve_model,
)
from wattprint.engine.memory import (
    USABLE_MEMORY,
    WORKSPACE_FRACTION,
    inference_memory_bytes,
    training_memory_bytes,
    usable_memory_bytes,
)
from wattprint.engine.params import params_for, profile_for, resolve_profile, traffic_of
from wattprint.workload.sparsity import sparsify

if TYPE_CHECKING:
    from wattprint.engine.catalog_models import estimate_operator_model, match_config
    from wattprint.engine.grid import hardware_precision_pairs, stack_params, stack_works
    from wattprint.engine.modules import estimate_module, estimate_operators, estimate_parts
    from wattprint.engine.operators import price_operators
    from wattprint.engine.serving import InferenceGrid, evaluate_inference_grid
    from wattprint.engine.training import (
        estimate_training,
        power_capped_wall_s,
        training_energy_j,
    )
    from wattprint.engine.training_grid import TrainingGrid, evaluate_training_grid
    from wattprint.site.arrays import SiteArrays, site_chain

#: Names loaded on first use, so a single estimate imports only what it runs: the array
#: (numpy) half of the engine, operator-level pricing (non-LLM models, traced modules) and
#: training.
_LAZY = {
    "estimate_operator_model": "wattprint.engine.catalog_models",
    "match_config": "wattprint.engine.catalog_models",
    "estimate_module": "wattprint.engine.modules",
    "estimate_operators": "wattprint.engine.modules",
    "estimate_parts": "wattprint.engine.modules",
    "price_operators": "wattprint.engine.operators",
    "estimate_training": "wattprint.engine.training",
    "power_capped_wall_s": "wattprint.engine.training",
    "training_energy_j": "wattprint.engine.training",
    "hardware_precision_pairs": "wattprint.engine.grid",
    "stack_params": "wattprint.engine.grid",
    "stack_works": "wattprint.engine.grid",
    "InferenceGrid": "wattprint.engine.serving",
    "evaluate_inference_grid": "wattprint.engine.serving",
    "TrainingGrid": "wattprint.engine.training_grid",
    "evaluate_training_grid": "wattprint.engine.training_grid",
    "SiteArrays": "wattprint.site.arrays",
    "site_chain": "wattprint.site.arrays",
}


def __getattr__(name: str) -> Any:
    """Import the lazily loaded names (:data:`_LAZY`) on first use."""
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'wattprint.engine' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value  # later look-ups skip this function
    return value

__all__ = [
    "LIMITS",
    "USABLE_MEMORY",
    "WORKSPACE_FRACTION",
    "DeviceParams",
    "InferenceGrid",
    "PhaseResult",
    "SiteArrays",
    "TrainingGrid",
    "check_count",
    "check_limit",
    "compute_rate",
    "device_params",
    "estimate_inference",
    "estimate_module",
    "estimate_operator_model",
    "estimate_operators",
    "estimate_parts",
    "estimate_training",
    "evaluate_inference_grid",
    "evaluate_phase",
    "evaluate_training_grid",
    "match_config",
    "price_operators",
    "hardware_precision_pairs",
    "held_context_tokens",
    "inference_memory_bytes",
    "params_for",
    "power_capped_wall_s",
    "profile_for",
    "resolve_hardware",
    "resolve_model",
    "resolve_profile",
    "run_work",
    "serving_latencies",
    "site_chain",
    "sparsify",
    "stack_params",
    "stack_works",
    "tensor_parallel_comm",
    "traffic_of",
    "training_energy_j",
    "training_memory_bytes",
    "usable_memory_bytes",
]
