"""How fast routed-expert (MoE) kernels run on a chip: the share of the memory roofline they
reach and the fixed latency of their kernel chain (docs/methodology.md §2.5).

A decode step of a mixture-of-experts layer reads the touched experts' weights once; what
the roofline misses is how fast the grouped-GEMM kernel streams them and what the layer's
extra kernels (router, top-k, token sort, two grouped GEMMs, combine) cost in latency.
"""

from __future__ import annotations

from typing import Any


def moe_kernel_efficiency(base: tuple[float, float, float],
                          bandwidth_factor: tuple[float, float, float],
                          fp8: tuple[float, float, float] | None
                          ) -> tuple[float, float, float]:
    """``moe_eff = η_moe · min(1, B_moe / (BW · η_m)) · f_fp8`` per corner (central,
    optimistic, pessimistic): the expert kernels move and compute ``1 / moe_eff`` times
    their ideal bytes and FLOPs (:func:`~wattprint.device.execute.phase_corner`).

    ``η_moe`` is the stack's ``moe_efficiency``; ``f_fp8`` the share reached by block-scaled
    fp8 expert kernels (weights and activations with one scale per 128-wide block: an extra
    activation-quantisation kernel per GEMM and scale loads inside the tile loop), applied
    only when the weights are fp8 (``fp8`` not ``None``).
    """
    f = fp8 if fp8 is not None else (1.0, 1.0, 1.0)
    b = bandwidth_factor
    return (base[0] * b[0] * f[0], base[1] * b[1] * f[1], base[2] * b[2] * f[2])


def moe_chain_time_s(moe_layer_passes: Any, moe_layer_s: Any) -> Any:
    """Latency of the MoE layers' kernel chains [s]: ``MoE layers × passes · s_moe``.

    Besides its two grouped GEMMs an MoE layer launches a router GEMM, a top-k softmax, a
    token sort by expert and a combine: small kernels in sequence, each with its launch and
    tail latency, which add to the device time even inside a CUDA graph. ``s_moe`` per stack
    (``moe_layer_s``).
    """
    return moe_layer_passes * moe_layer_s
