"""Fast paths of a scalar estimate (issue #15) give the same objects as the plain ones:
``quantity()`` a frozen ``Quantity``, lazily built footprint details the eager ones, a
scaled or replaced ``Work`` the one built field by field."""

from __future__ import annotations

import pickle

import pytest

from wattprint import estimate_inference
from wattprint.device.roofline import dominant_regime
from wattprint.footprint import Footprint
from wattprint.quantity import Quantity, quantity
from wattprint.record import FrozenRecordError
from wattprint.workload.phases import Work


@pytest.mark.parametrize("low, high", [(0.5, 2.0), (2.0, 0.5), (None, None), (0.5, None)])
def test_quantity_factory_builds_the_same_frozen_quantity(low: float | None,
                                                          high: float | None) -> None:
    fast = quantity(1.0, "J", "a formula", "modelled", low, high)
    plain = Quantity(1.0, "J", "a formula", "modelled", low, high)
    assert type(fast) is Quantity
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    assert pickle.loads(pickle.dumps(fast)) == plain
    with pytest.raises(FrozenRecordError):
        fast.value = 2.0  # type: ignore[misc]


def test_lazy_details_are_built_once_on_first_access_and_equal_eager_ones() -> None:
    calls = []

    def details() -> dict[str, object]:
        calls.append(1)
        return {"a": 1.0, "b": {"c": "d"}}

    q = {"time": Quantity(1.0, "s", "given", "user")}
    lazy = Footprint.with_details_of("estimate", q, details, {"kind": "x"}, ["n"])
    eager = Footprint("estimate", q, details(), {"kind": "x"}, ["n"])
    assert calls == [1]
    assert lazy.to_dict() == eager.to_dict() and lazy == eager
    assert lazy.details is lazy.details and calls == [1, 1]
    assert pickle.loads(pickle.dumps(lazy)) == eager


def test_an_estimate_reads_its_details_like_before() -> None:
    fp = estimate_inference("llama-3.1-8b", "h100", batch=8, prompt_tokens=512,
                            output_tokens=128, stack="vllm")
    d = fp.details
    assert d["admitted_batch"] == 8 and d["stack"] == "vllm"
    assert d["site"]["site"] == "world" and d["prefill"]["phase"] == "prefill"
    assert list(d) == ["model", "hardware", "precision", "stack", "prefill", "decode",
                       "memory_required_bytes", "device_provenance", "admitted_batch", "site"]
    assert fp.to_dict()["details"]["decode"]["regime"] == d["decode"]["regime"]


def test_scaled_and_replaced_work_equal_the_work_built_field_by_field() -> None:
    w = Work("decode", 1.0, 32.0, 8.0, 1e9, 2e8, 0.0, 1.6e10, 3e7, 4e6, gemm_k=4096.0,
             loop_steps=1.0, seq_passes=8.0)
    s = w.scaled(3)
    want = Work("decode", 3.0, 96.0, 24.0, 3e9, 6e8, 0.0, 4.8e10, 9e7, 1.2e7, gemm_k=4096.0,
                loop_steps=3.0, seq_passes=24.0)
    assert s == want and list(s.to_dict()) == list(want.to_dict())
    r = w.replace(kv_bytes=1.0)
    assert r.kv_bytes == 1.0 and list(r.to_dict()) == list(w.to_dict())
    with pytest.raises(TypeError):
        w.replace(nope=1.0)


def test_dominant_regime_takes_the_largest_share_and_the_first_on_a_tie() -> None:
    assert dominant_regime(1.0, 2.0, 0.5, 0.1) == "memory"
    assert dominant_regime(1.0, 1.0, 1.0, 1.0) == "compute"
    assert dominant_regime(0.0, 0.0, 0.0, 1e-9) == "communication"
    assert dominant_regime(0.1, 0.2, 0.3, 0.3) == "overhead"
