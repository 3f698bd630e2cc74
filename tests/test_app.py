"""The window opens offscreen without warnings."""

from gdplay.ui.main_window import MainWindow


def test_main_window_opens(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "gdplay" in window.windowTitle()
