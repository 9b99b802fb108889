"""The Pareto frontier over the four objectives, and its cheap candidate pre-filter."""

from __future__ import annotations

import numpy as np


def pareto_mask(costs: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``costs`` (minimise every column).

    A row is dominated if another row is ≤ in every column and < in one. Of identical rows one
    is kept. Rows are visited in order of their normalised sum, so each pass removes most of
    the rest; cost is O(n · frontier size).
    """
    costs = np.asarray(costs, dtype=float)
    n = costs.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    scale = np.where(np.ptp(costs, axis=0) > 0, np.ptp(costs, axis=0), 1.0)
    order = np.argsort(((costs - costs.min(axis=0)) / scale).sum(axis=1), kind="stable")
    c = costs[order]
    idx = np.arange(n)
    i = 0
    while i < len(c):
        keep = np.any(c < c[i], axis=1)
        keep[i] = True
        # rows equal to c[i] before i were already kept; keep the earlier duplicate only
        idx = idx[keep]
        c = c[keep]
        i = int(np.sum(keep[:i])) + 1
    mask = np.zeros(n, dtype=bool)
    mask[order[idx]] = True
    return mask


def skyline_candidates(alive: np.ndarray, it_j: np.ndarray, embodied_g: np.ndarray
                       ) -> np.ndarray:
    """Flat indices of the configurations that can be on the 4-objective frontier.

    ``alive`` has the region as its last axis; ``it_j`` and ``embodied_g`` are per device
    configuration (every axis but the last). Within one region facility energy, water and
    cost are IT energy times positive site constants and CO2e is IT energy times a constant
    plus embodied CO2e, so a configuration dominated in (IT energy, embodied) by another in
    the same region is dominated in all four objectives. Only each region's 2-D skyline can
    be Pareto-optimal: sort once by (IT, embodied), keep rows whose embodied is below the
    running minimum of the feasible rows before them.
    """
    G = alive.shape[-1]
    a = alive.reshape(-1, G)
    it = np.broadcast_to(it_j, alive.shape[:-1]).reshape(-1)
    emb = np.broadcast_to(embodied_g, alive.shape[:-1]).reshape(-1)
    order = np.lexsort((emb, it))
    ao = a[order]
    eo = emb[order][:, None]
    vals = np.where(ao, eo, np.inf)
    runmin = np.minimum.accumulate(vals, axis=0)
    prev = np.vstack([np.full((1, G), np.inf), runmin[:-1]])
    keep = ao & (eo < prev)
    rows, cols = np.nonzero(keep)
    return order[rows] * G + cols
