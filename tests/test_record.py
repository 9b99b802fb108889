"""``Record`` behaves as the ``@dataclass`` it replaces (issue #15): same repr, equality,
hash, defaults, frozen fields, replace, copy and pickle."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from wattprint.footprint import Footprint
from wattprint.quantity import Quantity
from wattprint.record import FrozenRecordError, Record, field
from wattprint.workload.phases import Work


class Point(Record):
    name: str
    x: float
    tags: list[str] = field(default_factory=list)
    z: float = 0.0


@dataclasses.dataclass(frozen=True)
class PointDC:
    name: str
    x: float
    tags: list[str] = dataclasses.field(default_factory=list)
    z: float = 0.0


def test_record_matches_a_frozen_dataclass() -> None:
    p, d = Point("a", 1.0), PointDC("a", 1.0)
    assert repr(p).replace("Point", "PointDC") == repr(d)
    assert Point._fields == tuple(f.name for f in dataclasses.fields(PointDC))
    assert p == Point(name="a", x=1.0, tags=[], z=0.0) and p != Point("a", 2.0)
    assert p.tags is not Point("a", 1.0).tags  # a fresh default per instance
    assert (p == d) is False  # another class never compares equal
    with pytest.raises(FrozenRecordError):
        p.x = 2.0  # type: ignore[misc]
    assert isinstance(FrozenRecordError("x"), AttributeError)
    q = p.replace(z=3.0)
    assert (q.z, q.name, p.z) == (3.0, "a", 0.0)
    with pytest.raises(TypeError):
        p.replace(w=1.0)
    with pytest.raises(TypeError):
        Point("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point("a", 1.0, y=2.0)  # type: ignore[call-arg]


def test_hash_copy_and_pickle() -> None:
    q = Quantity(1.0, "J", "test", low=2.0, high=0.5)
    assert (q.low, q.high) == (0.5, 2.0)
    assert hash(q) == hash(Quantity(1.0, "J", "test", "modelled", 0.5, 2.0))
    assert pickle.loads(pickle.dumps(q)) == q == copy.deepcopy(q) == copy.copy(q)
    assert q.with_(value=3.0).value == 3.0
    w = Work("decode", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, gemm_k=10.0)
    assert pickle.loads(pickle.dumps(w)) == w and hash(w) == hash(copy.copy(w))
    assert list(w._values()) == list(Work._fields)


def test_footprint_is_mutable_and_unhashable() -> None:
    fp = Footprint("measurement", {"time": Quantity(1.0, "s", "test")})
    assert fp.details == {} and fp.notes == [] and fp.inputs == {}
    fp.notes.append("n")
    assert Footprint("measurement", dict(fp.quantities)).notes == []
    with pytest.raises(TypeError):
        hash(fp)
    assert fp.time.value == 1.0


def test_work_replace_checks_its_fields() -> None:
    w = Work("decode", 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
    r = w.replace(kv_bytes=1.5)
    assert r.kv_bytes == 1.5 and r.replace(kv_bytes=8.0) == w and list(r._values()) == list(
        Work._fields)
    with pytest.raises(TypeError):
        w.replace(bytes=1.0)


class Checked(Record):
    low: float
    high: float = 1.0

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low > high")


class CheckedMore(Checked):
    note: str = ""


def test_post_init_runs_for_every_way_of_building() -> None:
    # all fields positional (the fast path), defaults, keywords, a subclass, replace
    assert Checked(0.5, 2.0) == Checked(0.5).replace(high=2.0) == Checked(low=0.5, high=2.0)
    for build in (lambda: Checked(3.0, 2.0), lambda: Checked(3.0), lambda: Checked(low=3.0),
                  lambda: CheckedMore(3.0, 2.0, "x"), lambda: Checked(0.5).replace(low=3.0)):
        with pytest.raises(ValueError, match="low > high"):
            build()
    with pytest.raises(TypeError):
        Checked(1.0, 2.0, 3.0)
