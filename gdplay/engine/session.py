"""Sessions: several lanes racing on one problem, in lockstep, with history and replay.

Every lane starts from the same point and, at step t, is shown the problem's
``loss_grad_at_step(w, t)``: the same minibatch and the same gradient noise for all, a
fair race. A lane whose numbers go bad stops as "diverged" with a reason; the others go
on. Nothing here raises on bad numbers, and no NumPy warning escapes. Memory stays
bounded however long the run (see :class:`DecimatingBuffer`).

A lane and its records live in :mod:`.lane` and :mod:`.history`, breakpoints in
:mod:`.breakpoints`; this module exports them all, as before.
"""

from __future__ import annotations

import copy
import re

import numpy as np

from .breakpoints import BREAKPOINT_KINDS, Breakpoint, BreakpointHit
from .history import DecimatingBuffer
from .lane import Lane, LaneConfig
from .optimizers import make_optimizer
from .problems import Problem, make_problem

__all__ = ["Breakpoint", "BreakpointHit", "BREAKPOINT_KINDS", "DecimatingBuffer", "Lane",
           "LaneConfig", "Session", "unique_name", "check_start", "MAX_NAME", "PARAM_BOUND"]

MAX_NAME = 64        # characters of a lane name: names the engine makes stay within it
PARAM_BOUND = 1e6    # a lane whose parameters leave |w| <= this stops as diverged


def unique_name(name: str, taken, default: str = "") -> str:
    """``name`` if it is not empty and not ``taken``. Else, when it is empty, ``default``
    if free; then the name without a " #k" ending followed by " #2", " #3"... (a copy of
    "adam" is "adam #2", of "adam #2" "adam #3"). The one rule for lane names; a name it
    makes is at most MAX_NAME characters."""
    if name and name not in taken:
        return name
    if not name and default not in taken:
        return default
    base = re.sub(r" #\d+\Z", "", name) or default
    k = 2
    while True:
        suffix = f" #{k}"
        made = base[:MAX_NAME - len(suffix)] + suffix
        if made not in taken:
            return made
        k += 1


def fork_name(name: str, k: int) -> str:
    """"adam from 10": the lane it came from and the step, the name shortened with "…"
    to keep within MAX_NAME (forks of forks would grow without end)."""
    suffix = f" from {k}"
    if len(name) + len(suffix) > MAX_NAME:
        name = name[:MAX_NAME - len(suffix) - 1] + "…"
    return name + suffix


def check_start(start, dim: int, bound: float = PARAM_BOUND) -> np.ndarray:
    """The start as a float64 vector of ``dim`` finite values within ``bound``, or
    ValueError saying which."""
    start = np.array(start, dtype=np.float64).reshape(-1)
    if start.shape != (dim,):
        raise ValueError(f"the start needs {dim} values, got {start.size}")
    if not np.all(np.isfinite(start)):
        raise ValueError("the start must be finite")
    if np.max(np.abs(start), initial=0.0) > bound:
        # every lane would stop as diverged at step 0
        raise ValueError(f"the start must lie within |w| <= {bound:g}")
    return start


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
                 param_bound: float = PARAM_BOUND, trace_floats: int = 1 << 21,
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
        return check_start(start, self.problem.dim, self.param_bound)

    # --- state_dict ----------------------------------------------------------------------
    _SETTINGS = ("history_capacity", "param_history_floats", "trace_capacity",
                 "checkpoint_every", "max_checkpoints", "param_bound", "trace_floats",
                 "checkpoint_floats")

    def state_dict(self) -> dict:
        """Everything needed to continue exactly, as plain values and NumPy arrays: the
        problem (name and options), the start, the session's settings and each lane's
        :meth:`Lane.state_dict`."""
        return {"problem": self.problem.name, "options": self.problem.options(),
                "start": self.start.copy(),
                "settings": {name: getattr(self, name) for name in self._SETTINGS},
                "lanes": [lane.state_dict() for lane in self.lanes]}

    @classmethod
    def from_state_dict(cls, sd: dict, problem: Problem | None = None) -> "Session":
        """The session ``sd`` describes (from :meth:`state_dict`, or read from a file; a
        missing ``settings`` entry takes its default), on ``problem`` if given, else on
        the one named there. Everything is checked: ValueError naming the entry, e.g.
        ``lanes[0].w must hold 2 numbers (the problem's size), got 3``."""
        for key in ("lanes",) + (() if problem is not None else ("problem",)):
            if key not in sd:
                raise ValueError(f"{key} is missing")
        if problem is None:
            problem = make_problem(sd["problem"], **sd.get("options", {}))
        settings = sd.get("settings", {})
        unknown = sorted(set(settings) - set(cls._SETTINGS))
        if unknown:
            raise ValueError(f"settings has unknown entry {', '.join(map(repr, unknown))}")
        if settings.get("checkpoint_every", 1) < 1:
            raise ValueError("settings.checkpoint_every must be at least 1")
        session = cls(problem, [], sd.get("start"), **settings)
        for i, lane_sd in enumerate(sd["lanes"]):
            if not isinstance(lane_sd, dict) or "optimizer" not in lane_sd:
                raise ValueError(f"lanes[{i}].optimizer is missing")
            try:
                lane = session.add_lane(LaneConfig(
                    lane_sd["optimizer"], dict(lane_sd.get("hparams", {})),
                    lane_sd.get("name", ""), lane_sd.get("schedule"), lane_sd.get("color"),
                    lane_sd.get("enabled", True)))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"lanes[{i}]: {exc}") from None
            lane.load_state_dict(lane_sd, f"lanes[{i}]")
        return session

    @property
    def step_count(self) -> int:
        """Steps taken by the lanes that ran furthest (all running lanes are level)."""
        return max((lane.t for lane in self.lanes), default=0)

    def lane(self, name: str) -> Lane:
        for lane in self.lanes:
            if lane.name == name:
                return lane
        raise KeyError(name)

    def _unique_name(self, name: str, default: str = "") -> str:
        return unique_name(name, {lane.name for lane in self.lanes}, default)

    def add_lane(self, config: LaneConfig) -> Lane:
        """Add a lane starting from the session's start (at step 0), its name made unique
        (see :func:`unique_name`)."""
        config.name = self._unique_name(config.name, config.optimizer)
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
                lane._advance(n, traced_from)
            return []
        for k in range(n):
            moved = []
            for lane in self.lanes:
                if lane.running:
                    before = lane.loss
                    lane._advance(1, 0 if k >= traced_from else 1)
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
        twin.name = twin.config.name = self._unique_name(new_name or fork_name(name, k))
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
