"""``Record``: small value types without the ``dataclasses`` module (issue #15).

``dataclasses`` imports ``inspect`` (with ``ast``, ``dis``, ``tokenize``) and each
``@dataclass`` compiles generated code with ``exec``: together ~15 ms of the first estimate.
A :class:`Record` subclass lists its fields as class annotations, in order, with defaults as
class attributes (``field(default_factory=...)`` for a fresh mutable default), exactly as a
dataclass does, and gets the same behaviour with nothing compiled at import:

- ``__init__`` (positional or keyword, defaults, a ``__post_init__`` if defined) — a class on
  a hot path writes its own ``__init__`` instead;
- ``__repr__``, ``__eq__`` (same class, field by field) and, for frozen records (the
  default), ``__hash__`` over the fields and assignment refused; ``frozen=False`` in the
  class statement gives a mutable record without a hash, like ``@dataclass``;
- ``replace(**changes)`` (for ``dataclasses.replace``), ``_fields`` (field names, for
  ``dataclasses.fields``), copy and pickle.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, dataclass_transform

T = TypeVar("T")
if TYPE_CHECKING:
    R = TypeVar("R", bound="Record")
else:  # the bound is for type checkers only (a string bound compiles a ForwardRef at import)
    R = TypeVar("R")


class FrozenRecordError(AttributeError):
    """Assignment to a field of a frozen record (as ``dataclasses.FrozenInstanceError``)."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], T]) -> T:
    """A default built fresh for each instance (``dataclasses.field(default_factory=...)``)."""
    return _Factory(default_factory)  # type: ignore[return-value]


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}")


@dataclass_transform(field_specifiers=(field,), frozen_default=True)
class Record:
    """Base of a small value type: fields from the class annotations (see the module)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}
    _get: ClassVar[Callable[..., tuple[Any, ...]]]
    _post: ClassVar[Callable[[Any], None] | None] = None  # the class's ``__post_init__``

    def __init_subclass__(cls, frozen: bool = True, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        names = [n for n, t in cls.__dict__.get("__annotations__", {}).items()
                 if not str(t).startswith(("ClassVar", "typing.ClassVar"))]
        fields = [n for n in cls._fields if n not in names] + names
        defaults = dict(cls._defaults)
        factories = dict(cls._factories)
        for n in names:
            v = cls.__dict__.get(n, _Factory)
            if isinstance(v, _Factory):
                factories[n] = v.make
                delattr(cls, n)
            elif v is not _Factory:
                defaults[n] = v
        cls._fields, cls._defaults, cls._factories = tuple(fields), defaults, factories
        # The fields as one tuple, read in C (hash, ==, replace of a per-call record).
        get = attrgetter(*fields) if fields else (lambda _: ())
        cls._get = staticmethod(get if len(fields) != 1 else lambda o: (get(o),))
        cls._post = getattr(cls, "__post_init__", None)  # looked up once, not per instance
        if frozen:
            cls.__setattr__ = _frozen_setattr  # type: ignore[method-assign]
            cls.__delattr__ = _frozen_delattr  # type: ignore[method-assign]
        else:
            cls.__hash__ = None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kw: Any) -> None:
        names = self._fields
        put = object.__setattr__
        if not kw and len(args) == len(names):  # every field given in order (a hot path)
            for n, v in zip(names, args, strict=True):
                put(self, n, v)
            post = type(self)._post
            if post is not None:
                post(self)
            return
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes {len(names)} arguments, "
                            f"{len(args)} given")
        vals = dict(zip(names, args, strict=False))
        for k, v in kw.items():
            if k in vals or k not in names:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated "
                                f"argument {k!r}")
            vals[k] = v
        for n in names:
            if n in vals:
                put(self, n, vals[n])
            elif n in self._defaults:
                put(self, n, self._defaults[n])
            elif n in self._factories:
                put(self, n, self._factories[n]())
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {n!r}")
        post = type(self)._post
        if post is not None:
            post(self)

    def _astuple(self) -> tuple[Any, ...]:
        return self._get(self)

    def __repr__(self) -> str:
        inner = ", ".join([f"{n}={getattr(self, n)!r}" for n in self._fields])
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._astuple() == other._astuple()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), {n: getattr(self, n) for n in self._fields}))

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (``dataclasses.replace``)."""
        vals = dict(zip(self._fields, self._get(self), strict=True))
        for k in changes:
            if k not in vals:
                raise TypeError(f"{type(self).__name__} has no field {k!r}")
        vals.update(changes)
        return type(self)(**vals)


def _rebuild(cls: type[R], vals: dict[str, Any]) -> R:
    return cls(**vals)
