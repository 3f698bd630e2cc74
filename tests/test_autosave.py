"""Work survives a crash: the session is autosaved and offered back at the next start;
closing with unsaved changes asks first."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from gdplay.present import Step
from gdplay.ui import prefs
from gdplay.ui.main_window import MainWindow

TIMEOUT = 10_000


def new_window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None and w.landscape is not None, timeout=TIMEOUT)
    return w


def restore_from_dialog(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: getattr(w, "restore_dialog", None) is not None
                    and w.restore_dialog.isVisible(), timeout=TIMEOUT)
    w.restore_dialog.findChild(QPushButton, "restore_button").click()


def test_an_autosave_is_offered_at_the_next_start_and_brings_back_lesson_and_run(qtbot):
    w = new_window(qtbot)
    assert not w.modified and not prefs.autosave_path().exists()
    lesson = next(l for l in w.lessons if l.id.startswith("07_"))
    w.open_lesson(lesson)
    qtbot.waitUntil(lambda: w.snapshot.problem == lesson.problem, timeout=TIMEOUT)
    w.send(Step(37))
    qtbot.waitUntil(lambda: w.snapshot.step == 37 and w.modified, timeout=TIMEOUT)
    assert w.isWindowModified()
    w.autosave()
    qtbot.waitUntil(prefs.autosave_path().is_file, timeout=TIMEOUT)
    w.shutdown()  # as a crash: nothing more is written

    again = new_window(qtbot)
    restore_from_dialog(qtbot, again)
    qtbot.waitUntil(lambda: again.snapshot.step == 37, timeout=TIMEOUT)
    assert again.controls.problem == lesson.problem
    assert [l.name for l in again.snapshot.lanes] == [l.name for l in w.snapshot.lanes]
    assert again.lesson_panel.lesson.id == lesson.id and again.lesson_dock.isVisible()
    assert again.modified and again.current_file is None  # restored work is unsaved work
    assert again.log_toggle.isChecked() == bool(lesson.view.get("log_scale", False))
    assert again.log_toggle.isChecked()  # the race's loss curve is on a log scale
    again.shutdown()


def test_discarding_the_offer_removes_the_autosave(qtbot):
    w = new_window(qtbot)
    w.send(Step(3))
    qtbot.waitUntil(lambda: w.modified, timeout=TIMEOUT)
    w.autosave()
    qtbot.waitUntil(prefs.autosave_path().is_file, timeout=TIMEOUT)
    w.shutdown()
    again = new_window(qtbot)
    qtbot.waitUntil(lambda: getattr(again, "restore_dialog", None) is not None, timeout=TIMEOUT)
    again.restore_dialog.findChild(QPushButton, "discard_button").click()
    assert not prefs.autosave_path().exists()
    assert again.snapshot.step == 0
    again.shutdown()


def test_nothing_changed_nothing_autosaved(qtbot):
    w = new_window(qtbot)
    w.autosave()
    qtbot.wait(300)
    assert not prefs.autosave_path().exists()
    w.close()  # a clean close with nothing unsaved leaves no autosave to offer
    assert not prefs.autosave_path().exists()


def _answer_next_box(button):
    """Press ``button`` in the next modal message box (QMessageBox.question blocks)."""
    def press():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        box.button(button).click()
    QTimer.singleShot(20, press)


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(qtbot, monkeypatch):
    monkeypatch.setattr(MainWindow, "ask_on_close", True)
    w = new_window(qtbot)
    w.send(Step(5))
    qtbot.waitUntil(lambda: w.modified, timeout=TIMEOUT)
    _answer_next_box(QMessageBox.StandardButton.Cancel)
    assert not w.close()
    assert w.isVisible() and w.thread.isRunning()
    _answer_next_box(QMessageBox.StandardButton.Discard)
    assert w.close()
    assert not prefs.autosave_path().exists()


def test_closing_saves_when_asked_and_a_failed_save_keeps_the_window_open(
        qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(MainWindow, "ask_on_close", True)
    w = new_window(qtbot)
    w.send(Step(5))
    qtbot.waitUntil(lambda: w.modified, timeout=TIMEOUT)
    w.current_file = str(tmp_path / "no-such-folder" / "run.gdplay")
    _answer_next_box(QMessageBox.StandardButton.Save)
    _answer_next_box(QMessageBox.StandardButton.Ok)  # the save failed: said, not lost
    assert not w.close()
    assert w.isVisible() and w.modified
    w.current_file = str(tmp_path / "run.gdplay")
    _answer_next_box(QMessageBox.StandardButton.Save)
    assert w.close()
    assert (tmp_path / "run.gdplay").is_file()


CRASHING_APP = textwrap.dedent("""
    import os, sys, time
    from PySide6.QtCore import QCoreApplication, QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    QCoreApplication.setOrganizationName(sys.argv[2])
    QCoreApplication.setApplicationName(sys.argv[3])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    from gdplay.present import Run
    from gdplay.ui import main_window, prefs
    main_window.AUTOSAVE_MS = 300
    w = main_window.MainWindow()
    w.show()
    lesson = next(l for l in w.lessons if l.id.startswith("07_"))
    w.open_lesson(lesson)
    QTimer.singleShot(500, lambda: w.send(Run()))   # running when killed
    def report():
        if prefs.autosave_path().is_file() and w.snapshot and w.snapshot.step > 100:
            print("autosaved", flush=True)
    timer = QTimer(); timer.timeout.connect(report); timer.start(200)
    app.exec()
""")


def test_kill_9_mid_lesson_then_start_again_brings_back_the_setup_and_the_run(
        qtbot, tmp_path):
    settings_dir = os.path.dirname(os.path.dirname(QSettings().fileName()))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # XDG_DATA_HOME: this test's
    from PySide6.QtCore import QCoreApplication
    names = [QCoreApplication.organizationName(), QCoreApplication.applicationName()]
    proc = subprocess.Popen([sys.executable, "-c", CRASHING_APP, settings_dir, *names], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "autosaved" not in line and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
        assert "autosaved" in line, "the app never autosaved"
        time.sleep(0.7)  # mid-run, between autosaves
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
    QSettings().sync()  # the other process wrote the layout and the lesson
    w = new_window(qtbot)
    restore_from_dialog(qtbot, w)
    qtbot.waitUntil(lambda: w.snapshot.step > 100, timeout=TIMEOUT)
    assert w.controls.problem == "rosenbrock"
    assert w.lesson_panel.lesson.id.startswith("07_") and w.lesson_dock.isVisible()
    assert len(w.snapshot.lanes) >= 2
    w.shutdown()


def test_file_quit_asks_about_unsaved_work_as_closing_does(qtbot, monkeypatch):
    monkeypatch.setattr(MainWindow, "ask_on_close", True)
    w = new_window(qtbot)
    quit_action = w.findChild(QAction, "action_quit")
    assert quit_action.shortcut().toString() == "Ctrl+Q"
    w.send(Step(2))
    qtbot.waitUntil(lambda: w.modified, timeout=TIMEOUT)
    _answer_next_box(QMessageBox.StandardButton.Cancel)
    quit_action.trigger()
    assert w.isVisible()
    _answer_next_box(QMessageBox.StandardButton.Discard)
    quit_action.trigger()
    assert not w.isVisible() and not w.thread.isRunning()
