"""One reset for every cache of data: ``catalog.clear_caches`` also forgets what higher
layers derived from the data files (validated operator models, traced summaries)."""

from __future__ import annotations

from wattprint.catalog import clear_caches
from wattprint.catalog.operator_data import operator_model_entries, operator_summary_data
from wattprint.workload.operators.catalog import load_summary, operator_models


def test_clear_caches_forgets_operator_data_and_what_was_derived_from_it() -> None:
    first = next(iter(operator_models().values()))
    load_summary(first.components[0].summary)
    caches = (operator_model_entries, operator_summary_data, operator_models, load_summary)
    assert all(c.cache_info().currsize > 0 for c in caches)
    clear_caches()
    assert all(c.cache_info().currsize == 0 for c in caches)
    assert operator_models()[first.id] == first  # re-read from the files, same content
