"""The application entry point: builds the QApplication and the main window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Start the app (``--self-test``: check the installation offscreen and exit);
    returns the process exit status."""
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
