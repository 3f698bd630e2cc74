"""The worker: owns the engine's Session in its own QThread and publishes snapshots.

Commands arrive as queued slot calls and take effect at the next step boundary, because
the run loop is a QTimer in the worker's thread that steps in short batches and then
returns to the event loop. Snapshots (immutable copies, decimated for drawing) go out at
most ``MAX_PUBLISH_HZ`` times a second however fast the engine steps, and no faster than
the window takes them (see :meth:`SessionWorker.snapshot_taken`), and at once after a
command. The views never touch the Session; the worker never touches a widget.
"""

from __future__ import annotations

import copy
import math
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ..engine import landscape as ls
from ..engine.checks import gradient_check
from ..engine.explain import explain_backprop, explain_chain_rule
from ..engine.network import MAX_PASS_WORK
from ..engine.optimizers import StepTrace
from ..engine.problems import make_problem
from ..engine.session import Breakpoint, LaneConfig, Session
from ..persist import load_session, save_session
from ..settings import SettingsError

__all__ = ["SessionConfig", "LaneSnapshot", "Snapshot", "LandscapeData", "Inspection",
           "SessionWorker", "MAX_SPEED"]

MAX_PUBLISH_HZ = 60
MAX_SPEED = 0.0          # steps per second; 0 means as fast as possible
_BATCH_BUDGET_S = 0.008  # at full speed, step for this long, then let commands in
_SLICE_S = 0.001         # ... in slices this long, giving way to a paint between slices
_GIVE_WAY_S = 0.1        # the longest the worker waits for the window to finish a paint
_YIELD_S = 0.004         # at full speed, let go of the GIL at least this often
_UNTAKEN_REPUBLISH_S = 0.25  # a receiver that never calls snapshot_taken gets 4 a second
_SLICE_PIECE_S = 0.02    # a network's landscape is computed in pieces this long: a command
                         # (pause, a change, closing) waits at most one piece
_PASS_S = 0.05           # about what a pass of network.MAX_PASS_WORK takes
_SLICE_PIECE_FLOATS = 1 << 22  # 32 MB of points a piece at most
_SLICE_AT_ONCE = 4       # pieces: a landscape of at most this much is computed at once
_BACKLOG_S = 0.25        # at a set speed, steps further behind than this are dropped, not
                         # caught up in one long tick (a network slower than the speed asked)
_CURVE_POINTS = 1200     # loss-curve points per lane in a snapshot (min and max of 600 buckets)
_TRAJECTORY_POINTS = 1000
# The worker's steps are pure Python (1D and 2D problems step on Python floats), which never
# lets go of the GIL by itself: the window's thread, asking for it to run a timer or take a
# snapshot, would wait out CPython's default 5 ms switch interval every time. 1 ms keeps
# the window's thread responsive; the worker loses a few per cent of its steps to it.
_SWITCH_INTERVAL_S = 0.001


@dataclass
class SessionConfig:
    """Everything that defines a run: changing any of it resets the session."""

    problem: str = "rosenbrock"
    options: dict = field(default_factory=dict)
    lanes: list[LaneConfig] = field(default_factory=list)
    start: list[float] | None = None
    slice: dict = field(default_factory=lambda: {"kind": "random"})


@dataclass(frozen=True)
class LaneSnapshot:
    name: str
    optimizer: str
    color: str | None
    enabled: bool
    status: str
    status_text: str
    t: int
    loss: float
    grad_norm: float
    w: np.ndarray
    grad: np.ndarray
    loss_steps: np.ndarray
    loss_values: np.ndarray
    trajectory: np.ndarray       # (k, 2) in landscape coordinates, (k, 1) for 1D
    point: np.ndarray            # the current point in landscape coordinates
    diverged_at: int | None
    prediction: np.ndarray | None
    last_trace: StepTrace | None
    admm: dict | None = None     # z, u (view coordinates), residual rows, regularizer
    # how many leading loss points later snapshots repeat unchanged while the history only
    # grows and its bucket size stays (see _decimate_curve): the loss view caches them
    loss_final: int = 0


@dataclass(frozen=True)
class Snapshot:
    serial: int
    step: int
    running: bool
    steps_per_second: float
    problem: str
    kind: str
    lanes: tuple[LaneSnapshot, ...]
    data_x: np.ndarray | None = None   # for the fit view (networks)
    data_y: np.ndarray | None = None
    run: int = 0  # which run: a new one at every new session, reset or new start


@dataclass(frozen=True)
class Inspection:
    """One lane at one step k, for the inspector: the step's trace (None at k = 0), the
    point and loss after it, and the chain-rule terms where the problem has them."""

    lane: str
    step: int
    trace: StepTrace | None
    point: np.ndarray
    loss: float
    parameter_names: tuple[str, ...]
    groups: dict
    chain: tuple[str, ...] = ()
    run: int = 0          # the Snapshot.run it belongs to
    params: np.ndarray | None = None  # the parameters at the step (listed at step 0)


@dataclass(frozen=True)
class LandscapeData:
    """What the landscape view draws; computed by the engine in the worker thread."""

    kind: str                 # "1d", "2d" or "slice"
    x: np.ndarray
    y: np.ndarray             # 1D: f(x); 2D: the grid's y axis
    z: np.ndarray | None      # 2D: z[i, j] = f(x[j], y[i]) (maybe log-scaled), else None
    log_scale: bool
    zmin: float
    segments: np.ndarray      # contour lines as point pairs
    minima: np.ndarray        # (m, 2) or (m, 1)
    start: np.ndarray
    labels: tuple[str, str]
    title: str
    explained: tuple[float, float] | None = None


_NO_PICKS = np.empty(0, dtype=np.intp)


def _decimate_curve(steps: np.ndarray, values: np.ndarray, n: int, kept: dict | None = None):
    """At most about n points: the rows split into buckets of a power-of-two size, at most
    n // 2 of them, and each bucket's lowest and highest value kept (peaks survive), then
    the rows after the last whole bucket.

    ``kept`` (the same dict at each call for one history, a new one when the history's
    rows changed other than by appending) carries the picks of whole buckets from one call
    to the next: while the bucket size stays, only the new rows are looked at, not the
    whole history (five lanes at 131,072 rows: the loss curves were 1.2 of a snapshot's
    1.4 ms)."""
    if steps.size <= n:
        return steps.copy(), values.copy()
    size = 1 << max(0, math.ceil(math.log2(steps.size / (n // 2))))
    buckets = steps.size // size
    m = buckets * size
    done, picks = 0, _NO_PICKS
    if kept is not None and kept.get("size") == size and kept["buckets"] <= buckets:
        done, picks = kept["buckets"], kept["picks"]
    if done < buckets:
        v = values[done * size:m].reshape(buckets - done, size)
        with np.errstate(all="ignore"):
            total = float(v.sum())
        if math.isfinite(total):  # every value finite (one that is not makes it inf or nan)
            lo = np.argmin(v, axis=1)
            hi = np.argmax(v, axis=1)
        else:  # non-finite values are never picked while a bucket has a finite one
            ok = np.isfinite(v)
            lo = np.argmin(np.where(ok, v, np.inf), axis=1)
            hi = np.argmax(np.where(ok, v, -np.inf), axis=1)
        start = np.arange(done, buckets) * size
        new = np.stack([np.minimum(lo, hi) + start, np.maximum(lo, hi) + start], axis=1)
        picks = np.concatenate([picks, new.reshape(-1)])
    if kept is not None:
        kept.update(size=size, buckets=buckets, picks=picks)
    idx = np.concatenate([picks, np.arange(m, steps.size)])
    return steps[idx], values[idx]


def _thin_path(points: np.ndarray, cell: float) -> np.ndarray:
    """Drop each point that lies in the same ``cell``-sized square as the one before it
    (first and last kept): at a cell well under a pixel the drawn path looks the same,
    and a run crawling along a valley costs a few points instead of hundreds."""
    if points.shape[0] <= 2 or not cell > 0 or not math.isfinite(cell):
        return points
    with np.errstate(all="ignore"):
        q = np.floor(points / cell)
    keep = np.ones(points.shape[0], dtype=bool)
    keep[1:-1] = np.any(q[1:-1] != q[:-2], axis=1)
    return points[keep]


def _stride(rows: np.ndarray, n: int) -> np.ndarray:
    """At most about n rows: every k-th row, k a power of two, and the last row.

    While rows are appended, the rows picked before stay picked until k doubles, so one
    snapshot's path begins with the previous one's (the view draws that part from a cache).
    """
    size = rows.shape[0]
    if size <= n:
        return rows.copy()
    k = 1 << math.ceil(math.log2(size / n))
    picked = rows[::k]
    if (size - 1) % k:
        picked = np.vstack([picked, rows[-1:]])
    return picked


class PaintGate:
    """Closed while the window updates and paints its plots; between slices of steps the
    worker waits for it to open.

    Python runs one thread at a time (the GIL). A worker stepping flat out holds it almost
    always, so each of the hundreds of Python calls inside one paint would first wait for
    it: a frame that takes 10 ms alone took 100-180 ms (measured). Giving way during the
    paint costs the worker only the paint's own time. Only the window's thread closes and
    opens the gate; closes nest.
    """

    def __init__(self):
        self._open = threading.Event()
        self._open.set()
        self._closes = 0

    def close(self) -> None:
        self._closes += 1
        self._open.clear()

    def open(self) -> None:
        self._closes = max(0, self._closes - 1)
        if self._closes == 0:
            self._open.set()

    @contextmanager
    def closed(self):
        self.close()
        try:
            yield
        finally:
            self.open()

    def is_open(self) -> bool:
        return self._open.is_set()

    def wait(self, timeout: float) -> bool:
        return self._open.wait(timeout)


class SessionWorker(QObject):
    """Runs the session; lives in a QThread. Create without a parent, then moveToThread."""

    snapshotReady = Signal(object)
    landscapeReady = Signal(object)
    errorOccurred = Signal(str)
    runningChanged = Signal(bool)
    configRejected = Signal(str)
    inspectionReady = Signal(object)
    breakpointHit = Signal(str)
    gradientChecked = Signal(str, object)
    laneForked = Signal(object)
    saved = Signal(str)
    loaded = Signal(str, object)   # path, the loaded SessionConfig and breakpoints
    fileFailed = Signal(str)
    modifiedChanged = Signal(bool)  # the session differs from the file saved or opened
    landscapeProgress = Signal(float)  # a network's map being computed: the part done
    autosaveFailed = Signal(str)

    def __init__(self):
        super().__init__()
        self._session: Session | None = None
        self._config = SessionConfig()
        self._plane: ls.Plane | None = None
        self._path_cell = 0.0  # trajectories are thinned to this size in view units
        self._timer: QTimer | None = None
        self._running = False
        self._speed = MAX_SPEED
        self._serial = 0
        self._last_publish = 0.0
        self._taken = True  # the window has looked at the newest snapshot
        self._rate_steps = 0
        self._rate_time = time.perf_counter()
        self._sps = 0.0
        self._run_clock = 0.0
        self._run_steps = 0
        self._batch = 1
        self._yielded = 0.0  # when the run loop last let go of the GIL
        self._breakpoints: list[Breakpoint] = []
        self._curves: dict[int, tuple] = {}  # see _make_snapshot
        self._slice_job: dict | None = None  # a network's landscape being computed
        self._run = 0  # see Snapshot.run
        self._slice_timer: QTimer | None = None
        self.gate = PaintGate()
        # changes to the session, counted: those saved by the user and by the autosave
        self._changes = 0
        self._saved_changes = 0
        self._autosaved_changes = 0
        self.last_save_error = ""  # of the last saveTo (read after a blocking call)

    # --- lifecycle (called in the worker thread) -----------------------------------------
    @Slot()
    def start(self) -> None:
        """Create the run timer in this thread (connect to QThread.started)."""
        sys.setswitchinterval(min(sys.getswitchinterval(), _SWITCH_INTERVAL_S))
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self._slice_timer = QTimer(self)
        self._slice_timer.setInterval(0)
        self._slice_timer.timeout.connect(self._advance_slice)

    @Slot()
    def shutdown(self) -> None:
        """Stop the run timer; call before quitting the thread."""
        self._running = False
        self._slice_job = None
        if self._timer is not None:
            self._timer.stop()
            self._slice_timer.stop()

    # --- commands ----------------------------------------------------------------------
    @Slot(object)
    def configure(self, config: SessionConfig) -> None:
        """Build a new session (a reset). A bad config is refused and changes nothing."""
        config = copy.deepcopy(config)
        try:
            problem = make_problem(config.problem, **config.options)
            lanes = [copy.deepcopy(l) for l in config.lanes]
            session = Session(problem, lanes, config.start)
        except (ValueError, TypeError) as exc:
            self.configRejected.emit(str(exc))
            return
        was_running = self._running
        self._set_running(False)
        first = self._session is None
        self._replace_session(session)
        self._config = config
        if not first:  # the window's first setting is not a change of the user's
            self._touch()
        self._config.lanes = [lane.config for lane in session.lanes]
        self._compute_landscape()
        self._publish(force=True)
        if was_running:
            self._set_running(True)

    @Slot(object)
    def setSlice(self, spec: dict) -> None:
        """Choose the network's slice plane: random, axes (i, j), or pca (of lane 0)."""
        self._config.slice = dict(spec)
        self._compute_landscape()
        self._publish(force=True)

    @Slot()
    def run(self) -> None:
        self._set_running(True)

    @Slot()
    def pause(self) -> None:
        self._set_running(False)
        self._publish(force=True)

    @Slot()
    def toggleRun(self) -> None:
        if self._running:
            self.pause()
        else:
            self.run()

    @Slot(int)
    def step(self, n: int) -> None:
        """Pause, then take exactly n steps of every running lane."""
        self._set_running(False)
        if self._session is None:
            return
        self._guarded_step(n, trace=True)
        self._publish(force=True)

    @Slot()
    def reset(self) -> None:
        if self._session is None:
            return
        self._session.reset()
        self._run += 1
        self._touch()
        self._publish(force=True)

    @Slot(object)
    def setStart(self, start) -> None:
        if self._session is None:
            return
        try:
            self._session.reset(start=start)
        except ValueError as exc:
            self.configRejected.emit(str(exc))
            return
        self._config.start = list(map(float, self._session.start))
        self._run += 1
        self._touch()
        self._publish(force=True)

    @Slot(float)
    def setSpeed(self, steps_per_second: float) -> None:
        """Steps per second (MAX_SPEED = 0: as fast as possible)."""
        self._speed = max(0.0, float(steps_per_second))
        self._run_clock = time.perf_counter()
        self._run_steps = 0
        self._apply_interval()

    def _apply_interval(self) -> None:
        if self._timer is None:
            return
        if self._speed == MAX_SPEED or self._speed >= 500:
            self._timer.setInterval(0)
        else:  # wake up often enough to take each step on time
            self._timer.setInterval(max(1, min(16, int(1000 / self._speed))))

    @Slot(str, object)
    def setLaneHparams(self, name: str, changes: dict) -> None:
        """New hyperparameters for one lane, from its next step on (no reset)."""
        if self._session is None:
            return
        try:
            self._session.lane(name).set_hparams(**changes)
        except (KeyError, ValueError) as exc:
            self.configRejected.emit(str(exc))
            return
        self._touch()

    @Slot(str, bool)
    def setLaneEnabled(self, name: str, enabled: bool) -> None:
        if self._session is None:
            return
        try:
            self._session.lane(name).enabled = bool(enabled)
        except KeyError:
            return
        self._touch()
        self._publish(force=True)

    # --- the debugger -----------------------------------------------------------------
    @Slot(object)
    def setBreakpoints(self, breakpoints: list) -> None:
        self._breakpoints = [b for b in breakpoints if b.enabled]
        self._touch()

    @Slot(str, int)
    def inspect(self, name: str, k: int) -> None:
        """Publish what lane ``name`` did at step k (replayed if it is not in memory)."""
        s = self._session
        if s is None:
            return
        try:
            lane = s.lane(name)
        except KeyError:
            return
        k = max(0, min(int(k), lane.t))
        try:
            with np.errstate(all="ignore"):
                trace = lane.trace_at(k) if k > 0 else None
                w = lane.params_at(k) if trace is None else np.array(
                    trace.values.get("p_projected", trace.values["p_after"]))
                loss = float(s.problem.loss(w))
                point = self._to_view(w[None, :])[0]
                chain: list[str] = []
                before = trace.values["p_before"] if trace is not None else w
                if s.problem.name == "chain_rule":
                    chain = explain_chain_rule(float(before[0]))
                elif s.problem.kind == "network":
                    idx = s.problem.batch_indices(k - 1) if k > 0 else None
                    chain = explain_backprop(s.problem, before, idx)
        except Exception as exc:  # noqa: BLE001
            self.errorOccurred.emit(f"{type(exc).__name__} while inspecting step {k}: {exc}")
            return
        p = s.problem
        names = tuple(p.parameter_names()) if hasattr(p, "parameter_names") else \
            (("x",) if p.dim == 1 else ("x", "y"))
        groups = p.groups() if hasattr(p, "groups") else {}
        self.inspectionReady.emit(Inspection(name, k, trace, point, loss, names, groups,
                                             tuple(chain), self._run, np.array(w, copy=True)))

    @Slot(int)
    def continueFrom(self, k: int) -> None:
        """Every lane back to its exact state after step k; the future is replaced."""
        s = self._session
        if s is None:
            return
        self._set_running(False)
        try:
            s.restore(k)
        except Exception as exc:  # noqa: BLE001 - replay of a bad history must not end the app
            self.errorOccurred.emit(f"{type(exc).__name__} while going back to step {k}: {exc}")
        self._touch()
        self._publish(force=True)

    @Slot(str, int, object)
    def forkFrom(self, name: str, k: int, hparams) -> None:
        """A new lane continuing lane ``name`` from step k (with other hyperparameters)."""
        s = self._session
        if s is None:
            return
        self._set_running(False)
        try:
            twin = s.fork_lane(name, k, hparams or None)
        except (KeyError, ValueError) as exc:
            self.configRejected.emit(str(exc))
            return
        self._config.lanes.append(twin.config)
        self._touch()
        self.laneForked.emit(copy.deepcopy(twin.config))
        self._publish(force=True)

    @Slot(str)
    def checkGradient(self, name: str) -> None:
        s = self._session
        if s is None:
            return
        try:
            w = s.lane(name).w
        except KeyError:
            self.configRejected.emit(f"no lane named {name!r}")
            return
        self.gradientChecked.emit(name, gradient_check(s.problem, w))

    # --- files -------------------------------------------------------------------------
    @Slot(str)
    def saveTo(self, path: str) -> None:
        """Save the whole session atomically (between two steps)."""
        if self._session is None:
            return
        self.last_save_error = ""
        try:
            save_session(path, self._session, self._breakpoints)
        except SettingsError as exc:
            self.last_save_error = str(exc)
            self.fileFailed.emit(str(exc))
            return
        self._saved_changes = self._changes
        self.modifiedChanged.emit(False)
        self.saved.emit(path)

    @Slot(str)
    def autosave(self, path: str) -> None:
        """Save to ``path`` (the autosave file) if anything changed since the last
        autosave; the session still counts as unsaved."""
        if self._session is None or self._changes == self._autosaved_changes:
            return
        try:
            save_session(path, self._session, self._breakpoints)
        except SettingsError as exc:
            self.autosaveFailed.emit(str(exc))
            return
        self._autosaved_changes = self._changes

    @Slot(str)
    def loadFrom(self, path: str) -> None:
        """Replace the session by the one in ``path``; a bad file changes nothing."""
        self._load(path, restored=False)

    @Slot(str)
    def restoreFrom(self, path: str) -> None:
        """As loadFrom, for the autosave: what it holds was never saved by the user."""
        self._load(path, restored=True)

    def _load(self, path: str, restored: bool) -> None:
        try:
            session, breakpoints = load_session(path)
        except SettingsError as exc:
            self.fileFailed.emit(str(exc))
            return
        except MemoryError:  # a file within the size limit, too large for this machine
            self.fileFailed.emit(f"{path}: not enough memory to open it")
            return
        self._changes += 1
        self._autosaved_changes = self._changes
        if restored:
            self.modifiedChanged.emit(True)
        else:
            self._saved_changes = self._changes
            self.modifiedChanged.emit(False)
        self._set_running(False)
        self._replace_session(session)
        self._breakpoints = [b for b in breakpoints if b.enabled]
        p = session.problem
        self._config = SessionConfig(problem=p.name, options=p.options(),
                                     lanes=[lane.config for lane in session.lanes],
                                     start=session.start.tolist(), slice=self._config.slice)
        self._compute_landscape()
        self.loaded.emit(path, (copy.deepcopy(self._config), breakpoints))
        self._publish(force=True)

    # --- the run loop ------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        if running and (self._session is None or not any(l.running for l in self._session.lanes)):
            running = False
        if running == self._running:
            return
        self._running = running
        if self._timer is not None:
            if running:
                self._run_clock = time.perf_counter()
                self._run_steps = 0
                self._apply_interval()
                self._timer.start()
            else:
                self._timer.stop()
        self.runningChanged.emit(running)

    def _replace_session(self, session: Session) -> None:
        """The new session in place of the old, whose lanes are let go now: a lane and
        its session refer to each other, and replaced sessions (their buffers 7 MB a
        lane) waited for Python's cycle collector (ten of them at once in random use)."""
        old, self._session = self._session, session
        if old is not None and old is not session:
            old.lanes.clear()
        self._curves = {}
        self._run += 1

    def _touch(self) -> None:
        """The session changed: unsaved from now on."""
        if self._changes == self._saved_changes:
            self.modifiedChanged.emit(True)
        self._changes += 1

    def _guarded_step(self, n: int, trace: bool) -> None:
        """Step; an exception inside a step pauses the run and is reported, not raised."""
        s = self._session
        assert s is not None
        self._touch()
        before = s.step_count
        hits = []
        try:
            if self._breakpoints:
                hits = s.step(n, trace=True, breakpoints=self._breakpoints)
            elif trace:
                s.step(n, trace=True)
            elif n >= 1:
                # trace only the last step of a batch: the inspector shows the newest one
                s.step(n, trace=False, trace_last=True)
        except Exception as exc:  # noqa: BLE001 - a bug in a step must not end the app
            self._set_running(False)
            lanes = ", ".join(f"{l.name} (step {l.t})" for l in s.lanes)
            self.errorOccurred.emit(f"{type(exc).__name__}: {exc} in {lanes}\n"
                                    + traceback.format_exc(limit=4))
        self._rate_steps += s.step_count - before
        if hits:
            self._set_running(False)
            self.breakpointHit.emit("; ".join(h.message for h in hits))
            self.inspect(hits[0].lane, hits[0].step)

    def _tick(self) -> None:
        s = self._session
        if s is None or not self._running:
            return
        if self._speed == MAX_SPEED:
            deadline = time.perf_counter() + _BATCH_BUDGET_S
            while time.perf_counter() < deadline and self._running:
                if not self.gate.is_open():
                    self.gate.wait(_GIVE_WAY_S)
                t0 = time.perf_counter()
                self._guarded_step(self._batch, trace=False)
                took = time.perf_counter() - t0
                if took < _SLICE_S / 2:
                    self._batch = min(self._batch * 2, 100_000)
                elif took > 2 * _SLICE_S and self._batch > 1:
                    self._batch //= 2
                self._publish()  # as soon as the window wants one, not at the tick's end
                if not any(l.running for l in s.lanes):
                    break
                # Every few ms let go of the GIL, so that the window's thread, if it waits
                # for it, takes it. A step that lets go of it briefly (a BLAS call on a tiny
                # network, say) restarts that thread's wait each time, and it could wait for
                # hundreds of milliseconds (see gdplay.engine.session._COPY_FLOATS)
                if time.perf_counter() - self._yielded >= _YIELD_S:
                    time.sleep(0)
                    self._yielded = time.perf_counter()
        else:
            now = time.perf_counter()
            due = int((now - self._run_clock) * self._speed) - self._run_steps
            if due > max(1.0, _BACKLOG_S * self._speed):
                # behind by more than the backlog allows: go on from now at the speed asked
                self._run_clock = now - 1.0 / self._speed
                self._run_steps = 0
                due = 1
            if due > 0:
                if not self.gate.is_open():
                    self.gate.wait(_GIVE_WAY_S)
                # no more at once than fits in a tick's budget (as at full speed)
                n = min(due, self._batch)
                t0 = time.perf_counter()
                self._guarded_step(n, trace=False)
                took = time.perf_counter() - t0
                if took < _BATCH_BUDGET_S / 2:
                    self._batch = min(self._batch * 2, 100_000)
                elif took > 2 * _BATCH_BUDGET_S and self._batch > 1:
                    self._batch //= 2
                self._run_steps += n
        if not any(l.running for l in s.lanes):
            self._set_running(False)
        if not self._running:  # finished, a breakpoint, or an error: show where it stopped
            self._publish(force=True)
            return
        self._publish()

    # --- snapshots -----------------------------------------------------------------------
    def snapshot_taken(self) -> None:
        """The window is ready for the next snapshot (called from the window's thread: a
        plain flag, set there and read here). A window drawing 25 frames a second is sent
        25 snapshots, not 60 of which it would draw 25."""
        self._taken = True

    def _publish(self, force: bool = False) -> None:
        now = time.perf_counter()
        since = now - self._last_publish
        if not force and (since < 1.0 / MAX_PUBLISH_HZ
                          or (not self._taken and since < _UNTAKEN_REPUBLISH_S)):
            return
        s = self._session
        if s is None:
            return
        elapsed = now - self._rate_time
        if elapsed >= 0.5:
            self._sps = self._rate_steps / elapsed
            self._rate_steps = 0
            self._rate_time = now
        if not self._running:
            self._sps = 0.0 if elapsed >= 0.5 else self._sps
        self._last_publish = now
        self._taken = False
        self._serial += 1
        try:
            snapshot = self._make_snapshot()
        except Exception as exc:  # noqa: BLE001
            self.errorOccurred.emit(f"{type(exc).__name__} while drawing: {exc}")
            return
        self.snapshotReady.emit(snapshot)

    def _to_view(self, rows: np.ndarray) -> np.ndarray:
        """Parameter rows to landscape coordinates (identity in 1D/2D, the plane otherwise)."""
        s = self._session
        if s.problem.dim <= 2:
            return rows
        if self._plane is None:
            return np.zeros((rows.shape[0], 2))
        return self._plane.project(rows)

    def _make_snapshot(self) -> Snapshot:
        s = self._session
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
            steps, values = _decimate_curve(hist[:, 0], hist[:, 1], _CURVE_POINTS, kept)
            # a short history is sent whole; a long one as picks of whole buckets, then
            # the rows after them, which a later bucket replaces
            final = len(steps) if len(hist) <= _CURVE_POINTS else len(kept["picks"])
            params = _stride(lane.param_history.rows, _TRAJECTORY_POINTS)
            with np.errstate(all="ignore"):
                trajectory = _thin_path(self._to_view(params[:, 2:]), self._path_cell)
                point = self._to_view(lane.w[None, :])[0]
                prediction = problem.predict(lane.w)[:, 0] if network else None
            admm = None
            st = lane.optimizer.state
            if lane.config.optimizer == "admm_adam" and "z" in st:
                with np.errstate(all="ignore"):
                    zu = self._to_view(np.vstack([st["z"], st["z"] + st["u"]]))
                admm = {"z": zu[0], "z_plus_u": zu[1], "u": st["u"].copy(),
                        "residuals": lane.residuals.rows.copy(),
                        "rho": st["rho"], "hparams": dict(lane.optimizer.hparams)}
            lanes.append(LaneSnapshot(
                name=lane.name, optimizer=lane.config.optimizer, color=lane.config.color,
                enabled=lane.enabled, status=lane.status, status_text=lane.status_text(),
                t=lane.t, loss=lane.loss, grad_norm=lane._grad_norm, w=lane.w.copy(),
                grad=np.array(lane.grad, copy=True), loss_steps=steps, loss_values=values,
                trajectory=trajectory, point=point, diverged_at=lane.diverged_at,
                prediction=prediction, last_trace=lane.traces[-1] if lane.traces else None,
                admm=admm, loss_final=final))
        self._curves = curves
        return Snapshot(self._serial, s.step_count, self._running, self._sps, problem.name,
                        problem.kind, tuple(lanes), data_x, data_y, self._run)

    def _compute_landscape(self) -> None:
        s = self._session
        self._slice_job = None
        self._plane = None  # the old problem's plane (a refused PCA slice kept it)
        if s is None:
            return
        p = s.problem
        try:
            if p.dim > 2:  # a slice of a network: computed in pieces, see _advance_slice
                self._start_slice(p, s)
                return
            data = self._landscape(p, s)
        except (ValueError, np.linalg.LinAlgError) as exc:
            self.configRejected.emit(str(exc))
            return
        self._emit_landscape(data)

    def _start_slice(self, p, s) -> None:
        plane, a, labels, title, explained = self._slice_plane(p, s)
        self._plane = plane
        # the grid's coefficients only: a piece makes its own points (all 41 x 41 points of
        # a 1024/1024 network at once would be 14 GB)
        ca, cb = np.meshgrid(a, a)  # point k = origin + ca[k] d1 + cb[k] d2, row-major
        total = ca.size
        # points a piece: about _SLICE_PIECE_S of work (see network.MAX_PASS_WORK: one
        # pass over the data in about 50 ms), and at most _SLICE_PIECE_FLOATS of points
        work = max(1, p.dim * getattr(p, "n_samples", 1))
        per_piece = max(1, min(int(_SLICE_PIECE_S / _PASS_S * MAX_PASS_WORK // work),
                               _SLICE_PIECE_FLOATS // p.dim))
        self._slice_job = {"problem": p, "plane": plane, "a": a, "ca": ca.ravel(),
                           "cb": cb.ravel(), "z": np.empty(total), "done": 0,
                           "per_piece": per_piece, "labels": labels, "title": title,
                           "explained": explained}
        if self._slice_timer is not None and total > _SLICE_AT_ONCE * per_piece:
            self._slice_timer.start()
        else:  # small enough to draw at once (and with no timer: a worker not started)
            while self._slice_job is not None:
                self._advance_slice()

    def _advance_slice(self) -> None:
        """One piece of the network's landscape; at the end, the map is sent."""
        job = self._slice_job
        if job is None:
            if self._slice_timer is not None:
                self._slice_timer.stop()
            return
        i = job["done"]
        total = len(job["z"])
        j = min(i + job["per_piece"], total)
        plane = job["plane"]
        points = (plane.origin[None, :] + job["ca"][i:j, None] * plane.d1[None, :]
                  + job["cb"][i:j, None] * plane.d2[None, :])
        with np.errstate(over="ignore", invalid="ignore"):
            job["z"][i:j] = job["problem"].loss_grid(points)
        job["done"] = j
        if j < total:
            self.landscapeProgress.emit(j / total)
            return
        self._slice_job = None
        if self._slice_timer is not None:
            self._slice_timer.stop()
        n = len(job["a"])
        grid = ls.Grid(job["a"], job["a"], job["z"].reshape(n, n))
        try:
            data = self._map_data("slice", grid, np.empty((0, 2)), np.zeros(2), job["labels"],
                                  job["title"], job["explained"])
        except (ValueError, np.linalg.LinAlgError) as exc:
            self.configRejected.emit(str(exc))
            return
        self._emit_landscape(data)

    def _emit_landscape(self, data: LandscapeData) -> None:
        # on a map up to 2000 pixels wide the thinned path looks the same as the full one
        span = max(float(data.x[-1] - data.x[0]), 0.0)
        if data.y is not None and data.kind != "1d":
            span = max(span, float(data.y[-1] - data.y[0]))
        self._path_cell = span / 2000.0
        self.landscapeReady.emit(data)

    def _landscape(self, p, s) -> LandscapeData:
        empty = np.empty((0, 2))
        if p.dim == 1:
            curve = ls.curve_1d(p, 600)
            minima = np.array([m.point for m in p.minima]).reshape(-1, 1)
            self._plane = None
            finite = curve.y[np.isfinite(curve.y)]  # your own function may be NaN in view
            return LandscapeData("1d", curve.x, curve.y, None, False,
                                 float(finite.min()) if finite.size else 0.0,
                                 empty, minima, s.start.copy(), ("x", "f(x)"), p.title)
        grid = ls.grid_2d(p, 300)
        self._plane = None
        minima = np.array([m.point for m in p.minima]).reshape(-1, 2)
        return self._map_data("2d", grid, minima, s.start.copy(), ("x", "y"), p.title, None)

    def _slice_plane(self, p, s):
        """The network's slice plane, its coordinates, labels and title."""
        spec = self._config.slice or {"kind": "random"}
        kind = spec.get("kind", "random")
        origin = s.start
        if kind == "axes":
            plane = ls.axis_plane(p, origin, int(spec.get("i", 0)), int(spec.get("j", 1)))
            span = float(spec.get("span", 2.0))
        elif kind == "pca":
            lane = s.lanes[0] if s.lanes else None
            if lane is None or lane.param_history.size < 3:
                raise ValueError("run a few steps first: a PCA slice needs a trajectory")
            plane = ls.pca_plane(lane.param_history.rows[:, 2:])
            coords = plane.project(lane.param_history.rows[:, 2:])
            span = float(np.max(np.abs(coords))) * 1.3 or 1.0
        else:
            plane = ls.filter_normalized_plane(p, origin, seed=int(spec.get("seed", 0)))
            span = float(spec.get("span", 1.0))
        a = np.linspace(-span, span, 41)
        return plane, a, plane.labels, f"{p.title}: {kind} slice", plane.explained

    def _map_data(self, kind, grid, minima, start, labels, title, explained) -> LandscapeData:
        """A 2D map's colours, contours and levels from its grid."""
        z = grid.z
        finite = z[np.isfinite(z)]
        zmin = float(finite.min()) if finite.size else 0.0
        zmax = float(finite.max()) if finite.size else 1.0
        with np.errstate(all="ignore"):  # values near the float limit (your own function)
            shifted = z - zmin
            # colours on a log scale when most of the map would otherwise be one colour:
            # the median lies in the bottom 15% of the range (Rosenbrock, Beale, Himmelblau)
            log_scale = bool(finite.size and zmax > zmin
                             and np.median(finite) - zmin < 0.15 * (zmax - zmin))
            levels = ls.contour_levels(z, 15)
            segments = ls.contour_segments(grid.x, grid.y, z, levels)
            shown = np.log10(shifted + max((zmax - zmin) * 1e-6, 1e-12)) if log_scale else z
        return LandscapeData(kind, grid.x, grid.y, shown, log_scale,
                             zmin, segments, minima, start, labels, title, explained)
