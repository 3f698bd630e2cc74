"""Sessions: several lanes racing on one problem, in lockstep, with history and replay.

Every lane starts from the same point and, at step t, is shown the problem's
``loss_grad_at_step(w, t)``: the same minibatch and the same gradient noise for all, a
fair race. A lane whose loss, gradient or parameters become non-finite, or whose
parameters leave ``param_bound``, stops with status "diverged" and a reason; the others
go on. Nothing here raises on bad numbers, and no NumPy warning escapes.

History row k of a lane describes the parameters after k steps: step k, the loss and the
gradient norm the optimizer saw there, and the parameters. Memory stays bounded however
long the run (see :class:`DecimatingBuffer`). Checkpoints every few steps let any past
step be restored exactly by replay, including hyperparameter changes made along the way.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .optimizers import Optimizer, StepTrace, make_optimizer
from .problems import Problem, norm2

__all__ = ["Breakpoint", "BreakpointHit", "BREAKPOINT_KINDS", "DecimatingBuffer", "Lane",
           "LaneConfig", "Session"]

# NumPy lets go of the GIL for a copy of more than 500 values (and for any BLAS call, fancy
# indexing, argmin...). A thread that lets go of it briefly and often, with Python between,
# keeps it from a thread waiting for it: CPython's waiter starts its timed wait anew at each
# release, so it never asks for the GIL, and the holder takes it straight back (measured,
# two lanes on Rosenbrock in batches of 128 steps: another thread's 2 ms sleep overslept by
# up to 243 ms; the window's timer was late by 51 ms at p99). The engine's loops on small
# problems keep to copies of at most this many values and to checks written without BLAS.
_COPY_FLOATS = 500

RUNNING = "running"
DIVERGED = "diverged"


class Traces(deque):
    """A lane's newest step traces, oldest first. Steps on floats add theirs raw (the
    tuple :meth:`StepTrace.from_raw` takes), made into a StepTrace when read: most are
    never read, and making and dropping one was a good part of a traced step on
    Rosenbrock (SGD: 269,056 -> 285,893 steps/s kept raw)."""

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


@dataclass
class LaneConfig:
    """What a lane runs: an optimizer by name, its hyperparameters and schedule, a name."""

    optimizer: str
    hparams: dict = field(default_factory=dict)
    name: str = ""
    schedule: dict | None = None
    color: str | None = None
    enabled: bool = True


BREAKPOINT_KINDS = {
    "loss_up": "the loss went up",
    "grad_norm_above": "the gradient norm rose above {value:g}",
    "non_finite": "a value became non-finite or left the bound",
    "loss_below": "the loss fell below {value:g}",
    "step": "step {value:g} was reached",
    "admm_converged": "the ADMM residuals are within tolerance",
}


@dataclass
class Breakpoint:
    """Pause when ``kind`` happens on lane ``lane`` (None: any lane)."""

    kind: str
    value: float | None = None
    lane: str | None = None
    enabled: bool = True

    def __post_init__(self):
        if self.kind not in BREAKPOINT_KINDS:
            raise ValueError(f"unknown breakpoint {self.kind!r}; choose one of "
                             f"{', '.join(BREAKPOINT_KINDS)}")
        if self.kind in ("grad_norm_above", "loss_below", "step"):
            if self.value is None or not math.isfinite(float(self.value)):
                raise ValueError(f"breakpoint {self.kind} needs a finite value")
            self.value = float(self.value)

    def describe(self) -> str:
        return BREAKPOINT_KINDS[self.kind].format(value=self.value or 0.0)

    def check(self, lane: "Lane", previous_loss: float) -> "BreakpointHit | None":
        if not self.enabled or (self.lane is not None and self.lane != lane.name):
            return None
        k = self.kind
        fired = False
        if k == "loss_up":
            fired = math.isfinite(lane.loss) and lane.loss > previous_loss
        elif k == "grad_norm_above":
            fired = lane._grad_norm > self.value
        elif k == "non_finite":
            fired = lane.status == DIVERGED and lane.diverged_at == lane.t
        elif k == "loss_below":
            fired = lane.loss < self.value
        elif k == "step":
            fired = lane.t == int(self.value)
        elif k == "admm_converged":
            st = lane.optimizer.state
            fired = bool(st.get("converged")) and st.get("inner") == 0 and st.get("outer", 0) > 0
        if not fired:
            return None
        return BreakpointHit(self, lane.name, lane.t,
                             f"{lane.name}, step {lane.t}: {self.describe()}")


@dataclass
class BreakpointHit:
    breakpoint: Breakpoint
    lane: str
    step: int
    message: str


@dataclass
class _Checkpoint:
    step: int
    w: np.ndarray
    opt_state: dict
    status: str
    reason: str
    diverged_at: int | None


# arrays of the problem's size in one step's trace (g, p_before, state before and after,
# intermediates, delta, p_after: up to ~14) and in one checkpoint (w and the state)
_TRACE_ARRAYS = 16
_CHECKPOINT_ARRAYS = 4


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
        # ADMM: step, primal and dual residuals and their tolerances, at each outer update
        self.residuals = DecimatingBuffer(5, 4096)
        self._hparam_log: list[tuple[int, dict]] = []  # (applied before step k+1, changes)
        self._checkpoints: list[_Checkpoint] = []
        self._checkpoint_every = session.checkpoint_every
        # one or two parameters: step on Python floats (see Optimizer.step_floats)
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

    def status_text(self) -> str:
        if self.status == DIVERGED:
            return f"diverged at step {self.diverged_at}: {self.reason}"
        return self.status

    def _evaluate(self) -> None:
        with np.errstate(all="ignore"):
            self._measure()

    def _measure(self) -> None:
        """Loss and gradient at (w, t), then the divergence check (caller holds errstate)."""
        loss, g = self.session.problem.loss_grad_at_step(self.w, self.t)
        self._loss = float(loss)
        self._grad = g
        self._grad_norm = norm2(g)  # NaN and inf pass through, never raise
        self._check()

    def _check(self) -> None:
        if self.status != RUNNING:
            return
        bound = self.session.param_bound
        w = self.w
        # the common case in one cheap pass: |w|_inf <= |w|_2 <= bound (NaN fails it)
        if (norm2(w) <= bound and math.isfinite(self._loss)
                and math.isfinite(self._grad_norm)):
            return
        biggest = float(np.max(np.abs(w))) if w.size else 0.0  # NaN if any is NaN
        if biggest <= bound and math.isfinite(self._loss) and math.isfinite(self._grad_norm):
            return
        reason = ""
        if not np.all(np.isfinite(w)):
            reason = "a parameter is not finite"
        elif biggest > bound:
            reason = f"a parameter left the bound |w| <= {bound:g} (|w| = {biggest:.3g})"
        elif not math.isfinite(self._loss):
            reason = f"the loss is not finite ({self._loss})"
        else:
            reason = "the gradient is not finite (or its norm overflows)"
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

    # --- stepping ------------------------------------------------------------------------
    def _advance_many(self, n: int, traced_from: int) -> None:
        """Up to ``n`` steps, stopping early if the lane stops running; steps from index
        ``traced_from`` on (0-based) are traced. Callers hold np.errstate(all="ignore"):
        bad numbers are the divergence check's business."""
        if self._floats:
            if n > 0 and self.running:
                self._advance_floats(n, traced_from)
            return
        # one or two parameters (ADMM-Adam, a projection): the history rows go into a list
        # and into the buffers at the end, as on floats
        rows: list[float] | None = [] if len(self.w) <= 2 else None
        try:
            for k in range(n):
                if not self.running:
                    break
                self._advance(k >= traced_from, rows)
        finally:
            if rows:
                self._record_rows(rows)

    def _record_rows(self, rows: list[float]) -> None:
        """History rows collected flat as (step, loss, grad norm, *w) after each step."""
        table = np.array(rows, dtype=np.float64).reshape(-1, 3 + len(self.w))
        self.history.extend(table[:, :3])
        self.param_history.extend(table, skip=2)  # step, loss, *w (see _COPY_FLOATS)

    def _advance(self, trace: bool, rows: list[float] | None = None) -> None:
        """One step; the lane must be running. Callers hold np.errstate(all="ignore"):
        bad numbers are the divergence check's business, never a warning. With ``rows``
        (one or two parameters) the history row is added to that list (see
        :meth:`_record_rows`) instead.

        This is the engine's innermost loop, so :meth:`_measure`, :meth:`_check` and
        :meth:`_record` are written out here for the common case."""
        if self._floats:
            self._advance_floats(1, 0 if trace else 1)
            return
        if self._hparam_log:
            self._apply_hparams(self.t)
        problem = self.session.problem
        w = self.w
        tr = self.optimizer.step(w, self._grad, trace)
        if problem.project is not None:
            problem.project(w)
            if tr is not None:
                tr.values["p_projected"] = w.copy()
        self.t = t = self.t + 1
        if tr is not None:
            self.traces.append(tr)
        loss, g = problem.loss_grad_at_step(w, t)
        self._loss = loss = float(loss)
        self._grad = g
        self._grad_norm = norm = norm2(g)
        bound = self.session.param_bound
        if rows is None:
            if not (norm2(w) <= bound and math.isfinite(loss) and math.isfinite(norm)):
                self._check()  # maybe diverged: the full check, with its reason
            self.history.append((t, loss, norm))
            self.param_history.append_parts(t, loss, w)
        else:
            wl = w.tolist()
            if not (math.hypot(*wl) <= bound and math.isfinite(loss) and math.isfinite(norm)):
                self._check()  # (norm2 of one or two numbers is this hypot)
            rows += (t, loss, norm, *wl)
        st = self.optimizer.state
        if "primal_residual" in st and st.get("inner") == 0:  # an ADMM outer update
            self.residuals.append((t, st["primal_residual"], st["dual_residual"],
                                   st["eps_pri"], st["eps_dual"]))
        if t % self._checkpoint_every == 0:
            self._checkpoint()

    def _advance_floats(self, n: int, traced_from: int) -> None:
        """Up to ``n`` steps on Python floats (one or two parameters, no projection, an
        optimizer written as a kernel), tracing those from index ``traced_from`` on: the
        same numbers as :meth:`_advance`, several times faster. The parameters, gradient
        and history rows live in locals and lists during the run and are written back at
        the end, or before a checkpoint or a full check."""
        problem = self.session.problem
        opt = self.optimizer
        bound = self.session.param_bound
        traces = self.traces
        w = self.w.tolist()
        g = self._grad.tolist()
        t = self.t
        loss = self._loss
        norm = self._grad_norm
        rows: list[float] = []  # flat: (step, loss, norm, *w) after each step
        add_row = rows.extend
        loss_grad = problem.loss_grad_floats_function()
        step = opt.step_floats

        def write_back():
            self.w = np.array(w, dtype=np.float64)
            self._grad = np.array(g, dtype=np.float64)
            self._loss, self._grad_norm, self.t = loss, norm, t

        try:
            for k in range(n):
                if self._hparam_log:
                    self._apply_hparams(t)
                w, tr = step(w, g, k >= traced_from, True)  # raw: see Traces
                t += 1
                if tr is not None:
                    traces.append(tr)
                loss, g = loss_grad(w, t)
                norm = math.hypot(*g)  # norm2 of a list
                add_row((t, loss, norm, *w))
                stopped = False
                if not (math.hypot(*w) <= bound and math.isfinite(loss)
                        and math.isfinite(norm)):
                    write_back()
                    self._check()  # maybe diverged: the full check, with its reason
                    stopped = self.status != RUNNING
                if t % self._checkpoint_every == 0:  # as _advance: even at the diverging step
                    write_back()
                    self._checkpoint()
                if stopped:
                    break
        finally:
            write_back()
            if rows:
                self._record_rows(rows)

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

    def restore(self, k: int) -> None:
        """Return to the exact state after ``k`` steps (0 <= k <= current step), by replay
        from the nearest checkpoint. History and traces after k are dropped."""
        if not 0 <= k <= self.t:
            raise ValueError(f"step {k} is outside 0..{self.t}")
        cp = max((c for c in self._checkpoints if c.step <= k), key=lambda c: c.step)
        self._checkpoints = [c for c in self._checkpoints if c.step <= cp.step]
        self.w = cp.w.copy()
        self.optimizer.set_state(cp.opt_state)
        self.t = cp.step
        self.status, self.reason, self.diverged_at = cp.status, cp.reason, cp.diverged_at
        self.history.truncate_after(cp.step)
        self.param_history.truncate_after(cp.step)
        self.residuals.truncate_after(cp.step)
        self.traces.clear()
        self._evaluate()
        keep_log = [(s, c) for s, c in self._hparam_log if s < k]
        self._hparam_log = keep_log
        # a lane switched off still replays to k (its steps until it was switched off are
        # history); _advance_many steps running lanes only, so it is on for the replay
        enabled, self.enabled = self.enabled, True
        try:
            with np.errstate(all="ignore"):
                while self.t < k and self.status == RUNNING:
                    self._advance_many(k - self.t, traced_from=0)
        finally:
            self.enabled = enabled


    def trace_at(self, k: int) -> StepTrace | None:
        """The trace of step k (1 <= k <= t), replayed on copies: the lane is unchanged."""
        if not 1 <= k <= self.t:
            return None
        for tr in reversed(self.traces):
            if tr.t == k:
                return tr
        cp = max((c for c in self._checkpoints if c.step <= k - 1), key=lambda c: c.step)
        opt = make_optimizer(self.config.optimizer)
        opt.set_state(cp.opt_state)
        w = cp.w.copy()
        problem = self.session.problem
        tr = None
        with np.errstate(all="ignore"):
            for t in range(cp.step, k):
                for step, changes in self._hparam_log:
                    if step == t:
                        opt.set_hparams(**changes)
                _, g = problem.loss_grad_at_step(w, t)
                tr = opt.step(w, g, trace=(t + 1 == k))
                if problem.project is not None:
                    problem.project(w)
                    if tr is not None:
                        tr.values["p_projected"] = w.copy()
        return tr

    def params_at(self, k: int) -> np.ndarray:
        """The parameters after k steps (0 <= k <= t)."""
        if k == 0:
            return self.session.start.copy()
        tr = self.trace_at(k)
        if tr is None:
            raise ValueError(f"step {k} is outside 0..{self.t}")
        return np.array(tr.values.get("p_projected", tr.values["p_after"]))


class Session:
    """One problem, several lanes, stepped in lockstep.

    ``history_capacity`` rows of (step, loss, grad_norm) per lane, and parameter rows up to
    ``param_history_floats`` floats per lane, both decimated when full; the last
    ``trace_capacity`` step traces; a checkpoint every ``checkpoint_every`` steps, at most
    ``max_checkpoints`` of them (the interval doubles when they run out). On large problems
    a lane keeps fewer traces and checkpoints: about ``trace_floats`` and
    ``checkpoint_floats`` floats of them (a 4-64-64-1 network: 30 traces, 120 checkpoints).
    """

    def __init__(self, problem: Problem, lanes: list[LaneConfig] | None = None,
                 start: np.ndarray | None = None, *, history_capacity: int = 1 << 17,
                 param_history_floats: int = 1 << 19, trace_capacity: int = 256,
                 checkpoint_every: int = 100, max_checkpoints: int = 256,
                 param_bound: float = 1e6, trace_floats: int = 1 << 21,
                 checkpoint_floats: int = 1 << 21):
        self.problem = problem
        self.history_capacity = history_capacity
        self.param_history_floats = param_history_floats
        self.trace_capacity = trace_capacity
        self.trace_floats = trace_floats
        self.checkpoint_floats = checkpoint_floats
        self.checkpoint_every = checkpoint_every
        self.max_checkpoints = max_checkpoints
        self.param_bound = param_bound
        self.start = self._check_start(problem.x0 if start is None else start)
        self.lanes: list[Lane] = []
        for config in lanes or []:
            self.add_lane(config)

    def _check_start(self, start) -> np.ndarray:
        start = np.array(start, dtype=np.float64).reshape(-1)
        if start.shape != (self.problem.dim,):
            raise ValueError(f"the start needs {self.problem.dim} values, got {start.size}")
        if not np.all(np.isfinite(start)):
            raise ValueError("the start must be finite")
        if np.max(np.abs(start), initial=0.0) > self.param_bound:
            # every lane would stop as diverged at step 0
            raise ValueError(f"the start must lie within |w| <= {self.param_bound:g}")
        return start

    @property
    def step_count(self) -> int:
        """Steps taken by the lanes that ran furthest (all running lanes are level)."""
        return max((lane.t for lane in self.lanes), default=0)

    def lane(self, name: str) -> Lane:
        for lane in self.lanes:
            if lane.name == name:
                return lane
        raise KeyError(name)

    def _unique_name(self, base: str) -> str:
        names = {lane.name for lane in self.lanes}
        if base not in names:
            return base
        i = 2
        while f"{base} #{i}" in names:
            i += 1
        return f"{base} #{i}"

    def add_lane(self, config: LaneConfig) -> Lane:
        """Add a lane starting from the session's start (at step 0)."""
        config.name = self._unique_name(config.name or config.optimizer)
        lane = Lane(self, config)
        self.lanes.append(lane)
        return lane

    def remove_lane(self, name: str) -> None:
        self.lanes.remove(self.lane(name))

    def step(self, n: int = 1, trace: bool = True,
             breakpoints: "list[Breakpoint] | tuple" = (), *,
             trace_last: bool = False) -> list[BreakpointHit]:
        """Advance every running lane ``n`` steps, tracing each step (``trace``) or only
        the last (``trace_last``: the newest, which the inspector shows; the same traces as
        ``step(n - 1, False)`` then ``step(1)``, in one call); with breakpoints, stop after
        the first step at which any fires and return what fired (all lanes stay level)."""
        with np.errstate(all="ignore"):
            return self._step(n, trace, [b for b in breakpoints if b.enabled], trace_last)

    def _step(self, n: int, trace: bool, active: list,
              trace_last: bool = False) -> list[BreakpointHit]:
        traced_from = 0 if trace else (n - 1 if trace_last else n)
        if not active:
            for lane in self.lanes:
                lane._advance_many(n, traced_from)
            return []
        for k in range(n):
            moved = []
            for lane in self.lanes:
                if lane.running:
                    before = lane.loss
                    lane._advance(k >= traced_from)
                    moved.append((lane, before))
            if not moved:
                break
            hits = [hit for lane, before in moved for b in active
                    if (hit := b.check(lane, before)) is not None]
            if hits:
                return hits
        return []

    def fork_lane(self, name: str, k: int, hparams: dict | None = None,
                  new_name: str | None = None) -> Lane:
        """A new lane that continues lane ``name`` from its exact state after step k,
        optionally with other hyperparameters; the original lane is untouched."""
        source = self.lane(name)
        if hparams:  # validate before copying anything
            make_optimizer(source.config.optimizer, **{**source.optimizer.hparams, **hparams})
        twin = copy.deepcopy(source, {id(self): self})
        twin.config = copy.deepcopy(source.config)
        twin.name = twin.config.name = self._unique_name(new_name or f"{name} from {k}")
        twin.config.color = None
        twin.restore(k)
        if hparams:
            twin.set_hparams(**hparams)
        self.lanes.append(twin)
        return twin

    def reset(self, start: np.ndarray | None = None) -> None:
        """Back to step 0 (at ``start`` if given, else the same start), same data."""
        if start is not None:
            self.start = self._check_start(start)
        for lane in self.lanes:
            lane._hparam_log.clear()
            lane._reset_to(self.start)

    def restore(self, k: int) -> None:
        """Every lane back to its exact state after step k (lanes that stopped earlier
        stay where they stopped)."""
        for lane in self.lanes:
            lane.restore(min(k, lane.t))

    def run_until(self, steps: int, trace: bool = False) -> None:
        """Step until ``steps`` steps are done or no lane runs."""
        while self.step_count < steps and any(l.running for l in self.lanes):
            self.step(min(1000, steps - self.step_count), trace=trace)
