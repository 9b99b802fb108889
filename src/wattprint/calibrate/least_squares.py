"""A bounded Levenberg–Marquardt least-squares solver (numpy only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def levenberg_marquardt(resid: Callable[[np.ndarray], np.ndarray], z0: np.ndarray,
                        bounds: Sequence[tuple[float, float]], max_iter: int = 80,
                        h: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise ``‖resid(z)‖²`` within box ``bounds``; returns (z, residuals, Jacobian).

    Forward-difference Jacobian; the damped normal equations ``(JᵀJ + λI) δ = −Jᵀr`` are
    solved each step, ``λ`` shrinking on success and growing on failure; steps are clipped
    to the box (projected LM).
    """
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    z = np.clip(np.asarray(z0, dtype=float), lo, hi)
    r = resid(z)
    cost = float(r @ r)
    lam = 1e-2

    def jac(zc: np.ndarray, rc: np.ndarray) -> np.ndarray:
        cols = []
        for i in range(len(zc)):
            step = h if zc[i] + h <= hi[i] else -h
            zi = zc.copy()
            zi[i] += step
            cols.append((resid(zi) - rc) / step)
        return np.stack(cols, axis=1)

    J = jac(z, r)
    for _ in range(max_iter):
        g = J.T @ r
        H = J.T @ J
        improved = False
        while lam < 1e10:
            try:
                step = np.linalg.solve(H + lam * np.eye(len(z)), -g)
            except np.linalg.LinAlgError:
                lam *= 10
                continue
            zn = np.clip(z + step, lo, hi)
            rn = resid(zn)
            cn = float(rn @ rn)
            if cn < cost - 1e-12 * max(cost, 1.0):
                done = (cost - cn) < 1e-10 * max(cost, 1.0) or \
                    float(np.max(np.abs(zn - z))) < 1e-7
                z, r, cost = zn, rn, cn
                lam = max(lam / 4.0, 1e-9)
                improved = True
                break
            lam *= 4.0
        if not improved:
            break
        J = jac(z, r)
        if done:
            break
    return z, r, J
