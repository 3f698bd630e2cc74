"""Whatever runs, the worker answers: a large network's landscape is computed in pieces,
a speed the network cannot reach builds no backlog, and Pause answers within 100 ms."""

import time

import pytest

from gdplay.engine import make_problem
from gdplay.engine.network import MAX_PASS_WORK
from gdplay.engine.session import LaneConfig
from gdplay.present import SetSlice, SetSpeed, Step
from gdplay.run_settings import RunSettings

# the largest network the options allow on this many samples (parameters x samples just
# under MAX_PASS_WORK): one pass ~50 ms, its 41 x 41 landscape about a minute of work
BIG = dict(dataset="temperature", hidden=(256, 256), n_samples=1000)


def test_a_network_too_slow_for_the_window_is_refused_with_what_fits():
    with pytest.raises(ValueError, match=r"at most 1,008 samples"):
        make_problem("mlp", dataset="temperature", hidden=(256, 256), n_samples=10_000)
    with pytest.raises(ValueError, match=r"too slow to stay responsive"):
        make_problem("mlp", hidden=(1024, 1024))
    p = make_problem("mlp", **BIG)
    assert p.dim * p.n_samples <= MAX_PASS_WORK


def _pause_answers_within(qtbot, receiver, seconds):
    t0 = time.perf_counter()
    receiver.pause.emit()
    qtbot.waitUntil(lambda: not receiver.snapshot.running, timeout=10_000)
    return time.perf_counter() - t0


def test_pause_answers_while_a_large_networks_landscape_is_computed(qtbot, worker_thread):
    worker, receiver = worker_thread(RunSettings(
        "mlp", dict(BIG, batch_size=8), [LaneConfig("sgd", dict(lr=1e-3))]))
    landscapes = []
    worker.landscapeReady.connect(landscapes.append)
    assert worker.computing_landscape  # being computed, in pieces
    waits = []
    for _ in range(3):
        receiver.run.emit()
        qtbot.waitUntil(lambda: receiver.snapshot.running, timeout=10_000)
        qtbot.wait(150)
        waits.append(_pause_answers_within(qtbot, receiver, 0.1))
    assert not landscapes  # still computing: each pause came between two pieces
    assert max(waits) < 0.1, waits  # 1 to 60 s before (the whole map at once)


def test_a_speed_the_network_cannot_reach_builds_no_backlog(qtbot, worker_thread):
    worker, receiver = worker_thread(RunSettings(
        "mlp", dict(BIG, n_samples=600), [LaneConfig("sgd", dict(lr=1e-3))]))
    receiver.command.emit(SetSpeed(10_000))  # a full-batch step of this network: ~30 ms
    receiver.run.emit()
    qtbot.waitUntil(lambda: receiver.snapshot.running, timeout=10_000)
    qtbot.wait(1500)
    assert _pause_answers_within(qtbot, receiver, 0.1) < 0.1  # 8 s before


def test_a_large_networks_map_is_made_in_pieces_of_bounded_memory(qtbot):
    # every point of the 41 x 41 grid was made at once: 895 MB for 256/256, 14 GB for the
    # 1024/1024 network the options allow on 63 samples
    import tracemalloc

    import numpy as np

    from gdplay.engine import landscape as ls
    from gdplay.engine.session import Session
    from gdplay.ui.worker import SessionWorker

    worker = SessionWorker()  # not started: its pieces run one after another here
    problem = make_problem("mlp", hidden=(256, 256), n_samples=16)
    session = Session(problem, [LaneConfig("sgd", {})])
    worker.presenter.use_session(session)
    maps = []
    worker.landscapeReady.connect(maps.append)
    tracemalloc.start()
    try:
        worker.handle(SetSlice({"kind": "random"}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 120e6, peak / 1e6
    assert len(maps) == 1 and maps[0].kind == "slice"
    # the same map as all points at once
    plane = ls.filter_normalized_plane(problem, session.start, seed=0)
    a = np.linspace(-1.0, 1.0, 41)
    direct = ls.slice_grid(problem, plane, a, a).z
    worker.deleteLater()
    assert np.isfinite(maps[0].zmin) and maps[0].zmin == np.nanmin(direct)


# --- found by the random-use driver (tests/test_random_use.py) ------------------------------

def test_a_refused_pca_slice_does_not_keep_the_previous_networks_plane(qtbot, worker_thread):
    # every snapshot of the new network then failed: shapes (1,3) and (32,) do not broadcast
    worker, receiver = worker_thread(RunSettings(
        "mlp", dict(hidden=(4, 4), n_samples=16), [LaneConfig("sgd", {})]))
    errors, refused = [], []
    worker.errorOccurred.connect(errors.append)
    worker.configRejected.connect(refused.append)
    serial = receiver.snapshot.serial
    receiver.configure.emit(RunSettings("mlp", dict(dataset="scalar_chain", n_samples=16),
                                          [LaneConfig("sgd", {})], slice={"kind": "pca"}))
    qtbot.waitUntil(lambda: receiver.snapshot.serial > serial, timeout=10_000)
    assert receiver.snapshot.lanes[0].w.size == 3 and not errors
    assert refused and "PCA" in refused[0]


def test_a_replaced_session_is_let_go_at_once(qtbot, worker_thread):
    # a lane and its session refer to each other: replaced sessions waited for the cycle
    # collector (7 MB of buffers a lane)
    import gc
    import weakref

    gc.disable()
    try:
        worker, receiver = worker_thread(RunSettings(
            "rosenbrock", {}, [LaneConfig("sgd", {}), LaneConfig("adam", {})]))
        old = weakref.ref(worker.presenter.session)
        serial = receiver.snapshot.serial
        receiver.configure.emit(RunSettings("booth", {}, [LaneConfig("sgd", {})]))
        qtbot.waitUntil(lambda: receiver.snapshot.serial > serial
                        and receiver.snapshot.problem == "booth", timeout=10_000)
        assert old() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("expression", ["log(x)", "1/(x - x)", "log(-1 - x**2)",
                                        "exp(x**2)*1e308 + y"])
def test_your_own_function_undefined_or_huge_in_view_draws_without_a_warning(qtbot, window,
                                                                           expression):
    # a NaN start marker warned in pyqtgraph's bounds (a crash in paint under warnings as
    # errors), nanmin of an all-NaN curve and a median near the float limit raised
    w = window
    w.controls.set_problem("custom", dict(expression=expression))
    qtbot.waitUntil(lambda: w.snapshot.problem == "custom" and w.landscape is not None
                    and w.landscape.kind == ("2d" if "y" in expression else "1d"),
                    timeout=10_000)
    w.send(Step(2))
    qtbot.waitUntil(lambda: w.snapshot.step == 2 or w.snapshot.lanes[0].status == "diverged",
                    timeout=10_000)
    w._redraw_all()
    w.repaint()
