"""The gradient check: analytic gradient against central finite differences."""

from __future__ import annotations

import numpy as np

from .problem_base import Problem

__all__ = ["gradient_check"]


def gradient_check(problem: Problem, w: np.ndarray, h: float = 1e-6) -> dict[str, float]:
    """Relative error ``‖g_analytic − g_numeric‖ / max(‖g_analytic‖, ‖g_numeric‖, 1e-12)``
    per parameter group (W1, W2, WO, ... for networks; "all" otherwise).

    ``g_numeric[i] = (L(w + h_i e_i) − L(w − h_i e_i)) / (2 h_i)`` with
    ``h_i = h · max(1, |w_i|)``, on the exact (noise-free, full-batch) loss.
    """
    w = np.array(w, dtype=np.float64)
    with np.errstate(all="ignore"):
        analytic = problem.grad(w)
        numeric = np.empty_like(w)
        for i in range(w.size):
            step = h * max(1.0, abs(w[i]))
            e = np.zeros_like(w)
            e[i] = step
            numeric[i] = (problem.loss(w + e) - problem.loss(w - e)) / (2.0 * step)
    groups = problem.groups() or {"all": slice(0, w.size)}
    out = {}
    for name, sl in groups.items():
        a, n = analytic[sl], numeric[sl]
        scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(n)), 1e-12)
        out[name] = float(np.linalg.norm(a - n)) / scale
    return out
