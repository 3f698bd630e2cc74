"""The problems by name: the named functions, Reddi's counterexample, your own function,
and the one registry (:func:`make_problem`, :func:`problem_names`, :func:`problem_spec`).

What a problem is, and its evaluation entry points, is in :mod:`gdplay.engine.problem_base`;
the network is in :mod:`gdplay.engine.network`. Both are imported here, never the other way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .expression import parse
from .network import NETWORK_OPTIONS, MLPProblem
from .params import Param
from .problem_base import Function1D, Function2D, Minimum, Problem, norm2

__all__ = [
    "make_problem",
    "problem_names",
    "problem_spec",
    "ProblemSpec",
    "ChainRuleFunction",
    "ReddiCounterexample",
    "CustomFunction",
    # defined in problem_base, and imported from here by older code
    "Minimum",
    "Problem",
    "Function1D",
    "Function2D",
    "norm2",
]


class ChainRuleFunction(Function1D):
    """The seed's chain-rule example f(g(x)), whose inspector writes the chain rule out."""

    def chain_lines(self, w, step: int) -> list[str]:
        from .explain import explain_chain_rule  # explain imports the optimizers

        return explain_chain_rule(float(w[0]))


# ---------------------------------------------------------------------------------------
# The functions. Each is elementwise in NumPy, so the same code serves a point and a grid.
# ---------------------------------------------------------------------------------------

SQRT_HALF = math.sqrt(0.5)
TWO_PI = 2.0 * math.pi


def _quadratic(x, y):
    return 0.5 * (x * x + 50.0 * y * y)


def _quadratic_grad(x, y):
    return x, 50.0 * y


def _rotate(x, y):
    # u along the shallow axis, v along the steep one, 45 degrees from x and y.
    return SQRT_HALF * (x + y), SQRT_HALF * (y - x)


def _quadratic_rotated(x, y):
    u, v = _rotate(x, y)
    return 0.5 * (u * u + 50.0 * v * v)


def _quadratic_rotated_grad(x, y):
    u, v = _rotate(x, y)
    # d/dx = u du/dx + 50 v dv/dx with du/dx = sqrt(1/2), dv/dx = -sqrt(1/2)
    return SQRT_HALF * (u - 50.0 * v), SQRT_HALF * (u + 50.0 * v)


def _rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosenbrock_grad(x, y):
    r = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r


def _beale_terms(x, y):
    return 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y


def _beale(x, y):
    a, b, c = _beale_terms(x, y)
    return a * a + b * b + c * c


def _beale_grad(x, y):
    a, b, c = _beale_terms(x, y)
    gx = 2.0 * a * (y - 1.0) + 2.0 * b * (y * y - 1.0) + 2.0 * c * (y * y * y - 1.0)
    gy = 2.0 * a * x + 4.0 * b * x * y + 6.0 * c * x * y * y
    return gx, gy


def _himmelblau(x, y):
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def _himmelblau_grad(x, y):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    return 4.0 * x * a + 2.0 * b, 2.0 * a + 4.0 * y * b


def _rastrigin(x, y):
    return 20.0 + x * x - 10.0 * np.cos(TWO_PI * x) + y * y - 10.0 * np.cos(TWO_PI * y)


def _rastrigin_grad(x, y):
    return (2.0 * x + 10.0 * TWO_PI * np.sin(TWO_PI * x),
            2.0 * y + 10.0 * TWO_PI * np.sin(TWO_PI * y))


def _booth(x, y):
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _booth_grad(x, y):
    a = x + 2.0 * y - 7.0
    b = 2.0 * x + y - 5.0
    return 2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b


def _camel(x, y):
    x2 = x * x
    y2 = y * y
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2


def _camel_grad(x, y):
    x2 = x * x
    return 8.0 * x - 8.4 * x2 * x + 2.0 * x2 * x2 * x + y, x - 8.0 * y + 16.0 * y * y * y


def _saddle(x, y):
    return x * x - y * y


def _saddle_grad(x, y):
    return 2.0 * x, -2.0 * y


# 1D ---------------------------------------------------------------------------------------

def _quad1d(x):
    return x * x


def _quad1d_d(x):
    return 2.0 * x


def _chain(x):
    # f(g(x)) with g(x) = x^2 + 3 and f(u) = u^2: the seed's chain-rule example.
    g = x * x + 3.0
    return g * g


def _chain_d(x):
    # f'(g(x)) * g'(x) = 2 (x^2 + 3) * 2x
    return 2.0 * (x * x + 3.0) * (2.0 * x)


def _quartic(x):
    x2 = x * x
    return x2 * x2 - 4.0 * x2 + x


def _quartic_d(x):
    return 4.0 * x * x * x - 8.0 * x + 1.0


def _quartic_minima() -> tuple[Minimum, ...]:
    # f'(x) = 4x^3 - 8x + 1: three real roots; the outer two are minima.
    roots = np.sort(np.roots([4.0, 0.0, -8.0, 1.0]).real)
    lo, hi = roots[0], roots[2]
    for _ in range(3):  # polish with Newton: f''(x) = 12 x^2 - 8
        lo -= _quartic_d(lo) / (12.0 * lo * lo - 8.0)
        hi -= _quartic_d(hi) / (12.0 * hi * hi - 8.0)
    return (Minimum((float(lo),), float(_quartic(lo)), "global"),
            Minimum((float(hi),), float(_quartic(hi)), "local"))


class ReddiCounterexample(Problem):
    """Reddi, Kale & Kumar (ICLR 2018), section 3: an online problem where Adam fails.

    On x in [-1, 1], step t (1-based) sees f_t(x) = C x if t mod 3 == 1, else -x (C > 2).
    The average objective ((C - 2) / 3) x is minimized at x = -1; with beta1 = 0 and
    beta2 = 1 / (1 + C^2) Adam drifts to +1, AMSGrad goes to -1. ``loss`` is the average
    objective; the gradient of step t is f_t's. Parameters are projected onto [-1, 1].
    """

    kind = "1d"
    dim = 1
    convex = True

    def __init__(self, C: float = 3.0, **options):
        super().__init__(**options)
        C = float(C)
        if not (math.isfinite(C) and C > 2):
            raise ValueError(f"C must be a finite number > 2, got {C!r}")
        self.C = C
        self.x0 = np.array([0.0])
        self.bounds = ((-1.0, 1.0),)
        self.minima = (Minimum((-1.0,), -(C - 2.0) / 3.0),)

    def options(self) -> dict:
        return {"C": self.C, **super().options()}

    def loss(self, w):
        return float((self.C - 2.0) / 3.0 * w[0])

    def grad(self, w):
        return np.array([(self.C - 2.0) / 3.0])

    def loss_grid(self, points):
        return (self.C - 2.0) / 3.0 * np.asarray(points, dtype=np.float64)[..., 0]

    def online_grad(self, t: int) -> float:
        """The gradient of f_t at any x (t is 1-based): C if t mod 3 == 1, else -1."""
        return self.C if t % 3 == 1 else -1.0

    def _batch_loss_grad(self, w, t):
        # the optimizer's step t + 1 (1-based) sees f_{t+1}
        return self.loss(w), np.array([self.online_grad(t + 1)])

    @staticmethod
    def project(w):
        np.clip(w, -1.0, 1.0, out=w)


class CustomFunction(Problem):
    """Your own f(x) or f(x, y), parsed by a restricted grammar (no eval) with its exact
    gradient derived symbolically (see :mod:`gdplay.engine.expression`)."""

    def __init__(self, expression: str = "x**2 + 3*sin(y)", extent: float = 5.0, **options):
        super().__init__(**options)
        extent = float(extent)
        if not (math.isfinite(extent) and extent > 0):
            raise ValueError(f"extent must be a finite number > 0, got {extent!r}")
        tree = parse(expression)
        names = tree.variables()
        self.expression = expression
        self.extent = extent
        self.tree = tree
        self.dim = 2 if "y" in names else 1
        self.kind = "2d" if self.dim == 2 else "1d"
        self.derivatives = tuple(tree.diff(v) for v in ("x", "y")[: self.dim])
        self.name = "custom"
        self.title = f"f = {tree}"
        self.formula = f"f = {tree}"
        self.gradient_formula = ";  ".join(
            f"∂f/∂{v} = {d}" for v, d in zip(("x", "y"), self.derivatives))
        self.bounds = ((-extent, extent),) * self.dim
        self.x0 = np.full(self.dim, -0.6 * extent) if self.dim == 1 else \
            np.array([-0.6 * extent, 0.6 * extent])
        self.minima = ()
        self.convex = None

    def options(self) -> dict:
        return {"expression": self.expression, "extent": self.extent, **super().options()}

    def _xy(self, w):
        values = w.tolist()
        return values[0], (values[1] if self.dim == 2 else 0.0)

    def loss(self, w: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(self.tree.evaluate(*self._xy(w)))

    def grad(self, w: np.ndarray) -> np.ndarray:
        x, y = self._xy(w)
        with np.errstate(all="ignore"):
            return np.array([float(d.evaluate(x, y)) for d in self.derivatives])

    def loss_grid(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        x = points[..., 0]
        y = points[..., 1] if self.dim == 2 else 0.0
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(self.tree.evaluate(x, y), dtype=np.float64),
                                   points.shape[:-1]).copy()



# ---------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------

_COMMON_OPTIONS = (
    Param("noise", "float", 0.0, "standard deviation of Gaussian noise added to each gradient",
          lo=0.0),
    Param("clip", "float", None, "clip each gradient to this Euclidean norm (none: no clipping)",
          lo=0.0, lo_open=True, optional=True),
    Param("seed", "int", 0, "seed of the gradient noise (and, for networks, data and weights)",
          lo=0),
)


@dataclass(frozen=True)
class ProblemSpec:
    """A registry entry: how to build a problem and what it is."""

    name: str
    title: str
    kind: str
    build: Callable[..., Problem]
    formula: str = ""
    convex: bool | None = None
    options: tuple[Param, ...] = field(default=_COMMON_OPTIONS)


def _fn1d(name, title, f, df, formula, x0, bounds, minima, convex, cls=Function1D):
    def build(**options):
        p = cls(f, df, x0=x0, bounds=bounds, minima=minima() if callable(minima) else minima,
                       **options)
        p.name, p.title, p.convex, p.formula = name, title, convex, formula
        return p
    return ProblemSpec(name, title, "1d", build, formula, convex)


def _fn2d(name, title, f, g, formula, x0, bounds, minima, convex):
    def build(**options):
        p = Function2D(f, g, x0=x0, bounds=bounds, minima=minima, **options)
        p.name, p.title, p.convex, p.formula = name, title, convex, formula
        return p
    return ProblemSpec(name, title, "2d", build, formula, convex)


_CAMEL_X, _CAMEL_Y = 0.08984201368301331, -0.7126564032704135
_CAMEL_MIN = -1.0316284534898774

_SPECS: dict[str, ProblemSpec] = {}


def _register(spec: ProblemSpec) -> None:
    if spec.name in _SPECS:
        raise ValueError(f"problem {spec.name!r} registered twice")
    _SPECS[spec.name] = spec


for _spec in (
    _fn1d("quadratic1d", "Convex parabola", _quad1d, _quad1d_d, "x^2", 2.5, (-3.0, 3.0),
          (Minimum((0.0,), 0.0),), True),
    _fn1d("chain_rule", "Chain rule: (x^2 + 3)^2", _chain, _chain_d, "(x^2 + 3)^2", 1.5,
          (-2.0, 2.0), (Minimum((0.0,), 9.0),), True, ChainRuleFunction),
    _fn1d("quartic", "Non-convex quartic (two minima)", _quartic, _quartic_d,
          "x^4 - 4 x^2 + x", 2.0, (-2.5, 2.5), _quartic_minima, False),
    _fn2d("quadratic", "Ill-conditioned quadratic", _quadratic, _quadratic_grad,
          "0.5 (x^2 + 50 y^2)", (-4.0, 1.0), ((-5.0, 5.0), (-5.0, 5.0)),
          (Minimum((0.0, 0.0), 0.0),), True),
    _fn2d("quadratic_rotated", "Ill-conditioned quadratic, rotated 45 degrees",
          _quadratic_rotated, _quadratic_rotated_grad, "0.5 (u^2 + 50 v^2), u = (x+y)/sqrt2, v = (y-x)/sqrt2",
          (-4.0, 1.0), ((-5.0, 5.0), (-5.0, 5.0)), (Minimum((0.0, 0.0), 0.0),), True),
    _fn2d("rosenbrock", "Rosenbrock", _rosenbrock, _rosenbrock_grad,
          "(1 - x)^2 + 100 (y - x^2)^2", (-2.0, 2.0), ((-2.0, 2.0), (-1.0, 3.0)),
          (Minimum((1.0, 1.0), 0.0),), False),
    _fn2d("beale", "Beale", _beale, _beale_grad,
          "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", (3.0, 4.0),
          ((-4.5, 4.5), (-4.5, 4.5)), (Minimum((3.0, 0.5), 0.0),), False),
    _fn2d("himmelblau", "Himmelblau", _himmelblau, _himmelblau_grad,
          "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", (0.0, 0.0), ((-5.0, 5.0), (-5.0, 5.0)),
          (Minimum((3.0, 2.0), 0.0),
           Minimum((-2.805118086952745, 3.131312518250573), 0.0),
           Minimum((-3.779310253377747, -3.283185991286170), 0.0),
           Minimum((3.584428340330492, -1.848126526964404), 0.0)), False),
    _fn2d("rastrigin", "Rastrigin", _rastrigin, _rastrigin_grad,
          "20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)", (-2.0, 3.5),
          ((-5.12, 5.12), (-5.12, 5.12)), (Minimum((0.0, 0.0), 0.0),), False),
    _fn2d("booth", "Booth", _booth, _booth_grad, "(x + 2y - 7)^2 + (2x + y - 5)^2",
          (-8.0, 8.0), ((-10.0, 10.0), (-10.0, 10.0)), (Minimum((1.0, 3.0), 0.0),), True),
    _fn2d("six_hump_camel", "Six-hump camel", _camel, _camel_grad,
          "(4 - 2.1 x^2 + x^4/3) x^2 + xy + (-4 + 4 y^2) y^2", (-2.0, 1.5),
          ((-3.0, 3.0), (-2.0, 2.0)),
          (Minimum((_CAMEL_X, _CAMEL_Y), _CAMEL_MIN),
           Minimum((-_CAMEL_X, -_CAMEL_Y), _CAMEL_MIN)), False),
    _fn2d("saddle", "Saddle", _saddle, _saddle_grad, "x^2 - y^2", (-1.5, 1e-3),
          ((-2.0, 2.0), (-2.0, 2.0)), (), False),
):
    _register(_spec)


def _build_reddi(**options):
    p = ReddiCounterexample(**options)
    p.name, p.title, p.formula = "reddi", "Reddi's counterexample (Adam fails)", "f_t(x) = C x or -x"
    return p


_register(ProblemSpec("reddi", "Reddi's counterexample (Adam fails)", "1d", _build_reddi,
                      "f_t(x) = C x if t mod 3 == 1, else -x;  x in [-1, 1]", True,
                      (Param("C", "float", 3.0, "the large gradient, every third step",
                             lo=2.0, lo_open=True),) + _COMMON_OPTIONS))


_register(ProblemSpec(
    "custom", "Your own function", "custom", lambda **o: CustomFunction(**o),
    "f(x) or f(x, y): numbers, x, y, + - * / ** and sin cos tan exp log sqrt tanh abs", None,
    (Param("expression", "text", "x**2 + 3*sin(y)", "the function, e.g. x**2 + 3*sin(y)",
           length=300),
     Param("extent", "float", 5.0, "the view is [-extent, extent] in every variable",
           lo=0.0, lo_open=True)) + _COMMON_OPTIONS))


_register(ProblemSpec("mlp", "The seed's two-layer network", "network",
                      lambda **o: MLPProblem(**o),
                      "O = phi(phi(X0 W1) W2) WO,  l = (1/N) sum (Y - O)^2", False,
                      NETWORK_OPTIONS + _COMMON_OPTIONS))


def problem_names(kind: str | None = None) -> list[str]:
    """Names of the registered problems, in registry order (optionally of one kind)."""
    return [n for n, s in _SPECS.items() if kind is None or s.kind == kind]


def problem_spec(name: str) -> ProblemSpec:
    """The registry entry of ``name``; ValueError naming the known problems otherwise."""
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(
            f"unknown problem {name!r}; known problems: {', '.join(_SPECS)}") from None


def make_problem(name: str, **options) -> Problem:
    """Build the problem ``name`` with ``options`` (see :func:`problem_spec`).

    Unknown options and invalid values raise ValueError with a message naming them.
    """
    spec = problem_spec(name)
    known = {o.name for o in spec.options}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"problem {name!r} has no option {', '.join(map(repr, unknown))}; "
                         f"its options are: {', '.join(sorted(known))}")
    problem = spec.build(**options)
    problem.name = name
    return problem
