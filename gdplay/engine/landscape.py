"""Landscapes: curves, grids and 2D slices of a loss, evaluated vectorized.

For 1D and 2D problems the landscape is the function itself over its view bounds.
For a network it is a plane through weight space (Li et al., "Visualizing the Loss
Landscape of Neural Nets", NeurIPS 2018)::

    L(origin + a * d1 + b * d2)

with d1, d2 two coordinate axes (an exact slice), two random directions normalized per
filter, or the top two principal components of a trajectory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .problem_base import Problem

__all__ = [
    "Curve",
    "Grid",
    "Plane",
    "curve_1d",
    "grid_2d",
    "axis_plane",
    "filter_normalized_plane",
    "pca_plane",
    "slice_grid",
    "contour_levels",
    "contour_segments",
]


@dataclass(frozen=True)
class Curve:
    """A 1D landscape: ``y[i] = f(x[i])``."""

    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class Grid:
    """A 2D landscape: ``z[i, j] = f(x[j], y[i])`` (row-major: rows follow y)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray


def curve_1d(problem: Problem, n: int = 400, bounds: tuple[float, float] | None = None) -> Curve:
    """``problem`` sampled at ``n`` evenly spaced points of its view (or ``bounds``)."""
    if problem.dim != 1:
        raise ValueError(f"curve_1d needs a 1D problem; {problem.name!r} has {problem.dim} parameters")
    lo, hi = bounds if bounds is not None else problem.bounds[0]
    x = np.linspace(lo, hi, n)
    return Curve(x, problem.loss_grid(x[:, None]))


def grid_2d(problem: Problem, n: int = 200, bounds=None) -> Grid:
    """``problem`` on an ``n x n`` grid over its view (or ``bounds`` = ((x0, x1), (y0, y1)))."""
    if problem.dim != 2:
        raise ValueError(f"grid_2d needs a 2D problem; {problem.name!r} has {problem.dim} parameters")
    (x0, x1), (y0, y1) = bounds if bounds is not None else problem.bounds
    x = np.linspace(x0, x1, n)
    y = np.linspace(y0, y1, n)
    points = np.empty((n, n, 2))
    points[..., 0] = x[None, :]
    points[..., 1] = y[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        z = problem.loss_grid(points)
    return Grid(x, y, z)


@dataclass(frozen=True)
class Plane:
    """A plane ``origin + a * d1 + b * d2`` in parameter space.

    ``explained`` holds the fraction of variance each direction explains (PCA planes).
    """

    origin: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    kind: str
    labels: tuple[str, str] = ("d1", "d2")
    explained: tuple[float, float] | None = None

    def point(self, a: float, b: float) -> np.ndarray:
        """The parameter vector at plane coordinates (a, b)."""
        return self.origin + a * self.d1 + b * self.d2

    @cached_property
    def _projector(self) -> np.ndarray:
        """The least-squares solution operator (d1 d2)^+, 2 x n: found once per plane, not
        at every projection (a 4,353-parameter network's path, redrawn 30 times a second,
        spent more time in lstsq than in its training steps)."""
        return np.linalg.pinv(np.column_stack([self.d1, self.d2]))

    def project(self, points: np.ndarray) -> np.ndarray:
        """Plane coordinates (a, b) of each row of ``points``, by least squares.

        For orthogonal directions this is the orthogonal projection; a projected point is
        generally not on the loss surface: see :meth:`projection_gap`.
        """
        return (np.atleast_2d(points) - self.origin) @ self._projector.T

    def projection_gap(self, problem: Problem, points: np.ndarray) -> np.ndarray:
        """``L(w_t) - L(projection of w_t)``: how far the drawn trajectory is off the surface."""
        points = np.atleast_2d(points)
        ab = self.project(points)
        on_plane = self.origin + ab[:, :1] * self.d1 + ab[:, 1:] * self.d2
        return problem.loss_grid(points) - problem.loss_grid(on_plane)


def axis_plane(problem: Problem, origin: np.ndarray, i: int, j: int) -> Plane:
    """The exact slice over parameters ``i`` and ``j``, the others held at ``origin``."""
    n = problem.dim
    if not (0 <= i < n and 0 <= j < n) or i == j:
        raise ValueError(f"choose two different parameters between 0 and {n - 1}; got {i} and {j}")
    d1 = np.zeros(n)
    d2 = np.zeros(n)
    d1[i] = 1.0
    d2[j] = 1.0
    names = problem.parameter_names()
    labels = (names[i], names[j])
    return Plane(np.array(origin, dtype=np.float64), d1, d2, "axes", labels)


def filter_normalized_plane(problem, origin: np.ndarray, seed: int = 0) -> Plane:
    """Two random Gaussian directions, each normalized per filter (Li et al. 2018).

    For a fully connected layer a filter is one output neuron: the column of our
    (in x out) weight matrix. Each column of d is scaled to the norm of the matching
    column of the weights; bias directions are zero, as in the paper.
    """
    origin = np.array(origin, dtype=np.float64)
    rng = np.random.default_rng([seed, 3])
    dirs = []
    for _ in range(2):
        d = rng.standard_normal(problem.dim)
        if hasattr(problem, "layout"):
            for name, (sl, shape) in problem.layout.items():
                block = d[sl].reshape(shape)
                if name.startswith("b"):
                    block[...] = 0.0
                    continue
                wblock = origin[sl].reshape(shape)
                dnorm = np.linalg.norm(block, axis=0, keepdims=True)
                wnorm = np.linalg.norm(wblock, axis=0, keepdims=True)
                block *= wnorm / np.where(dnorm > 0, dnorm, 1.0)
        dirs.append(d)
    return Plane(origin, dirs[0], dirs[1], "random", ("random 1", "random 2"))


def pca_plane(trajectory: np.ndarray) -> Plane:
    """The plane of the top two principal components of ``w_t - w_final``.

    Centered at the final point; ``explained`` is the fraction of the variance of the
    trajectory each component explains.
    """
    trajectory = np.asarray(trajectory, dtype=np.float64)
    if trajectory.ndim != 2 or trajectory.shape[0] < 3 or trajectory.shape[1] < 2:
        raise ValueError("a PCA plane needs a trajectory of at least 3 points in 2+ dimensions")
    final = trajectory[-1]
    M = trajectory - final
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    total = float(np.sum(s * s))
    if total == 0.0:
        raise ValueError("the trajectory does not move: no PCA plane")
    explained = (float(s[0] ** 2 / total), float(s[1] ** 2 / total) if s.size > 1 else 0.0)
    return Plane(final.copy(), vt[0].copy(), vt[1].copy(), "pca", ("PC 1", "PC 2"), explained)


def slice_grid(problem: Problem, plane: Plane, a: np.ndarray, b: np.ndarray) -> Grid:
    """Loss over the plane at every (a[j], b[i]): z[i, j] = L(origin + a[j] d1 + b[i] d2)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    points = (plane.origin[None, None, :]
              + a[None, :, None] * plane.d1[None, None, :]
              + b[:, None, None] * plane.d2[None, None, :])
    with np.errstate(over="ignore", invalid="ignore"):
        z = problem.loss_grid(points)
    return Grid(a, b, z)


def contour_levels(z: np.ndarray, n: int = 15) -> np.ndarray:
    """``n`` contour levels at evenly spaced quantiles of the finite values of ``z``.

    Quantiles follow the landscape's shape, so a function whose range spans many orders
    of magnitude (Rosenbrock, Beale) still gets lines near its minimum.
    """
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return np.empty(0)
    levels = np.quantile(finite, np.linspace(0.0, 1.0, n + 2)[1:-1])
    return np.unique(levels)


def contour_segments(x: np.ndarray, y: np.ndarray, z: np.ndarray, levels) -> np.ndarray:
    """Contour lines of ``z[i, j] = f(x[j], y[i])`` by marching squares, vectorized.

    Returns an array of shape (2 m, 2): m line segments as consecutive point pairs (for
    ``connect="pairs"`` drawing). Points are linearly interpolated along cell edges;
    saddle cells are split by the value at the cell centre.
    """
    z = np.asarray(z, dtype=np.float64)
    ny, nx = z.shape
    out = []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for level in np.atleast_1d(levels):
            above = z > level
            A, B, C, D = above[:-1, :-1], above[:-1, 1:], above[1:, 1:], above[1:, :-1]
            e0, e1, e2, e3 = A != B, B != C, D != C, A != D
            i, j = np.nonzero(e0 | e1 | e2 | e3)  # only the cells the line passes through
            if i.size == 0:
                continue
            crossed = np.stack([e0[i, j], e1[i, j], e2[i, j], e3[i, j]], axis=1)
            a, b, c, d = z[i, j], z[i, j + 1], z[i + 1, j + 1], z[i + 1, j]
            xa, xb, ya, yb = x[j], x[j + 1], y[i], y[i + 1]
            t0 = (level - a) / (b - a)
            t1 = (level - b) / (c - b)
            t2 = (level - d) / (c - d)
            t3 = (level - a) / (d - a)
            pts = np.empty((i.size, 4, 2))
            pts[:, 0, 0] = xa + t0 * (xb - xa)
            pts[:, 0, 1] = ya
            pts[:, 1, 0] = xb
            pts[:, 1, 1] = ya + t1 * (yb - ya)
            pts[:, 2, 0] = xa + t2 * (xb - xa)
            pts[:, 2, 1] = yb
            pts[:, 3, 0] = xa
            pts[:, 3, 1] = ya + t3 * (yb - ya)
            count = crossed.sum(axis=1)
            two = count == 2
            if two.any():
                cr = crossed[two]
                first = np.argmax(cr, axis=1)
                second = 3 - np.argmax(cr[:, ::-1], axis=1)
                p = pts[two]
                rows = np.arange(p.shape[0])
                seg = np.empty((p.shape[0], 2, 2))
                seg[:, 0] = p[rows, first]
                seg[:, 1] = p[rows, second]
                out.append(seg.reshape(-1, 2))
            four = count == 4
            if four.any():
                p = pts[four]
                centre = (a[four] + b[four] + c[four] + d[four]) / 4.0
                # a and c joined through the centre: the lines cut off b and d
                joined = ((centre > level) == (a[four] > level))[:, None]
                seg = np.empty((p.shape[0], 2, 2, 2))
                seg[:, 0, 0] = p[:, 0]
                seg[:, 0, 1] = np.where(joined, p[:, 1], p[:, 3])
                seg[:, 1, 0] = np.where(joined, p[:, 2], p[:, 1])
                seg[:, 1, 1] = np.where(joined, p[:, 3], p[:, 2])
                out.append(seg.reshape(-1, 2))
    if not out:
        return np.empty((0, 2))
    segs = np.concatenate(out)
    keep = np.all(np.isfinite(segs.reshape(-1, 2, 2)), axis=(1, 2))
    return segs.reshape(-1, 2, 2)[keep].reshape(-1, 2)
