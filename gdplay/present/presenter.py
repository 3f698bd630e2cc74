"""The presenter: the Session and everything between it and the pictures, without Qt.

It holds the session, the run settings it was made from, the network's slice plane, the
run counter (a new run at every new session, reset or new start), the breakpoints and
whether the session differs from the file saved. Its plain methods do one command each;
a command it refuses raises :class:`Refused` (nothing changed), a failure inside one
raises :class:`Failed`. The worker (gdplay/ui/worker.py) calls them in its thread and
turns their results into signals.
"""

from __future__ import annotations

import copy
import traceback
from dataclasses import replace

import numpy as np

from ..engine.checks import gradient_check
from ..engine.session import Breakpoint, LaneConfig, Session
from ..persist import load_session, save_session
from ..run_settings import LaneSettings, RunSettings, check_color, with_colors
from ..settings import SettingsError
from .curves import CURVE_POINTS, TRAJECTORY_POINTS, decimate_curve, stride, thin_path
from .inspect import inspect_step
from .landscape import SliceJob, path_cell, problem_map, slice_plane
from .snapshots import Inspection, LandscapeData, LaneSnapshot, Snapshot

__all__ = ["Presenter", "Refused", "Failed"]


class Refused(Exception):
    """A command refused, with the reason: nothing changed."""


class Failed(Exception):
    """A command failed part-way (a step, a replay): the text says where and why."""


class Presenter:
    """The session and its pictures; every method runs in one thread (the worker's)."""

    def __init__(self):
        self.session: Session | None = None
        self.settings = RunSettings()  # of the session, kept up to date with its lanes
        self.plane = None          # a network's slice plane, None for 1D and 2D problems
        self.path_cell = 0.0       # trajectories are thinned to this size in view units
        self.run = 0               # see Snapshot.run
        self.breakpoints: list[Breakpoint] = []
        self._curves: dict[int, tuple] = {}  # see snapshot
        # changes to the session, counted: those saved by the user and by the autosave
        self._changes = 0
        self._saved_changes = 0
        self._autosaved_changes = 0

    @property
    def modified(self) -> bool:
        """The session differs from the file saved or opened."""
        return self._changes != self._saved_changes

    def touch(self) -> None:
        """The session changed: unsaved from now on."""
        self._changes += 1

    # --- the session ---------------------------------------------------------------------
    def configure(self, settings: RunSettings) -> None:
        """A new session from ``settings`` (a reset); refused if they do not validate."""
        try:
            settings = settings.validate(where=None)
            session = settings.session()
        except (ValueError, TypeError) as exc:
            raise Refused(str(exc)) from None
        first = self.session is None
        self.use_session(session)
        self.settings = settings
        if not first:  # the window's first setting is not a change of the user's
            self.touch()

    def _give_colors(self) -> None:
        """A colour for each lane without one (a fork, a file saved without): by the rule
        the controls follow, so the lane list and the plots agree."""
        lanes = self.session.lanes
        for lane, color in zip(lanes, with_colors([lane.config.color for lane in lanes])):
            lane.config.color = color

    def _lanes_changed(self) -> None:
        """The settings follow the session's lanes (hyperparameters changed mid-run, a
        fork, a colour, on/off), so a saved file and the window agree with the run."""
        self.settings = self.settings.replace(lanes=tuple(
            LaneSettings.from_config(lane.config).replace(enabled=lane.enabled)
            for lane in self.session.lanes))

    def use_session(self, session: Session) -> None:
        """The new session in place of the old, whose lanes are let go now: a lane and
        its session refer to each other, and replaced sessions (their buffers 7 MB a
        lane) would wait for Python's cycle collector."""
        old, self.session = self.session, session
        if old is not None and old is not session:
            old.lanes.clear()
        self._curves = {}
        self.run += 1

    def reset(self) -> None:
        self.session.reset()
        self.run += 1
        self.touch()

    def set_start(self, start) -> None:
        try:
            self.session.reset(start=start)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        self.settings = self.settings.replace(start=tuple(map(float, self.session.start)))
        self.run += 1
        self.touch()

    def set_hparams(self, name: str, changes: dict) -> None:
        """New hyperparameters for one lane, from its next step on (no reset)."""
        try:
            self.session.lane(name).set_hparams(**changes)
        except (KeyError, ValueError) as exc:
            raise Refused(str(exc)) from None
        self._lanes_changed()
        self.touch()

    def set_enabled(self, name: str, enabled: bool) -> bool:
        """Switch a lane on or off; False if there is no such lane."""
        try:
            self.session.lane(name).enabled = bool(enabled)
        except KeyError:
            return False
        self._lanes_changed()
        self.touch()
        return True

    def set_color(self, name: str, color: str) -> bool:
        """A lane's colour, #rrggbb (saved with the session); False if there is no such
        lane, Refused if it is not a colour."""
        try:
            lane = self.session.lane(name)
        except KeyError:
            return False
        try:
            lane.config.color = check_color(color, "colour", name)
        except SettingsError as exc:
            raise Refused(str(exc)) from None
        self._lanes_changed()
        self.touch()
        return True

    def set_breakpoints(self, breakpoints: list) -> None:
        self.breakpoints = [b for b in breakpoints if b.enabled]
        self.touch()

    def step(self, n: int, trace: bool) -> tuple[int, list, str | None]:
        """n steps of every running lane: (steps taken, breakpoints hit, the error text if
        a step raised). ``trace``: trace every step, else only a batch's last."""
        s = self.session
        self.touch()
        before = s.step_count
        hits, error = [], None
        try:
            if self.breakpoints:
                hits = s.step(n, trace=True, breakpoints=self.breakpoints)
            elif trace:
                s.step(n, trace=True)
            elif n >= 1:
                # trace only the last step of a batch: the inspector shows the newest one
                s.step(n, trace=False, trace_last=True)
        except Exception as exc:  # noqa: BLE001 - a bug in a step must not end the app
            lanes = ", ".join(f"{l.name} (step {l.t})" for l in s.lanes)
            error = (f"{type(exc).__name__}: {exc} in {lanes}\n"
                     + traceback.format_exc(limit=4))
        return s.step_count - before, hits, error

    def running(self) -> bool:
        """Some lane can still step."""
        return self.session is not None and any(l.running for l in self.session.lanes)

    # --- the debugger --------------------------------------------------------------------
    def inspect(self, name: str, k: int) -> Inspection | None:
        """What lane ``name`` did at step k (None: no such lane)."""
        s = self.session
        try:
            lane = s.lane(name)
        except KeyError:
            return None
        k = max(0, min(int(k), lane.t))
        try:
            return inspect_step(s, lane, k, self.to_view, self.run)
        except Exception as exc:  # noqa: BLE001
            raise Failed(f"{type(exc).__name__} while inspecting step {k}: {exc}") from None

    def continue_from(self, k: int) -> None:
        """Every lane back to its exact state after step k; the future is replaced."""
        try:
            self.session.restore(k)
        except Exception as exc:  # noqa: BLE001 - replay of a bad history must not end the app
            raise Failed(f"{type(exc).__name__} while going back to step {k}: {exc}") from None
        finally:
            self.touch()

    def fork(self, name: str, k: int, hparams) -> LaneConfig:
        """A new lane continuing lane ``name`` from step k; a copy of its config."""
        try:
            twin = self.session.fork_lane(name, k, hparams or None)
        except (KeyError, ValueError) as exc:
            raise Refused(str(exc)) from None
        self._give_colors()
        self._lanes_changed()
        self.touch()
        return copy.deepcopy(twin.config)

    def check_gradient(self, name: str) -> dict:
        s = self.session
        try:
            w = s.lane(name).w
        except KeyError:
            raise Refused(f"no lane named {name!r}") from None
        return gradient_check(s.problem, w)

    # --- files ---------------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Save the whole session atomically; SettingsError if it cannot be written."""
        save_session(path, self.session, self.breakpoints)
        self._saved_changes = self._changes

    def autosave(self, path: str) -> bool:
        """Save to the autosave file if anything changed since the last autosave (the
        session still counts as unsaved); False if nothing had changed."""
        if self._changes == self._autosaved_changes:
            return False
        save_session(path, self.session, self.breakpoints)
        self._autosaved_changes = self._changes
        return True

    def load(self, path: str, restored: bool) -> tuple[RunSettings, list]:
        """Replace the session by the one in ``path`` (``restored``: the autosave, whose
        content was never saved by the user); SettingsError if it cannot be read, and
        nothing changed. A copy of its settings and its breakpoints."""
        try:
            session, breakpoints = load_session(path)
        except MemoryError:  # a file within the size limit, too large for this machine
            raise SettingsError(f"{path}: not enough memory to open it") from None
        self._changes += 1
        self._autosaved_changes = self._changes
        if not restored:
            self._saved_changes = self._changes
        self.use_session(session)
        self._give_colors()
        self.breakpoints = [b for b in breakpoints if b.enabled]
        p = session.problem
        self.settings = replace(self.settings, problem=p.name, options=p.options(),
                                start=tuple(session.start.tolist()))
        self._lanes_changed()
        return self.settings, breakpoints

    # --- the map -------------------------------------------------------------------------
    def set_slice(self, spec: dict) -> None:
        """Choose the network's slice plane: random, axes (i, j), or pca (of lane 0);
        Refused if the spec is not one."""
        try:
            settings = self.settings.replace(slice=spec).validate(where=None)
        except SettingsError as exc:
            raise Refused(str(exc)) from None
        self.settings = self.settings.replace(slice=settings.slice)

    def set_speed(self, steps_per_second: float) -> None:
        """The speed the settings hold (the worker paces the run)."""
        self.settings = self.settings.replace(speed=max(0.0, float(steps_per_second)))

    def landscape(self) -> LandscapeData | SliceJob | None:
        """The map of the session's problem, or for a network the job that makes it a
        piece at a time (see :meth:`landscape_shown`); Refused if it cannot be made."""
        self.plane = None  # the old problem's plane (a refused PCA slice kept it)
        s = self.session
        if s is None:
            return None
        p = s.problem
        try:
            if p.dim > 2:
                plane, a, labels, title, explained = slice_plane(p, s, self.settings.slice)
                self.plane = plane
                return SliceJob(p, plane, a, labels, title, explained)
            return problem_map(p, s.start)
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise Refused(str(exc)) from None

    def landscape_shown(self, data: LandscapeData) -> None:
        """The map the views show from now on: paths are thinned to its scale."""
        self.path_cell = path_cell(data)

    def to_view(self, rows: np.ndarray) -> np.ndarray:
        """Parameter rows to landscape coordinates (identity in 1D/2D, the plane otherwise)."""
        if self.session.problem.dim <= 2:
            return rows
        if self.plane is None:
            return np.zeros((rows.shape[0], 2))
        return self.plane.project(rows)

    # --- snapshots -----------------------------------------------------------------------
    def snapshot(self, serial: int, running: bool, steps_per_second: float) -> Snapshot:
        """The session now, as the views draw it: immutable copies, loss curves and paths
        decimated."""
        s = self.session
        problem = s.problem
        lanes = []
        data_x = data_y = None
        network = problem.kind == "network"
        if network:
            data_x = problem.data.X
            data_y = problem.data.Y[:, 0]
        curves = {}  # each lane's loss-curve picks, kept while its history only grows
        for lane in s.lanes:
            buf = lane.history
            entry = self._curves.get(id(buf))  # holds buf: its id is not reused meanwhile
            kept = entry[2] if entry and entry[0] is buf and entry[1] == buf.revision else {}
            curves[id(buf)] = (buf, buf.revision, kept)
            hist = buf.rows
            steps, values = decimate_curve(hist[:, 0], hist[:, 1], CURVE_POINTS, kept)
            # a short history is sent whole; a long one as picks of whole buckets, then
            # the rows after them, which a later bucket replaces
            final = len(steps) if len(hist) <= CURVE_POINTS else len(kept["picks"])
            params = stride(lane.param_history.rows, TRAJECTORY_POINTS)
            with np.errstate(all="ignore"):
                trajectory = thin_path(self.to_view(params[:, 2:]), self.path_cell)
                point = self.to_view(lane.w[None, :])[0]
                prediction = problem.predict(lane.w)[:, 0] if network else None
            lanes.append(LaneSnapshot(
                name=lane.name, optimizer=lane.config.optimizer, color=lane.config.color,
                enabled=lane.enabled, status=lane.status, status_text=lane.status_text(),
                t=lane.t, loss=lane.loss, grad_norm=lane.grad_norm, w=lane.w.copy(),
                grad=np.array(lane.grad, copy=True), loss_steps=steps, loss_values=values,
                trajectory=trajectory, point=point, diverged_at=lane.diverged_at,
                # not the trace itself: it fills itself in when first read, and the worker
                # may read it at the same time (an inspection)
                prediction=prediction, last_lr=lane.traces[-1].lr if lane.traces else None,
                drawing=self._drawing(lane), loss_final=final))
        self._curves = curves
        return Snapshot(serial, s.step_count, running, steps_per_second, problem.name,
                        problem.kind, tuple(lanes), data_x, data_y, self.run)

    def _drawing(self, lane) -> dict | None:
        """What the optimizer draws beside its path (Optimizer.drawing) with its points in
        map coordinates, and the rows its lane recorded; None when it draws nothing."""
        drawing = lane.optimizer.drawing()
        if drawing is None:
            return None
        names = list(drawing.get("points", {}))
        points = {}
        if names:
            with np.errstate(all="ignore"):
                shown = self.to_view(np.vstack([drawing["points"][n] for n in names]))
            points = dict(zip(names, shown))
        return {**drawing, "points": points, "records": lane.residuals.rows.copy()}
