"""Crashes are logged and shown; a step that raises pauses the run and says where."""

import sys

from gdplay.engine import optimizers
from gdplay.present import Pause, Reset, Run, Step, Toggle
from gdplay.ui.crash import report_exception
from gdplay.ui.main_window import MainWindow


def test_an_uncaught_exception_is_logged_and_shown(qtbot, tmp_path):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        box = report_exception(*sys.exc_info(), folder=tmp_path)
    qtbot.addWidget(box)
    logs = list(tmp_path.glob("crash-*.log"))
    assert len(logs) == 1 and "RuntimeError: boom" in logs[0].read_text()
    assert "boom" in box.text() and str(logs[0]) in box.informativeText()
    box.close()


def test_a_read_only_log_folder_does_not_raise(qtbot, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    try:
        raise ValueError("x")
    except ValueError:
        box = report_exception(*sys.exc_info(), folder=blocker / "logs")
    qtbot.addWidget(box)
    assert box.informativeText() == ""
    box.close()


def test_an_exception_inside_a_step_pauses_and_is_reported(qtbot, monkeypatch):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)

    def broken(self, *args, **kwargs):
        raise ZeroDivisionError("a bug in a step")
    monkeypatch.setattr(optimizers.SGD, "_kernel", broken)  # the update, on floats or arrays
    errors = []
    w.worker.errorOccurred.connect(errors.append)
    w.send(Step(1))
    qtbot.waitUntil(lambda: len(errors) > 0, timeout=10_000)
    assert "ZeroDivisionError: a bug in a step" in errors[0] and "sgd (step 0)" in errors[0]
    qtbot.waitUntil(lambda: "Error" in w.statusBar().currentMessage(), timeout=10_000)
    monkeypatch.undo()
    w.send(Step(1))  # the app goes on
    qtbot.waitUntil(lambda: w.snapshot.step >= 1, timeout=10_000)
    w.shutdown()


def test_hammering_run_pause_step_reset_leaves_a_consistent_state(qtbot):
    import copy
    import random

    import numpy as np

    from gdplay.engine import make_problem
    from gdplay.engine.session import Session

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=10_000)
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
    rng = random.Random(0)
    commands = [lambda: w.send(Toggle()), lambda: w.send(Pause()), lambda: w.send(Step(1)),
                lambda: w.send(Step(10)), lambda: w.send(Reset()), lambda: w.send(Run())]
    for i in range(1000):
        rng.choice(commands)()
        if i % 50 == 0:
            qtbot.wait(5)
    w.send(Pause())  # queued after all the others
    serial = [-1]

    def settled():
        # quiet: paused, and no new snapshot for 300 ms
        if w.snapshot.running or w.snapshot.serial != serial[0]:
            serial[0] = w.snapshot.serial
            return False
        return True
    qtbot.waitUntil(lambda: qtbot.wait(300) or settled(), timeout=20_000)
    snap = w.snapshot
    reference = Session(make_problem("rosenbrock"), copy.deepcopy(w.controls.lanes))
    reference.step(snap.step)
    for shown, ref in zip(snap.lanes, reference.lanes):
        assert shown.t == snap.step
        # every step recorded once, in order, and the same numbers as an uninterrupted run
        np.testing.assert_array_equal(shown.loss_steps, np.arange(snap.step + 1))
        np.testing.assert_array_equal(shown.w, ref.w)
    w.shutdown()


def _crash_dialogs():
    from PySide6.QtWidgets import QApplication
    return [w for w in QApplication.topLevelWidgets()
            if w.objectName() == "crash_dialog" and w.isVisible()]


def _raise_here(exc):
    try:
        raise exc
    except Exception:  # noqa: BLE001
        return sys.exc_info()


def test_the_dialog_stays_open_with_no_reference_kept(qtbot, tmp_path):
    import gc

    report_exception(*_raise_here(KeyError("nobody keeps me")), folder=tmp_path)
    gc.collect()
    qtbot.wait(50)
    boxes = [b for b in _crash_dialogs() if "nobody keeps me" in b.text()]
    assert len(boxes) == 1
    boxes[0].close()


def test_an_exception_in_another_thread_is_shown_in_the_gui_thread(qtbot, tmp_path):
    import threading

    from PySide6.QtCore import QThread

    made_in = []

    def worker():
        made_in.append(report_exception(*_raise_here(OverflowError("in the worker")),
                                        folder=tmp_path))
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert made_in == [None]  # no widget was made in that thread
    qtbot.waitUntil(lambda: any("in the worker" in b.text() for b in _crash_dialogs()),
                    timeout=5_000)
    box = next(b for b in _crash_dialogs() if "in the worker" in b.text())
    assert box.thread() is QThread.currentThread()
    assert len(list(tmp_path.glob("crash-*.log"))) == 1
    box.close()


def test_the_same_error_is_logged_and_shown_once_a_run(qtbot, tmp_path):
    def frame():
        return _raise_here(ValueError("bad colour 'nope'"))
    first = report_exception(*frame(), folder=tmp_path)
    assert first is not None
    for _ in range(50):
        assert report_exception(*frame(), folder=tmp_path) is None
    assert len(list(tmp_path.glob("crash-*.log"))) == 1
    first.close()
