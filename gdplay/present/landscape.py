"""The map's policy: which plane a network is sliced in, when the colours go on a log
scale, the contours; and a network's map made a piece at a time (``SliceJob``), so that
whoever runs it can take commands between pieces."""

from __future__ import annotations

import numpy as np

from ..engine import landscape as ls
from ..engine.network import MAX_PASS_WORK
from .snapshots import LandscapeData

__all__ = ["problem_map", "slice_plane", "map_data", "SliceJob", "path_cell"]

_SLICE_PIECE_S = 0.02    # a network's landscape is computed in pieces this long: a command
                         # (pause, a change, closing) waits at most one piece
_PASS_S = 0.05           # about what a pass of network.MAX_PASS_WORK takes
_SLICE_PIECE_FLOATS = 1 << 22  # 32 MB of points a piece at most
_SLICE_AT_ONCE = 4       # pieces: a landscape of at most this much is computed at once


def problem_map(p, start: np.ndarray) -> LandscapeData:
    """The map of a 1D or 2D problem: its curve, or its height map and contours."""
    empty = np.empty((0, 2))
    if p.dim == 1:
        curve = ls.curve_1d(p, 600)
        minima = np.array([m.point for m in p.minima]).reshape(-1, 1)
        finite = curve.y[np.isfinite(curve.y)]  # your own function may be NaN in view
        return LandscapeData("1d", curve.x, curve.y, None, False,
                             float(finite.min()) if finite.size else 0.0,
                             empty, minima, start.copy(), ("x", "f(x)"), p.title)
    grid = ls.grid_2d(p, 300)
    minima = np.array([m.point for m in p.minima]).reshape(-1, 2)
    return map_data("2d", grid, minima, start.copy(), ("x", "y"), p.title, None)


def slice_plane(p, session, spec: dict | None):
    """The network's slice plane, its coordinates, labels, title and explained variance:
    ``spec`` is random (filter-normalized directions), axes (i, j) or pca (of lane 0's
    path). ValueError when a PCA slice has no path to work from."""
    spec = spec or {"kind": "random"}
    kind = spec.get("kind", "random")
    origin = session.start
    if kind == "axes":
        plane = ls.axis_plane(p, origin, int(spec.get("i", 0)), int(spec.get("j", 1)))
        span = float(spec.get("span", 2.0))
    elif kind == "pca":
        lane = session.lanes[0] if session.lanes else None
        if lane is None or lane.param_history.size < 3:
            raise ValueError("run a few steps first: a PCA slice needs a trajectory")
        plane = ls.pca_plane(lane.param_history.rows[:, 2:])
        coords = plane.project(lane.param_history.rows[:, 2:])
        span = float(np.max(np.abs(coords))) * 1.3 or 1.0
    else:
        plane = ls.filter_normalized_plane(p, origin, seed=int(spec.get("seed", 0)))
        span = float(spec.get("span", 1.0))
    a = np.linspace(-span, span, 41)
    return plane, a, plane.labels, f"{p.title}: {kind} slice", plane.explained


def map_data(kind, grid, minima, start, labels, title, explained) -> LandscapeData:
    """A 2D map's colours, contours and levels from its grid."""
    z = grid.z
    finite = z[np.isfinite(z)]
    zmin = float(finite.min()) if finite.size else 0.0
    zmax = float(finite.max()) if finite.size else 1.0
    with np.errstate(all="ignore"):  # values near the float limit (your own function)
        shifted = z - zmin
        # colours on a log scale when most of the map would otherwise be one colour:
        # the median lies in the bottom 15% of the range (Rosenbrock, Beale, Himmelblau)
        log_scale = bool(finite.size and zmax > zmin
                         and np.median(finite) - zmin < 0.15 * (zmax - zmin))
        levels = ls.contour_levels(z, 15)
        segments = ls.contour_segments(grid.x, grid.y, z, levels)
        shown = np.log10(shifted + max((zmax - zmin) * 1e-6, 1e-12)) if log_scale else z
    return LandscapeData(kind, grid.x, grid.y, shown, log_scale,
                         zmin, segments, minima, start, labels, title, explained)


class SliceJob:
    """A network's map over ``plane``, computed a piece at a time by :meth:`advance`."""

    def __init__(self, p, plane, a, labels, title, explained):
        self.problem, self.plane, self.a = p, plane, a
        self.labels, self.title, self.explained = labels, title, explained
        # the grid's coefficients only: a piece makes its own points (all 41 x 41 points of
        # a 1024/1024 network at once would be 14 GB)
        ca, cb = np.meshgrid(a, a)  # point k = origin + ca[k] d1 + cb[k] d2, row-major
        self.ca, self.cb = ca.ravel(), cb.ravel()
        self.z = np.empty(ca.size)
        self.done = 0
        # points a piece: about _SLICE_PIECE_S of work (see network.MAX_PASS_WORK: one
        # pass over the data in about 50 ms), and at most _SLICE_PIECE_FLOATS of points
        work = max(1, p.dim * p.n_samples)
        self.per_piece = max(1, min(int(_SLICE_PIECE_S / _PASS_S * MAX_PASS_WORK // work),
                                    _SLICE_PIECE_FLOATS // p.dim))

    @property
    def total(self) -> int:
        return len(self.z)

    @property
    def small(self) -> bool:
        """Small enough to compute at once."""
        return self.total <= _SLICE_AT_ONCE * self.per_piece

    @property
    def progress(self) -> float:
        return self.done / self.total

    def advance(self) -> LandscapeData | None:
        """Compute the next piece; the map once the last is done, else None. ValueError or
        LinAlgError when the finished map cannot be drawn."""
        i = self.done
        j = min(i + self.per_piece, self.total)
        plane = self.plane
        points = (plane.origin[None, :] + self.ca[i:j, None] * plane.d1[None, :]
                  + self.cb[i:j, None] * plane.d2[None, :])
        with np.errstate(over="ignore", invalid="ignore"):
            self.z[i:j] = self.problem.loss_grid(points)
        self.done = j
        if j < self.total:
            return None
        n = len(self.a)
        grid = ls.Grid(self.a, self.a, self.z.reshape(n, n))
        return map_data("slice", grid, np.empty((0, 2)), np.zeros(2), self.labels,
                        self.title, self.explained)


def path_cell(data: LandscapeData) -> float:
    """The size paths are thinned to on this map: on a map up to 2000 pixels wide the
    thinned path looks the same as the full one."""
    span = max(float(data.x[-1] - data.x[0]), 0.0)
    if data.y is not None and data.kind != "1d":
        span = max(span, float(data.y[-1] - data.y[0]))
    return span / 2000.0
