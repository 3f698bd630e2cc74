"""The window's state outside the session: captured, torn down and rebuilt by a language
switch (every widget is built again in the new language), its first size, and what is
remembered across starts (the layout, the open lesson, recent files)."""

from __future__ import annotations


from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu

from ..engine.problems import problem_spec
from . import prefs

__all__ = ["capture_ui_state", "teardown_ui", "restore_ui_state", "fit_first_size",
           "remember_window", "remember_file", "update_recent", "discard_autosave", "MAX_RECENT"]

MAX_RECENT = 8


def capture_ui_state(w) -> dict:
    """What the widgets hold that the session does not: settings being edited, the
    layout, the lesson, the breakpoints."""
    c = w.controls
    try:
        breakpoints = w.inspector.breakpoints()
    except ValueError:
        breakpoints = []
    return {"settings": c.settings(), "lane_row": c.lane_list.currentRow(),
            "log": w.log_toggle.isChecked(), "presenter": w.presenter_mode,
            "lesson": w.lesson_panel.lesson, "lesson_open": w.lesson_dock.isVisible(),
            "breakpoints": breakpoints, "geometry": w.saveState(),
            "splits": (w.main_split.sizes(), w.right_split.sizes())}


def teardown_ui(w) -> None:
    """Take out and delete every widget, menu and action _build_ui made."""
    for a in w._window_actions:
        w.removeAction(a)
    w._window_actions.clear()
    # the actions of the old menus and toolbar are the window's children: delete them
    # now (not later), so nothing finds the old, untranslated ones
    for a in w.findChildren(QAction, options=Qt.FindChildOption.FindDirectChildrenOnly):
        a.setParent(None)
        a.deleteLater()
    # clear() takes the menus out of the bar but leaves them alive (5 a switch)
    bar = w.menuBar()
    for menu in bar.findChildren(QMenu, options=Qt.FindChildOption.FindDirectChildrenOnly):
        menu.deleteLater()
    w.menuBar().clear()
    w.removeToolBar(w.toolbar)
    w.toolbar.deleteLater()
    for dock in (w.inspector_dock, w.lesson_dock):
        w.removeDockWidget(dock)
        dock.deleteLater()
    w.statusBar().removeWidget(w.status_label)
    w.status_label.deleteLater()
    old = w.takeCentralWidget()
    if old is not None:
        old.deleteLater()


def restore_ui_state(w, state: dict) -> None:
    """Put a captured state into the widgets built again; the worker is not told."""
    c = w.controls
    c.show_settings(state["settings"], emit=False)  # the widgets rebuilt from the value
    c.lane_list.setCurrentRow(max(0, state["lane_row"]))
    _restore_layout(w, state)
    w.log_toggle.setChecked(state["log"])
    w.fit_view.setVisible(problem_spec(c.problem).kind == "network")
    w.inspector.set_breakpoints(state["breakpoints"])
    if state["lesson"] is not None:
        w.lesson_panel.show_lesson(state["lesson"])
    w.lesson_panel.set_language(w.language)
    w.lesson_dock.setVisible(state["lesson_open"])
    if state["presenter"]:
        w.action_presenter.setChecked(True)
    w.set_dark(w.action_dark.isChecked())
    if w.landscape is not None:
        w.landscape_view.set_landscape(w.landscape)
    w._on_running(w._running)
    w._redraw_all()


def _restore_layout(w, state: dict) -> None:
    """Docks and splitters as they were. Restored at once, the new docks took the
    sizes Qt gave them while the old ones were still being removed (the map shrank to
    a 68 px strip); from the event loop's next turn they take the saved ones."""
    def restore():
        w.restoreState(state["geometry"])
        w.main_split.setSizes(state["splits"][0])
        w.right_split.setSizes(state["splits"][1])
    restore()
    QTimer.singleShot(0, w, restore)


def fit_first_size(w) -> None:
    """1400 x 950 where it fits; on a smaller screen (a 1024 x 768 projector) the
    screen's free area, with a lower step inspector so the map keeps the room."""
    screen = w.screen() or QApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    if room is None or (room.width() >= 1400 and room.height() >= 950):
        w.resize(1400, 950)
        return
    w.resize(min(1400, room.width()), min(950, room.height()))
    w.move(room.topLeft())
    w.resizeDocks([w.inspector_dock], [max(160, room.height() // 4)],
                     Qt.Orientation.Vertical)


def remember_window(w) -> None:
    """What the session file does not hold: the layout, the open lesson, the file."""
    settings = QSettings()
    settings.setValue("window/geometry", w.saveGeometry())
    settings.setValue("window/state", w.saveState())
    lesson = w.lesson_panel.lesson
    open_lesson = lesson is not None and w.lesson_dock.isVisible()
    settings.setValue("autosave/lesson", lesson.id if open_lesson else "")
    settings.setValue("autosave/file", w.current_file or "")
    settings.setValue("autosave/log_scale", w.log_toggle.isChecked())
    settings.sync()


def remember_file(w, path: str) -> None:
    recent = [p for p in prefs.read_str_list("files/recent", MAX_RECENT) if p != path]
    QSettings().setValue("files/recent", ([path] + recent)[: MAX_RECENT])
    update_recent(w)


def update_recent(w) -> None:
    w.recent_menu.clear()
    recent = prefs.read_str_list("files/recent", MAX_RECENT)
    for path in recent:
        a = w.recent_menu.addAction(path)
        a.triggered.connect(lambda _=False, p=path: w.open_from(p))
    w.recent_menu.setEnabled(bool(recent))


def discard_autosave() -> None:
    try:
        prefs.autosave_path().unlink(missing_ok=True)
    except OSError:
        pass  # a read-only folder: offered again next time, never lost
