"""The application entry point: builds the QApplication and the main window."""

from __future__ import annotations

import os
import sys

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def leave_a_core_for_the_window() -> None:
    """Cap NumPy's BLAS threads at one fewer than the machine's cores, unless the user set
    them; effective only before NumPy is imported.

    The worker's matrix products otherwise use every core while the window's thread paints,
    and OpenBLAS threads spin while they wait, so the window's timers run late (figures in
    docs/performance.md).
    """
    threads = str(max(1, (os.cpu_count() or 2) - 1))
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, threads)


def paint_on_the_window_thread() -> None:
    """Keep Qt's raster engine from splitting a paint's long fills across its GUI thread
    pool, unless the user set ``QT_NO_GUI_THREADPOOL``; effective only before the first
    paint.

    The pool's threads need a core, the worker has one of them, and the window's thread
    waits for every part it handed out: a paint of long thin fills (the loss view's grid)
    took longer with the pool than without (figures in docs/performance.md).
    """
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")


def give_freed_memory_back() -> None:
    """On glibc, allocations of 1 MiB and more get their own mapping, returned to the
    system when freed.

    glibc raises its mapping threshold to the largest block freed (the engine's 3-4 MB
    history buffers), after which NumPy's buffers come from the heap, which is only given
    back from its top: a long session's memory kept growing (figures in
    docs/performance.md).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass  # not glibc (musl, say): nothing to tune


def main(argv: list[str] | None = None) -> int:
    """Start the app (``--self-test``: check the installation offscreen and exit);
    returns the process exit status."""
    leave_a_core_for_the_window()
    paint_on_the_window_thread()
    give_freed_memory_back()
    argv = list(sys.argv if argv is None else argv)
    if "--self-test" in argv[1:]:
        from .selftest import run_self_test
        return run_self_test()
    from PySide6.QtWidgets import QApplication

    from .ui.crash import install_excepthook
    from .ui.main_window import MainWindow

    from PySide6.QtGui import QIcon

    from .resources import resources_dir

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("gdplay")
    app.setOrganizationName("gdplay")
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "gdplay.svg")))
    install_excepthook()
    window = MainWindow()
    window.show()
    if "--startup-probe" in argv:  # print seconds from the given epoch to the first drawn frame
        import time

        from PySide6.QtCore import QTimer
        started = float(argv[argv.index("--startup-probe") + 1])

        def check():
            if window.redraws > 0:
                print(f"{time.time() - started:.3f}")
                window.close()
                app.quit()
            else:
                QTimer.singleShot(2, check)
        QTimer.singleShot(0, check)
    return app.exec()
