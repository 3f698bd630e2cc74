"""Soak: five lanes, one million steps through the worker thread. Memory stays bounded and
the main thread keeps answering. Marked slow (about a minute and a half); CI runs it."""

import time

import pytest
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from gdplay.engine.session import LaneConfig
from gdplay.ui.worker import MAX_SPEED, SessionConfig, SessionWorker

STEPS = 1_000_000


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class Receiver(QObject):
    configure = Signal(object)
    run = Signal()
    pause = Signal()

    def __init__(self, worker):
        super().__init__()
        self.snapshot = None
        self.worker = worker

    @Slot(object)
    def take(self, snap):
        self.snapshot = snap
        self.worker.snapshot_taken()


@pytest.mark.slow
def test_one_million_steps_in_bounded_memory_with_a_live_main_thread(qtbot):
    thread = QThread()
    worker = SessionWorker()
    worker.moveToThread(thread)
    thread.started.connect(worker.start)
    receiver = Receiver(worker)
    worker.snapshotReady.connect(receiver.take)
    receiver.configure.connect(worker.configure)
    receiver.run.connect(worker.run)
    receiver.pause.connect(worker.pause)
    thread.start()
    worker.setSpeed(MAX_SPEED)
    receiver.configure.emit(SessionConfig("rosenbrock", {}, [
        LaneConfig(name, {"lr": 1e-4}) for name in ("sgd", "adam", "adamw", "amsgrad", "rmsprop")]))
    qtbot.waitUntil(lambda: receiver.snapshot is not None, timeout=10_000)
    before = rss_mb()
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    receiver.run.emit()
    peak = before
    deadline = time.perf_counter() + 900
    while receiver.snapshot.step < STEPS and time.perf_counter() < deadline:
        qtbot.wait(500)
        peak = max(peak, rss_mb())
    receiver.pause.emit()
    timer.stop()
    qtbot.waitUntil(lambda: not receiver.snapshot.running, timeout=10_000)
    thread.quit()  # the pause stopped the worker's timer in its own thread
    assert receiver.snapshot.step >= STEPS, receiver.snapshot.step
    assert all(lane.status == "running" for lane in receiver.snapshot.lanes)
    assert peak - before < 150, f"memory grew by {peak - before:.0f} MB"
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 100 and max(gaps) < 1.0, max(gaps)
    thread.wait(5000)
