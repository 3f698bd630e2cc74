"""The seed's two-layer network, its datasets, and backprop done right.

Forward (phi is the activation, identity by default as in the seed)::

    H1 = X0 W1 (+ b1)    X1 = phi(H1)
    H2 = X1 W2 (+ b2)    X2 = phi(H2)
    O  = X2 WO (+ bO)    l  = (1/N) sum (Y - O)^2

Backward (shared/MATH.md; the seed's printed gradients miss a sign and the transposes)::

    dO  = (2/N) (O - Y)
    dWO = X2^T dO          dX2 = dO WO^T
    dH2 = dX2 * phi'(H2)   dW2 = X1^T dH2    dX1 = dH2 W2^T
    dH1 = dX1 * phi'(H1)   dW1 = X0^T dH1

Parameters live in one flat float64 vector; :meth:`MLPProblem.views` gives named,
reshaped views into it (W1, b1, W2, b2, WO, bO), so optimizers see one array.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from .params import Param
from .problem_base import Problem

__all__ = ["MLPProblem", "Dataset", "make_dataset", "DATASETS", "ACTIVATIONS", "NETWORK_OPTIONS"]

DATASETS = ("temperature", "sine", "scalar_chain")
ACTIVATIONS = ("identity", "tanh", "relu", "sigmoid")

_MAX_SAMPLES = 100_000
_MAX_HIDDEN = 1024
# parameters x samples of one pass over the data: bounded so that a step, and a point of
# the landscape, stay short enough for Pause to answer
MAX_PASS_WORK = 1 << 26

NETWORK_OPTIONS = (
    Param("dataset", "choice", "temperature", "training data", choices=DATASETS),
    Param("hidden", "ints", (4, 4), "sizes of the two hidden layers (scalar_chain: always 1, 1)",
          lo=1, hi=_MAX_HIDDEN, length=2),
    Param("activation", "choice", "identity", "activation after each hidden layer",
          choices=ACTIVATIONS),
    Param("n_samples", "int", 128, "number of training samples", lo=1, hi=_MAX_SAMPLES),
    Param("batch_size", "int", None, "minibatch size (none: full batch)", lo=1, optional=True),
    Param("bias", "bool", False, "add a bias to every layer"),
)
_GRID_CHUNK_FLOATS = 4_000_000  # bound on the (points x samples x width) work array


@dataclass(frozen=True)
class Dataset:
    """Training data: inputs ``X`` (N x d), targets ``Y`` (N x 1), and how to show them.

    ``y_offset``/``y_scale`` turn the (standardized) targets back into the original unit.
    """

    name: str
    X: np.ndarray
    Y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    y_offset: float = 0.0
    y_scale: float = 1.0


def make_dataset(name: str, n_samples: int, seed: int) -> Dataset:
    """Generate dataset ``name`` with ``n_samples`` rows from ``default_rng([seed, 0])``."""
    rng = np.random.default_rng([seed, 0])
    n = n_samples
    if name == "temperature":
        # The seed's example: predict the temperature. Today's temperature from
        # yesterday's, the humidity and the cloud cover; a linear truth plus noise, so the
        # seed's linear network can learn it. Inputs and target are standardized.
        yesterday = rng.normal(22.0, 5.0, n)
        humidity = rng.uniform(40.0, 95.0, n)
        cloud = rng.uniform(0.0, 100.0, n)
        today = 4.0 + 0.8 * yesterday - 0.03 * humidity - 0.02 * cloud + rng.normal(0.0, 1.0, n)
        X = np.column_stack([yesterday, humidity, cloud])
        std = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
        y_offset, y_scale = float(today.mean()), float(today.std()) or 1.0
        Y = ((today - y_offset) / y_scale)[:, None]
        return Dataset(name, X, Y, ("yesterday (°C)", "humidity (%)", "cloud cover (%)"),
                       "temperature (°C)", y_offset, y_scale)
    if name == "sine":
        x = np.sort(rng.uniform(-math.pi, math.pi, n))
        y = np.sin(x) + rng.normal(0.0, 0.1, n)
        return Dataset(name, x[:, None], y[:, None], ("x",), "y")
    if name == "scalar_chain":
        x = np.sort(rng.uniform(-1.0, 1.0, n))
        y = 1.5 * x + rng.normal(0.0, 0.05, n)
        return Dataset(name, x[:, None], y[:, None], ("x",), "y")
    raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")


# Each activation as two functions, looked up once per pass (the pass is the hot loop of a
# network run: no chain of name tests per layer). ``phi(h, out)`` writes phi(h) into out;
# ``times_dphi(d, h, a, out)`` writes d * phi'(h) into out, given a = phi(h). Identity
# returns h and d themselves (times 1.0 changes no float).

def _same(h: np.ndarray, out: np.ndarray) -> np.ndarray:
    return h


def _relu(h: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.maximum(h, 0.0, out=out)


def _sigmoid(h: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Written so that large |h| neither overflows nor warns: 0.5 (1 + tanh(h / 2))."""
    np.multiply(0.5, h, out=out)
    np.tanh(out, out=out)
    np.add(1.0, out, out=out)
    return np.multiply(0.5, out, out=out)


def _times_one(d, h, a, out):
    return d


def _times_dtanh(d, h, a, out):
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)
    return np.multiply(d, out, out=out)


def _times_drelu(d, h, a, out):
    np.greater(h, 0.0, out=out, casting="unsafe")
    return np.multiply(d, out, out=out)


def _times_dsigmoid(d, h, a, out):
    np.subtract(1.0, a, out=out)
    np.multiply(a, out, out=out)
    return np.multiply(d, out, out=out)


_PHI = {"identity": _same, "tanh": np.tanh, "relu": _relu, "sigmoid": _sigmoid}
_TIMES_DPHI = {"identity": _times_one, "tanh": _times_dtanh, "relu": _times_drelu,
               "sigmoid": _times_dsigmoid}


def _phi(name: str, h: np.ndarray) -> np.ndarray:
    return _PHI[name](h, np.empty_like(h))


def _product(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``a @ b`` into ``out`` by ``np.dot``, which needs a row-major ``out``: a column-major
    one is written through its transpose. Small products are most of a small network's
    pass, and np.dot costs less around BLAS than np.matmul, or, for a column (n, 1) times a
    row (1, k), than a broadcast multiply, with the same numbers: one rounding each, a
    zero's sign aside (BLAS adds the product to +0)."""
    if out.flags.c_contiguous:
        np.dot(a, b, out=out)
    else:
        np.dot(b.T, a.T, out=out.T)
    return out


class _Pass:
    """The arrays of one forward and backward pass over n rows.

    The pass is the only place the network is evaluated (forward, backprop and the
    optimizers' gradient all run it), so every caller gets the same bits. With one input
    the arrays are column-major, where the pass's column-times-row products and its
    products with a transposed operand run faster; with several, row-major, where X0 W1
    does."""

    __slots__ = ("H1", "X1", "H2", "X2", "O", "dO", "dX2", "dH2", "dX1", "dH1")

    def __init__(self, n: int, d_in: int, h1: int, h2: int, identity: bool):
        order = "F" if d_in == 1 else "C"
        for name, width in (("H1", h1), ("dX1", h1), ("H2", h2), ("dX2", h2), ("O", 1),
                            ("dO", 1)):
            setattr(self, name, np.empty((n, width), order=order))
        if identity:  # phi(h) is h itself, and d phi'(h) is d
            self.X1, self.X2, self.dH1, self.dH2 = self.H1, self.H2, self.dX1, self.dX2
        else:
            for name, like in (("X1", self.H1), ("dH1", self.H1), ("X2", self.H2),
                               ("dH2", self.H2)):
                setattr(self, name, np.empty_like(like))


class MLPProblem(Problem):
    """The seed's network as an optimization problem over its flat weight vector."""

    kind = "network"
    convex = False

    def __init__(self, dataset: str = "temperature", hidden=(4, 4), activation: str = "identity",
                 n_samples: int = 128, batch_size: int | None = None, bias: bool = False,
                 noise: float = 0.0, clip: float | None = None, seed: int = 0):
        super().__init__(noise=noise, clip=clip, seed=seed)
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; "
                             f"choose one of {', '.join(ACTIVATIONS)}")
        try:
            hidden = tuple(int(h) for h in hidden)
        except (TypeError, ValueError):
            raise ValueError(f"hidden must be two layer sizes, e.g. (4, 4); got {hidden!r}") from None
        if len(hidden) != 2 or not all(1 <= h <= _MAX_HIDDEN for h in hidden):
            raise ValueError(f"hidden must be two layer sizes from 1 to {_MAX_HIDDEN}; got {hidden!r}")
        n_samples = int(n_samples)
        if not 1 <= n_samples <= _MAX_SAMPLES:
            raise ValueError(f"n_samples must be from 1 to {_MAX_SAMPLES}; got {n_samples}")
        if batch_size is not None:
            batch_size = int(batch_size)
            if not 1 <= batch_size <= n_samples:
                raise ValueError(f"batch_size must be from 1 to n_samples ({n_samples}) or None; "
                                 f"got {batch_size}")
            if batch_size == n_samples:
                batch_size = None
        if dataset == "scalar_chain":
            hidden = (1, 1)  # every weight a scalar: a slice over two of them is exact

        self.name = "mlp"
        self.title = "Two-layer network"
        self.formula = "O = phi(phi(X0 W1) W2) WO"
        self.dataset_name = dataset
        self.hidden = hidden
        self.activation = activation
        self.n_samples = n_samples
        self.batch_size = batch_size
        self.bias = bool(bias)
        self.data = make_dataset(dataset, n_samples, seed)
        d_in = self.data.X.shape[1]
        h1, h2 = hidden

        shapes = [("W1", (d_in, h1))]
        if self.bias:
            shapes.append(("b1", (h1,)))
        shapes.append(("W2", (h1, h2)))
        if self.bias:
            shapes.append(("b2", (h2,)))
        shapes.append(("WO", (h2, 1)))
        if self.bias:
            shapes.append(("bO", (1,)))
        self.layout: dict[str, tuple[slice, tuple[int, ...]]] = {}
        offset = 0
        for name, shape in shapes:
            size = int(np.prod(shape))
            self.layout[name] = (slice(offset, offset + size), shape)
            offset += size
        self.dim = offset
        if self.dim * n_samples > MAX_PASS_WORK:
            raise ValueError(
                f"a network of {self.dim:,} parameters on {n_samples:,} samples is too slow to "
                f"stay responsive (parameters x samples at most {MAX_PASS_WORK:,}): use at "
                f"most {MAX_PASS_WORK // self.dim:,} samples, or smaller hidden layers")
        self._layout_items = tuple((name, sl, shape) for name, (sl, shape) in self.layout.items())

        # Initial weights N(0, 1/fan_in), biases 0: seeded, independent of the data draw.
        rng = np.random.default_rng([seed, 1])
        x0 = np.zeros(self.dim)
        for name, (sl, shape) in self.layout.items():
            if name.startswith("W"):
                x0[sl] = rng.normal(0.0, 1.0 / math.sqrt(shape[0]), size=sl.stop - sl.start)
        self.x0 = x0
        self.bounds = ()
        self.minima = ()
        self._perm_epoch = -1
        self._perm: np.ndarray | None = None
        self._work: dict[tuple[int, int], _Pass] = {}
        self._weights_of: tuple = (None, None)
        self._grad_slices = tuple(self.layout[name] for name in ("W1", "W2", "WO"))

    # --- parameters ------------------------------------------------------------------
    def options(self) -> dict:
        return {"dataset": self.dataset_name, "hidden": self.hidden,
                "activation": self.activation, "n_samples": self.n_samples,
                "batch_size": self.batch_size, "bias": self.bias, **super().options()}

    def views(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """Named views (no copies) of the flat vector ``w``: W1, (b1), W2, (b2), WO, (bO)."""
        return {name: w[sl].reshape(shape) for name, sl, shape in self._layout_items}

    def groups(self) -> dict[str, slice]:
        """The slice of the flat vector that each named parameter occupies."""
        return {name: sl for name, (sl, _) in self.layout.items()}

    # --- forward and backward ----------------------------------------------------------
    def __getstate__(self) -> dict:
        """Copies and pickles leave the caches behind: the kept views belong to the
        original's arrays (a deep copy would turn them into arrays of their own, and the
        copy would then read stale weights), the scratch arrays to its threads."""
        state = self.__dict__.copy()
        state["_weights_of"] = (None, None)
        state["_work"] = {}
        return state

    def _weights(self, w: np.ndarray) -> tuple:
        """(W1, b1, W2, b2, WO, bO) as views of ``w`` (the biases None without them), made
        once for the array a lane steps in place, not each pass."""
        cached = self._weights_of
        if cached[0] is w:  # the cache holds w, so its identity cannot be reused
            return cached[1]
        v = self.views(w)
        weights = (v["W1"], v.get("b1"), v["W2"], v.get("b2"), v["WO"], v.get("bO"))
        self._weights_of = (w, weights)
        return weights

    def _run(self, w: np.ndarray, X0: np.ndarray, a: _Pass, Y: np.ndarray | None = None):
        """The forward pass into ``a``; with targets Y also the backward pass, giving
        (loss, flat gradient). Intermediates that backprop reports stay in their arrays.
        The hot loop of a network run, so the weights' views are kept between passes, the
        activation's functions looked up once, the arrays held in locals."""
        W1, b1, W2, b2, WO, bO = self._weights(w)
        phi = _PHI[self.activation]
        H1, X1, H2, X2, O = a.H1, a.X1, a.H2, a.X2, a.O
        _product(X0, W1, H1)
        if b1 is not None:
            np.add(H1, b1, out=H1)
        phi(H1, X1)
        _product(X1, W2, H2)
        if b2 is not None:
            np.add(H2, b2, out=H2)
        phi(H2, X2)
        _product(X2, WO, O)
        if bO is not None:
            np.add(O, bO, out=O)
        if Y is None:
            return None
        n = X0.shape[0]
        dO, dX2, dH2, dX1, dH1 = a.dO, a.dX2, a.dH2, a.dX1, a.dH1
        times_dphi = _TIMES_DPHI[self.activation]
        np.subtract(O, Y, out=dO)
        loss = float(np.vdot(dO, dO)) / n
        np.multiply(2.0 / n, dO, out=dO)
        _product(dO, WO.T, dX2)
        times_dphi(dX2, H2, X2, dH2)
        _product(dH2, W2.T, dX1)
        times_dphi(dX1, H1, X1, dH1)
        g = np.empty(self.dim)
        (sW1, shW1), (sW2, shW2), (sWO, shWO) = self._grad_slices
        _product(X2.T, dO, g[sWO].reshape(shWO))
        _product(X1.T, dH2, g[sW2].reshape(shW2))
        _product(X0.T, dH1, g[sW1].reshape(shW1))
        if self.bias:
            gv = self.views(g)
            gv["bO"][...] = dO.sum(axis=0)
            gv["b2"][...] = dH2.sum(axis=0)
            gv["b1"][...] = dH1.sum(axis=0)
        return loss, g

    def _fresh(self, n: int) -> _Pass:
        return _Pass(n, self.data.X.shape[1], *self.hidden, self.activation == "identity")

    def forward(self, w: np.ndarray, X: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every forward intermediate: X0, H1, X1, H2, X2, O."""
        X0 = self.data.X if X is None else np.asarray(X, dtype=np.float64)
        a = self._fresh(X0.shape[0])
        self._run(w, X0, a)
        return {"X0": X0, "H1": a.H1, "X1": a.X1, "H2": a.H2, "X2": a.X2, "O": a.O}

    def predict(self, w: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """The network's output O for inputs X (the training inputs by default)."""
        return self.forward(w, X)["O"]

    def backprop(self, w: np.ndarray, idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Forward and backward pass on rows ``idx`` (all by default).

        Returns the forward values, ``loss``, the backward terms dO, dX2, dH2, dX1, dH1 and
        the flat gradient ``grad``, following the formulas in the module docstring.
        """
        X0 = self.data.X if idx is None else self.data.X[idx]
        Y = self.data.Y if idx is None else self.data.Y[idx]
        a = self._fresh(X0.shape[0])
        loss, g = self._run(w, X0, a, Y)
        return {"X0": X0, "H1": a.H1, "X1": a.X1, "H2": a.H2, "X2": a.X2, "O": a.O, "Y": Y,
                "loss": loss, "dO": a.dO, "dX2": a.dX2, "dH2": a.dH2, "dX1": a.dX1,
                "dH1": a.dH1, "grad": g}

    def loss(self, w: np.ndarray) -> float:
        r = self.predict(w) - self.data.Y
        return float(np.vdot(r, r)) / self.n_samples

    def grad(self, w: np.ndarray) -> np.ndarray:
        return self._loss_grad(w)[1]

    def loss_and_grad(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        """Full-batch loss and gradient from one forward and one backward pass, without
        noise or minibatch (the cross-checks against torch.autograd)."""
        return self._loss_grad(w)

    # --- minibatches -----------------------------------------------------------------------
    def batch_indices(self, t: int) -> np.ndarray | None:
        """Rows used at step ``t`` (None: all of them).

        Epoch e = t // batches_per_epoch visits the rows in the order
        ``default_rng([seed, 2, e]).permutation(N)``; the last batch of an epoch may be
        smaller. A pure function of (seed, t): the same for every lane and every replay.
        """
        if self.batch_size is None:
            return None
        per_epoch = -(-self.n_samples // self.batch_size)
        epoch, j = divmod(t, per_epoch)
        if epoch != self._perm_epoch:
            self._perm = np.random.default_rng([self.seed, 2, epoch]).permutation(self.n_samples)
            self._perm_epoch = epoch
        assert self._perm is not None
        return self._perm[j * self.batch_size:(j + 1) * self.batch_size]

    def _batch_loss_grad(self, w: np.ndarray, t: int) -> tuple[float, np.ndarray]:
        return self._loss_grad(w, self.batch_indices(t))

    def chain_lines(self, w, step: int) -> list[str]:
        """Forward and backward pass at ``w`` on the rows step ``step`` (1-based) used, or
        on all rows for step 0: every term of the chain rule, for the step inspector."""
        from .explain import explain_backprop  # explain imports the optimizers

        idx = self.batch_indices(step - 1) if step > 0 else None
        return explain_backprop(self, np.asarray(w, dtype=np.float64), idx)

    def _workspace(self, n: int) -> _Pass:
        """The arrays of a pass over n rows, made once per (thread, n)."""
        key = (threading.get_ident(), n)
        work = self._work.get(key)
        if work is None:
            if len(self._work) >= 8:  # a few batch sizes and threads at a time
                self._work.clear()
            work = self._work[key] = self._fresh(n)
        return work

    def _loss_grad(self, w: np.ndarray, idx: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """(loss, gradient) on rows ``idx``, the pass run in arrays kept between calls: a
        large layer's fresh temporaries would each be a new mapping of memory from the
        system, whose pages cost as much to touch as the arithmetic."""
        X0 = self.data.X if idx is None else self.data.X[idx]
        Y = self.data.Y if idx is None else self.data.Y[idx]
        return self._run(w, X0, self._workspace(X0.shape[0]), Y)

    # --- many parameter vectors at once (landscapes) ----------------------------------------
    def loss_grid(self, points: np.ndarray) -> np.ndarray:
        """Full-batch loss at every parameter vector in ``points`` (shape ``(..., dim)``).

        Evaluated as batched matrix products over chunks of points, never a Python loop
        over single points.
        """
        points = np.asarray(points, dtype=np.float64)
        if points.shape[-1] != self.dim:
            raise ValueError(f"points must have {self.dim} parameters in the last axis, "
                             f"got shape {points.shape}")
        flat = points.reshape(-1, self.dim)
        out = np.empty(flat.shape[0])
        width = max(self.hidden) + self.data.X.shape[1]
        chunk = max(1, _GRID_CHUNK_FLOATS // (self.n_samples * width))
        X0, Y = self.data.X, self.data.Y
        for start in range(0, flat.shape[0], chunk):
            P = flat[start:start + chunk]
            k = P.shape[0]
            p = {name: P[:, sl].reshape((k,) + shape) for name, (sl, shape) in self.layout.items()}
            H = X0 @ p["W1"]                      # (k, N, h1)
            if self.bias:
                H = H + p["b1"][:, None, :]
            H = _phi(self.activation, H) @ p["W2"]  # (k, N, h2)
            if self.bias:
                H = H + p["b2"][:, None, :]
            O = _phi(self.activation, H) @ p["WO"]  # (k, N, 1)
            if self.bias:
                O = O + p["bO"][:, None, :]
            r = O - Y
            out[start:start + k] = np.einsum("knj,knj->k", r, r) / self.n_samples
        return out.reshape(points.shape[:-1])

    def parameter_names(self) -> list[str]:
        """A readable name for every entry of the flat vector, e.g. ``W1[0,2]``."""
        names = []
        for name, (_, shape) in self.layout.items():
            for index in np.ndindex(*shape):
                names.append(f"{name}[{','.join(map(str, index))}]")
        return names
