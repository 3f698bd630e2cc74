"""Soak: five lanes, one million steps through the worker thread. Memory stays bounded and
the main thread keeps answering. Marked slow (about a minute and a half); CI runs it."""

import time

import pytest
from PySide6.QtCore import QTimer

from gdplay.engine.session import LaneConfig
from gdplay.run_settings import RunSettings

STEPS = 1_000_000


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


@pytest.mark.slow
def test_one_million_steps_in_bounded_memory_with_a_live_main_thread(qtbot, worker_thread):
    _worker, receiver = worker_thread(RunSettings("rosenbrock", {}, [
        LaneConfig(name, {"lr": 1e-4}) for name in ("sgd", "adam", "adamw", "amsgrad", "rmsprop")]),
        acknowledge=True)
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
    assert receiver.snapshot.step >= STEPS, receiver.snapshot.step
    assert all(lane.status == "running" for lane in receiver.snapshot.lanes)
    assert peak - before < 150, f"memory grew by {peak - before:.0f} MB"
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 100 and max(gaps) < 1.0, max(gaps)
