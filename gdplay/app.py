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

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("gdplay")
    app.setOrganizationName("gdplay")
    install_excepthook()
    window = MainWindow()
    window.show()
    return app.exec()
