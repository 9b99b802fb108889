"""Scalar-or-array helpers: exact Python arithmetic on floats, numpy on arrays.

The engine's formulas take floats (one estimate) or numpy arrays (a planner sweep); these keep
the scalar path free of numpy (fast CLI start-up) and bit-identical to plain Python.
"""

from __future__ import annotations

from typing import Any

#: Python number types (a tuple: ``float | int`` would build a union object at each call).
_NUMBER = (float, int)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``a if cond else b`` for a Python bool, ``numpy.where`` otherwise."""
    if cond is True:  # identity tests: no call on the scalar path (bool has two instances)
        return a
    if cond is False:
        return b
    import numpy as np

    return np.where(cond, a, b)


def both(a: Any, b: Any) -> Any:
    """``a and b`` for Python bools, element-wise ``and`` otherwise."""
    if (a is True or a is False) and (b is True or b is False):
        return a and b
    import numpy as np

    return np.logical_and(a, b)


def maximum(a: Any, b: Any) -> Any:
    """``max(a, b)`` for Python numbers, ``numpy.maximum`` otherwise."""
    if (type(a) is float and type(b) is float) or (isinstance(a, _NUMBER)
                                                   and isinstance(b, _NUMBER)):
        return a if a >= b else b
    import numpy as np

    return np.maximum(a, b)


def minimum(a: Any, b: Any) -> Any:
    """``min(a, b)`` for Python numbers, ``numpy.minimum`` otherwise."""
    if (type(a) is float and type(b) is float) or (isinstance(a, _NUMBER)
                                                   and isinstance(b, _NUMBER)):
        return a if a <= b else b
    import numpy as np

    return np.minimum(a, b)
