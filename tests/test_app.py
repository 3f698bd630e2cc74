"""The window opens offscreen without warnings."""

from gdplay.ui.main_window import MainWindow


def test_main_window_opens(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "gdplay" in window.windowTitle()


def test_the_app_leaves_a_core_for_the_window_unless_told_otherwise(monkeypatch):
    import os
    import subprocess
    import sys

    from gdplay import app

    for name in app.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own choice stays
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    app.leave_a_core_for_the_window()
    assert os.environ["OPENBLAS_NUM_THREADS"] == os.environ["OMP_NUM_THREADS"] == "7"
    assert os.environ["MKL_NUM_THREADS"] == "3"
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    app.leave_a_core_for_the_window()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    if sys.platform.startswith("linux"):  # and it takes effect: OpenBLAS starts no threads
        code = ("import os, sys; sys.argv = ['x']; os.cpu_count = lambda: 2\n"
                "from gdplay.app import leave_a_core_for_the_window\n"
                "leave_a_core_for_the_window(); import numpy\n"
                "print(len(os.listdir('/proc/self/task')))")
        env = {k: v for k, v in os.environ.items() if k not in app.BLAS_THREAD_VARIABLES}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, check=True)
        assert out.stdout.strip() == "1"


def test_the_app_paints_on_the_window_thread_unless_told_otherwise(monkeypatch):
    """Qt's raster engine hands long fills to a thread pool whose threads wait for the
    core the worker holds (see gdplay.app.paint_on_the_window_thread): the app turns the
    pool off before anything is painted, and a user's own setting stays."""
    import os

    from gdplay import app, selftest

    monkeypatch.delenv("QT_NO_GUI_THREADPOOL", raising=False)
    app.paint_on_the_window_thread()
    assert os.environ["QT_NO_GUI_THREADPOOL"] == "1"
    monkeypatch.setenv("QT_NO_GUI_THREADPOOL", "0")
    app.paint_on_the_window_thread()
    assert os.environ["QT_NO_GUI_THREADPOOL"] == "0"

    # main() does it first thing, before any QApplication exists
    monkeypatch.delenv("QT_NO_GUI_THREADPOOL")
    seen = []
    monkeypatch.setattr(selftest, "run_self_test",
                        lambda: seen.append(os.environ.get("QT_NO_GUI_THREADPOOL")) or 0)
    assert app.main(["gdplay", "--self-test"]) == 0
    assert seen == ["1"]
