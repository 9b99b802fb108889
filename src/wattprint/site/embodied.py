"""Embodied carbon per accelerator beyond the chip: board + host server + network + building.

One chain for every caller (``site/chain.py``, the planner's grids, ``plan edge``): the
per-accelerator figure here is what ``formulas.embodied_co2e_g`` amortises over the hardware's
service life and utilisation. The building is built for its own, longer life, so only the
share ``hardware life / building life`` of an accelerator's slice of it is charged to that
accelerator's service life. Network and building apply to data-centre hardware only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wattprint.catalog.caches import derived_dict, keep
from wattprint.catalog.defaults import default_value
from wattprint.quantity import Quantity
from wattprint.site import formulas as f

if TYPE_CHECKING:
    from wattprint.catalog.schema import Hardware, Sourced

#: Built per hardware entry (by identity; a catalog reload makes new entries); cleared by
#: :func:`~wattprint.catalog.clear_caches`.
_CACHE = derived_dict()


def _lo(s: Sourced) -> float:
    return s.value if s.low is None else s.low


def _hi(s: Sourced) -> float:
    return s.value if s.high is None else s.high


def embodied_per_chip(hw: Hardware) -> Quantity:
    """Embodied gCO2e per accelerator (board + host share + network share + building share
    over the hardware's life), with its low-high range and the sources of each part."""
    hit = _CACHE.get(id(hw))
    if hit is not None and hit[0] is hw:
        return hit[1]
    b, h = hw.embodied_co2e_g, hw.host_embodied_co2e_g
    life = default_value("embodied", "lifetime_s")
    it_w = hw.tdp_w.value + hw.host_power_w.value
    parts = [f"board {b.cite()}", f"host share {h.cite()}"]
    if hw.segment == "datacenter":
        net = default_value("embodied", "network_per_accelerator_g")
        bld = default_value("embodied", "building_per_w_it_g")
        bl = default_value("embodied", "building_lifetime_s")
        nets = (net.value, _lo(net), _hi(net))
        blds = (bld.value, _lo(bld), _hi(bld))
        bls = (bl.value, _hi(bl), _lo(bl))  # a longer building life lowers the share
        lives = (life.value, _lo(life), _hi(life))
        parts += [f"network share {net.cite()}",
                  f"building {bld.cite()} × IT power {it_w:g} W × hardware life / "
                  f"building life ({bl.cite()})"]
    else:
        nets = blds = bls = lives = (0.0, 0.0, 0.0)
        bls = (1.0, 1.0, 1.0)
        parts.append(f"no network or building share ({hw.segment} hardware)")
    v, lo, hi = (f.embodied_per_chip_g(bo, ho, n, bg, it_w, li, bli)
                 for bo, ho, n, bg, li, bli in zip((b.value, _lo(b), _hi(b)),
                                                   (h.value, _lo(h), _hi(h)), nets, blds,
                                                   lives, bls, strict=True))
    q = Quantity(v, "gCO2e", "embodied_per_chip_g = board + host + network + building × IT W × "
                 "life / building life; " + "; ".join(parts), "default", lo, hi)
    keep(_CACHE, id(hw), (hw, q), 1024)
    return q
