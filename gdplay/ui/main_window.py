"""The main window."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from ..engine import problem_names


class MainWindow(QMainWindow):
    """gdplay's one window."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("gdplay: gradient descent playground"))
        label = QLabel(self.tr("Problems available: %n", "", len(problem_names())))
        self.setCentralWidget(label)
        self.resize(1200, 800)
