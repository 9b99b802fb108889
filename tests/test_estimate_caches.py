"""Caches of the estimate path (issue #15): a cached result equals a fresh one, and
``clear_caches`` resets the caches of what does not depend on the batch or token count, and
every cache of the estimate path is registered with it."""

from __future__ import annotations

import importlib

import pytest

from wattprint import estimate_inference, estimate_training
from wattprint.catalog import clear_caches
from wattprint.catalog.caches import DERIVED_CACHES, derived_dict, keep
from wattprint.engine import training_scale
from wattprint.errors import WattprintError


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
    assert len(inputs._RESOLVED) == 0 and len(chain._PLAIN) == 0
    kw = {"batch": 8, "prompt_tokens": 512, "output_tokens": 128, "stack": "vllm"}
    first = estimate_inference("llama-3.1-8b", "h100", **kw).to_dict()
    assert len(inputs._RESOLVED) == 1 and None in chain._PLAIN
    again = estimate_inference("llama-3.1-8b", "h100", **kw)
    assert again.to_dict() == first
    again.notes.append("a caller's own note")  # the cached notes are not shared
    assert estimate_inference("llama-3.1-8b", "h100", **kw).to_dict() == first
    other = estimate_inference("llama-3.1-8b", "h100", site="irl", pue=1.3, **kw)
    assert other.inputs["site"] == "irl" and "irl" not in chain._PLAIN  # overrides: not by name
    clear_caches()
    assert len(inputs._RESOLVED) == 0 and len(chain._PLAIN) == 0
    assert estimate_inference("llama-3.1-8b", "h100", **kw).to_dict() == first


#: Every per-key cache of the estimate path (module, name).
CACHES = (("engine.params", "_TRAFFIC"), ("engine.params", "_PARAMS"),
          ("engine.inference", "_CAPACITY"), ("engine.training_scale", "_STEPS"),
          ("engine.inputs", "_RESOLVED"), ("site.chain", "_PLAIN"),
          ("site.chain", "_HW_TERMS"),
          ("site.chain", "_SITE_TERMS"), ("site.embodied", "_CACHE"))


def test_clear_caches_empties_every_cache_of_the_estimate_path() -> None:
    estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512, output_tokens=128)
    estimate_training("llama-3.1-8b", "h100", tokens=1e12, chips=64)
    found = {f"{mod}.{name}": getattr(importlib.import_module(f"wattprint.{mod}"), name)
             for mod, name in CACHES}
    assert {name: len(c) for name, c in found.items() if not c} == {}
    assert all(any(c is d for d in DERIVED_CACHES) for c in found.values())  # all registered
    clear_caches()
    assert {name: len(c) for name, c in found.items() if c} == {}


def test_keep_holds_at_most_the_limit() -> None:
    d = derived_dict()
    for i in range(3):
        keep(d, i, str(i), limit=3)
    assert d == {0: "0", 1: "1", 2: "2"}
    keep(d, 3, "3", limit=3)  # full: forgets the others first
    assert d == {3: "3"}
    clear_caches()
    assert d == {}
    del DERIVED_CACHES[next(i for i, c in enumerate(DERIVED_CACHES) if c is d)]  # not by ==


def test_plain_site_factors_are_one_cache_by_name_and_by_entry() -> None:
    from wattprint.catalog.light import site_entry
    from wattprint.site import chain

    clear_caches()
    by_name = chain.resolve_site("irl")
    entry = site_entry("irl")
    assert chain.resolve_site(entry) is by_name  # the name shares its entry's factors
    assert chain.resolve_site("irl") is by_name
    assert set(chain._PLAIN) == {"irl", id(entry)}
    assert chain.resolve_site("irl", pue=1.3).pue.value == 1.3  # overrides: not cached
    assert set(chain._PLAIN) == {"irl", id(entry)}
    clear_caches()
    assert len(chain._PLAIN) == 0
    assert chain.resolve_site("irl") == by_name  # rebuilt, same content


def test_a_cached_input_does_not_skip_the_experts_only_format_check() -> None:
    clear_caches()
    # training resolves (and caches) the same names without the experts check, then refuses
    with pytest.raises(WattprintError, match="training in mxfp4"):
        estimate_training("llama-3.1-8b", "h100", precision="mxfp4", tokens=1e9, stack="eager")
    with pytest.raises(WattprintError, match="has no experts"):
        estimate_inference("llama-3.1-8b", "h100", precision="mxfp4", batch=8, stack="eager")
