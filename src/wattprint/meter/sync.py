"""Wait for queued GPU work so that window boundaries line up with the work itself.

GPU kernels run asynchronously: without a synchronise, a window could close while its work
is still queued, and that energy would land in the next window. Only frameworks the user
has *already imported* are synchronised (looked up in ``sys.modules``); wattprint never
imports torch, JAX or CuPy itself.
"""

from __future__ import annotations

import sys


def synchronize() -> list[str]:
    """Synchronise every framework already imported; returns their names.

    torch: ``torch.cuda.synchronize(i)`` for every device (only if CUDA is initialised);
    JAX: block on a tiny transfer to each device; CuPy: the current device. A failure is
    ignored (a measurement without a synchronise is still a measurement).
    """
    done: list[str] = []
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            cuda = torch.cuda
            if cuda.is_available() and cuda.is_initialized():
                for i in range(cuda.device_count()):
                    cuda.synchronize(i)
                done.append("torch")
        except Exception:  # noqa: BLE001, S110 - best effort
            pass
    jax = sys.modules.get("jax")
    if jax is not None:
        try:
            for dev in jax.devices():
                jax.device_put(0.0, device=dev).block_until_ready()
            done.append("jax")
        except Exception:  # noqa: BLE001, S110 - best effort
            pass
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        try:
            cupy.cuda.Device().synchronize()
            done.append("cupy")
        except Exception:  # noqa: BLE001, S110 - best effort
            pass
    return done
