"""The main window: controls on the left, the landscape in the centre, loss and fit on the
right, toolbar and status bar. Commands go to the worker as queued signals; the newest
snapshot is drawn when it arrives, paced (see ``_frame_done``), never once per step."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (QApplication, QCheckBox, QDockWidget, QFileDialog, QLabel,
                               QMainWindow, QMessageBox, QScrollArea, QSizePolicy, QSplitter,
                               QToolBar, QVBoxLayout, QWidget)

from ..engine.problems import problem_spec
from .controls import ControlPanel
from ..lessons import Lesson, load_lessons
from . import i18n, prefs, window_state
from .inspector import Inspector
from .lesson_panel import LessonPanel
from .fit_view import FitView
from .views import LandscapeView, LossView, fit_pixmap_cache
from ..run_settings import RunSettings
from ..present import (Autosave, CheckGradient, Configure, ContinueFrom, Fork, Inspect,
                       Inspection, LandscapeData, Load, Reset, Restore, Save,
                       SetBreakpoints, SetColor, SetEnabled, SetHparams, SetSlice, SetSpeed, SetStart,
                       Shutdown, Snapshot, Step, Toggle)
from .worker import SessionWorker

__all__ = ["MainWindow"]

# At most 40 frames a second, and only when a new snapshot arrived: smooth to the eye, and
# the worker, which shares Python's GIL with this thread, keeps the rest (at 60 frames a
# second it kept less than half its headless rate)
REDRAW_MS = 25
_FRAME_END = QEvent.Type(QEvent.registerEventType())
_FRAME_END_PRIORITY = Qt.EventPriority.LowEventPriority.value - 1  # after the paints
TEXT_REFRESH_S = 0.25  # status bar, lane losses and the inspector's timeline while running
MAX_REDRAW_MS = 250  # however slow a frame, the views are at most this stale
AUTOSAVE_MS = 30_000  # a crash loses at most this much work


class MainWindow(QMainWindow):
    """gdplay's one window."""

    # commands to the worker (gdplay.present.commands), queued across threads; see send()
    command = Signal(object)
    _blocking_command = Signal(object)

    #: ask "Save changes?" when closing with unsaved work (the tests turn it off: no one
    #: answers a dialog there)
    ask_on_close = True

    def __init__(self, parent=None):
        super().__init__(parent)
        self.snapshot: Snapshot | None = None
        self.landscape: LandscapeData | None = None
        self._redraws = 0
        self._drawn_serial = -1
        self._closing = False
        self._running = False
        self._frame_start = 0.0
        self._frames_pending = 0
        self._last_text_update = 0.0
        self._pending_start: list | None = None
        self._window_actions: list[QAction] = []
        self._normal_font = QApplication.font()
        self.presenter_mode = False
        self.current_file: str | None = None
        self.last_file_message = ""
        self.modified = False
        self._lessons_read: tuple | None = None  # (lessons, errors) from the lessons folder
        self._shown_save_error = ""
        self._restoring: dict | None = None  # what the autosave's window held, while loading
        self.language = i18n.set_language(i18n.saved_language())
        self._build_ui()

        # the worker in its thread (pyqtgraph's documented recipe)
        self.thread = QThread(self)
        self.thread.setObjectName("gdplay-session")
        self.worker = SessionWorker()
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.start)
        self.thread.finished.connect(self.worker.deleteLater)
        self.command.connect(self.worker.handle)
        # returns once the worker has done it: saving before closing, shutting down
        self._blocking_command.connect(self.worker.handle,
                                       Qt.ConnectionType.BlockingQueuedConnection)
        self.worker.modifiedChanged.connect(self._on_modified)
        self.worker.autosaveFailed.connect(self._on_autosave_failed)
        self.worker.landscapeProgress.connect(self._on_landscape_progress)
        self.worker.saved.connect(self._on_saved)
        self.worker.loaded.connect(self._on_loaded)
        self.worker.fileFailed.connect(self._on_file_failed)
        self.worker.snapshotReady.connect(self._on_snapshot)
        self.worker.landscapeReady.connect(self._on_landscape)
        self.worker.runningChanged.connect(self._on_running)
        self.worker.errorOccurred.connect(self._on_error)
        self.worker.configRejected.connect(self._on_rejected)
        self.worker.inspectionReady.connect(self._on_inspection)
        self.worker.breakpointHit.connect(self._on_breakpoint)
        self.worker.gradientChecked.connect(self._on_gradient_checked)
        self.worker.laneForked.connect(self._on_lane_forked)

        # a redraw follows each snapshot, paced by _frame_done (see there)
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setSingleShot(True)
        self.redraw_timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one paces unevenly
        self.redraw_timer.timeout.connect(self._redraw)
        self._next_frame_at = 0.0

        self.thread.start()
        self.send(SetSpeed(self.controls.speed()))
        self.apply_config()
        window_state.fit_first_size(self)
        geometry = prefs.read_bytes("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = prefs.read_bytes("window/state")
        if state is not None:
            self.restoreState(state)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        if prefs.autosave_path().is_file():
            QTimer.singleShot(0, self._offer_restore)

    @property
    def redraws(self) -> int:
        """Frames drawn since the window opened."""
        return self._redraws

    def send(self, cmd, blocking: bool = False) -> None:
        """Send a command (gdplay.present.commands) to the worker; ``blocking``: return
        once the worker has done it."""
        (self._blocking_command if blocking else self.command).emit(cmd)

    def _build_ui(self) -> None:
        """Every widget, menu and action. Built again, in the new language, when the
        language changes; the session in the worker is not touched."""
        self.setWindowTitle(self.tr("gdplay: gradient descent playground") + "[*]")
        # views and controls
        self.controls = ControlPanel()
        self.landscape_view = LandscapeView()
        self.loss_view = LossView()
        self.fit_view = FitView()
        self.log_toggle = QCheckBox(self.tr("Log scale"))
        self.log_toggle.setObjectName("log_toggle")
        self.log_toggle.toggled.connect(self.loss_view.set_log)

        scroll = QScrollArea()
        self.controls_area = scroll
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(360)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_split = QSplitter(Qt.Orientation.Vertical)
        loss_box = QWidget()
        loss_layout = QVBoxLayout(loss_box)
        loss_layout.setContentsMargins(0, 0, 0, 0)
        loss_layout.addWidget(self.loss_view)
        loss_layout.addWidget(self.log_toggle)
        right_split.addWidget(loss_box)
        right_split.addWidget(self.fit_view)
        right_layout.addWidget(right_split)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.landscape_view)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([380, 620, 420])
        self.setCentralWidget(split)
        self.main_split, self.right_split = split, right_split

        self.inspector = Inspector()
        dock = QDockWidget(self.tr("Step inspector"), self)
        dock.setObjectName("dock_inspector")
        dock.setWidget(self.inspector)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks([dock], [280], Qt.Orientation.Vertical)
        self.inspector_dock = dock

        self.lesson_panel = LessonPanel()
        lesson_dock = QDockWidget(self.tr("Lesson"), self)
        lesson_dock.setObjectName("dock_lesson")
        lesson_dock.setWidget(self.lesson_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, lesson_dock)
        lesson_dock.hide()
        self.lesson_dock = lesson_dock

        self._make_file_menu()
        self._make_actions()
        self._make_lessons_menu()
        self._make_view_menu()
        self.status_label = QLabel()
        self.status_label.setObjectName("status_label")
        # its text (lane names, losses) never sets the window's width
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addPermanentWidget(self.status_label, 1)

        self.controls.configChanged.connect(self.apply_config)
        send = self.send
        self.controls.laneHparamsChanged.connect(lambda lane, h: send(SetHparams(lane, h)))
        self.controls.laneEnabledChanged.connect(lambda lane, on: send(SetEnabled(lane, on)))
        self.controls.laneColorChanged.connect(lambda lane, color: send(SetColor(lane, color)))
        self.controls.speedChanged.connect(lambda sps: send(SetSpeed(sps)))
        self.controls.sliceChanged.connect(lambda spec: send(SetSlice(spec)))
        self.landscape_view.startRequested.connect(lambda point: send(SetStart(point)))

        self.inspector.inspectRequested.connect(lambda lane, k: send(Inspect(lane, k)))
        self.inspector.continueRequested.connect(lambda k: send(ContinueFrom(k)))
        self.inspector.forkRequested.connect(lambda lane, k, h: send(Fork(lane, k, h)))
        self.inspector.breakpointsChanged.connect(lambda bps: send(SetBreakpoints(bps)))
        self.inspector.gradientCheckRequested.connect(lambda lane: send(CheckGradient(lane)))

    # --- actions -------------------------------------------------------------------------
    def _make_actions(self) -> None:
        bar = QToolBar(self.tr("Run"), self)
        bar.setObjectName("toolbar_run")
        self.toolbar = bar
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)

        def action(name, text, key, slot, tip):
            a = QAction(text, self)
            a.setObjectName(name)
            a.setShortcut(QKeySequence(key))
            a.setToolTip(f"{tip} ({QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)})")
            a.triggered.connect(slot)
            bar.addAction(a)
            self.addAction(a)
            self._window_actions.append(a)
            return a

        self.action_run = action("action_run", self.tr("Run"), Qt.Key.Key_Space,
                                 lambda: self.send(Toggle()), self.tr("Run or pause"))
        self.action_step = action("action_step", self.tr("Step"), Qt.Key.Key_Right,
                                  lambda: self.send(Step(1)),
                                  self.tr("One step of every running lane"))
        self.action_step10 = action("action_step10", self.tr("Step ×10"),
                                    QKeySequence(Qt.Modifier.SHIFT | Qt.Key.Key_Right),
                                    lambda: self.send(Step(10)), self.tr("Ten steps"))
        self.action_reset = action("action_reset", self.tr("Reset"), Qt.Key.Key_R,
                                   lambda: self.send(Reset()), self.tr("Back to step 0"))

    # --- files ---------------------------------------------------------------------------
    def _make_file_menu(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&File"))
        menu.setObjectName("menu_file")
        for name, text, key, slot in (
                ("action_open", self.tr("Open…"), QKeySequence.StandardKey.Open, self._open_dialog),
                ("action_save", self.tr("Save"), QKeySequence.StandardKey.Save, self._save),
                ("action_save_as", self.tr("Save As…"), QKeySequence.StandardKey.SaveAs,
                 self._save_as_dialog)):
            a = QAction(text, self)
            a.setObjectName(name)
            a.setShortcut(QKeySequence(key))
            a.triggered.connect(slot)
            menu.addAction(a)
        self.recent_menu = menu.addMenu(self.tr("Recent files"))
        self.recent_menu.setObjectName("menu_recent")
        window_state.update_recent(self)
        menu.addSeparator()
        quit_action = QAction(self.tr("Quit"), self)
        quit_action.setObjectName("action_quit")
        quit_action.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Q))  # every desktop
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)  # asks about unsaved work, as closing does
        menu.addAction(quit_action)

    def save_to(self, path: str) -> None:
        self.send(Save(str(path)))

    def open_from(self, path: str) -> None:
        self.send(Load(str(path)))

    def _save(self) -> None:
        if self.current_file:
            self.save_to(self.current_file)
        else:
            self._save_as_dialog()

    def _save_as_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save session"), "",
                                              self.tr("gdplay session (*.gdplay)"))
        if path:
            if not path.endswith(".gdplay"):
                path += ".gdplay"
            self.save_to(path)

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open session"), "",
                                              self.tr("gdplay session (*.gdplay)"))
        if path:
            self.open_from(path)

    # --- language --------------------------------------------------------------------------
    def set_language(self, language: str) -> None:
        """Switch the interface language now: the widgets are built again in it; the
        session, the settings and the run go on untouched."""
        if language == self.language:
            self.language_actions[language].setChecked(True)
            return
        state = window_state.capture_ui_state(self)
        self.language = i18n.set_language(language)
        QSettings().setValue("view/language", self.language)
        window_state.teardown_ui(self)
        self._build_ui()
        window_state.restore_ui_state(self, state)

    def _on_gradient_checked(self, lane: str, errors: dict) -> None:
        self.inspector.show_gradient_check(lane, errors)

    def _on_lane_forked(self, config) -> None:
        self.controls.add_forked_lane(config)

    # --- autosave ---------------------------------------------------------------------------
    def _on_modified(self, modified: bool) -> None:
        self.modified = modified
        self.setWindowModified(modified)

    def _on_autosave_failed(self, text: str) -> None:
        self.statusBar().showMessage(self.tr("Autosave failed: %1").replace("%1", text), 15000)

    def autosave(self) -> None:
        """Save the session to the data folder if it changed (the worker writes it,
        atomically, between two steps), and the window's layout to the settings."""
        if self._closing:
            return
        window_state.remember_window(self)
        prefs.data_folder().mkdir(parents=True, exist_ok=True)
        self.send(Autosave(str(prefs.autosave_path())))


    def _offer_restore(self) -> None:
        """The last run ended without saving (a crash, a kill, a power cut): offer its
        autosave."""
        path = prefs.autosave_path()
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime)) \
            if path.is_file() else ""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Restore"),
                          self.tr("gdplay did not close normally last time. Restore the "
                                  "session it saved at %1?").replace("%1", stamp),
                          QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("restore_dialog")
        restore = box.addButton(self.tr("Restore"), QMessageBox.ButtonRole.AcceptRole)
        restore.setObjectName("restore_button")
        discard = box.addButton(self.tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("discard_button")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.restore_dialog = box

        def answered(button):
            if button is restore:
                self.restore_autosave()
            else:
                window_state.discard_autosave()
        box.buttonClicked.connect(answered)
        box.open()

    def restore_autosave(self) -> None:
        self._restoring = {"lesson": prefs.read_str("autosave/lesson", ""),
                           "file": prefs.read_str("autosave/file", "") or None,
                           "log_scale": prefs.read_bool("autosave/log_scale", False)}
        self.send(Restore(str(prefs.autosave_path())))

    def _on_saved(self, path: str) -> None:
        self.current_file = path
        window_state.remember_file(self, path)
        self.last_file_message = self.tr("Saved %1").replace("%1", path)
        self.statusBar().showMessage(self.last_file_message, 8000)

    def _on_loaded(self, path: str, payload) -> None:
        settings, breakpoints = payload
        restoring, self._restoring = self._restoring, None
        if restoring is None:
            self.current_file = path
            window_state.remember_file(self, path)
        else:  # the autosave is not the user's file: they save where they saved before
            self.current_file = restoring["file"]
        c = self.controls
        c.show_settings(settings.replace(slice=c.slice_spec(), speed=c.speed()), emit=False)
        self.inspector.set_breakpoints(breakpoints)
        self.fit_view.setVisible(problem_spec(settings.problem).kind == "network")
        self.last_file_message = self.tr("Opened %1").replace("%1", path)
        if restoring is not None:
            lesson = next((l for l in self.lessons if l.id == restoring["lesson"]), None)
            if lesson is not None:
                self.lesson_panel.show_lesson(lesson)
                self.lesson_dock.show()
            self.log_toggle.setChecked(restoring["log_scale"])
            self.last_file_message = self.tr("Restored the session saved before gdplay "
                                             "closed")
        self.statusBar().showMessage(self.last_file_message, 8000)

    def _on_file_failed(self, text: str) -> None:
        """A file that cannot be read or written: say why; the session stays as it was."""
        self.last_file_message = text
        self.statusBar().showMessage(text, 15000)
        if self._closing or text == self._shown_save_error:
            self._shown_save_error = ""  # shown already, by the close that asked for it
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("File"), text, parent=self)
        box.setObjectName("file_error_dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _make_lessons_menu(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&Lessons"))
        menu.setObjectName("menu_lessons")
        if self._lessons_read is None:  # read once: a language switch rebuilds the menu
            self._lessons_read = load_lessons()
        self.lessons, errors = self._lessons_read
        language = self.lesson_panel.language
        for lesson in self.lessons:
            a = QAction(lesson.text("title", language), self)
            a.setObjectName(f"lesson_{lesson.id}")
            a.triggered.connect(lambda _=False, l=lesson: self.open_lesson(l))
            menu.addAction(a)
        for error in errors:  # a damaged lesson file is listed, never applied
            a = QAction(self.tr("(damaged lesson)"), self)
            a.setToolTip(error)
            a.setEnabled(False)
            menu.addAction(a)
        self.lessons_menu = menu

    def _make_view_menu(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&View"))
        menu.setObjectName("menu_view")
        self.action_presenter = QAction(self.tr("Presenter mode"), self)
        self.action_presenter.setObjectName("action_presenter")
        self.action_presenter.setCheckable(True)
        self.action_presenter.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.action_presenter.toggled.connect(self.set_presenter)
        menu.addAction(self.action_presenter)
        self.addAction(self.action_presenter)
        self._window_actions.append(self.action_presenter)
        self.action_dark = QAction(self.tr("Dark theme"), self)
        self.action_dark.setObjectName("action_dark")
        self.action_dark.setCheckable(True)
        self.action_dark.toggled.connect(self.set_dark)
        menu.addAction(self.action_dark)
        language_menu = menu.addMenu(self.tr("Language"))
        language_menu.setObjectName("menu_language")
        self.language_actions = {}
        for code, name in i18n.LANGUAGES.items():  # each in its own language
            a = QAction(name, self)
            a.setObjectName(f"action_language_{code}")
            a.setCheckable(True)
            a.setChecked(code == self.language)
            a.triggered.connect(lambda _=False, c=code: self.set_language(c))
            language_menu.addAction(a)
            self.language_actions[code] = a
        self.set_presenter(False)
        dark = prefs.read_bool("view/dark", False)
        self.action_dark.setChecked(dark)
        self.set_dark(dark)

    def _plots(self):
        return (self.landscape_view, self.loss_view, self.fit_view)

    def set_presenter(self, on: bool) -> None:
        """Presenter mode: big fonts, thick lines and markers, advanced panels hidden."""
        self.presenter_mode = bool(on)
        font = QFont(self._normal_font)
        if on:
            font.setPointSizeF(self._normal_font.pointSizeF() * 1.5)
        QApplication.setFont(font)
        for plot in self._plots():
            plot.set_presentation(4 if on else 2, 20 if on else 11, 22 if on else 12)
        self.controls_area.setVisible(not on)
        self.inspector_dock.setVisible(not on)
        if self.action_presenter.isChecked() != self.presenter_mode:
            self.action_presenter.setChecked(self.presenter_mode)
        self._redraw_all()

    def set_dark(self, dark: bool) -> None:
        for plot in self._plots():
            plot.set_theme(dark)
        QSettings().setValue("view/dark", bool(dark))

    def open_lesson(self, lesson: Lesson) -> None:
        """Apply a lesson's whole setting (one reset) and show its explanation."""
        self._pending_start = lesson.settings.start
        self.log_toggle.setChecked(bool(lesson.view.get("log_scale", False)))
        # a lesson sets the run; the network's slice stays the user's choice
        self.controls.show_settings(lesson.settings.replace(slice=self.controls.slice_spec()))
        self.lesson_panel.show_lesson(lesson)
        self.lesson_dock.show()

    # --- configuration -------------------------------------------------------------------
    def run_settings(self) -> RunSettings:
        """The controls' settings, with a lesson's start the first time (the one place
        the window makes the settings it sends)."""
        start, self._pending_start = self._pending_start, None
        return self.controls.settings().replace(start=start)

    def apply_config(self) -> None:
        """Send the controls' settings to the worker: a new session (a reset)."""
        kind = problem_spec(self.controls.problem).kind
        self.fit_view.setVisible(kind == "network")
        self.send(Configure(self.run_settings()))

    # --- from the worker -------------------------------------------------------------------
    def _on_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        if self._frames_pending or self.redraw_timer.isActive() or self._closing:
            return  # a frame is on its way, or one is due and will draw the newest snapshot
        wait_ms = 1000.0 * (self._next_frame_at - time.perf_counter())
        self.redraw_timer.start(max(0, math.ceil(wait_ms)))

    def _on_landscape_progress(self, done: float) -> None:
        self.statusBar().showMessage(
            self.tr("Drawing the map: %1% done").replace("%1", f"{100 * done:.0f}"), 2000)

    def _on_landscape(self, data: LandscapeData) -> None:
        self.landscape = data
        self.landscape_view.set_landscape(data)
        self._drawn_serial = -1

    def _on_running(self, running: bool) -> None:
        self._running = running
        self.action_run.setText(self.tr("Pause") if running else self.tr("Run"))

    def _on_error(self, text: str) -> None:
        first = text.splitlines()[0] if text else ""
        self.statusBar().showMessage(self.tr("Error: %1").replace("%1", first), 15000)
        if self._closing:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("A step failed"),
                          self.tr("The run was paused. Details:") + "\n\n" + first, parent=self)
        box.setDetailedText(text)
        box.setObjectName("error_dialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _on_inspection(self, ins: Inspection) -> None:
        # Shown from the event loop's next turn: while following a run the reply comes in
        # among a frame's paints, and a timer or a key press due then would wait for both
        QTimer.singleShot(0, self, lambda: self._show_inspection(ins))

    def _show_inspection(self, ins: Inspection) -> None:
        # the worker gives way, as during a paint: the step table's view calls back into
        # Python for each cell, and each call would first wait for the GIL the worker holds
        with self.worker.gate.closed():
            self.inspector.show_inspection(ins)
            following = self.inspector.follow.isChecked()
            self.landscape_view.set_step_marker(None if following else ins.point, ins.loss)
            self.loss_view.set_step_marker(None if following else ins.step)

    def _on_breakpoint(self, text: str) -> None:
        self.statusBar().showMessage(self.tr("Breakpoint: %1").replace("%1", text), 30000)

    def _on_rejected(self, text: str) -> None:
        self.statusBar().showMessage(self.tr("Not applied: %1").replace("%1", text), 10000)

    # --- drawing -------------------------------------------------------------------------
    def _redraw_all(self) -> None:
        self._drawn_serial = -1
        self._redraw()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        size = event.size()
        fit_pixmap_cache(size.width(), size.height(), self.devicePixelRatioF())

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.UpdateRequest:  # the window paints what changed
            with self.worker.gate.closed():
                return super().event(event)
        if kind == _FRAME_END:
            self._frame_done()
            return True
        return super().event(event)

    def _redraw(self) -> None:
        snap = self.snapshot
        if snap is None:
            return
        if snap.serial == self._drawn_serial or self.landscape is None:
            self.worker.snapshot_taken()
            return
        self._drawn_serial = snap.serial
        # A frame is this update and the chain of scene updates and paints it posts. The
        # worker gives way until all of it is done: an event posted below the paints'
        # priority marks the end.
        self._frame_start = time.perf_counter()
        self._frames_pending += 1
        self.worker.gate.close()
        QCoreApplication.postEvent(self, QEvent(_FRAME_END), _FRAME_END_PRIORITY)
        self._draw(snap)

    def _draw(self, snap: Snapshot) -> None:
        self.landscape_view.show_snapshot(snap)
        self.loss_view.show_snapshot(snap)
        if snap.kind == "network":
            self.fit_view.show_snapshot(snap)
        # numbers in text change too fast to read at 30 frames a second, and each changed
        # label repaints: while running they refresh a few times a second, plots every frame
        now = time.perf_counter()
        if not snap.running or now - self._last_text_update >= TEXT_REFRESH_S:
            self._last_text_update = now
            self.inspector.show_snapshot(snap)
            self._update_status(snap)
        self._redraws += 1

    def _frame_done(self) -> None:
        """Called once the frame is painted. The next frame starts no sooner than twice
        this one's cost after its start (and REDRAW_MS at least): the window's thread is
        at least half idle, so input and timers are never starved, and the worker, which
        gives way during frames, keeps at least half of the time however costly drawing is."""
        self.worker.gate.open()
        # the worker builds the next snapshot now, while the window is idle, not during
        # this frame's paint, where the two threads would take turns with the GIL
        self.worker.snapshot_taken()
        self._frames_pending -= 1
        if self._frames_pending:  # redrawn again before this frame ended: wait for that one
            return
        cost = time.perf_counter() - self._frame_start
        self._next_frame_at = self._frame_start + min(max(REDRAW_MS / 1000.0, 2.0 * cost),
                                                      MAX_REDRAW_MS / 1000.0)
        snap = self.snapshot
        if snap is not None and snap.serial != self._drawn_serial:
            self._schedule_redraw()

    def _update_status(self, snap: Snapshot) -> None:
        parts = [self.tr("Step %1").replace("%1", str(snap.step))]
        if snap.running:
            parts.append(self.tr("%1 steps/s").replace("%1", f"{snap.steps_per_second:,.0f}"))
        texts = {}
        for lane in snap.lanes:
            if lane.status == "diverged":
                texts[lane.name] = lane.status_text
                parts.append(f"{lane.name}: " + self.tr("diverged"))
            else:
                texts[lane.name] = f"{lane.loss:.4g}"
                parts.append(f"{lane.name}: {lane.loss:.4g}")
        self.status_label.setText("   ·   ".join(parts))
        self.controls.set_lane_status(texts)

    # --- closing -------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the worker and its thread; safe to call twice."""
        if self._closing:
            return
        self._closing = True
        self.redraw_timer.stop()
        if self.presenter_mode:
            QApplication.setFont(self._normal_font)  # the app font is global: give it back
        if self.thread.isRunning():
            self.send(Shutdown(), blocking=True)  # returns once its timers have stopped
            self.thread.quit()
            self.thread.wait(5000)

    def closeEvent(self, event) -> None:
        if not self._closing and not self._settle_unsaved_work():
            event.ignore()
            return
        QSettings().setValue("window/geometry", self.saveGeometry())
        QSettings().setValue("window/state", self.saveState())
        self.shutdown()
        super().closeEvent(event)

    def _settle_unsaved_work(self) -> bool:
        """Before closing: ask whether to save unsaved work (Save / Discard / Cancel).
        False: stay open (cancelled, or the save failed, said so)."""
        if not self.modified:
            window_state.discard_autosave()
            return True
        if not self.ask_on_close:  # nobody to ask: keep it for the next start
            window_state.remember_window(self)
            prefs.data_folder().mkdir(parents=True, exist_ok=True)
            self.send(Autosave(str(prefs.autosave_path())), blocking=True)
            return True
        answer = QMessageBox.question(
            self, self.tr("Unsaved changes"),
            self.tr("The session has changes that are not saved. Save them before "
                    "closing?"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Discard:
            window_state.discard_autosave()
            return True
        path = self.current_file
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save session"), "",
                                                  self.tr("gdplay session (*.gdplay)"))
            if not path:
                return False
            if not path.endswith(".gdplay"):
                path += ".gdplay"
        self.send(Save(path), blocking=True)  # returns when the worker has written it, or failed
        if self.worker.last_save_error:
            self._shown_save_error = self.worker.last_save_error
            QMessageBox.critical(self, self.tr("File"), self.worker.last_save_error)
            return False  # the window stays open: nothing is lost
        window_state.discard_autosave()
        return True

