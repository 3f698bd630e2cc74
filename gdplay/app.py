"""The application entry point: builds the QApplication and the main window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Start the app; returns the process exit status."""
    from PySide6.QtWidgets import QApplication

    from .ui.crash import install_excepthook
    from .ui.main_window import MainWindow

    argv = list(sys.argv if argv is None else argv)
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("gdplay")
    app.setOrganizationName("gdplay")
    install_excepthook()
    window = MainWindow()
    window.show()
    return app.exec()
