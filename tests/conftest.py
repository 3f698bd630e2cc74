"""Test setup: every test runs headless, and never touches the user's settings."""

import os

# Must be set before pytest-qt creates the QApplication.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory):
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("gdplay-tests")
    QCoreApplication.setApplicationName("gdplay-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))
    yield


@pytest.fixture
def window(qtbot):
    """The main window, shown, with its first snapshot and landscape drawn; shut down after."""
    from gdplay.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.snapshot is not None and w.landscape is not None, timeout=10_000)
    yield w
    w.shutdown()
