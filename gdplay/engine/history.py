"""A lane's records: history rows thinned to a bounded size, and its newest step traces."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from .optimizers import StepTrace

__all__ = ["DecimatingBuffer", "Traces"]

# NumPy lets go of the GIL for a copy of more than 500 values; a thread that lets go of it
# briefly and often starves a thread waiting for it (the window's). The engine's loops on
# small problems keep to copies of at most this many values and to checks without BLAS.
_COPY_FLOATS = 500


class Traces(deque):
    """A lane's newest step traces, oldest first. Steps on floats add theirs raw (the
    tuple :meth:`StepTrace.from_raw` takes), made into a StepTrace when read: most are
    never read, and making one is a good part of a traced step on floats."""

    def __getitem__(self, i):
        item = deque.__getitem__(self, i)
        if type(item) is tuple:
            item = StepTrace.from_raw(item)
            deque.__setitem__(self, i, item)
        return item

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __reversed__(self):
        for i in range(len(self) - 1, -1, -1):
            yield self[i]


class DecimatingBuffer:
    """Rows of floats in step order, in at most ``capacity`` rows.

    When full, every row but the newest quarter is thinned evenly: the steps are cut into
    buckets of ``s`` steps (``s`` a power of two, the smallest that leaves at most a
    quarter of the capacity), and of each bucket the rows with the smallest and the largest
    value in column ``key`` are kept (in step order; a flat bucket keeps its ends), so
    spikes and dips survive and the whole run stays covered at one resolution. The newest
    rows stay at full resolution. Column 0 must hold the step number.
    """

    def __init__(self, width: int, capacity: int, key: int = 1):
        if capacity < 16:
            raise ValueError("capacity must be at least 16 rows")
        self.width = width
        self.capacity = capacity
        self.key = key
        self._data = np.empty((capacity, width))
        self.size = 0
        self.decimations = 0
        # counts the changes to rows already stored (thinning, cutting back, clearing):
        # between two equal revisions rows were only appended
        self.revision = 0

    @property
    def rows(self) -> np.ndarray:
        """The stored rows (a view: copy before keeping it)."""
        return self._data[: self.size]

    def append(self, row) -> None:
        if self.size == self.capacity:
            self._decimate()
        self._data[self.size] = row
        self.size += 1

    def append_parts(self, step: float, key: float, rest: np.ndarray) -> None:
        """Append the row (step, key, *rest) without building it first."""
        if self.size == self.capacity:
            self._decimate()
        row = self._data[self.size]
        row[0] = step
        row[1] = key
        row[2:] = rest
        self.size += 1

    def extend(self, rows, skip: int | None = None) -> None:
        """Append many rows (a list of tuples or a 2D array), leaving out column ``skip``
        of them if given: the same as appending them one by one.

        Copied in blocks of at most ``_COPY_FLOATS`` values: NumPy lets go of the GIL for
        a larger copy, and a thread that lets go of it briefly and often starves the
        window's thread (see ``_COPY_FLOATS``)."""
        if not len(rows):
            return
        rows = np.asarray(rows, dtype=np.float64)
        block = max(1, _COPY_FLOATS // self.width)
        i = 0
        while i < len(rows):
            if self.size == self.capacity:
                self._decimate()
            k = min(self.capacity - self.size, len(rows) - i, block)
            into = self._data[self.size:self.size + k]
            if skip is None:
                into[...] = rows[i:i + k]
            else:
                into[:, :skip] = rows[i:i + k, :skip]
                into[:, skip:] = rows[i:i + k, skip + 1:]
            self.size += k
            i += k

    def _decimate(self) -> None:
        n = self.size
        recent = self.capacity // 4  # kept as they are
        old = n - recent
        data = self._data
        steps = data[:old, 0]
        span = float(steps[-1] - steps[0]) + 1.0
        # buckets of s steps (a power of two, so earlier buckets nest in later ones): at
        # most capacity // 8 of them, two rows each
        most = max(1, self.capacity // 8 - 1)
        s = 1 << max(1, math.ceil(math.log2(max(span / most, 1.0))))
        ids = np.floor_divide(steps, s)
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        keys = data[:old, self.key]
        sizes = np.diff(np.r_[starts, old])
        bucket = np.repeat(np.arange(len(starts)), sizes)
        # NaN is never picked unless a whole bucket is NaN
        lo = self._first_where(np.where(np.isnan(keys), np.inf, keys), np.minimum,
                               starts, sizes, bucket)
        hi = self._first_where(np.where(np.isnan(keys), -np.inf, keys), np.maximum,
                               starts, sizes, bucket)
        ends = starts + sizes - 1
        flat = lo == hi
        lo = np.where(flat, starts, lo)  # a flat bucket keeps its ends
        hi = np.where(flat, ends, hi)
        kept = np.empty(2 * len(starts), dtype=np.intp)
        kept[0::2] = np.minimum(lo, hi)
        kept[1::2] = np.maximum(lo, hi)
        kept = kept[np.r_[True, kept[1:] != kept[:-1]]]  # a one-row bucket once
        if kept[0] != 0:
            kept = np.r_[0, kept]  # the first row (the start) always stays
        n_kept = kept.size
        # np.take buffers its output in its default mode, so it may overwrite rows it reads
        np.take(data, kept, axis=0, out=data[:n_kept])
        data[n_kept:n_kept + recent] = data[old:n]
        self.size = n_kept + recent
        self.decimations += 1
        self.revision += 1

    @staticmethod
    def _first_where(ranked, reduce, starts, sizes, bucket) -> np.ndarray:
        """Per bucket, the index of the first row whose ``ranked`` value is the bucket's
        ``reduce`` (np.minimum / np.maximum; NaN is ranked away by the caller)."""
        best = reduce.reduceat(ranked, starts)
        hits = np.flatnonzero(ranked == np.repeat(best, sizes))
        owner = bucket[hits]
        return hits[np.r_[True, owner[1:] != owner[:-1]]]

    def truncate_after(self, step: int) -> None:
        """Drop every row whose step is greater than ``step``."""
        n = int(np.searchsorted(self._data[: self.size, 0], step, side="right"))
        if n < self.size:
            self.size = n
            self.revision += 1

    def clear(self) -> None:
        self.size = 0
        self.decimations = 0
        self.revision += 1
