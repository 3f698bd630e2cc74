"""What every problem is: the :class:`Problem` base class, its one- and two-variable kinds,
and the gradient norm the engine clips and records with.

A problem is float64 and has ``dim``, ``x0`` (the start), ``bounds`` (the view, one
``(lo, hi)`` per axis for 1D and 2D problems) and ``minima`` (known minimizers). Its
evaluation entry points, and who calls each:

- ``loss(w)`` and ``grad(w)``: the exact objective and its analytic gradient (the step
  inspector's loss, :func:`~gdplay.engine.checks.gradient_check`, notebooks);
- ``loss_grid(points)``: the objective over points of shape ``(..., dim)``, vectorized
  (:mod:`~gdplay.engine.landscape`);
- ``loss_grad_at_step(w, t)``: the loss and gradient the optimizer sees at step ``t``
  (0-based), with the problem's seeded gradient noise, minibatch and clipping (a lane's
  step on arrays). A pure function of ``(w, t)``: every lane of a race sees the same
  noise and minibatches, and any step replays exactly;
- ``loss_grad_floats_function()``: the same on a list of Python floats, for a lane of one
  or two parameters (its step without NumPy's per-call cost);
- ``chain_lines(w, step)``: the chain rule written out, for the step inspector.

The registry that builds problems by name is :mod:`gdplay.engine.problems`; this module
imports no other problem module, so everything else may import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Minimum", "Problem", "Function1D", "Function2D", "norm2"]

_NOISE_BLOCK = 1024
# a block of noise holds at most this many floats (4 MiB), or one step's: memory O(dim),
# not 1024 x dim, on a large network
_NOISE_BLOCK_FLOATS = 1 << 19


def norm2(g) -> float:
    """The Euclidean norm of a gradient, the one the engine uses everywhere (clipping, the
    recorded gradient norm): ``math.hypot`` for one or two numbers (a list or an array, the
    same bits either way), ``sqrt(g . g)`` for a longer array."""
    if type(g) is list:
        return math.hypot(*g)
    if g.size <= 2:
        return math.hypot(*g.tolist())
    return math.sqrt(g.dot(g))


@dataclass(frozen=True)
class Minimum:
    """A known minimizer ``point`` with its objective ``value``; ``kind`` is "global" or "local"."""

    point: tuple[float, ...]
    value: float
    kind: str = "global"


class Problem:
    """Base class: options common to every problem (gradient noise, clipping, seed)."""

    name: str = ""
    title: str = ""
    dim: int = 0
    kind: str = ""  # "1d", "2d" or "network"
    convex: bool | None = None

    def __init__(self, noise: float = 0.0, clip: float | None = None, seed: int = 0):
        noise = float(noise)
        if not math.isfinite(noise) or noise < 0:
            raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
        if clip is not None:
            clip = float(clip)
            if not math.isfinite(clip) or clip <= 0:
                raise ValueError(f"clip must be a finite number > 0 or None, got {clip!r}")
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        self.noise = noise
        self.clip = clip
        self.seed = seed
        self._noise_block_index = -1
        self._noise_block: np.ndarray | None = None

    # --- to be provided by subclasses -------------------------------------------------
    #: None, or a function that projects parameters onto the feasible set in place
    #: (the session applies it after every step).
    project = None
    x0: np.ndarray
    bounds: tuple[tuple[float, float], ...] = ()
    minima: tuple[Minimum, ...] = ()
    #: rows one evaluation passes over (a network's data): how long a map point takes
    n_samples: int = 1

    def loss(self, w: np.ndarray) -> float:
        """The exact objective at ``w`` (the inspector's loss at a step, the gradient check)."""
        raise NotImplementedError

    def grad(self, w: np.ndarray) -> np.ndarray:
        """The exact analytic gradient at ``w``, without noise or minibatch (the gradient
        check compares it with finite differences of :meth:`loss`)."""
        raise NotImplementedError

    def loss_grid(self, points: np.ndarray) -> np.ndarray:
        """The objective at every point of ``points`` (shape ``(..., dim)``), vectorized:
        the landscapes and slices the map draws."""
        raise NotImplementedError

    # --- shared -----------------------------------------------------------------------
    def parameter_names(self) -> list[str]:
        """A name per parameter, for the step inspector."""
        return ["x"] if self.dim == 1 else ["x", "y"] if self.dim == 2 else [
            f"w{i}" for i in range(self.dim)]

    def groups(self) -> dict[str, slice]:
        """Named groups of parameters (a network's weight matrices); none by default."""
        return {}

    def chain_lines(self, w, step: int) -> list[str]:
        """The chain rule written out at ``w`` for the step inspector (none for most
        problems). ``w`` is the point step ``step`` (1-based) took its gradient at, or the
        start for step 0."""
        return []

    def options(self) -> dict:
        """The options this problem was built with (enough to rebuild it)."""
        return {"noise": self.noise, "clip": self.clip, "seed": self.seed}

    def _batch_loss_grad(self, w: np.ndarray, t: int) -> tuple[float, np.ndarray]:
        """Loss and gradient before noise and clipping; networks override for minibatches."""
        return self.loss(w), self.grad(w)

    def gradient_noise(self, t: int) -> np.ndarray:
        """The Gaussian noise added to the gradient at step ``t`` (deterministic in seed, t).

        Drawn in blocks of 1024 steps (fewer on large problems, at least one: memory
        O(dim)) from ``default_rng([seed, block])`` so one step costs an array lookup, and
        step t's noise does not depend on what ran before.
        """
        rows = max(1, min(_NOISE_BLOCK, _NOISE_BLOCK_FLOATS // max(self.dim, 1)))
        block = t // rows
        if block != self._noise_block_index:
            self._noise_block = None  # let the old block go before drawing the next
            key = [self.seed, 0x6E6F6973, block] + ([rows] if rows != _NOISE_BLOCK else [])
            rng = np.random.default_rng(key)
            self._noise_block = rng.standard_normal((rows, self.dim))
            self._noise_block_index = block
        assert self._noise_block is not None
        return self.noise * self._noise_block[t - block * rows]

    def loss_grad_at_step(self, w: np.ndarray, t: int) -> tuple[float, np.ndarray]:
        """(loss, gradient) seen by an optimizer at step ``t``: noise, then clipping by norm.
        A lane's step on arrays calls it (the hot loop of every run but the float path).

        ``g = grad(w) + noise * N(0, I)``; if ``clip`` is set and ``||g|| > clip``,
        ``g = g * clip / ||g||``.
        """
        loss, g = self._batch_loss_grad(w, t)
        if self.noise:
            g = g + self.gradient_noise(t)
        if self.clip is not None:
            norm = norm2(g)
            if norm > self.clip:  # a NaN norm fails this and is left for divergence checks
                g = g * (self.clip / norm)
        return loss, g

    def _batch_loss_grad_floats(self, w: list[float], t: int) -> tuple[float, list[float]]:
        """:meth:`_batch_loss_grad` on Python floats; 1D and 2D functions do it natively."""
        loss, g = self._batch_loss_grad(np.array(w, dtype=np.float64), t)
        return float(loss), g.tolist()

    def loss_grad_floats_function(self):
        """:meth:`loss_grad_floats`, or without noise and clipping the batch function it
        would only pass through (one call fewer in the innermost loop). A lane of one or two
        parameters asks for it once and calls it every step."""
        if not self.noise and self.clip is None:
            return self._batch_loss_grad_floats
        return self.loss_grad_floats

    def loss_grad_floats(self, w: list[float], t: int) -> tuple[float, list[float]]:
        """:meth:`loss_grad_at_step` on a list of Python floats, for problems of one or two
        parameters: the same numbers, bit for bit, without NumPy's per-call cost (reached
        through :meth:`loss_grad_floats_function`)."""
        loss, g = self._batch_loss_grad_floats(w, t)
        if self.noise:
            g = [a + b for a, b in zip(g, self.gradient_noise(t).tolist())]
        if self.clip is not None:
            norm = norm2(g)
            if norm > self.clip:
                scale = self.clip / norm
                g = [a * scale for a in g]
        return loss, g


def _on_floats(fn, *args):
    """``fn(*args)`` on Python floats (several times faster than NumPy scalars), or, where
    Python raises (``x ** 2`` overflowing, a division by zero), on float64 as NumPy does:
    inf and nan, no exception. The run's divergence check then stops the lane."""
    try:
        return fn(*args)
    except ArithmeticError:
        with np.errstate(all="ignore"):
            return fn(*map(np.float64, args))


class Function1D(Problem):
    """A function of one variable, ``f(x)``, with its derivative."""

    kind = "1d"
    dim = 1

    def __init__(self, f, df, *, x0, bounds, minima, **options):
        super().__init__(**options)
        self._f = f
        self._df = df
        self.x0 = np.array([float(x0)], dtype=np.float64)
        self.bounds = (tuple(map(float, bounds)),)
        self.minima = tuple(minima)

    def loss(self, w: np.ndarray) -> float:
        return float(_on_floats(self._f, float(w[0])))

    def grad(self, w: np.ndarray) -> np.ndarray:
        return np.array([_on_floats(self._df, float(w[0]))], dtype=np.float64)

    def _batch_loss_grad_floats(self, w, t):
        x = w[0]
        return float(_on_floats(self._f, x)), [float(_on_floats(self._df, x))]

    def loss_grid(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return self._f(points[..., 0])



class Function2D(Problem):
    """A function of two variables, ``f(x, y)``, with its analytic gradient."""

    kind = "2d"
    dim = 2

    def __init__(self, f, grad_xy, *, x0, bounds, minima, **options):
        super().__init__(**options)
        self._f = f
        self._grad = grad_xy
        self.x0 = np.array(x0, dtype=np.float64)
        self.bounds = tuple(tuple(map(float, b)) for b in bounds)
        self.minima = tuple(minima)

    def loss(self, w: np.ndarray) -> float:
        return float(_on_floats(self._f, *w.tolist()))

    def grad(self, w: np.ndarray) -> np.ndarray:
        return np.array(_on_floats(self._grad, *w.tolist()), dtype=np.float64)

    def _batch_loss_grad(self, w: np.ndarray, t: int) -> tuple[float, np.ndarray]:
        x, y = w.tolist()  # once for both
        gx, gy = _on_floats(self._grad, x, y)
        return float(_on_floats(self._f, x, y)), np.array([gx, gy], dtype=np.float64)

    def _batch_loss_grad_floats(self, w, t):
        x, y = w
        try:
            gx, gy = self._grad(x, y)
            loss = self._f(x, y)
        except ArithmeticError:  # see _on_floats
            gx, gy = _on_floats(self._grad, x, y)
            loss = _on_floats(self._f, x, y)
        return float(loss), [float(gx), float(gy)]

    def loss_grid(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        return self._f(points[..., 0], points[..., 1])
