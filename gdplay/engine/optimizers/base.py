"""The base of every optimizer unit: the step machinery shared by all, the elementwise
kernel run on float64 arrays and on Python floats, the checked state_dict, and the
defaults of what a unit tells its readers (trace names, formula lines, map drawing).

The update of a kernel optimizer is written once, as an elementwise ``_kernel`` that runs
unchanged on float64 arrays and on Python floats (only ``sqrt`` and ``maximum`` are passed
in). ``step`` runs it on arrays; ``step_floats`` runs it coordinate by coordinate on
Python floats, for problems of one or two parameters, where a NumPy call costs far more
than the arithmetic. Python floats are IEEE float64, so both give the same bits (tests
check it); where Python raises instead of giving inf or nan (a division by zero, sqrt of a
negative), that coordinate is redone on float64 scalars.

State values (m, v, buffers) are never modified in place: each step makes new ones. So a
trace keeps references to them (and to ``g``) without copying.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from ..params import Param, check_all
from ..schedules import Schedule, make_schedule
from .formula import Formula
from .trace import StepTrace

__all__ = ["Optimizer"]


def _fmax(a: float, b: float) -> float:
    """np.maximum on two floats: a NaN on either side wins, ties give ``a``."""
    return a if (a >= b or a != a) else b


# (sqrt, maximum) for the kernels: the same code on float64 arrays and on Python floats
ARRAY_OPS = (np.sqrt, np.maximum)
FLOAT_OPS = (math.sqrt, _fmax)


def lerp(a, b, weight: float):
    """torch.lerp: ``a + weight (b - a)`` for weight < 0.5, else ``b - (b - a)(1 - weight)``."""
    if weight < 0.5:
        return a + weight * (b - a)
    return b - (b - a) * (1.0 - weight)


def with_l2(g, w, wd: float, rec: dict):
    """``g + wd p`` (torch's ``grad.add(param, alpha=wd)``), recorded as g_wd. Kernels call it
    only when wd != 0 (a call per coordinate saved on the float path)."""
    g = g + wd * w
    rec["g_wd"] = g
    return g


# --- hyperparameters several optimizers share -----------------------------------------------

def amsgrad_param() -> Param:
    return Param("amsgrad", "bool", False, "use the maximum of past second moments (AMSGrad)")


def lr_param(default: float) -> Param:
    return Param("lr", "float", default, "learning rate", lo=0.0)


def betas_param() -> Param:
    return Param("betas", "pair", (0.9, 0.999), "decay rates of the first and second moments",
                 lo=0.0, hi=1.0, hi_open=True)


def eps_param(default: float) -> Param:
    return Param("eps", "float", default, "added to the denominator for numerical safety",
                 lo=0.0)


def wd_param(default: float, help_text: str) -> Param:
    return Param("weight_decay", "float", default, help_text, lo=0.0)


# --- checks of a state_dict's entries ------------------------------------------------------
# Messages start with the entry's path inside the state_dict ("state.exp_avg: ..."), so a
# caller can put where the state_dict came from in front.

def check_entries(value, allowed: tuple, field: str) -> dict:
    """``value`` is a dict holding no entry but ``allowed``."""
    if not isinstance(value, dict):
        raise ValueError(f"{field}: must be a dict, got {type(value).__name__}")
    unknown = sorted(set(map(str, value)) - set(allowed))
    if unknown:
        raise ValueError(f"{field}: unknown entry {', '.join(map(repr, unknown))}; "
                         f"its entries are: {', '.join(allowed)}")
    return value


def is_count(value) -> bool:
    """A whole number as Python or NumPy int (a bool is not one)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value) -> bool:
    """An int or float, Python or NumPy (a bool is not one); NaN and infinities count."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def check_counter(state: dict, step: int | None, field: str) -> int:
    """The step counter ``t``: a whole number >= 0, equal to ``step`` when given."""
    if "t" not in state:
        raise ValueError(f"{field}.t: missing")
    t = state["t"]
    if not is_count(t) or t < 0:
        raise ValueError(f"{field}.t: must be a whole number >= 0, got {t!r}")
    if step is not None and t != step:
        raise ValueError(f"{field}.t: is {t}, but the run is at step {step}")
    return int(t)


def check_vector(value, n: int | None, field: str) -> tuple[np.ndarray, int]:
    """One number a parameter (NaN and infinities allowed: a diverged run keeps them), as a
    new float64 array; ``n`` parameters when given, else as many as this one has. Gives
    the array and the parameter count."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "fiu":
            raise ValueError(f"{field}: must be a list of numbers, got an array of "
                             f"{value.dtype} with shape {value.shape}")
        items = value
    elif isinstance(value, (list, tuple)):
        if not all(map(is_number, value)):
            raise ValueError(f"{field}: must hold only numbers")
        items = value
    else:
        raise ValueError(f"{field}: must be a list of numbers, got {type(value).__name__}")
    if n is not None and len(items) != n:
        raise ValueError(f"{field}: needs {n} numbers (one a parameter), got {len(items)}")
    return np.array(items, dtype=np.float64), len(items)


class Optimizer:
    """Base class of the optimizer units.

    A unit sets ``name``, ``title``, ``reference`` and ``params``, and either writes the
    update as an elementwise kernel (``_state_keys``, ``_constants`` and ``_kernel``: both
    ``step`` and ``step_floats`` then work) or overrides ``_step`` (arrays only). For its
    readers it says which values its trace holds (``_traced``), writes its update out
    (``formula_lines``), and, if it has any, what it draws on the map (``drawing``), the
    row it records after a step (``record_row``) and when it has converged (``converged``).
    """

    name = ""
    #: what a person reads in the list of optimizers
    title = ""
    #: the torch class it matches, or the paper it follows
    reference = ""
    params: tuple[Param, ...] = ()
    #: True when the update is a kernel, so ``step_floats`` can run it
    supports_floats = False
    #: the names of the numbers :meth:`record_row` gives
    record_names: tuple[str, ...] = ()
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
        """Restore a snapshot from :meth:`get_state` (copied, so it can be reused); not
        checked: for snapshots this process made (see :meth:`load_state_dict`)."""
        self.state = copy.deepcopy(snapshot["state"])
        self.hparams = dict(snapshot["hparams"])
        self.schedule = make_schedule(snapshot["schedule"])

    def state_dict(self) -> dict:
        """As torch.optim's: ``{"state": ..., "hparams": ..., "schedule": ...}``, a deep
        copy (the same as :meth:`get_state`)."""
        return self.get_state()

    def load_state_dict(self, state_dict: dict, n: int | None = None,
                        step: int | None = None) -> None:
        """Restore a state_dict from anywhere (a file, say) after checking all of it: the
        hyperparameters and schedule as :func:`make_optimizer` checks them, the state's
        entries against what this optimizer keeps under those hyperparameters, each of
        ``n`` numbers (the parameter count) when given, its step counter equal to ``step``
        when given. Numbers may be lists or arrays. ValueError names the entry, e.g.
        ``state.exp_avg: needs 2 numbers (one a parameter), got 3``; nothing changes then."""
        sd = check_entries(state_dict, ("state", "hparams", "schedule"), "state_dict")
        for key in ("state", "hparams"):
            if key not in sd:
                raise ValueError(f"{key}: missing")
        if not isinstance(sd["hparams"], dict):
            raise ValueError(f"hparams: must be a dict, got {type(sd['hparams']).__name__}")
        try:
            h = check_all(self.params, sd["hparams"], self.name)
            self._validate(h)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"hparams: {exc}") from None
        try:
            schedule = make_schedule(sd.get("schedule"))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"schedule: {exc}") from None
        state, _ = self._check_state(sd["state"], h, n, step, "state")
        self.state = state
        self.hparams = h
        self.schedule = schedule

    def _check_state(self, state, h: dict, n: int | None, step: int | None,
                     field: str) -> tuple[dict, int | None]:
        """The kernel's state checked (see :meth:`load_state_dict`): the step counter and,
        once made, each of ``_state_keys`` (in the order given). Gives the state made of
        new arrays, and the parameter count."""
        keys = self._state_keys
        check_entries(state, ("t",) + keys, field)
        t = check_counter(state, step, field)
        out = {}
        for key, value in state.items():
            if key == "t":
                out[key] = t
            else:
                out[key], n = check_vector(value, n, f"{field}.{key}")
        return out, n

    def reset(self) -> None:
        """Forget all state, as if no step had been taken."""
        self.state = {"t": 0}

    # --- the step ----------------------------------------------------------------------
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
                w_new, s_new, rec = kernel(c, gi, wi, si, FLOAT_OPS)
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
            wi, si, rec = self._kernel(c, f64(g), f64(w), tuple(map(f64, s)), ARRAY_OPS)
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
        w_new, s_new, krec = self._kernel(c, g, w, tuple(s), ARRAY_OPS)
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

    # --- the kernel (units) ---------------------------------------------------------------
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

    # --- what the unit tells its readers -------------------------------------------------
    @classmethod
    def trace_names(cls, hparams: dict | None = None, outer: bool = False) -> tuple[str, ...]:
        """The names a step's trace holds under ``hparams`` (the defaults overlaid with
        them), in order; ``outer``: the step ended an outer iteration (ADMM-Adam)."""
        h = check_all(cls.params, hparams or {}, cls.name)
        return ("g", "p_before", *cls._traced(h, outer), "p_after")

    @classmethod
    def _traced(cls, h: dict, outer: bool) -> tuple[str, ...]:
        """The names between p_before and p_after (see :meth:`trace_names`)."""
        raise NotImplementedError

    @classmethod
    def formula_lines(cls, f: Formula) -> list[str]:
        """The update of one parameter written out with the step's numbers, between the
        step's header and gradient lines and :meth:`formula_result`."""
        return []

    @classmethod
    def formula_result(cls, f: Formula) -> str | None:
        """The last line: the parameter after the step (None: the unit's lines said it)."""
        return f.result()

    def drawing(self) -> dict | None:
        """What the map shows for this optimizer beside its path (None: nothing): a dict
        whose ``"points"`` maps names to points in parameter coordinates (the presenter
        puts them in map coordinates), ``"markers"`` names those drawn as dots,
        ``"segments"`` pairs of names joined by a line, ``"constraint"`` a set drawn as
        an outline
        (``{"kind": "l1", "threshold"}``, ``{"kind": "box", "lo", "hi"}``, ``{"kind":
        "l2_ball", "radius"}`` or None), and any other numbers the inspector shows.
        The views read these keys, never an optimizer's name."""
        return None

    def record_row(self) -> tuple | None:
        """Numbers (named by ``record_names``) a lane records right after this step, or
        None when this step has none."""
        return None

    def converged(self) -> bool:
        """True right after a step at which the optimizer's own test of convergence
        held (the "admm_converged" breakpoint)."""
        return False

    def describe(self) -> str:
        """``name(lr=..., ...)`` for logs and the CLI."""
        inner = ", ".join(f"{k}={v}" for k, v in self.hparams.items())
        return f"{self.name}({inner})"
