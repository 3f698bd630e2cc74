"""Curves made small enough to draw, keeping what the eye must see.

Two min/max reductions, for two jobs: ``decimate_curve`` (in the worker's thread) picks at
most a fixed number of a lane's history rows per snapshot, by index, in power-of-two
buckets whose picks stay picked while the history grows (so a snapshot can be built from
the last one's picks, and the view can cache a curve's start); ``peak_columns`` (in the
window, per frame) merges those points into one pair per pixel column of the plot, by x,
for the plot's current width and zoom. The first cannot know the pixels, the second must
not look at the whole history. Paths: ``stride`` and ``thin_path``. Axis ranges that move
in coarse jumps: ``nice_ceil`` and ``stable_extent``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CURVE_POINTS", "TRAJECTORY_POINTS", "decimate_curve", "peak_columns", "stride",
           "thin_path", "nice_ceil", "stable_extent"]

CURVE_POINTS = 1200     # loss-curve points per lane in a snapshot (min and max of 600 buckets)
TRAJECTORY_POINTS = 1000


_NO_PICKS = np.empty(0, dtype=np.intp)


def decimate_curve(steps: np.ndarray, values: np.ndarray, n: int, kept: dict | None = None):
    """At most about n points: the rows split into buckets of a power-of-two size, at most
    n // 2 of them, and each bucket's lowest and highest value kept (peaks survive), then
    the rows after the last whole bucket.

    ``kept`` (the same dict at each call for one history, a new one when the history's
    rows changed other than by appending) carries the picks of whole buckets from one call
    to the next: while the bucket size stays, only the new rows are looked at, not the
    whole history."""
    if steps.size <= n:
        return steps.copy(), values.copy()
    size = 1 << max(0, math.ceil(math.log2(steps.size / (n // 2))))
    buckets = steps.size // size
    m = buckets * size
    done, picks = 0, _NO_PICKS
    if kept is not None and kept.get("size") == size and kept["buckets"] <= buckets:
        done, picks = kept["buckets"], kept["picks"]
    if done < buckets:
        v = values[done * size:m].reshape(buckets - done, size)
        with np.errstate(all="ignore"):
            total = float(v.sum())
        if math.isfinite(total):  # every value finite (one that is not makes it inf or nan)
            lo = np.argmin(v, axis=1)
            hi = np.argmax(v, axis=1)
        else:  # non-finite values are never picked while a bucket has a finite one
            ok = np.isfinite(v)
            lo = np.argmin(np.where(ok, v, np.inf), axis=1)
            hi = np.argmax(np.where(ok, v, -np.inf), axis=1)
        start = np.arange(done, buckets) * size
        new = np.stack([np.minimum(lo, hi) + start, np.maximum(lo, hi) + start], axis=1)
        picks = np.concatenate([picks, new.reshape(-1)])
    if kept is not None:
        kept.update(size=size, buckets=buckets, picks=picks)
    idx = np.concatenate([picks, np.arange(m, steps.size)])
    return steps[idx], values[idx]


def thin_path(points: np.ndarray, cell: float) -> np.ndarray:
    """Drop each point that lies in the same ``cell``-sized square as the one before it
    (first and last kept): at a cell well under a pixel the drawn path looks the same,
    and a run crawling along a valley costs a few points instead of hundreds."""
    if points.shape[0] <= 2 or not cell > 0 or not math.isfinite(cell):
        return points
    with np.errstate(all="ignore"):
        q = np.floor(points / cell)
    keep = np.ones(points.shape[0], dtype=bool)
    keep[1:-1] = np.any(q[1:-1] != q[:-2], axis=1)
    return points[keep]


def stride(rows: np.ndarray, n: int) -> np.ndarray:
    """At most about n rows: every k-th row, k a power of two, and the last row.

    While rows are appended, the rows picked before stay picked until k doubles, so one
    snapshot's path begins with the previous one's (the view draws that part from a cache).
    """
    size = rows.shape[0]
    if size <= n:
        return rows.copy()
    k = 1 << math.ceil(math.log2(size / n))
    picked = rows[::k]
    if (size - 1) % k:
        picked = np.vstack([picked, rows[-1:]])
    return picked


def peak_columns(x: np.ndarray, y: np.ndarray, x0: float, x1: float, columns: int,
                 final: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The curve through (x, y) (x ascending, all finite) as drawn in ``columns`` equal
    columns of [x0, x1]: each column's highest then lowest value at its first x (one point
    where they are equal), so a spike or a dip narrower than a pixel still shows.

    Also how many of the points returned are final: those of the columns before the one
    holding ``x[final]``, when the first ``final`` points given are final (the data only
    grow at their end) and x0, x1 and ``columns`` stay."""
    if len(x) == 0:
        return x, y, 0
    scale = columns / (x1 - x0) if x1 > x0 else 0.0
    col = np.clip(np.floor((x - x0) * scale), 0, columns - 1)
    starts = np.flatnonzero(np.diff(col)) + 1
    starts = np.concatenate([[0], starts])
    hi = np.maximum.reduceat(y, starts)
    lo = np.minimum.reduceat(y, starts)
    two = hi != lo
    # where each column's points start: one or two points per column before it
    at = np.arange(len(starts)) + np.concatenate([[0], np.cumsum(two)[:-1]])
    xs = np.repeat(x[starts], np.where(two, 2, 1))
    ys = np.empty(len(xs))
    ys[at] = hi
    ys[at[two] + 1] = lo[two]
    # the columns before the first one holding a point that may still change
    first_open = col[min(max(final, 0), len(x) - 1)]
    settled = int(np.searchsorted(col[starts], first_open))
    return xs, ys, int(at[settled]) if settled < len(at) else len(xs)


def nice_ceil(x: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 x 10^k that is >= x (x > 0)."""
    if not x > 0 or not math.isfinite(x):
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        v = m * 10.0 ** k
        if v >= x * (1 - 1e-12):
            return v
    return 10.0 ** (k + 1)


def stable_extent(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """A range holding [lo, hi] that moves only in coarse jumps as the data grows.

    Log scale: whole decades. Linear: multiples of a step of 1, 2 or 5 x 10^k that is about
    a tenth of the span, reaching to 0 when 0 is nearer than half the data's size. A plot whose range is this changes its axes a few times per
    decade instead of every frame, so axes and grid are drawn from a cached picture.
    """
    if log:
        return 10.0 ** math.floor(math.log10(lo)), 10.0 ** math.ceil(math.log10(hi))
    if 0 < lo <= 0.5 * hi:  # a positive loss falling towards 0: keep 0 in view
        lo = 0.0
    elif 0.5 * lo >= hi > 0 or (hi < 0 and hi >= 0.5 * lo):
        hi = 0.0
    span = hi - lo
    if not span > 0:
        span = abs(hi) or 1.0
    if not math.isfinite(span):  # hi - lo overflowed
        span = max(abs(lo), abs(hi))
    span = max(span, 1e-290)  # a step of 10^-300 or more: never 0 or subnormal
    k = math.floor(math.log10(span / 10.0))
    step = min((m * 10.0 ** k for m in (1.0, 2.0, 5.0, 10.0)), key=lambda s: abs(span / s - 10))
    e_lo, e_hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if e_lo > lo:  # lo / step rounded to 0 (a subnormal lo)
        e_lo -= step
    if e_hi < hi:
        e_hi += step
    # a step finer than the data's own resolution (a span of 1e-4 around 1e12) moves
    # nothing it is added to: then the data's own ends, and the next float up
    e_lo, e_hi = min(e_lo, lo), max(e_hi, hi)
    if e_hi <= e_lo:  # a flat line on a multiple of the step
        e_hi = max(e_lo + step, math.nextafter(e_lo, math.inf))
    return e_lo, e_hi
