"""The one exception tree of wattprint.

    WattprintError                  root: every error wattprint raises on purpose
    ├── InputError                  a value the user gave is invalid (negative, NaN, malformed)
    │   └── UnknownNameError        a hardware/model/site/stack name is not in a catalog
    ├── DataError                   a data file (catalog, measurements) is malformed
    ├── UnsupportedError            the request is valid but impossible (precision the chip lacks,
    │                              a model that does not fit, no feasible plan)
    └── MeterError                  energy measurement problems
        ├── MeterUnavailable        a sensor or vendor library is absent
        ├── MeterPermissionDenied   a sensor exists but cannot be read (the text says how to fix)
        └── CounterError            a counter read failed, went backwards or wrapped unexpectedly

The CLI turns any ``WattprintError`` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable


class WattprintError(Exception):
    """Root of every error wattprint raises on purpose."""


class InputError(WattprintError, ValueError):
    """A user-supplied value is invalid."""


class UnknownNameError(InputError, KeyError):
    """A name is not in a catalog; the message lists the closest matches.

    The closest matches are found when the message is first read, not when the error is
    raised: callers that try several names and catch this error pay nothing for them.
    """

    def __init__(self, what: str, name: str, known: Iterable[str],
                 reason: str | None = None) -> None:
        super().__init__(what, name)
        self.what = what
        self.name = name
        #: Why a known-of name is not in the catalog (e.g. an architecture not modelled):
        #: the message gives it instead of the closest names.
        self.reason = reason
        self._known = known if isinstance(known, list | tuple | set | frozenset) \
            else tuple(known)

    @functools.cached_property
    def closest(self) -> list[str]:
        """Up to three known names closest to :attr:`name`."""
        import difflib  # only when a name is unknown (it costs ~1-5 ms to import)

        known_list = sorted(set(self._known))
        close = difflib.get_close_matches(self.name.lower(), known_list, n=3, cutoff=0.4)
        if not close:
            close = [k for k in known_list if self.name.lower()[:3] in k][:3]
        return close

    def __reduce__(self) -> tuple[type[UnknownNameError],
                                  tuple[str, str, tuple[str, ...], str | None]]:
        return (type(self), (self.what, self.name, tuple(self._known), self.reason))

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        if self.reason:
            see = f"; see `wattprint {self.what} list`" if self.what in _LISTED else ""
            return (f"{_ONE.get(self.what, self.what)} {self.name!r} is not in the catalog: "
                    f"{self.reason}{see}")
        hint = f"; closest: {', '.join(self.closest)}" if self.closest else ""
        see = f" (see `wattprint {self.what} list`)" if self.what in _LISTED else ""
        return f"unknown {_ONE.get(self.what, self.what)} {self.name!r}{hint}{see}"


#: The catalog commands that have a ``list`` subcommand, and each catalog's singular noun.
_LISTED = ("hardware", "models", "sites", "stacks")
_ONE = {"models": "model", "sites": "site", "stacks": "stack", "facilities": "facility"}


class DataError(WattprintError):
    """A data file is malformed."""


class UnsupportedError(WattprintError):
    """A valid request that cannot be satisfied (e.g. a precision the hardware lacks)."""


class MeterError(WattprintError):
    """Energy measurement problem."""


class MeterUnavailable(MeterError):
    """A sensor or its vendor library is absent."""


class MeterPermissionDenied(MeterError):
    """A sensor exists but cannot be read by this user."""


class CounterError(MeterError):
    """A counter read failed or returned an impossible value."""
