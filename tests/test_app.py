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
