"""Render the window offscreen to docs/screenshot.png (a 2D race) and
docs/screenshot_network.png (the seed's network). Run: python3 docs/make_screenshots.py"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gdplay.engine.session import LaneConfig  # noqa: E402
from gdplay.ui.main_window import MainWindow  # noqa: E402

HERE = Path(__file__).resolve().parent


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(condition, timeout_ms: int = 10_000) -> None:
    waited = 0
    while not condition() and waited < timeout_ms:
        wait(20)
        waited += 20


def shoot(window: MainWindow, problem: str, lanes, steps: int, path: Path, **options) -> None:
    window.controls.set_problem(problem, options)
    window.controls.set_lanes(lanes)
    wait_for(lambda: window.snapshot is not None and window.snapshot.problem == problem
             and window.snapshot.step == 0 and len(window.snapshot.lanes) == len(lanes))
    window.cmdStep.emit(steps)
    wait_for(lambda: window.snapshot.step == steps)
    wait(300)
    window.grab().save(str(path))
    print(f"wrote {path}")


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    QCoreApplication.setOrganizationName("gdplay-screenshots")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    wait_for(lambda: window.snapshot is not None)
    shoot(window, "rosenbrock", [
        LaneConfig("sgd", dict(lr=1e-4, momentum=0.9)),
        LaneConfig("adam", dict(lr=0.05)),
        LaneConfig("adamw", dict(lr=0.05, weight_decay=0.1)),
        LaneConfig("amsgrad", dict(lr=0.05)),
        LaneConfig("admm_adam", dict(lr=0.05, regularizer="box", lo=-1.5, hi=1.5)),
    ], 1500, HERE / "screenshot.png")
    window.log_toggle.setChecked(True)
    shoot(window, "mlp", [LaneConfig("sgd", dict(lr=0.05, momentum=0.9)),
                          LaneConfig("adam", dict(lr=0.01))], 800,
          HERE / "screenshot_network.png", dataset="sine", hidden=(16, 16), activation="tanh")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
