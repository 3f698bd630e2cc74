"""Test setup: every test runs headless, and never touches the user's settings."""

import os

# Must be set before pytest-qt creates the QApplication.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

import time  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QObject, QThread, Signal, Slot  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory):
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("gdplay-tests")
    QCoreApplication.setApplicationName("gdplay-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))
    yield


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path_factory, monkeypatch):
    """Each test has its own data folder (crash logs, the autosave: a test's autosave must
    not be offered to the next test's window), outside its tmp_path (tests list that), and
    no window asks before closing."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    from gdplay.ui.main_window import MainWindow
    monkeypatch.setattr(MainWindow, "ask_on_close", False)


@pytest.fixture
def window(qtbot):
    """The main window, shown, with its first snapshot and landscape drawn; shut down after."""
    from gdplay.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    # a desktop-sized window (the first size fits the screen, and the offscreen screen is
    # 800 x 800): tests that count pixel columns are written for this size
    w.resize(1400, 950)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.snapshot is not None and w.landscape is not None, timeout=10_000)
    qtbot.waitUntil(lambda: w.redraws > 0, timeout=10_000)  # drawn: frames are paced
    yield w
    w.shutdown()


class WorkerReceiver(QObject):
    """The window's side of a SessionWorker in its own thread: sends it commands
    (``command``, or the shorthands ``configure``, ``run`` and ``pause``), keeps the
    newest snapshot and when each arrived, and tells the worker it took each one if
    ``acknowledge`` (as the window does after a frame)."""

    command = Signal(object)
    configure = Signal(object)
    run = Signal()
    pause = Signal()

    def __init__(self, worker, acknowledge: bool = False):
        super().__init__()
        from gdplay.present import Configure, Pause, Run

        self.worker = worker
        self.configure.connect(lambda config: self.command.emit(Configure(config)))
        self.run.connect(lambda: self.command.emit(Run()))
        self.pause.connect(lambda: self.command.emit(Pause()))
        self.acknowledge = acknowledge
        self.snapshot = None
        self.times: list[float] = []

    @Slot(object)
    def take(self, snap):
        self.snapshot = snap
        self.times.append(time.perf_counter())
        if self.acknowledge:
            self.worker.snapshot_taken()


@pytest.fixture
def worker_thread(qtbot):
    """``start(config, acknowledge=False) -> (worker, receiver)``: a SessionWorker at full
    speed in a QThread of its own, configured, its first snapshot in; paused and its thread
    stopped after the test."""
    from gdplay.present import SetSpeed
    from gdplay.ui.worker import MAX_SPEED, SessionWorker

    started = []

    def start(config, acknowledge: bool = False):
        thread = QThread()
        worker = SessionWorker()
        worker.moveToThread(thread)
        thread.started.connect(worker.start)
        thread.finished.connect(worker.deleteLater)
        receiver = WorkerReceiver(worker, acknowledge)
        worker.snapshotReady.connect(receiver.take)
        receiver.command.connect(worker.handle)
        thread.start()
        receiver.command.emit(SetSpeed(MAX_SPEED))
        receiver.configure.emit(config)
        qtbot.waitUntil(lambda: receiver.snapshot is not None, timeout=10_000)
        started.append((thread, receiver))
        return worker, receiver

    yield start
    for thread, receiver in started:
        receiver.pause.emit()
        qtbot.waitUntil(lambda: not receiver.snapshot.running, timeout=10_000)
        thread.quit()  # the pause stopped the worker's timer in its own thread
        thread.wait(5000)
