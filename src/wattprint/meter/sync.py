"""Wait for queued GPU work so that window boundaries line up with the work itself.

GPU kernels run asynchronously: without a synchronise, a window could close while its work
is still queued, and that energy would land in the next window. Only frameworks the user
has *already imported* are synchronised (looked up in ``sys.modules``); wattprint never
imports torch, JAX or CuPy itself.
"""

from __future__ import annotations

import sys
from typing import Any


def _sync_torch(torch: Any) -> bool:
    cuda = torch.cuda
    if not (cuda.is_available() and cuda.is_initialized()):
        return False
    for i in range(cuda.device_count()):
        cuda.synchronize(i)
    return True


def _sync_jax(jax: Any) -> bool:
    for dev in jax.devices():
        jax.device_put(0.0, device=dev).block_until_ready()
    return True


def _sync_cupy(cupy: Any) -> bool:
    cupy.cuda.Device().synchronize()
    return True


_FRAMEWORKS = (("torch", _sync_torch), ("jax", _sync_jax), ("cupy", _sync_cupy))


def synchronize_all() -> tuple[list[str], list[str]]:
    """Synchronise every framework already imported.

    Returns (names synchronised, failures as ``"name: error"``). torch:
    ``torch.cuda.synchronize(i)`` for every device (only if CUDA is initialised); JAX: block on
    a tiny transfer to each device; CuPy: the current device. A failure does not stop the
    measurement; the meter reports it in the measurement's notes.
    """
    done: list[str] = []
    failed: list[str] = []
    for name, fn in _FRAMEWORKS:
        module = sys.modules.get(name)
        if module is None:
            continue
        try:
            if fn(module):
                done.append(name)
        except Exception as exc:  # noqa: BLE001 - any framework error, reported not raised
            failed.append(f"{name}: {type(exc).__name__}: {exc}".splitlines()[0])
    return done, failed


def synchronize() -> list[str]:
    """Synchronise every framework already imported; returns the names synchronised."""
    return synchronize_all()[0]
