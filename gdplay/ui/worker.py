"""The worker: runs the presenter (and its Session) in its own QThread.

Commands arrive as values through one queued slot, :meth:`SessionWorker.handle`, and take
effect at the next step boundary, because the run loop is a QTimer in the worker's thread
that steps in short batches and then returns to the event loop. Snapshots go out at most
``MAX_PUBLISH_HZ`` times a second however fast the engine steps, and no faster than the
window takes them (see :meth:`SessionWorker.snapshot_taken`), and at once after a command.
What a snapshot, a map or an inspection holds is the presenter's business
(gdplay/present); this module is the Qt plumbing: thread, timers, pacing and signals.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ..present import commands as c
from ..present.landscape import SliceJob
from ..present.presenter import Failed, Presenter, Refused
from ..settings import SettingsError

__all__ = ["SessionWorker", "PaintGate", "MAX_SPEED"]

MAX_PUBLISH_HZ = 60
MAX_SPEED = 0.0          # steps per second; 0 means as fast as possible
_BATCH_BUDGET_S = 0.008  # at full speed, step for this long, then let commands in
_SLICE_S = 0.001         # ... in slices this long, giving way to a paint between slices
_GIVE_WAY_S = 0.1        # the longest the worker waits for the window to finish a paint
_YIELD_S = 0.004         # at full speed, let go of the GIL at least this often
_UNTAKEN_REPUBLISH_S = 0.25  # a receiver that never calls snapshot_taken gets 4 a second
_BACKLOG_S = 0.25        # at a set speed, steps further behind than this are dropped, not
                         # caught up in one long tick (a network slower than the speed asked)
# The worker's steps are pure Python (1D and 2D problems step on Python floats), which never
# lets go of the GIL by itself: the window's thread, asking for it to run a timer or take a
# snapshot, would wait out CPython's default 5 ms switch interval every time. 1 ms keeps
# the window's thread responsive; the worker loses a few per cent of its steps to it.
_SWITCH_INTERVAL_S = 0.001


class PaintGate:
    """Closed while the window updates and paints its plots; between slices of steps the
    worker waits for it to open.

    Python runs one thread at a time (the GIL). A worker stepping flat out holds it almost
    always, so each of the hundreds of Python calls inside one paint would first wait for
    it, and a frame took ten times as long. Giving way during the paint costs the worker
    only the paint's own time. Only the window's thread closes and
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
    """Runs the presenter; lives in a QThread. Create without a parent, then moveToThread,
    connect QThread.started to :meth:`start` and a signal of commands to :meth:`handle`."""

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
    loaded = Signal(str, object)   # path, (the loaded RunSettings, its breakpoints)
    fileFailed = Signal(str)
    modifiedChanged = Signal(bool)  # the session differs from the file saved or opened
    landscapeProgress = Signal(float)  # a network's map being computed: the part done
    autosaveFailed = Signal(str)

    # commands that do nothing before the first session
    _NEED_SESSION = frozenset({c.Step, c.Reset, c.SetStart, c.SetHparams, c.SetEnabled,
                               c.SetColor, c.Inspect, c.ContinueFrom, c.Fork, c.CheckGradient, c.Save,
                               c.Autosave})

    def __init__(self):
        super().__init__()
        self.presenter = Presenter()
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
        self._slice_job: SliceJob | None = None  # a network's landscape being computed
        self._slice_timer: QTimer | None = None
        self._modified = False  # as last told (modifiedChanged)
        self.gate = PaintGate()
        self.last_save_error = ""  # of the last Save (read after a blocking send)
        self._handlers = {
            c.Configure: self._configure, c.Run: self._run, c.Pause: self._pause,
            c.Toggle: self._toggle, c.Step: self._step_command, c.Reset: self._reset,
            c.SetSpeed: self._set_speed, c.SetHparams: self._set_hparams,
            c.SetEnabled: self._set_enabled, c.SetColor: self._set_color,
            c.SetStart: self._set_start,
            c.SetSlice: self._set_slice, c.Inspect: self._inspect,
            c.ContinueFrom: self._continue_from, c.Fork: self._fork,
            c.SetBreakpoints: self._set_breakpoints, c.CheckGradient: self._check_gradient,
            c.Save: self._save, c.Load: self._load, c.Restore: self._load,
            c.Autosave: self._autosave, c.Shutdown: self._shutdown}

    @property
    def computing_landscape(self) -> bool:
        """A network's map is being computed, a piece at a time."""
        return self._slice_job is not None

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

    @Slot(object)
    def handle(self, cmd) -> None:
        """Do one command (see gdplay.present.commands)."""
        if self.presenter.session is None and type(cmd) in self._NEED_SESSION:
            return
        self._handlers[type(cmd)](cmd)
        self._tell_modified()

    def _shutdown(self, _cmd=None) -> None:
        """Stop the run timer; sent (blocking) before quitting the thread."""
        self._running = False
        self._slice_job = None
        if self._timer is not None:
            self._timer.stop()
            self._slice_timer.stop()

    # --- commands ----------------------------------------------------------------------
    def _configure(self, cmd: c.Configure) -> None:
        """A new session (a reset). A bad config is refused and changes nothing."""
        was_running = self._running
        try:
            self.presenter.configure(cmd.settings)
        except Refused as exc:
            self.configRejected.emit(str(exc))
            return
        self._set_running(False)
        self._new_landscape()
        self._publish(force=True)
        if was_running:
            self._set_running(True)

    def _set_slice(self, cmd: c.SetSlice) -> None:
        try:
            self.presenter.set_slice(cmd.spec)
        except Refused as exc:
            self.configRejected.emit(str(exc))
            return
        self._new_landscape()
        self._publish(force=True)

    def _run(self, _cmd=None) -> None:
        self._set_running(True)

    def _pause(self, _cmd=None) -> None:
        self._set_running(False)
        self._publish(force=True)

    def _toggle(self, _cmd) -> None:
        if self._running:
            self._pause()
        else:
            self._run()

    def _step_command(self, cmd: c.Step) -> None:
        """Pause, then take exactly n steps of every running lane."""
        self._set_running(False)
        self._step(cmd.n, trace=True)
        self._publish(force=True)

    def _reset(self, _cmd) -> None:
        self.presenter.reset()
        self._publish(force=True)

    def _set_start(self, cmd: c.SetStart) -> None:
        try:
            self.presenter.set_start(cmd.point)
        except Refused as exc:
            self.configRejected.emit(str(exc))
            return
        self._publish(force=True)

    def _set_speed(self, cmd: c.SetSpeed) -> None:
        """Steps per second (MAX_SPEED = 0: as fast as possible)."""
        self._speed = max(0.0, float(cmd.steps_per_second))
        self.presenter.set_speed(self._speed)
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

    def _set_hparams(self, cmd: c.SetHparams) -> None:
        try:
            self.presenter.set_hparams(cmd.lane, cmd.changes)
        except Refused as exc:
            self.configRejected.emit(str(exc))

    def _set_enabled(self, cmd: c.SetEnabled) -> None:
        if self.presenter.set_enabled(cmd.lane, cmd.enabled):
            self._publish(force=True)

    def _set_color(self, cmd: c.SetColor) -> None:
        try:
            if self.presenter.set_color(cmd.lane, cmd.color):
                self._publish(force=True)
        except Refused as exc:
            self.configRejected.emit(str(exc))

    # --- the debugger -----------------------------------------------------------------
    def _set_breakpoints(self, cmd: c.SetBreakpoints) -> None:
        self.presenter.set_breakpoints(cmd.breakpoints)

    def _inspect(self, cmd: c.Inspect) -> None:
        """Publish what a lane did at step k (replayed if it is not in memory)."""
        try:
            inspection = self.presenter.inspect(cmd.lane, cmd.k)
        except Failed as exc:
            self.errorOccurred.emit(str(exc))
            return
        if inspection is not None:
            self.inspectionReady.emit(inspection)

    def _continue_from(self, cmd: c.ContinueFrom) -> None:
        self._set_running(False)
        try:
            self.presenter.continue_from(cmd.k)
        except Failed as exc:
            self.errorOccurred.emit(str(exc))
        self._publish(force=True)

    def _fork(self, cmd: c.Fork) -> None:
        self._set_running(False)
        try:
            config = self.presenter.fork(cmd.lane, cmd.k, cmd.hparams)
        except Refused as exc:
            self.configRejected.emit(str(exc))
            return
        self.laneForked.emit(config)
        self._publish(force=True)

    def _check_gradient(self, cmd: c.CheckGradient) -> None:
        try:
            errors = self.presenter.check_gradient(cmd.lane)
        except Refused as exc:
            self.configRejected.emit(str(exc))
            return
        self.gradientChecked.emit(cmd.lane, errors)

    # --- files -------------------------------------------------------------------------
    def _save(self, cmd: c.Save) -> None:
        """Save the whole session atomically (between two steps)."""
        self.last_save_error = ""
        try:
            self.presenter.save(cmd.path)
        except SettingsError as exc:
            self.last_save_error = str(exc)
            self.fileFailed.emit(str(exc))
            return
        self._tell_modified(always=True)
        self.saved.emit(cmd.path)

    def _autosave(self, cmd: c.Autosave) -> None:
        try:
            self.presenter.autosave(cmd.path)
        except SettingsError as exc:
            self.autosaveFailed.emit(str(exc))

    def _load(self, cmd: c.Load | c.Restore) -> None:
        """Replace the session by the one in a file; a bad file changes nothing."""
        try:
            config, breakpoints = self.presenter.load(cmd.path, isinstance(cmd, c.Restore))
        except SettingsError as exc:
            self.fileFailed.emit(str(exc))
            return
        self._tell_modified(always=True)
        self._set_running(False)
        self._new_landscape()
        self.loaded.emit(cmd.path, (config, breakpoints))
        self._publish(force=True)

    # --- the run loop ------------------------------------------------------------------
    def _set_running(self, running: bool) -> None:
        if running and not self.presenter.running():
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

    def _tell_modified(self, always: bool = False) -> None:
        """Tell the window whether the session is unsaved, when that changed."""
        modified = self.presenter.modified
        if modified != self._modified or always:
            self._modified = modified
            self.modifiedChanged.emit(modified)

    def _step(self, n: int, trace: bool) -> None:
        """Step; an exception inside a step pauses the run and is reported, not raised."""
        taken, hits, error = self.presenter.step(n, trace)
        if not self._modified:
            self._tell_modified()
        if error is not None:
            self._set_running(False)
            self.errorOccurred.emit(error)
        self._rate_steps += taken
        if hits:
            self._set_running(False)
            self.breakpointHit.emit("; ".join(h.message for h in hits))
            self._inspect(c.Inspect(hits[0].lane, hits[0].step))

    def _tick(self) -> None:
        s = self.presenter.session
        if s is None or not self._running:
            return
        if self._speed == MAX_SPEED:
            deadline = time.perf_counter() + _BATCH_BUDGET_S
            while time.perf_counter() < deadline and self._running:
                if not self.gate.is_open():
                    self.gate.wait(_GIVE_WAY_S)
                t0 = time.perf_counter()
                self._step(self._batch, trace=False)
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
                # hundreds of milliseconds (see gdplay.engine.history._COPY_FLOATS)
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
                self._step(n, trace=False)
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
        if self.presenter.session is None:
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
        self._tell_modified()
        try:
            snapshot = self.presenter.snapshot(self._serial, self._running, self._sps)
        except Exception as exc:  # noqa: BLE001
            self.errorOccurred.emit(f"{type(exc).__name__} while drawing: {exc}")
            return
        self.snapshotReady.emit(snapshot)

    # --- the map -------------------------------------------------------------------------
    def _new_landscape(self) -> None:
        self._slice_job = None
        try:
            result = self.presenter.landscape()
        except Refused as exc:
            self.configRejected.emit(str(exc))
            return
        if isinstance(result, SliceJob):
            self._slice_job = result
            if self._slice_timer is not None and not result.small:
                self._slice_timer.start()
            else:  # small enough to draw at once (and with no timer: a worker not started)
                while self._slice_job is not None:
                    self._advance_slice()
        elif result is not None:
            self._show_landscape(result)

    def _advance_slice(self) -> None:
        """One piece of the network's landscape; at the end, the map is sent."""
        job = self._slice_job
        if job is None:
            if self._slice_timer is not None:
                self._slice_timer.stop()
            return
        try:
            data = job.advance()
        except (ValueError, np.linalg.LinAlgError) as exc:
            data = exc
        if data is None:
            self.landscapeProgress.emit(job.progress)
            return
        self._slice_job = None
        if self._slice_timer is not None:
            self._slice_timer.stop()
        if isinstance(data, Exception):
            self.configRejected.emit(str(data))
        else:
            self._show_landscape(data)

    def _show_landscape(self, data) -> None:
        self.presenter.landscape_shown(data)
        self.landscapeReady.emit(data)
