"""Caches of the estimate path (issue #15): a cached result equals a fresh one, and
``clear_caches`` resets the caches of what does not depend on the batch or token count, and
every cache of the estimate path is registered with it."""

from __future__ import annotations

import sys

from wattprint import estimate_inference, estimate_training
from wattprint.catalog import clear_caches
from wattprint.catalog.caches import DERIVED_CACHES, DerivedDict
from wattprint.engine import training_scale


def test_training_step_cache_matches_a_fresh_run_and_is_cleared() -> None:
    clear_caches()
    assert len(training_scale._STEPS) == 0
    first = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64).to_dict()
    assert len(training_scale._STEPS) == 1
    again = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64).to_dict()
    assert again == first
    other = estimate_training("llama-3.1-8b", "h100", tokens=2e12, chips=64)
    assert other["time"].value == 2.0 * first["time"]["value"]
    clear_caches()
    assert len(training_scale._STEPS) == 0
    fresh = estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64).to_dict()
    assert fresh == first


def test_inference_caches_give_the_same_result_after_clear_caches() -> None:
    kw = {"batch": 300, "prompt_tokens": 512, "output_tokens": 128, "stack": "vllm"}
    first = estimate_inference("llama-3.1-8b", "h100", **kw).to_dict()
    assert estimate_inference("llama-3.1-8b", "h100", **kw).to_dict() == first
    clear_caches()
    assert estimate_inference("llama-3.1-8b", "h100", **kw).to_dict() == first


def test_named_inputs_and_sites_are_cached_by_name_and_cleared_with_the_catalog() -> None:
    from wattprint.engine import inputs
    from wattprint.site import chain

    clear_caches()
    assert len(inputs._RESOLVED) == 0 and len(chain._BY_NAME) == 0
    kw = {"batch": 8, "prompt_tokens": 512, "output_tokens": 128, "stack": "vllm"}
    first = estimate_inference("llama-3.1-8b", "h100", **kw).to_dict()
    assert len(inputs._RESOLVED) == 1 and None in chain._BY_NAME
    again = estimate_inference("llama-3.1-8b", "h100", **kw)
    assert again.to_dict() == first
    again.notes.append("a caller's own note")  # the cached notes are not shared
    assert estimate_inference("llama-3.1-8b", "h100", **kw).to_dict() == first
    other = estimate_inference("llama-3.1-8b", "h100", site="irl", pue=1.3, **kw)
    assert other.inputs["site"] == "irl" and "irl" not in chain._BY_NAME  # overrides: not by name
    clear_caches()
    assert len(inputs._RESOLVED) == 0 and len(chain._BY_NAME) == 0
    assert estimate_inference("llama-3.1-8b", "h100", **kw).to_dict() == first


def _module_caches() -> dict[str, DerivedDict]:
    """Every module-level :class:`DerivedDict` of the wattprint modules imported so far."""
    return {f"{name}.{attr}": value for name, mod in list(sys.modules.items())
            if name.startswith("wattprint") for attr, value in vars(mod).items()
            if isinstance(value, DerivedDict)}


def test_clear_caches_empties_every_cache_of_the_estimate_path() -> None:
    estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512, output_tokens=128)
    estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64)
    found = _module_caches()
    for name in ("engine.params._TRAFFIC", "engine.params._PARAMS",
                 "engine.inference._CAPACITY", "engine.training_scale._STEPS",
                 "engine.inputs._RESOLVED"):
        assert len(found[f"wattprint.{name}"]) > 0, name
    assert all(any(c is d for d in DERIVED_CACHES) for c in found.values())  # all registered
    clear_caches()
    assert {name: len(c) for name, c in found.items() if len(c)} == {}


def test_a_derived_dict_holds_at_most_its_limit() -> None:
    d = DerivedDict(limit=3)
    for i in range(3):
        d.keep(i, str(i))
    assert d == {0: "0", 1: "1", 2: "2"}
    d.keep(3, "3")  # full: forgets the others first
    assert d == {3: "3"}
    d.cache_clear()
    assert d == {}
