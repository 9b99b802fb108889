"""wattprint: what AI work costs the physical world — measured, predicted and planned.

Predict::

    from wattprint import estimate_inference, estimate_training
    fp = estimate_training("llama-3.1-8b", "h100", tokens=15e12, chips=1024, site="gcp-us-east4")
    fp["facility_energy"], fp["co2e"], fp["water"], fp["cost"]

Measure::

    from wattprint import Meter
    with Meter() as meter:
        with meter.window("prefill"):
            ...

Plan, calibrate and validate are in :mod:`wattprint.plan`, :mod:`wattprint.calibrate` and
:mod:`wattprint.validation`; every result is a :class:`Footprint` of :class:`Quantity` values
with units, ranges and provenance. Importing wattprint does no work: modules load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# No ``logging`` here: it is 80 % of the import time and wattprint logs nothing (results carry
# their notes); Python's last-resort handler covers any future warning without a NullHandler.

_EXPORTS = {
    "estimate_inference": "wattprint.engine",
    "estimate_training": "wattprint.engine",
    "Footprint": "wattprint.footprint",
    "Quantity": "wattprint.quantity",
    "Meter": "wattprint.meter",
    "Measurement": "wattprint.meter",
    "step": "wattprint.meter.steps",
    "get_hardware": "wattprint.catalog",
    "get_site": "wattprint.catalog",
    "get_model_spec": "wattprint.workload.model_spec",
    "spec_from_config": "wattprint.workload.model_spec",
    "ModelSpec": "wattprint.workload.model_spec",
    "resolve_site": "wattprint.site.chain",
    "load_profile": "wattprint.catalog.profiles",
    "WattprintError": "wattprint.errors",
    "InputError": "wattprint.errors",
    "UnsupportedError": "wattprint.errors",
    "UnknownNameError": "wattprint.errors",
}

__all__ = [
    "Footprint", "InputError", "Measurement", "Meter", "ModelSpec", "Quantity",
    "UnknownNameError", "UnsupportedError", "WattprintError", "__version__",
    "estimate_inference", "estimate_training", "get_hardware", "get_model_spec", "get_site",
    "load_profile", "resolve_site", "spec_from_config", "step",
]


def __getattr__(name: str) -> Any:
    """Load public names lazily (PEP 562) so ``import wattprint`` stays instant."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'wattprint' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function (a further estimate: ~2 µs)
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from wattprint.catalog import get_hardware, get_site
    from wattprint.catalog.profiles import load_profile
    from wattprint.engine import estimate_inference, estimate_training
    from wattprint.errors import InputError, UnknownNameError, UnsupportedError, WattprintError
    from wattprint.footprint import Footprint
    from wattprint.meter import Measurement, Meter
    from wattprint.meter.steps import step
    from wattprint.quantity import Quantity
    from wattprint.site.chain import resolve_site
    from wattprint.workload.model_spec import ModelSpec, get_model_spec, spec_from_config
