"""``gdplay --self-test``: prove an installation works, offscreen, and exit 0 (or 1 with
what failed). Every problem runs a few steps with every optimizer; the window opens, every
lesson opens and steps, the language switches to Traditional Chinese and back. Settings go
to a temporary folder: the self-test writes nothing of the user's."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback

__all__ = ["run_self_test"]


def _wait_for(condition, timeout_s: float = 15.0) -> bool:
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        loop = QEventLoop()
        QTimer.singleShot(10, loop.quit)
        loop.exec()
    return True


def run_self_test(out=sys.stdout) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from .engine import make_problem, problem_names
    from .engine.optimizers import optimizer_names
    from .engine.session import LaneConfig, Session
    from .present import Step

    failures: list[str] = []

    def check(what: str, ok: bool, detail: str = "") -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""),
              file=out)
        if not ok:
            failures.append(what)

    # 1. the engine: every problem with every optimizer
    for name in problem_names():
        options = {"n_samples": 32, "hidden": (3, 3)} if name == "mlp" else {}
        try:
            s = Session(make_problem(name, **options),
                        [LaneConfig(o, {"lr": 1e-3}) for o in optimizer_names()])
            s.step(5)
            ok = all(l.t == 5 and np.all(np.isfinite(l.w)) or l.status == "diverged" for l in s.lanes)
            check(f"problem {name} x {len(s.lanes)} optimizers", ok)
        except Exception as exc:  # noqa: BLE001 - report, do not stop
            check(f"problem {name}", False, f"{type(exc).__name__}: {exc}")

    # 2. the window, the lessons, the languages
    app = QApplication.instance() or QApplication([sys.argv[0]])
    QCoreApplication.setOrganizationName("gdplay-self-test")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    try:
        from .ui import prefs
        from .ui.main_window import MainWindow

        prefs.set_data_folder(tempfile.mkdtemp())  # its autosave and logs are not the user's
        MainWindow.ask_on_close = False  # nobody answers "Save changes?" here
        window = MainWindow()
        window.show()
        check("the window opens", _wait_for(lambda: window.snapshot is not None
                                            and window.landscape is not None))
        check("lessons found", len(window.lessons) >= 12, f"{len(window.lessons)} lessons")
        for lesson in window.lessons:
            window.open_lesson(lesson)
            names = [l.name for l in lesson.lanes]
            opened = _wait_for(lambda: window.snapshot.problem == lesson.problem and
                               [l.name for l in window.snapshot.lanes] == names
                               and window.snapshot.step == 0)
            window.send(Step(5))
            stepped = opened and _wait_for(lambda: window.snapshot.step == 5 or any(
                l.status == "diverged" for l in window.snapshot.lanes))
            check(f"lesson {lesson.id}", opened and stepped)
        window.set_language("zh_TW")
        title = window.windowTitle().replace("[*]", "")  # [*]: Qt's unsaved-changes mark
        check("Traditional Chinese", title == "gdplay：梯度下降遊樂場", title)
        window.set_language("en")
        title = window.windowTitle().replace("[*]", "")
        check("English again", title == "gdplay: gradient descent playground", title)
        window.close()
        check("the worker thread stopped", not window.thread.isRunning())
    except Exception:  # noqa: BLE001
        check("the window", False, traceback.format_exc())
    print(f"self-test: {'passed' if not failures else f'{len(failures)} failed'}", file=out)
    app.processEvents()
    return 0 if not failures else 1
