"""The optimizers of shared/MATH.md, each step returning a trace of what it did.

SGD, Adam, AdamW, AMSGrad, RMSprop and Adagrad follow torch.optim's single-tensor code
path operation for operation (including the order of floating-point operations, e.g.
``addcdiv`` computes ``p + (value * t1) / t2`` and ``lerp`` with weight < 0.5 computes
``a + w (b - a)``), so they agree with PyTorch to rounding. AMSGrad also comes in Reddi et
al.'s original form, and ADMM-Adam is ADMM with Adam as the inner solver (Zhang et al.,
ECCV 2018).

Every optimizer is built by name through :func:`make_optimizer`; ``step(w, g)`` updates
the float64 array ``w`` in place and returns a :class:`StepTrace` holding the values the
step actually used.

The update of SGD, Adam, AdamW, AMSGrad, RMSprop and Adagrad is written once, as an
elementwise ``_kernel`` that runs unchanged on float64 arrays and on Python floats (only
``sqrt`` and ``maximum`` are passed in). ``step`` runs it on arrays; ``step_floats`` runs
it coordinate by coordinate on Python floats, for problems of one or two parameters, where
a NumPy call costs far more than the arithmetic. Python floats are IEEE float64, so both
give the same bits (tests check it); where Python raises instead of giving inf or nan (a
division by zero, sqrt of a negative), that coordinate is redone on float64 scalars.

State values (m, v, buffers) are never modified in place: each step makes new ones. So a
trace keeps references to them (and to ``g``) without copying.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from .params import Param, check_all
from .problems import norm2
from .schedules import Schedule, make_schedule

__all__ = [
    "StepTrace",
    "Optimizer",
    "OptimizerSpec",
    "make_optimizer",
    "optimizer_names",
    "optimizer_spec",
    "REGULARIZERS",
    "prox",
]


# derived values shown where the update does them, not with the others before delta:
# AdamW's decay is the step's first change to the parameters
_DERIVED_AFTER = {"decay": "p_before"}


class StepTrace:
    """What one step did: its counter ``t`` (1-based), the learning rate used, and every
    named intermediate in the order the update computed them (``values``).

    ``values`` always holds ``g`` (the gradient given), ``p_before``, ``delta`` and
    ``p_after``; the rest depends on the optimizer (see each class). ``notes`` are short
    remarks the inspector shows (e.g. which convention AdamW follows).

    Values the update did not need but a reader wants (Adam's m_hat and v_hat, the
    effective learning rate, AdamW's decay) are worked out from the recorded ones the first
    time ``values`` is read, and placed just before ``delta`` (or where ``_DERIVED_AFTER``
    says): a run traces every step, and most traces are never looked at.
    """

    __slots__ = ("optimizer", "t", "lr", "_values", "phase", "notes", "hparams", "_derive",
                 "_parts")

    def __init__(self, optimizer: str, t: int, lr: float, values: dict | None = None,
                 phase: str = "", notes: tuple[str, ...] = (), hparams: dict | None = None,
                 derive=None, parts: tuple | None = None):
        self.optimizer = optimizer
        self.t = t
        self.lr = lr
        self._values = values  # None until read: most traces never are
        self.phase = phase
        self.notes = notes
        self.hparams = {} if hparams is None else hparams
        self._derive = derive
        # a step on Python floats: (g, p_before, one kernel record per coordinate, the
        # step's scalars, p_after), made into arrays when first read
        self._parts = parts

    @staticmethod
    def from_raw(made: tuple) -> "StepTrace":
        """The trace of a step on floats from what :meth:`Optimizer.step_floats` gives
        with ``raw``: (optimizer, t, lr, notes, hparams, derive, parts)."""
        name, t, lr, notes, hparams, derive, parts = made
        return StepTrace(name, t, lr, None, "", notes, hparams, derive, parts)

    @property
    def values(self) -> dict[str, object]:
        if self._parts is not None:
            g, before, recs, scalars, after = self._parts
            self._parts = None
            values = {"g": np.array(g), "p_before": np.array(before)}
            for key in recs[0]:
                if key != "delta":
                    values[key] = _column(recs, key)
            values.update(scalars)
            values["delta"] = _column(recs, "delta")
            values["p_after"] = np.array(after)
            self._values = values
        elif self._values is None:
            self._values = {}
        if self._derive is not None:
            derive, self._derive = self._derive, None
            extra = derive(self)
            if extra:
                placed = {_DERIVED_AFTER[k]: k for k in extra if k in _DERIVED_AFTER}
                ordered: dict[str, object] = {}
                for key, value in self._values.items():
                    if key == "delta":
                        ordered.update((k, x) for k, x in extra.items() if k not in _DERIVED_AFTER)
                    ordered[key] = value
                    if key in placed:
                        ordered[placed[key]] = extra[placed[key]]
                self._values = ordered
        return self._values

    def __getitem__(self, key: str):
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def __repr__(self) -> str:
        return f"StepTrace({self.optimizer!r}, t={self.t}, lr={self.lr!r}, keys={list(self.values)})"


def _column(recs: list[dict], key: str) -> np.ndarray | None:
    """One traced value across the coordinates, as an array (None stays None)."""
    if recs[0][key] is None:
        return None
    return np.array([rec[key] for rec in recs], dtype=np.float64)


def _fmax(a: float, b: float) -> float:
    """np.maximum on two floats: a NaN on either side wins, ties give ``a``."""
    return a if (a >= b or a != a) else b


# (sqrt, maximum) for the kernels: the same code on float64 arrays and on Python floats
_ARRAY_OPS = (np.sqrt, np.maximum)
_FLOAT_OPS = (math.sqrt, _fmax)


def _lerp(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    """torch.lerp: ``a + weight (b - a)`` for weight < 0.5, else ``b - (b - a)(1 - weight)``."""
    if weight < 0.5:
        return a + weight * (b - a)
    return b - (b - a) * (1.0 - weight)


def _with_l2(g, w, wd: float, rec: dict):
    """``g + wd p`` (torch's ``grad.add(param, alpha=wd)``), recorded as g_wd. Kernels call it
    only when wd != 0 (a call per coordinate saved on the float path)."""
    g = g + wd * w
    rec["g_wd"] = g
    return g


def _amsgrad_param() -> Param:
    return Param("amsgrad", "bool", False, "use the maximum of past second moments (AMSGrad)")


def _lr_param(default: float) -> Param:
    return Param("lr", "float", default, "learning rate", lo=0.0)


def _betas_param() -> Param:
    return Param("betas", "pair", (0.9, 0.999), "decay rates of the first and second moments",
                 lo=0.0, hi=1.0, hi_open=True)


def _eps_param(default: float) -> Param:
    return Param("eps", "float", default, "added to the denominator for numerical safety",
                 lo=0.0)


def _wd_param(default: float, help_text: str) -> Param:
    return Param("weight_decay", "float", default, help_text, lo=0.0)


class Optimizer:
    """Base class. Subclasses set ``name`` and ``params``, and either write the update as an
    elementwise kernel (``_state_keys``, ``_constants`` and ``_kernel``: both ``step`` and
    ``step_floats`` then work) or override ``_step`` (arrays only)."""

    name = ""
    params: tuple[Param, ...] = ()
    #: True when the update is a kernel, so ``step_floats`` can run it
    supports_floats = False
    #: the state entries the kernel takes and returns, in order
    _state_keys: tuple[str, ...] = ()
    #: False when ``_constants`` depends on the learning rate and the hyperparameters only:
    #: ``step_floats`` then keeps them while both stay the same (hparams are replaced, never
    #: changed in place, so the same dict means the same values)
    _constants_use_t = True
    _kept_constants: tuple | None = None

    def __init__(self, schedule: Schedule | dict | None = None, **hparams):
        self.hparams = check_all(self.params, hparams, self.name)
        self._validate(self.hparams)
        self.schedule = make_schedule(schedule)
        self.state = {"t": 0}

    # --- hyperparameters --------------------------------------------------------------
    def _validate(self, h: dict) -> None:
        """Checks across settings (e.g. nesterov needs momentum); raise ValueError."""

    def set_hparams(self, **changes) -> None:
        """Change hyperparameters; they take effect at the next step. All or nothing."""
        merged = {**self.hparams, **changes}
        checked = check_all(self.params, merged, self.name)
        self._validate(checked)
        self._flush_rows()  # which entries the kernel reads and leaves may change
        self.hparams = checked

    def set_schedule(self, schedule: Schedule | dict | None) -> None:
        self.schedule = make_schedule(schedule)

    # --- state -----------------------------------------------------------------------
    # ``state`` maps "t" and each entry of ``_state_keys`` to its values over the
    # coordinates (a float64 array, or a list of floats after steps on floats). Between steps
    # on floats the entries are kept the other way round, one tuple per coordinate in
    # ``_rows``, which is what the kernel takes and gives back: no regrouping each step.
    # Reading ``state`` writes them back first.
    _rows: list[tuple] | None = None

    @property
    def state(self) -> dict:
        """Step counter and state entries (see above); assigning it replaces everything."""
        if self._rows is not None:
            self._flush_rows()
        return self._state

    @state.setter
    def state(self, value: dict) -> None:
        self._rows = None
        self._state = value

    def _flush_rows(self) -> None:
        """Write the per-coordinate rows back into ``state`` as lists, and drop them. An
        entry the kernel gave as None (not read under these settings) keeps its value."""
        rows, self._rows = self._rows, None
        if rows:
            for j, key in enumerate(self._state_keys):
                if rows[0][j] is not None:
                    self._state[key] = [row[j] for row in rows]

    def _rows_from_state(self, n: int) -> list[tuple]:
        """The state entries as one tuple per coordinate (missing ones at their initial
        value), for the kernel on floats."""
        st = self._state
        columns = []
        for key in self._state_keys:
            value = st.get(key)
            if value is None:
                value = [self._initial(key)] * n
            elif type(value) is not list:
                value = value.tolist()
            columns.append(value)
        return list(zip(*columns)) if columns else [()] * n

    @property
    def t(self) -> int:
        """Steps taken so far."""
        return int(self._state["t"])

    def get_state(self) -> dict:
        """A deep copy of everything needed to continue exactly from here (state values as
        float64 arrays, however they were stepped)."""
        state = {k: np.array(v, dtype=np.float64) if type(v) is list else v
                 for k, v in self.state.items()}
        return {"state": copy.deepcopy(state), "hparams": dict(self.hparams),
                "schedule": self.schedule.to_dict()}

    def set_state(self, snapshot: dict) -> None:
        """Restore a snapshot from :meth:`get_state` (copied, so it can be reused)."""
        self.state = copy.deepcopy(snapshot["state"])
        self.hparams = dict(snapshot["hparams"])
        self.schedule = make_schedule(snapshot["schedule"])

    def reset(self) -> None:
        """Forget all state, as if no step had been taken."""
        self.state = {"t": 0}

    # --- the step ----------------------------------------------------------------------
    def current_lr(self) -> float:
        """The learning rate the next step will use (the schedule applied to ``lr``)."""
        return self.schedule.lr(self.hparams["lr"], self.t + 1)

    def step(self, w: np.ndarray, g: np.ndarray, trace: bool = True) -> StepTrace | None:
        """Update ``w`` in place from gradient ``g``; return the step's trace.

        With ``trace=False`` nothing is recorded and None is returned (fast path).
        """
        t = self.t + 1
        lr = self.schedule.lr(self.hparams["lr"], t)
        self.state["t"] = t
        g = np.array(g, dtype=np.float64)  # the caller may reuse its array; the state keeps g
        if not trace:
            self._step(w, g, lr, t, None)
            return None
        # g and the state arrays are never changed in place (each step makes new ones),
        # so the trace keeps them as they are; w is updated in place, so it is copied
        rec: dict[str, object] = {"g": g, "p_before": w.copy()}
        phase, notes = self._step(w, g, lr, t, rec)
        rec["p_after"] = w.copy()
        # hparams are never changed in place (set_hparams and set_state replace them): shared
        return StepTrace(self.name, t, lr, rec, phase, notes, self.hparams, self._derive)

    def step_floats(self, w: list[float], g: list[float], trace: bool = True,
                    raw: bool = False) -> tuple[list[float], StepTrace | tuple | None]:
        """:meth:`step` on Python floats: the new parameters (a new list) and the trace.

        Same update, same bits as :meth:`step` on arrays (``supports_floats`` must be
        True). State values stepped this way are lists of floats; :meth:`step` and
        :meth:`get_state` turn them back into arrays. With ``raw`` the trace is given as
        the tuple :meth:`StepTrace.from_raw` takes (a session's innermost loop keeps
        traces that way until one is read)."""
        st = self._state
        h = self.hparams
        t = st["t"] + 1
        lr = self.schedule.lr(h["lr"], t)
        st["t"] = t
        kept = self._kept_constants
        if kept is not None and kept[0] == lr and kept[1] is h:
            c, scalars, notes = kept[2]
        else:
            c, scalars, notes = constants = self._constants(lr, t)
            if not self._constants_use_t:
                self._kept_constants = (lr, h, constants)
        rows = self._rows
        if rows is None:
            rows = self._rows_from_state(len(w))
        kernel = self._kernel
        new_w = []
        new_rows = []
        recs = []
        for gi, wi, si in zip(g, w, rows):
            try:
                w_new, s_new, rec = kernel(c, gi, wi, si, _FLOAT_OPS)
            except (ArithmeticError, ValueError):  # Python raised where float64 gives inf/nan
                w_new, s_new, rec = self._kernel_float64(c, gi, wi, si)
            new_w.append(w_new)
            new_rows.append(s_new)
            recs.append(rec)
        self._rows = new_rows
        if not trace:
            return new_w, None
        # shared, as in step
        made = (self.name, t, lr, notes, h, self._derive, (g, w, recs, scalars, new_w))
        return new_w, made if raw else StepTrace.from_raw(made)

    def _kernel_float64(self, c, g: float, w: float, s: tuple):
        """One coordinate of the kernel on float64 scalars (inf and nan, never an exception),
        given back as Python floats."""
        def f64(x):
            return None if x is None else np.float64(x)

        def back(x):
            return None if x is None else float(x)

        with np.errstate(all="ignore"):
            wi, si, rec = self._kernel(c, f64(g), f64(w), tuple(map(f64, s)), _ARRAY_OPS)
        return back(wi), tuple(map(back, si)), {k: back(v) for k, v in rec.items()}

    def _step(self, w, g, lr, t, rec) -> tuple[str, tuple[str, ...]]:
        """The update on arrays: the kernel once over all coordinates."""
        c, scalars, notes = self._constants(lr, t)
        st = self.state
        keys = self._state_keys
        s = []
        for key in keys:
            value = st.get(key)
            if value is None:
                init = self._initial(key)
                value = None if init is None else np.full_like(w, init)
            elif type(value) is list:
                value = np.array(value, dtype=np.float64)
            s.append(value)
        w_new, s_new, krec = self._kernel(c, g, w, tuple(s), _ARRAY_OPS)
        for key, value in zip(keys, s_new):
            if value is not None:
                st[key] = value
        w[...] = w_new
        if rec is not None:
            delta = krec.pop("delta")
            rec.update(krec)
            rec.update(scalars)
            rec["delta"] = delta
        return "", notes

    # --- the kernel (subclasses) --------------------------------------------------------
    def _initial(self, key: str) -> float | None:
        """The value of state entry ``key`` before it exists (None: the kernel sees None)."""
        return 0.0

    def _constants(self, lr: float, t: int) -> tuple[object, dict, tuple[str, ...]]:
        """What every coordinate of step t shares: (constants for the kernel, scalars for
        the trace, notes for the trace)."""
        raise NotImplementedError

    def _kernel(self, c, g, w, s: tuple, ops) -> tuple[object, tuple, dict]:
        """The elementwise update: (new w, new state values in ``_state_keys`` order, None
        for an entry left as it is, the traced values in the order computed, ending with
        ``delta``). Only operators and ``ops = (sqrt, maximum)``: g, w and s are float64
        arrays or Python floats."""
        raise NotImplementedError

    _derive = None  # (trace) -> {name: value} worked out when the trace is first read

    def describe(self) -> str:
        """``name(lr=..., ...)`` for logs and the CLI."""
        inner = ", ".join(f"{k}={v}" for k, v in self.hparams.items())
        return f"{self.name}({inner})"


# ---------------------------------------------------------------------------------------


class SGD(Optimizer):
    """torch.optim.SGD::

        g = g + wd p                                   if wd != 0
        b = g (first step), else b = mu b + (1 - dampening) g      if mu != 0
        d = g + mu b if nesterov else b                if mu != 0, else d = g
        p = p - lr d

    Trace: g, g_wd, buf_prev, buf, direction, delta.
    """

    name = "sgd"
    supports_floats = True
    _constants_use_t = False
    _state_keys = ("momentum_buffer",)
    params = (
        _lr_param(1e-3),
        Param("momentum", "float", 0.0, "momentum factor mu", lo=0.0),
        Param("dampening", "float", 0.0, "dampening of the gradient added to the momentum",
              lo=0.0, hi=1.0),
        Param("nesterov", "bool", False, "Nesterov momentum (needs momentum > 0, dampening 0)"),
        _wd_param(0.0, "L2 penalty added to the gradient"),
    )

    def _validate(self, h):
        if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
            raise ValueError(
                f"sgd nesterov = True needs momentum > 0 and dampening = 0 "
                f"(got momentum = {h['momentum']!r}, dampening = {h['dampening']!r})")

    def _initial(self, key):
        return None  # the first step's buffer is the gradient itself

    def _constants(self, lr, t):
        h = self.hparams
        return (lr, h["momentum"], h["dampening"], h["nesterov"], h["weight_decay"]), {}, ()

    def _kernel(self, c, g, w, s, ops):
        lr, mu, dampening, nesterov, wd = c
        rec = {}
        if wd != 0:
            g = _with_l2(g, w, wd, rec)
        buf = None
        d = g
        if mu != 0:
            buf = s[0]
            rec["buf_prev"] = buf
            buf = g if buf is None else buf * mu + (1.0 - dampening) * g
            d = g + mu * buf if nesterov else buf
            rec["buf"] = buf
        delta = -lr * d
        rec["direction"] = d
        rec["delta"] = delta
        return w + delta, (buf,), rec


_ADAM_KEYS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
_ADAMW_NOTE = ("decay = lr x weight_decay x p, as PyTorch; the paper scales by the "
               "schedule multiplier eta_t instead of lr",)


def _adam_constants(h: dict, lr: float, t: int, decoupled: bool, amsgrad: bool):
    b1, b2 = h["betas"]
    wd = h["weight_decay"]
    bc1 = 1.0 - b1 ** t
    bc2 = 1.0 - b2 ** t
    step_size = lr / bc1
    scalars: dict[str, object] = {}
    notes: tuple[str, ...] = ()
    factor = None
    if wd != 0 and decoupled:
        factor = 1.0 - lr * wd
        scalars["decay_factor"] = factor
        notes = _ADAMW_NOTE
        wd = 0.0
    scalars.update(bc1=bc1, bc2=bc2, step_size=step_size)
    c = (b1, b2, h["eps"], wd, factor, amsgrad, step_size, math.sqrt(bc2))
    return c, scalars, notes


def _adam_kernel(c, g, w, s, ops):
    b1, b2, eps, wd, factor, amsgrad, step_size, bc2_sqrt = c
    sqrt, maximum = ops
    m, v, vmax = s
    rec = {}
    if factor is not None:  # AdamW: p = p (1 - lr wd), before the update (traced as "decay",
        w = w * factor      # worked out when the trace is read: see Adam._derive)
    else:
        if wd != 0:
            g = _with_l2(g, w, wd, rec)
    rec["m_prev"] = m
    rec["v_prev"] = v
    if amsgrad:
        rec["v_max_prev"] = vmax
    m = _lerp(m, g, 1.0 - b1)
    v = v * b2 + ((1.0 - b2) * g) * g
    rec["m"] = m
    rec["v"] = v
    if amsgrad:
        vmax = maximum(vmax, v)
        rec["v_max"] = vmax
        denom = sqrt(vmax) / bc2_sqrt + eps
    else:
        vmax = None
        denom = sqrt(v) / bc2_sqrt + eps
    rec["denom"] = denom
    delta = (-step_size * m) / denom
    rec["delta"] = delta
    return w + delta, (m, v, vmax), rec


class Adam(Optimizer):
    """torch.optim.Adam (and AdamW with ``decoupled``)::

        Adam:  g = g + wd p               AdamW: p = p (1 - lr wd)
        m = b1 m + (1 - b1) g              (torch.lerp)
        v = b2 v + (1 - b2) g^2
        bc1 = 1 - b1^t;  bc2 = 1 - b2^t
        amsgrad: v_max = max(v_max, v);  denom = sqrt(v_max) / sqrt(bc2) + eps
        else:                            denom = sqrt(v) / sqrt(bc2) + eps
        p = p - (lr / bc1) m / denom

    Trace: g, (g_wd | decay), m_prev, v_prev, (v_max_prev), m, v, (v_max), denom,
    (decay_factor), bc1, bc2, step_size, m_hat, v_hat, effective_lr (lr / bc1 / denom per
    parameter), delta. m_hat and v_hat are shown for reading; the update uses step_size and
    denom as torch does.
    """

    name = "adam"
    decoupled = False
    supports_floats = True
    _state_keys = _ADAM_KEYS
    params = (
        _lr_param(1e-3),
        _betas_param(),
        _eps_param(1e-8),
        _wd_param(0.0, "L2 penalty added to the gradient (not decoupled: see adamw)"),
        _amsgrad_param(),
    )

    def _initial(self, key):
        if key == "max_exp_avg_sq" and not self.hparams["amsgrad"]:
            return None  # not read
        return 0.0

    def _constants(self, lr, t):
        return _adam_constants(self.hparams, lr, t, self.decoupled, self.hparams["amsgrad"])

    _kernel = staticmethod(_adam_kernel)

    @staticmethod
    def _derive(tr: StepTrace) -> dict:
        v = tr._values
        if "bc1" not in v:  # AMSGrad's reddi variant traces through here too
            return {"effective_lr": tr.lr / v["denom"]}
        second = v["v_max"] if "v_max" in v else v["v"]
        derived = {"m_hat": v["m"] / v["bc1"], "v_hat": second / v["bc2"],
                   "effective_lr": v["step_size"] / v["denom"]}
        if "decay_factor" in v:  # AdamW: the step's first change, the same bits as the kernel's
            before = v["p_before"]
            derived["decay"] = before * v["decay_factor"] - before
        return derived


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay ``p = p (1 - lr wd)``."""

    name = "adamw"
    decoupled = True
    params = (
        _lr_param(1e-3),
        _betas_param(),
        _eps_param(1e-8),
        _wd_param(1e-2, "decoupled weight decay: p = p (1 - lr weight_decay) each step"),
        _amsgrad_param(),
    )


_REDDI_NOTE = ("Reddi et al. Algorithm 2: no bias correction",)


class AMSGrad(Optimizer):
    """AMSGrad in two variants.

    "pytorch" (default): torch.optim.Adam(amsgrad=True): v_max = max(v_max, v) of the raw
    v, bias-corrected denominator (see :class:`Adam`).

    "reddi": Reddi, Kale & Kumar, ICLR 2018, Algorithm 2 (constant beta1, no projection)::

        m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  v_hat = max(v_hat, v)
        p = p - lr m / (sqrt(v_hat) + eps)      (no bias correction; eps only for safety)
    """

    name = "amsgrad"
    supports_floats = True
    _state_keys = _ADAM_KEYS
    params = (
        _lr_param(1e-3),
        _betas_param(),
        _eps_param(1e-8),
        _wd_param(0.0, "L2 penalty added to the gradient"),
        Param("variant", "choice", "pytorch", "pytorch: torch's bias-corrected form; "
              "reddi: the paper's Algorithm 2", choices=("pytorch", "reddi")),
    )

    _derive = staticmethod(Adam._derive)

    def _constants(self, lr, t):
        h = self.hparams
        if h["variant"] == "pytorch":
            return _adam_constants(h, lr, t, False, True)
        b1, b2 = h["betas"]
        return ("reddi", lr, b1, b2, h["eps"], h["weight_decay"]), {}, _REDDI_NOTE

    def _kernel(self, c, g, w, s, ops):
        if c[0] != "reddi":
            return _adam_kernel(c, g, w, s, ops)
        _, lr, b1, b2, eps, wd = c
        sqrt, maximum = ops
        m, v, vhat = s
        rec = {}
        if wd != 0:
            g = _with_l2(g, w, wd, rec)
        rec["m_prev"] = m
        rec["v_prev"] = v
        rec["v_max_prev"] = vhat
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * g * g
        vhat = maximum(vhat, v)
        denom = sqrt(vhat) + eps
        delta = -lr * m / denom
        rec["m"] = m
        rec["v"] = v
        rec["v_max"] = vhat
        rec["denom"] = denom
        rec["delta"] = delta
        return w + delta, (m, v, vhat), rec


class RMSprop(Optimizer):
    """torch.optim.RMSprop::

        g = g + wd p                      if wd != 0
        v = alpha v + (1 - alpha) g^2
        centered: g_avg = lerp(g_avg, g, 1 - alpha); avg = sqrt(v - g_avg^2) + eps
        else:     avg = sqrt(v) + eps
        momentum > 0: buf = momentum buf + g / avg;  p = p - lr buf
        else:         p = p - lr g / avg
    """

    name = "rmsprop"
    supports_floats = True
    _constants_use_t = False
    _state_keys = ("square_avg", "grad_avg", "momentum_buffer")
    params = (
        _lr_param(1e-2),
        Param("alpha", "float", 0.99, "smoothing constant of the squared-gradient average",
              lo=0.0, hi=1.0),
        _eps_param(1e-8),
        _wd_param(0.0, "L2 penalty added to the gradient"),
        Param("momentum", "float", 0.0, "momentum factor", lo=0.0),
        Param("centered", "bool", False, "normalize by the estimated variance of the gradient"),
    )

    def _initial(self, key):
        h = self.hparams
        if (key == "grad_avg" and not h["centered"]) or (key == "momentum_buffer"
                                                         and not h["momentum"] > 0):
            return None  # not read
        return 0.0

    def _constants(self, lr, t):
        h = self.hparams
        return (lr, h["alpha"], h["eps"], h["weight_decay"], h["momentum"], h["centered"]), {}, ()

    def _kernel(self, c, g, w, s, ops):
        lr, alpha, eps, wd, mu, centered = c
        sqrt = ops[0]
        v, ga, buf = s
        rec = {}
        if wd != 0:
            g = _with_l2(g, w, wd, rec)
        rec["v_prev"] = v
        if mu > 0:
            rec["buf_prev"] = buf
        v = v * alpha + ((1.0 - alpha) * g) * g
        if centered:
            ga = _lerp(ga, g, 1.0 - alpha)
            avg = sqrt(v + (-1.0 * ga) * ga) + eps
        else:
            ga = None
            avg = sqrt(v) + eps
        if mu > 0:
            buf = buf * mu + g / avg
            delta = -lr * buf
        else:
            buf = None
            delta = (-lr * g) / avg
        rec["v"] = v
        if ga is not None:
            rec["g_avg"] = ga
        rec["denom"] = avg
        if buf is not None:
            rec["buf"] = buf
        rec["delta"] = delta
        return w + delta, (v, ga, buf), rec

    @staticmethod
    def _derive(tr: StepTrace) -> dict:
        return {"effective_lr": tr.lr / tr._values["denom"]}


class Adagrad(Optimizer):
    """torch.optim.Adagrad::

        g = g + wd p                    if wd != 0
        clr = lr / (1 + (t - 1) lr_decay)
        s = s + g^2
        p = p - clr g / (sqrt(s) + eps)
    """

    name = "adagrad"
    supports_floats = True
    _state_keys = ("sum",)
    params = (
        _lr_param(1e-2),
        Param("lr_decay", "float", 0.0, "learning-rate decay", lo=0.0),
        _wd_param(0.0, "L2 penalty added to the gradient"),
        Param("initial_accumulator_value", "float", 0.0, "starting value of the sum s", lo=0.0),
        _eps_param(1e-10),
    )

    def _initial(self, key):
        return self.hparams["initial_accumulator_value"]

    def _constants(self, lr, t):
        h = self.hparams
        clr = lr / (1.0 + (t - 1) * h["lr_decay"])
        return (clr, h["eps"], h["weight_decay"]), {"clr": clr}, ()

    def _kernel(self, c, g, w, s, ops):
        clr, eps, wd = c
        rec = {}
        if wd != 0:
            g = _with_l2(g, w, wd, rec)
        total = s[0]
        rec["sum_prev"] = total
        total = total + g * g
        std = ops[0](total) + eps
        delta = (-clr * g) / std
        rec["sum"] = total
        rec["denom"] = std
        rec["delta"] = delta
        return w + delta, (total,), rec

    @staticmethod
    def _derive(tr: StepTrace) -> dict:
        return {"effective_lr": tr._values["clr"] / tr._values["denom"]}


# --- ADMM-Adam ----------------------------------------------------------------------------

REGULARIZERS = ("l1", "box", "l2_ball", "ridge", "topk")


def prox(regularizer: str, v: np.ndarray, rho: float, h: dict) -> np.ndarray:
    """prox_{r/rho}(v) for the regularizers of MATH.md.

    l1 ``lam ||z||_1``: soft threshold ``sign(v) max(|v| - lam/rho, 0)``;
    box ``[lo, hi]``: ``clip(v, lo, hi)``; l2_ball of radius R: ``v min(1, R/||v||)``;
    ridge ``(lam/2)||z||^2``: ``v rho / (rho + lam)``; topk: keep the k largest |v_i|
    (not convex: no convergence guarantee).
    """
    if regularizer == "l1":
        return np.sign(v) * np.maximum(np.abs(v) - h["lam"] / rho, 0.0)
    if regularizer == "box":
        return np.clip(v, h["lo"], h["hi"])
    if regularizer == "l2_ball":
        norm = norm2(v)
        return v * min(1.0, h["radius"] / norm) if norm > 0 else v.copy()
    if regularizer == "ridge":
        return v * (rho / (rho + h["lam"]))
    if regularizer == "topk":
        k = min(int(h["k"]), v.size)
        z = np.zeros_like(v)
        if k > 0:
            keep = np.argsort(-np.abs(v), kind="stable")[:k]
            z[keep] = v[keep]
        return z
    raise ValueError(f"unknown regularizer {regularizer!r}; choose one of {', '.join(REGULARIZERS)}")


class ADMMAdam(Optimizer):
    """ADMM with Adam as the inner solver, for min f(w) + r(z) subject to w = z (scaled form)::

        z = prox_{r/rho}(w0);  u = 0;  one Adam state kept across outer iterations
        each step (inner j of K):  g_aug = g + rho (w - z + u);  w = AdamStep(w, g_aug)
        after every K-th step:     z_prev = z;  z = prox_{r/rho}(w + u);  u = u + w - z
            r = ||w - z||,  s = rho ||z - z_prev||
            eps_pri  = sqrt(n) eps_abs + eps_rel max(||w||, ||z||)
            eps_dual = sqrt(n) eps_abs + eps_rel rho ||u||
            balance: r > mu s: rho *= tau, u /= tau;  s > mu r: rho /= tau, u *= tau

    Trace: the inner Adam step's values, then z, u, rho, and after an outer update
    z_prev, primal/dual residuals, their tolerances and ``converged``.
    """

    name = "admm_adam"
    params = (
        _lr_param(1e-2),
        _betas_param(),
        _eps_param(1e-8),
        Param("rho", "float", 1.0, "penalty parameter of the augmented Lagrangian",
              lo=0.0, lo_open=True),
        Param("inner_steps", "int", 10, "Adam steps per outer iteration (K)", lo=1, hi=100000),
        Param("regularizer", "choice", "l1", "r(z): l1, box, l2_ball, ridge or topk",
              choices=REGULARIZERS),
        Param("lam", "float", 0.1, "strength of l1 / ridge", lo=0.0),
        Param("lo", "float", -1.0, "box lower bound"),
        Param("hi", "float", 1.0, "box upper bound"),
        Param("radius", "float", 1.0, "l2 ball radius", lo=0.0),
        Param("k", "int", 1, "topk: number of nonzeros kept", lo=0),
        Param("eps_abs", "float", 1e-6, "absolute tolerance of the residuals", lo=0.0),
        Param("eps_rel", "float", 1e-4, "relative tolerance of the residuals", lo=0.0),
        Param("balance", "bool", False, "residual balancing (Boyd et al. 2011, 3.4.1)"),
        Param("mu", "float", 10.0, "balancing: ratio of residuals that triggers a change",
              lo=1.0),
        Param("tau", "float", 2.0, "balancing: factor by which rho changes", lo=1.0,
              lo_open=True),
    )

    def _validate(self, h):
        if h["lo"] > h["hi"]:
            raise ValueError(f"admm_adam box needs lo <= hi (got lo = {h['lo']!r}, hi = {h['hi']!r})")

    _derive = staticmethod(Adam._derive)  # the inner steps are Adam's, traced as Adam's

    def __init__(self, schedule=None, **hparams):
        super().__init__(schedule, **hparams)
        self._inner = Adam()

    def set_hparams(self, **changes) -> None:
        """As Optimizer's; a new rho also becomes the penalty in use, with the scaled dual
        rescaled (u *= rho_old / rho_new) so that the unscaled dual rho * u is unchanged
        (Boyd et al. 2011, sec. 3.4.1). lam, the bounds and the regularizer take effect at
        the next z-update, which reads them."""
        old_rho = self.hparams["rho"]
        super().set_hparams(**changes)
        new_rho = self.hparams["rho"]
        st = self.state
        if new_rho != old_rho and "z" in st:
            st["u"] = st["u"] * (st["rho"] / new_rho)
            st["rho"] = new_rho

    def _adam(self) -> Adam:
        """The inner Adam, sharing this optimizer's state dict (so copies capture it)."""
        h = self.hparams
        self._inner.hparams.update(betas=h["betas"], eps=h["eps"])
        self._inner.state = self.state.setdefault("adam", {"t": 0})
        return self._inner

    def _step(self, w, g, lr, t, rec):
        h = self.hparams
        st = self.state
        if "z" not in st:
            st["rho"] = h["rho"]
            st["z"] = prox(h["regularizer"], w.copy(), st["rho"], h)
            st["u"] = np.zeros_like(w)
            st["inner"] = 0
            st["outer"] = 0
        rho = st["rho"]
        z, u = st["z"], st["u"]
        penalty = rho * (w - z + u)
        g_aug = g + penalty
        if rec is not None:
            rec["z_used"] = z
            rec["u_used"] = u
            rec["penalty"] = penalty
            rec["g_aug"] = g_aug
        adam = self._adam()
        adam.state["t"] = adam.t + 1
        adam._step(w, g_aug, lr, adam.t, rec)  # records Adam's values, ending with delta
        st["inner"] += 1
        j, K = st["inner"], h["inner_steps"]
        phase = f"inner {j} of {K}"
        if j >= K:
            st["inner"] = 0
            st["outer"] += 1
            z_prev = z
            z = prox(h["regularizer"], w + u, rho, h)
            u = u + w - z
            n = w.size
            r = norm2(w - z)
            s = rho * norm2(z - z_prev)
            eps_pri = math.sqrt(n) * h["eps_abs"] + h["eps_rel"] * max(
                norm2(w), norm2(z))
            eps_dual = math.sqrt(n) * h["eps_abs"] + h["eps_rel"] * rho * norm2(u)
            converged = r <= eps_pri and s <= eps_dual
            rho_used = rho
            if h["balance"]:
                if r > h["mu"] * s:
                    rho *= h["tau"]
                    u = u / h["tau"]
                elif s > h["mu"] * r:
                    rho /= h["tau"]
                    u = u * h["tau"]
            st.update(z=z, u=u, rho=rho, primal_residual=r, dual_residual=s,
                      eps_pri=eps_pri, eps_dual=eps_dual, converged=converged)
            phase = f"inner {K} of {K}, then z/u update (outer {st['outer']})"
            if rec is not None:
                rec["z_prev"] = z_prev
                rec["rho_used"] = rho_used
                rec["primal_residual"] = r
                rec["dual_residual"] = s
                rec["eps_pri"] = eps_pri
                rec["eps_dual"] = eps_dual
                rec["converged"] = converged
        if rec is not None:  # z and u are replaced, never changed in place: no copies
            rec["z"] = st["z"]
            rec["u"] = st["u"]
            rec["rho"] = st["rho"]
        return phase, ()


# --- registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    title: str
    cls: type
    params: tuple[Param, ...]


_OPTIMIZERS: dict[str, OptimizerSpec] = {
    cls.name: OptimizerSpec(cls.name, title, cls, cls.params)
    for cls, title in (
        (SGD, "SGD"),
        (Adam, "Adam"),
        (AdamW, "AdamW"),
        (AMSGrad, "AMSGrad"),
        (ADMMAdam, "ADMM-Adam"),
        (RMSprop, "RMSprop"),
        (Adagrad, "Adagrad"),
    )
}


def optimizer_names() -> list[str]:
    """Names of the registered optimizers."""
    return list(_OPTIMIZERS)


def optimizer_spec(name: str) -> OptimizerSpec:
    """The registry entry of ``name``; ValueError naming the known optimizers otherwise."""
    try:
        return _OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; known optimizers: "
                         f"{', '.join(_OPTIMIZERS)}") from None


def make_optimizer(name: str, schedule: Schedule | dict | None = None, **hparams) -> Optimizer:
    """Build optimizer ``name`` with torch.optim's hyperparameter names and defaults.

    Invalid values raise ValueError naming the value and the allowed range.
    """
    return optimizer_spec(name).cls(schedule=schedule, **hparams)
