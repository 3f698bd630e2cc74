"""A lane: one optimizer's run on a session's problem, with its history and replay.

At step t a lane is shown the problem's ``loss_grad_at_step(w, t)``. A lane whose loss,
gradient or parameters become non-finite, or whose parameters leave the session's
``param_bound``, stops with status "diverged" and a reason. History row k describes the
parameters after k steps: step k, the loss and the gradient norm the optimizer saw there,
and the parameters. Checkpoints every few steps let any past step be restored exactly by
replay, including hyperparameter changes made along the way.

Every step goes through :meth:`Lane._advance`: a run, the replay that restores a step, the
replay that traces a past step, a fork. Its state (:meth:`Lane.state_dict`) is plain
values and NumPy arrays; :meth:`Lane.load_state_dict` checks one from anywhere.
"""

from __future__ import annotations

import copy
import math
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .history import DecimatingBuffer, Traces
from .optimizers import Optimizer, StepTrace, make_optimizer
from .problems import norm2

if TYPE_CHECKING:
    from .session import Session

__all__ = ["Lane", "LaneConfig", "RUNNING", "DIVERGED"]

RUNNING = "running"
DIVERGED = "diverged"

# arrays of the problem's size in one step's trace (g, p_before, state before and after,
# intermediates, delta, p_after: up to ~14) and in one checkpoint (w and the state)
_TRACE_ARRAYS = 16
_CHECKPOINT_ARRAYS = 4
_NEVER = sys.maxsize  # the checkpoint interval of a scratch lane: no step reaches it


@dataclass
class LaneConfig:
    """What a lane runs: an optimizer by name, its hyperparameters and schedule, a name."""

    optimizer: str
    hparams: dict = field(default_factory=dict)
    name: str = ""
    schedule: dict | None = None
    color: str | None = None
    enabled: bool = True


@dataclass
class _Checkpoint:
    step: int
    w: np.ndarray
    opt_state: dict
    status: str
    reason: str
    diverged_at: int | None


class _Discard:
    """A scratch lane's history: it keeps nothing."""

    size = 0

    def append(self, row) -> None:
        pass

    def append_parts(self, step, key, rest) -> None:
        pass

    def extend(self, rows, skip=None) -> None:
        pass


_DISCARD = _Discard()


def divergence(w: np.ndarray, loss: float, grad_norm: float, bound: float) -> str:
    """Why a lane at parameters ``w`` (loss, gradient norm) has diverged, or ""."""
    # the common case in one cheap pass: |w|_inf <= |w|_2 <= bound (NaN fails it)
    if norm2(w) <= bound and math.isfinite(loss) and math.isfinite(grad_norm):
        return ""
    biggest = float(np.max(np.abs(w))) if w.size else 0.0  # NaN if any is NaN
    if biggest <= bound and math.isfinite(loss) and math.isfinite(grad_norm):
        return ""
    if not np.all(np.isfinite(w)):
        return "a parameter is not finite"
    if biggest > bound:
        return f"a parameter left the bound |w| <= {bound:g} (|w| = {biggest:.3g})"
    if not math.isfinite(loss):
        return f"the loss is not finite ({loss})"
    return "the gradient is not finite (or its norm overflows)"


# --- checks of a state_dict -----------------------------------------------------------

def _copy_state(snapshot: dict) -> dict:
    """A copy of an optimizer snapshot (:meth:`Optimizer.get_state`)."""
    return {"state": copy.deepcopy(snapshot["state"]), "hparams": dict(snapshot["hparams"]),
            "schedule": copy.deepcopy(snapshot["schedule"])}


def _count(value, field: str, hi: int | None = None) -> int:
    """A whole number from 0 (to ``hi``)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{field} must be a whole number, got {type(value).__name__}")
    if value < 0 or (hi is not None and value > hi):
        raise ValueError(f"{field} must be from 0 to {hi}, got {value}" if hi is not None
                         else f"{field} must be from 0, got {value}")
    return int(value)


def _status(sd: dict, t: int, field: str) -> tuple[str, str, int | None]:
    """status, reason and diverged_at of a lane (or checkpoint) at step t."""
    status = sd.get("status", RUNNING)
    if status not in (RUNNING, DIVERGED):
        raise ValueError(f"{field}.status must be running or diverged, got {status!r:.40}")
    reason = sd.get("reason", "")
    if not isinstance(reason, str):
        raise ValueError(f"{field}.reason must be a text, got {type(reason).__name__}")
    diverged_at = sd.get("diverged_at")
    if status == DIVERGED:
        diverged_at = _count(diverged_at, f"{field}.diverged_at", t)
    elif diverged_at is not None:
        raise ValueError(f"{field}.diverged_at must be null for a running lane")
    return status, reason, diverged_at


def _vector(value, n: int, field: str) -> np.ndarray:
    """``n`` numbers (the problem's size) as a new float64 array."""
    try:
        w = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{field} must hold only numbers") from None
    if w.ndim != 1 or w.size != n:
        raise ValueError(f"{field} must hold {n} numbers (the problem's size), got "
                         f"{w.size if w.ndim == 1 else w.shape}")
    return w


def _rows(value, width: int, t: int, field: str) -> np.ndarray:
    """History rows of ``width`` numbers; the first is the step, a whole number from 0 to
    ``t``, increasing from row to row."""
    rows = np.empty((0, width)) if value is None else np.asarray(value, dtype=np.float64)
    if rows.size == 0:
        return np.empty((0, width))
    if rows.ndim != 2 or rows.shape[1] != width:
        raise ValueError(f"{field} must be rows of {width} numbers")
    steps = rows[:, 0]
    if not (np.all(np.isfinite(steps)) and np.all(steps == np.floor(steps))
            and steps.min() >= 0 and steps.max() <= t):
        raise ValueError(f"{field} steps must be whole numbers from 0 to the lane's t ({t})")
    if np.any(np.diff(steps) <= 0):
        raise ValueError(f"{field} steps must increase")
    return rows


# --- the two backends of Lane._advance ----------------------------------------------------
# Each gives (w, g, step, loss_grad, as_arrays): the parameters and gradient in the form the
# loop carries them, ``step(w, g, trace, raw) -> (w, trace)``, ``loss_grad(w, t) -> (loss,
# g)``, and ``as_arrays(w, g)`` giving them back as the lane keeps them (float64 arrays).

def _float64_pair(w: list, g: list) -> tuple[np.ndarray, np.ndarray]:
    return np.array(w, dtype=np.float64), np.array(g, dtype=np.float64)


def _on_floats(lane: "Lane") -> tuple:
    """Python floats (one or two parameters, no projection, an optimizer written as a
    kernel): :meth:`Optimizer.step_floats`, the same numbers as on arrays, several times
    faster. w and g are lists."""
    return (lane.w.tolist(), lane._grad.tolist(), lane.optimizer.step_floats,
            lane.session.problem.loss_grad_floats_function(), _float64_pair)


def _on_arrays(lane: "Lane") -> tuple:
    """float64 arrays: :meth:`Optimizer.step` changes w in place, then the problem's
    projection (traced as p_projected). For one or two parameters the loop is given lists,
    as on floats, so it collects its history rows the same cheap way; the arrays stay here."""
    opt, problem = lane.optimizer, lane.session.problem
    project = problem.project
    w = lane.w
    g_now = lane._grad
    listed = len(w) <= 2

    def step(_w, _g, trace: bool, _raw: bool):
        tr = opt.step(w, g_now, trace)
        if project is not None:
            project(w)
            if tr is not None:
                tr.values["p_projected"] = w.copy()
        return (w.tolist() if listed else w), tr

    def loss_grad(_w, t: int):
        nonlocal g_now
        loss, g_now = problem.loss_grad_at_step(w, t)
        return loss, (g_now.tolist() if listed else g_now)

    def as_arrays(_w, _g):
        return w, g_now

    if listed:
        return w.tolist(), g_now.tolist(), step, loss_grad, as_arrays
    return w, g_now, step, loss_grad, as_arrays


class Lane:
    """One optimizer's run: parameters, optimizer state, status, history, traces."""

    def __init__(self, session: "Session", config: LaneConfig):
        self.session = session
        self.config = config
        self.name = config.name
        self.optimizer: Optimizer = make_optimizer(config.optimizer, schedule=config.schedule,
                                                   **config.hparams)
        self.enabled = config.enabled
        p = session.problem
        scalar_cap = session.history_capacity
        # rows of parameters, traces and checkpoints hold the whole vector each: their counts
        # shrink as it grows, so a lane's memory is bounded on a network of any size
        dim = max(p.dim, 1)
        param_cap = max(16, min(scalar_cap, session.param_history_floats // dim))
        self.history = DecimatingBuffer(3, scalar_cap)             # step, loss, grad_norm
        self.param_history = DecimatingBuffer(2 + p.dim, param_cap)  # step, loss, w
        self.traces = Traces(maxlen=min(
            session.trace_capacity, max(2, session.trace_floats // (_TRACE_ARRAYS * dim))))
        self.max_checkpoints = min(session.max_checkpoints,
                                   max(4, session.checkpoint_floats // (_CHECKPOINT_ARRAYS * dim)))
        # the optimizer's records (ADMM: step, primal and dual residuals and their
        # tolerances, at each outer update)
        self.residuals = DecimatingBuffer(5, 4096)
        self._hparam_log: list[tuple[int, dict]] = []  # (applied before step k+1, changes)
        self._checkpoints: list[_Checkpoint] = []
        self._checkpoint_every = session.checkpoint_every
        # one or two parameters: step on Python floats (see _on_floats)
        self._floats = (p.dim <= 2 and p.project is None and self.optimizer.supports_floats)
        self._reset_to(session.start)

    # --- state -----------------------------------------------------------------------
    def _reset_to(self, start: np.ndarray) -> None:
        self.w = np.array(start, dtype=np.float64)
        self.optimizer.reset()
        self.t = 0
        self.status = RUNNING
        self.reason = ""
        self.diverged_at: int | None = None
        self.history.clear()
        self.param_history.clear()
        self.residuals.clear()
        self.traces.clear()
        self._checkpoints.clear()
        self._checkpoint_every = self.session.checkpoint_every
        self._evaluate()
        self._record()
        self._checkpoint()

    @property
    def running(self) -> bool:
        return self.status == RUNNING and self.enabled

    @property
    def loss(self) -> float:
        """The loss at the current parameters (as the optimizer sees it at this step)."""
        return self._loss

    @property
    def grad(self) -> np.ndarray:
        """The gradient the next step will use."""
        return self._grad

    @property
    def grad_norm(self) -> float:
        """The norm of :attr:`grad` (NaN or inf when it is not finite)."""
        return self._grad_norm

    def status_text(self) -> str:
        if self.status == DIVERGED:
            return f"diverged at step {self.diverged_at}: {self.reason}"
        return self.status

    def _evaluate(self) -> None:
        """Loss and gradient at (w, t), then the divergence check."""
        with np.errstate(all="ignore"):
            loss, g = self.session.problem.loss_grad_at_step(self.w, self.t)
            self._loss = float(loss)
            self._grad = g
            self._grad_norm = norm2(g)  # NaN and inf pass through, never raise
            self._check()

    def _check(self) -> None:
        if self.status != RUNNING:
            return
        reason = divergence(self.w, self._loss, self._grad_norm, self.session.param_bound)
        if reason:
            self.status = DIVERGED
            self.reason = reason
            self.diverged_at = self.t

    def _record(self) -> None:
        self.history.append((self.t, self._loss, self._grad_norm))
        self.param_history.append_parts(self.t, self._loss, self.w)

    def _checkpoint(self) -> None:
        self._checkpoints.append(_Checkpoint(self.t, self.w.copy(), self.optimizer.get_state(),
                                             self.status, self.reason, self.diverged_at))
        if len(self._checkpoints) > self.max_checkpoints:
            # keep every other one (always the first): the interval doubles, memory bounded
            self._checkpoints = self._checkpoints[::2]
            self._checkpoint_every *= 2

    def _resume(self, cp: _Checkpoint) -> None:
        """Back to checkpoint ``cp``'s state (history, traces and log left as they are)."""
        self.w = cp.w.copy()
        self.optimizer.set_state(cp.opt_state)
        self.t = cp.step
        self.status, self.reason, self.diverged_at = cp.status, cp.reason, cp.diverged_at
        self._evaluate()

    def _nearest_checkpoint(self, k: int) -> _Checkpoint:
        return max((c for c in self._checkpoints if c.step <= k), key=lambda c: c.step)

    # --- state_dict ----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to continue this lane exactly, as plain values and NumPy
        arrays (copies): its settings (the hyperparameters as at step 0; later changes are
        in ``hparam_log``), step, status, parameters, optimizer state, histories, its
        checkpoints after the start's (which the settings make again) and their interval."""
        return {
            "optimizer": self.config.optimizer, "name": self.name,
            "hparams": dict(self._checkpoints[0].opt_state["hparams"]),
            "schedule": self.optimizer.schedule.to_dict(), "color": self.config.color,
            "enabled": self.enabled, "t": self.t, "status": self.status,
            "reason": self.reason, "diverged_at": self.diverged_at, "w": self.w.copy(),
            "optimizer_state": self.optimizer.state_dict(),
            "hparam_log": [(s, dict(c)) for s, c in self._hparam_log],
            "history": self.history.rows.copy(),
            "param_history": self.param_history.rows.copy(),
            "residuals": self.residuals.rows.copy(),
            "checkpoints": [{"step": c.step, "w": c.w.copy(),
                             "optimizer_state": _copy_state(c.opt_state), "status": c.status,
                             "reason": c.reason, "diverged_at": c.diverged_at}
                            for c in self._checkpoints[1:]],  # the first is the start's
            "checkpoint_every": self._checkpoint_every,
        }

    def load_state_dict(self, sd: dict, field: str = "lane") -> None:
        """Continue from ``sd`` (from :meth:`state_dict`, or read from a file), a lane of
        this lane's optimizer made from ``sd``'s settings. Everything is checked against
        the problem and the step first: ValueError naming the entry (``field.w must hold 2
        numbers ...``), and the lane is unchanged. Optional entries: histories (empty),
        ``hparam_log`` (none), ``checkpoints`` (those after the start's, whose steps
        increase; if missing, one made from ``sd`` at step t), ``checkpoint_every`` (the
        session's)."""
        n = self.session.problem.dim
        if sd.get("optimizer", self.config.optimizer) != self.config.optimizer:
            raise ValueError(f"{field}.optimizer is {sd['optimizer']!r}, but the lane runs "
                             f"{self.config.optimizer}")
        t = _count(sd.get("t"), f"{field}.t")
        status, reason, diverged_at = _status(sd, t, f"{field}")
        w = _vector(sd.get("w"), n, f"{field}.w")
        optimizer = self._checked_optimizer(sd.get("optimizer_state"), n, t,
                                            f"{field}.optimizer_state")
        log = self._checked_log(sd.get("hparam_log", ()), t, f"{field}.hparam_log")
        tables = {key: _rows(sd.get(key), width, t, f"{field}.{key}") for key, width in
                  (("history", 3), ("param_history", 2 + n), ("residuals", 5))}
        checkpoints = [self._checked_checkpoint(cp, n, t, f"{field}.checkpoints[{j}]")
                       for j, cp in enumerate(sd.get("checkpoints", ()))]
        if "checkpoints" not in sd:
            checkpoints = [_Checkpoint(t, w.copy(), optimizer.get_state(), status, reason,
                                       diverged_at)]
        steps = [cp.step for cp in checkpoints]
        if any(b <= a for a, b in zip(steps, steps[1:])):
            raise ValueError(f"{field}.checkpoints steps must increase")
        every = sd.get("checkpoint_every", self.session.checkpoint_every)
        if type(every) is not int or every < 1:
            raise ValueError(f"{field}.checkpoint_every must be a whole number >= 1, "
                             f"got {every!r}")
        with np.errstate(all="ignore"):
            loss, g = self.session.problem.loss_grad_at_step(w, t)
            loss, norm = float(loss), norm2(g)
        if status == RUNNING:
            why = divergence(w, loss, norm, self.session.param_bound)
            if why:
                raise ValueError(f"{field} is marked running, but {why}")

        self.config.color = sd.get("color", self.config.color)
        self.enabled = self.config.enabled = bool(sd.get("enabled", self.enabled))
        self.optimizer = optimizer
        self.config.hparams = dict(optimizer.hparams)  # as set_hparams keeps it: in use now
        self._hparam_log = log
        self.w, self.t, self._loss, self._grad, self._grad_norm = w, t, loss, g, norm
        self.status, self.reason, self.diverged_at = status, reason, diverged_at
        for key, buf in (("history", self.history), ("param_history", self.param_history),
                         ("residuals", self.residuals)):
            buf.clear()
            buf.extend(tables[key][-buf.capacity:])
        self.traces.clear()
        self._checkpoints = self._checkpoints[:1] + checkpoints  # the start's first
        self._checkpoint_every = every

    def _checked_optimizer(self, sd, n: int, t: int, field: str) -> Optimizer:
        """A new optimizer of this lane's kind holding ``sd``, checked at step ``t``."""
        optimizer = make_optimizer(self.config.optimizer)
        try:
            optimizer.load_state_dict(sd, n, t)
        except ValueError as exc:
            raise ValueError(f"{field}.{exc}") from None
        return optimizer

    def _checked_log(self, log, t: int, field: str) -> list[tuple[int, dict]]:
        """(step, changes) pairs, steps increasing from 0 to t; every change is made on a
        copy of the lane's optimizer (as at step 0), so each is valid where it was made."""
        probe = make_optimizer(self.config.optimizer, **self._checkpoints[0].opt_state["hparams"])
        out, last = [], -1
        for j, entry in enumerate(log):
            at = f"{field}[{j}]"
            if not (isinstance(entry, (list, tuple)) and len(entry) == 2
                    and isinstance(entry[1], dict)):
                raise ValueError(f"{at} must be [step, {{changes}}]")
            step = _count(entry[0], f"{at}[0]", t)
            if step <= last:
                raise ValueError(f"{field} steps must increase")
            last = step
            try:
                probe.set_hparams(**entry[1])
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{at}: {exc}") from None
            out.append((step, dict(entry[1])))
        return out

    def _checked_checkpoint(self, cp, n: int, t: int, field: str) -> _Checkpoint:
        if not isinstance(cp, dict):
            raise ValueError(f"{field} must be a dict")
        step = _count(cp.get("step"), f"{field}.step", t)
        status, reason, diverged_at = _status(cp, step, field)
        w = _vector(cp.get("w"), n, f"{field}.w")
        opt_state = self._checked_optimizer(cp.get("optimizer_state"), n, step,
                                            f"{field}.optimizer_state").get_state()
        return _Checkpoint(step, w, opt_state, status, reason, diverged_at)

    # --- stepping ------------------------------------------------------------------------
    def _advance(self, n: int, traced_from: int) -> None:
        """Up to ``n`` steps, stopping early if the lane stops running; steps from index
        ``traced_from`` on (0-based) are traced. Callers hold np.errstate(all="ignore"):
        bad numbers are the divergence check's business, never a warning.

        The engine's innermost loop, and its only one: the backend (:func:`_on_floats` or
        :func:`_on_arrays`) gives the step and the evaluation. The parameters, gradient,
        loss and step live in locals and are written back at the end, before a full
        divergence check and before a checkpoint. With one or two parameters the history
        rows are collected in a flat list and stored at the end (:meth:`_record_rows`)."""
        if n <= 0 or not self.running:
            return
        w, g, step, loss_grad, as_arrays = (_on_floats if self._floats else _on_arrays)(self)
        listed = len(self.w) <= 2
        opt = self.optimizer
        record_row = None if self._floats else opt.record_row  # no kernel records rows
        bound = self.session.param_bound
        traces = self.traces
        history, param_history = self.history, self.param_history
        log = self._hparam_log
        every = self._checkpoint_every
        hypot, isfinite = math.hypot, math.isfinite
        t, loss, norm = self.t, self._loss, self._grad_norm
        rows: list[float] = []  # flat: (step, loss, norm, *w) after each step
        add_row = rows.extend

        def write_back():
            self.w, self._grad = as_arrays(w, g)
            self._loss, self._grad_norm, self.t = float(loss), norm, t

        try:
            for k in range(n):
                if log:
                    self._apply_hparams(t)
                w, tr = step(w, g, k >= traced_from, True)  # raw: see Traces
                t += 1
                if tr is not None:
                    traces.append(tr)
                loss, g = loss_grad(w, t)
                if listed:  # lists of one or two floats (norm2 is this hypot)
                    norm = hypot(*g)
                    add_row((t, loss, norm, *w))
                    inside = hypot(*w) <= bound
                else:
                    norm = norm2(g)
                    history.append((t, loss, norm))
                    param_history.append_parts(t, loss, w)
                    inside = norm2(w) <= bound
                stopped = False
                if not (inside and isfinite(loss) and isfinite(norm)):
                    write_back()
                    self._check()  # maybe diverged: the full check, with its reason
                    stopped = self.status != RUNNING
                if record_row is not None:
                    row = record_row()
                    if row is not None:
                        self.residuals.append((t, *row))
                if t % every == 0:  # even at the diverging step
                    write_back()
                    self._checkpoint()
                    every = self._checkpoint_every
                if stopped:
                    break
        finally:
            write_back()
            if rows:
                self._record_rows(rows)

    def _record_rows(self, rows: list[float]) -> None:
        """History rows collected flat as (step, loss, grad norm, *w) after each step."""
        table = np.array(rows, dtype=np.float64).reshape(-1, 3 + len(self.w))
        self.history.extend(table[:, :3])
        self.param_history.extend(table, skip=2)  # step, loss, *w (see _COPY_FLOATS)

    def _apply_hparams(self, t: int) -> None:
        """Hyperparameter changes made after step t take effect at step t + 1."""
        for step, changes in self._hparam_log:
            if step == t:
                self.optimizer.set_hparams(**changes)

    def set_hparams(self, **changes) -> None:
        """Change hyperparameters from the next step on (validated first: all or nothing)."""
        self.optimizer.set_hparams(**changes)
        # several changes at one step (the controls send one field at a time) merge, in
        # order: replay must apply all of them, not only the last
        if self._hparam_log and self._hparam_log[-1][0] == self.t:
            self._hparam_log[-1] = (self.t, {**self._hparam_log[-1][1], **changes})
        else:
            self._hparam_log.append((self.t, dict(changes)))
        self.config.hparams = dict(self.optimizer.hparams)

    # --- going back ----------------------------------------------------------------------
    def restore(self, k: int) -> None:
        """Return to the exact state after ``k`` steps (0 <= k <= current step), by replay
        from the nearest checkpoint. History and traces after k are dropped."""
        if not 0 <= k <= self.t:
            raise ValueError(f"step {k} is outside 0..{self.t}")
        cp = self._nearest_checkpoint(k)
        self._checkpoints = [c for c in self._checkpoints if c.step <= cp.step]
        self._resume(cp)
        self.history.truncate_after(cp.step)
        self.param_history.truncate_after(cp.step)
        self.residuals.truncate_after(cp.step)
        self.traces.clear()
        self._hparam_log = [(s, c) for s, c in self._hparam_log if s < k]
        # a lane switched off still replays to k (its steps until it was switched off are
        # history); _advance steps running lanes only, so it is on for the replay
        enabled, self.enabled = self.enabled, True
        try:
            with np.errstate(all="ignore"):
                while self.t < k and self.status == RUNNING:
                    self._advance(k - self.t, traced_from=0)
        finally:
            self.enabled = enabled

    def _scratch(self, k: int) -> "Lane":
        """A copy of this lane at its nearest checkpoint at or before step ``k``, to replay
        from. It shares the session, settings and hyperparameter log, keeps no history, no
        checkpoints and its last trace only: this lane is left as it is, and nothing the
        size of a history is copied."""
        twin = Lane.__new__(Lane)
        twin.session, twin.config, twin.name = self.session, self.config, self.name
        twin.optimizer = make_optimizer(self.config.optimizer)  # its state comes next
        twin.enabled = True
        twin.history = twin.param_history = twin.residuals = _DISCARD
        twin.traces = Traces(maxlen=1)
        twin.max_checkpoints = 0
        twin._hparam_log = self._hparam_log  # read, never changed, by a replay
        twin._checkpoints = []
        twin._checkpoint_every = _NEVER
        twin._floats = self._floats
        twin._resume(self._nearest_checkpoint(k))
        return twin

    def trace_at(self, k: int) -> StepTrace | None:
        """The trace of step k (1 <= k <= t), replayed on a scratch copy if it is no longer
        kept: the lane is unchanged."""
        if not 1 <= k <= self.t:
            return None
        for tr in reversed(self.traces):
            if tr.t == k:
                return tr
        scratch = self._scratch(k - 1)
        n = k - scratch.t
        with np.errstate(all="ignore"):
            scratch._advance(n, traced_from=n - 1)
        return scratch.traces[-1] if scratch.traces else None

    def params_at(self, k: int) -> np.ndarray:
        """The parameters after k steps (0 <= k <= t)."""
        if k == 0:
            return self.session.start.copy()
        tr = self.trace_at(k)
        if tr is None:
            raise ValueError(f"step {k} is outside 0..{self.t}")
        return np.array(tr.values.get("p_projected", tr.values["p_after"]))
