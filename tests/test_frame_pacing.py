"""How the window and the worker share time: stable plot ranges, thinned paths, the paint
gate and snapshots sent only as fast as the window takes them. No timings are asserted
(speed is measured by ``python -m benchmarks``); these check the behaviour behind it."""

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pyqtgraph as pg
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PySide6.QtWidgets import QGraphicsItem

from gdplay.engine.session import LaneConfig
from gdplay.present import Pause, Run
from gdplay.run_settings import RunSettings
from gdplay.present.curves import (CURVE_POINTS, decimate_curve, nice_ceil, peak_columns,
                                   stable_extent, stride, thin_path)
from gdplay.ui.fit_view import FitView
from gdplay.ui.views import TAIL_POINTS
from gdplay.ui.worker import PaintGate

finite = st.floats(-1e12, 1e12, allow_nan=False)


@given(st.floats(1e-9, 1e12))
def test_nice_ceil_is_a_round_number_at_or_above(x):
    v = nice_ceil(x)
    assert v >= x * (1 - 1e-12)
    assert v <= 1.5 * x * (1 + 1e-9)  # never more than one rung up
    mantissa = v / 10 ** math.floor(math.log10(v) + 1e-12)
    assert any(math.isclose(mantissa, m) for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10))


@given(finite, finite)
@example(1e12, 999999999999.9999)  # a span below the step's reach at that size
@example(1e12, 1e12)
def test_the_linear_extent_holds_the_data(a, b):
    lo, hi = min(a, b), max(a, b)
    e_lo, e_hi = stable_extent(lo, hi, log=False)
    assert e_lo <= lo and e_hi >= hi and e_hi > e_lo


@pytest.mark.parametrize("lo,hi", [(-14.0, 5e-324), (5e-324, 5e-324), (-5e-324, 0.0),
                                   (1e-310, 2e-310), (-1.7e308, 1.7e308), (0.0, 1.7e308)])
def test_the_linear_extent_holds_subnormal_and_huge_data(lo, hi):
    e_lo, e_hi = stable_extent(lo, hi, log=False)
    assert e_lo <= lo and e_hi >= hi and e_hi > e_lo


@given(st.floats(1e-300, 1e300), st.floats(1e-300, 1e300))
def test_the_log_extent_is_whole_decades_holding_the_data(a, b):
    lo, hi = min(a, b), max(a, b)
    e_lo, e_hi = stable_extent(lo, hi, log=True)
    assert e_lo <= lo * (1 + 1e-12) and e_hi >= hi * (1 - 1e-12)
    for e in (e_lo, e_hi):
        assert math.isclose(math.log10(e), round(math.log10(e)), abs_tol=1e-9)


def test_a_falling_loss_changes_the_extent_a_few_times_not_every_frame():
    # 600 frames of a loss falling from 400 to 1e-6 over a growing step count
    extents_lin, extents_log, x_extents = set(), set(), set()
    for frame in range(1, 601):
        step = 50 * frame
        loss = 400 * 10 ** (-8 * frame / 600)
        x_extents.add(nice_ceil(step))
        extents_lin.add(stable_extent(loss, 400.0, log=False))
        extents_log.add(stable_extent(loss, 400.0, log=True))
    assert len(x_extents) <= 8 * 3 + 1  # 8 rungs a decade, 50 to 30,000: not 600
    assert len(extents_lin) <= 20  # mostly while the loss falls from 400 to 200
    assert len(extents_log) == 9  # one per decade crossed


def test_the_paint_gate_nests_and_opens_when_the_last_close_is_undone():
    gate = PaintGate()
    assert gate.is_open()
    gate.close()
    with gate.closed():
        assert not gate.is_open()
    assert not gate.is_open()
    gate.open()
    assert gate.is_open() and gate.wait(0)
    gate.open()  # one open too many does not leave it closed later
    gate.close()
    gate.open()
    assert gate.is_open()


ADAM_ON_ROSENBROCK = RunSettings("rosenbrock", {}, [LaneConfig("adam", {"lr": 1e-3})])


def test_a_receiver_that_never_takes_snapshots_gets_a_few_a_second(qtbot, worker_thread):
    worker, receiver = worker_thread(ADAM_ON_ROSENBROCK)
    receiver.run.emit()
    qtbot.wait(1500)
    late = [t for t in receiver.times if t > receiver.times[0] + 0.3]
    assert 2 <= len(late) <= 8, len(late)  # 4 a second, not 60


def test_a_receiver_that_takes_each_snapshot_gets_many(qtbot, worker_thread):
    worker, receiver = worker_thread(ADAM_ON_ROSENBROCK, acknowledge=True)
    receiver.run.emit()
    qtbot.wait(1500)
    assert len(receiver.times) > 20


def test_the_window_opens_the_gate_after_each_frame(qtbot, window):
    w = window
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
    w.send(Run())
    qtbot.waitUntil(lambda: w.redraws > 10, timeout=10_000)
    w.send(Pause())
    qtbot.waitUntil(lambda: not w.snapshot.running, timeout=10_000)
    qtbot.waitUntil(lambda: w._frames_pending == 0, timeout=10_000)
    assert w.worker.gate.is_open()


def test_the_worker_is_asked_for_the_next_snapshot_when_a_frame_ends_not_while_it_paints(
        qtbot, window):
    w = window
    qtbot.waitUntil(lambda: w._frames_pending == 0, timeout=10_000)
    w.worker._taken = False
    w.snapshot = dataclasses.replace(w.snapshot, serial=w.snapshot.serial + 1000)
    w._redraw()  # a new frame: the gate closes until its paint is done
    assert w._frames_pending == 1 and not w.worker.gate.is_open()
    assert not w.worker._taken  # a snapshot built now would compete with the paint
    qtbot.waitUntil(lambda: w._frames_pending == 0, timeout=10_000)
    assert w.worker._taken and w.worker.gate.is_open()
    w.worker._taken = False
    w._redraw()  # the same snapshot again: nothing to draw, so ready for the next at once
    assert w.worker._taken and w._frames_pending == 0


def test_the_next_frame_waits_for_the_frame_rate_cap_and_twice_the_last_frames_cost(
        qtbot, window):
    from gdplay.ui.main_window import MAX_REDRAW_MS, REDRAW_MS

    w = window
    assert 1000 / REDRAW_MS <= 40  # smooth, and the worker keeps most of the GIL
    qtbot.waitUntil(lambda: w._frames_pending == 0, timeout=10_000)
    w.snapshot = dataclasses.replace(w.snapshot, serial=w.snapshot.serial + 1000)
    w._redraw()
    start = w._frame_start
    qtbot.waitUntil(lambda: w._frames_pending == 0, timeout=10_000)
    gap = w._next_frame_at - start
    # (start + 0.025) - start rounds to 0.024999999999977 at a large perf_counter value
    rounding = 1e-9
    assert REDRAW_MS / 1000 - rounding <= gap <= MAX_REDRAW_MS / 1000 + rounding


def test_a_long_loss_curve_is_drawn_as_a_min_max_pair_per_pixel_keeping_its_peaks(window):
    lv = window.loss_view
    steps = np.arange(3000, dtype=float)
    values = 100.0 * np.exp(-steps / 500) + 1.0
    values[1234] = 500.0  # a spike and a dip the drawn curve must keep, where they are
    values[2345] = 0.01
    lane = dataclasses.replace(window.snapshot.lanes[0], loss_steps=steps, loss_values=values)
    lv.show_snapshot(dataclasses.replace(window.snapshot, lanes=(lane,)))
    lv.plot.viewport().repaint()
    x, y = _drawn(lv._curves[0]).T  # as drawn: its cached part, then its tail
    columns = lv.plot.getPlotItem().vb.width()
    assert 0 < len(x) <= 2 * columns + 4  # not the 3000 points the snapshot holds
    assert y.max() == 500.0 and y.min() == 0.01
    column = nice_ceil(3000) / columns  # steps a pixel column wide
    assert abs(x[np.argmax(y)] - 1234) <= column and abs(x[np.argmin(y)] - 2345) <= column
    assert x[0] == 0 and x[-1] >= 2999 - column  # the whole curve, start to end
    assert np.all(np.diff(x) >= 0)


def test_a_disabled_lanes_loss_curve_is_hidden_and_drawn_whole_when_enabled_again(window):
    lv = window.loss_view
    steps = np.arange(500, dtype=float)
    lane = dataclasses.replace(window.snapshot.lanes[0], loss_steps=steps,
                               loss_values=np.exp(-steps / 100), loss_final=500)
    for enabled in (True, False, True):
        lv.show_snapshot(dataclasses.replace(
            window.snapshot, lanes=(dataclasses.replace(lane, enabled=enabled),)))
        curve = lv._curves[0]
        assert curve.isVisible() == enabled
        sample = lv.plot.getPlotItem().legend.items[0][0]
        assert sample.item is curve  # the legend shows the lane hidden (pyqtgraph's eye)
        lv.plot.grab()  # painted, legend included
    assert curve.settled.isVisible() and len(_drawn(curve)) > 100


def test_a_zoomed_loss_curve_shows_every_point_the_snapshot_has_in_view(qtbot, window):
    lv = window.loss_view
    steps = np.arange(3000, dtype=float)
    values = 1.0 + np.sin(steps / 7.0)  # wiggles a pixel column would merge
    lane = dataclasses.replace(window.snapshot.lanes[0], loss_steps=steps, loss_values=values,
                               loss_final=3000)
    snap = dataclasses.replace(window.snapshot, lanes=(lane,))
    lv.show_snapshot(snap)
    vb = lv.plot.getPlotItem().vb
    shown = int(vb.width() // 2)  # steps in view: two pixels each
    assert shown >= 50
    vb.setXRange(1000, 1000 + shown, padding=0)  # as a user zooms: auto-range is off
    lv.show_snapshot(snap)
    drawn = _drawn(lv._curves[0])
    seen = drawn[(drawn[:, 0] >= 1000) & (drawn[:, 0] <= 1000 + shown)]
    np.testing.assert_array_equal(seen, np.column_stack([steps, values])[1000:1001 + shown])
    vb.enableAutoRange()  # and back: a point per pixel column again
    lv.show_snapshot(snap)
    assert len(_drawn(lv._curves[0])) <= 2 * vb.width() + 4


@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=400, unique=True),
       st.integers(0, 2**32 - 1), st.integers(1, 300), st.data())
def test_peak_columns_keep_each_columns_extremes_and_settle_only_final_columns(
        xs, seed, columns, data):
    x = np.sort(np.array(xs))
    y = np.random.default_rng(seed).standard_normal(x.size) * 1e3
    x1 = nice_ceil(max(x[-1], 1.0))
    px, py, settled = peak_columns(x, y, 0.0, x1, columns, x.size)
    assert len(px) <= min(2 * x.size, 2 * columns) and np.all(np.diff(px) >= 0)
    col = np.minimum(np.floor(x * (columns / x1)), columns - 1)
    for c in np.unique(col):  # each column drawn at its first x, its extremes kept
        here = px == x[col == c][0]
        assert py[here].max() == y[col == c].max() and py[here].min() == y[col == c].min()
    assert np.isin(px, x).all()
    # what a shorter, final prefix of the same data settled is what the whole data start with
    a = data.draw(st.integers(1, x.size))
    qx, qy, settled_a = peak_columns(x[:a], y[:a], 0.0, x1, columns, a)
    assert settled_a <= len(qx)
    np.testing.assert_array_equal(px[:settled_a], qx[:settled_a])
    np.testing.assert_array_equal(py[:settled_a], qy[:settled_a])
    # with only the first f points final, nothing from the column of point f on is settled
    f = data.draw(st.integers(0, x.size - 1))
    _, _, settled_f = peak_columns(x, y, 0.0, x1, columns, f)
    assert np.all(px[:settled_f] < x[col == col[f]][0])


def test_a_growing_loss_curve_is_drawn_whole_and_its_cached_part_redrawn_only_when_needed(
        window):
    lv = window.loss_view
    lane0 = window.snapshot.lanes[0]
    rng = np.random.default_rng(3)
    values = np.exp(-np.arange(20_000) / 3000) * (1 + 0.2 * rng.random(20_000))
    steps = np.arange(20_000, dtype=float)
    kept: dict = {}
    redraws = []
    for n in range(50, 20_000, 97):  # a growing history, as the worker sends it
        x, y = decimate_curve(steps[:n], values[:n], CURVE_POINTS, kept)
        final = len(x) if n <= CURVE_POINTS else len(kept["picks"])
        lane = dataclasses.replace(lane0, loss_steps=x, loss_values=y, loss_final=final,
                                   enabled=True, diverged_at=None)
        lv.show_snapshot(dataclasses.replace(window.snapshot, lanes=(lane,)))
        curve = lv._curves[0]
        drawn = _drawn(curve)
        expected = peak_columns(x, y, 0.0, nice_ceil(x[-1]), lv._columns(nice_ceil(x[-1])), final)
        np.testing.assert_array_equal(drawn, np.column_stack(expected[:2]))
        assert len(curve.tail.getData()[0]) <= TAIL_POINTS
        redraws.append(id(curve.kept[0]))
    assert len(redraws) == 206 and len(set(redraws)) <= 40  # not every frame (18 seen)
    assert curve.settled.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    lv.set_log(True)  # drawn again, in decades
    np.testing.assert_allclose(_drawn(curve)[:, 1], np.log10(expected[1]))


def test_items_with_nothing_to_show_are_hidden_not_painted_empty(qtbot, window):
    # Qt paints an empty ScatterPlotItem wherever the origin is in view: hidden, it is not
    w = window
    lv, la = w.loss_view, w.landscape_view
    assert la.step_marker.data.size == 0 and not la.step_marker.isVisible()
    assert not la.z_markers.isVisible() and not la.constraint.isVisible()
    assert not any(m.isVisible() for m in lv._marks)  # no lane has diverged
    _path, tangent = la._lane_items[0]
    assert la.points.isVisible() and not tangent.isVisible()  # 2D: a point, no tangent


def _drawn(curve):
    """The points a GrowingCurve draws: its cached part, then its tail."""
    parts = [(item.xData, item.yData) for item in curve.items if item.isVisible()]
    parts = [p for p in parts if p[0] is not None and len(p[0])]
    if not parts:
        return np.empty((0, 2))
    xs = [x for x, _ in parts]
    ys = [y for _, y in parts]
    if len(parts) == 2:  # the tail starts at the cached part's last point
        assert (xs[1][0], ys[1][0]) == (xs[0][-1], ys[0][-1])
        xs[1], ys[1] = xs[1][1:], ys[1][1:]
    return np.column_stack([np.concatenate(xs), np.concatenate(ys)])


def test_a_growing_path_is_drawn_whole_and_its_cached_part_redrawn_only_when_needed(window):
    la = window.landscape_view
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.normal(0, 0.01, (3000, 2)), axis=0)
    walk[700] = np.nan  # a non-finite point is left out
    lane0 = window.snapshot.lanes[0]
    redraws = []

    def show(traj, line_width=2):
        la.line_width = line_width
        lane = dataclasses.replace(lane0, trajectory=traj, enabled=True)
        la.show_snapshot(dataclasses.replace(window.snapshot, lanes=(lane,)))
        finite = traj[np.all(np.isfinite(traj), axis=1)]
        path = la._lane_items[0][0]
        if len(finite) >= 2:  # a single point is no path
            np.testing.assert_array_equal(_drawn(path), finite)
        redraws.append(path.kept[0])
        return path

    for n in range(10, 3000, 7):  # a few steps a frame, picked and thinned as the worker does
        path = show(thin_path(stride(walk[:n], 1000), 0.002))
        assert len(path.tail.getData()[0]) <= TAIL_POINTS
    cached = {id(k) for k in redraws}  # the distinct cached parts: one per cache redraw
    assert len(redraws) == 428 and len(cached) <= 40  # not every frame
    settled = path.settled
    assert settled.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    show(walk[:1700])  # a jump longer than a tail
    show(walk[:50])  # a reset: shorter than the cached part
    show(walk[:60])
    show(walk[5:70])  # thinned differently: the start no longer matches
    show(walk[5:71], line_width=4)  # presenter mode: new pens
    assert settled.opts["pen"].width() == 4 and path.tail.opts["pen"].width() == 4
    show(walk[5:72], line_width=2)  # and back, the tail too
    assert path.tail.isVisible() and path.tail.opts["pen"].width() == 2
    show(walk[:1])  # one point: nothing to draw
    assert not settled.isVisible() and not path.tail.isVisible()


def test_a_large_window_raises_the_pixmap_cache_to_hold_its_plots_cached_layers(qtbot, window):
    # below about twice the window's area, Qt dropped the cached layers and every frame
    # redrew them (a 1920x1080 frame's paint: ~7 ms held, ~35 ms dropped)
    from PySide6.QtGui import QPixmapCache

    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920, timeout=5000)
    dpr = window.devicePixelRatioF()
    assert QPixmapCache.cacheLimit() * 1024 >= 2 * 1920 * 1080 * 4 * dpr * dpr


def _fit_snapshot(x, y, predictions):
    lanes = [SimpleNamespace(enabled=True, prediction=p, color=None) for p in predictions]
    return SimpleNamespace(data_x=x, data_y=y, lanes=lanes)


@pytest.fixture
def fit_view(qtbot):
    """A FitView of its own, shown."""
    view = FitView()
    qtbot.addWidget(view)
    view.resize(450, 300)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_fit_view_keeps_its_range_while_predictions_drift_and_draws_a_subset(fit_view):
    view = fit_view
    rng = np.random.default_rng(0)
    vb = view.plot.getPlotItem().vb
    for n, inputs in ((200, 1), (1024, 4)):
        x, y = rng.standard_normal((n, inputs)), rng.standard_normal(n)
        extents = set()
        for k in range(30):  # three lanes whose predictions, past the data, drift a little
            view.show_snapshot(_fit_snapshot(x, y, [1.5 * y + 0.005 * k * (j + 1)
                                                    for j in range(3)]))
            vb.prepareForPaint()  # what a frame does first: auto-range
            extents.add(view._extent)
        # auto-range follows the data and a coarse box around the predictions, not the
        # predictions themselves (which moved every frame)
        assert not any(item in vb.addedItems for item in view._lines)
        assert len(extents) <= 3
        (x0, x1), (y0, y1) = vb.viewRange()  # yet what is drawn stays in view
        for item in view._lines:
            px, py = item.getData()
            assert x0 <= px.min() and px.max() <= x1 and y0 <= py.min() and py.max() <= y1
    # the scatter shows the same 256 of the 1,024 samples for every lane, and says so
    drawn = [item.getData()[0] for item in view._lines]
    assert all(d.size == FitView.SCATTER_POINTS for d in drawn)
    assert all(np.array_equal(d, drawn[0]) for d in drawn)
    assert "256 of 1024" in view.plot.getPlotItem().titleLabel.text
    # predictions far outside the range widen it
    view.show_snapshot(_fit_snapshot(x, y, [y + 50.0]))
    vb.prepareForPaint()
    assert vb.viewRange()[1][1] >= y.max() + 50.0


def test_the_fit_view_draws_dots_for_several_inputs_and_curves_for_one(fit_view):
    from gdplay.ui.fit_view import Dots

    view = fit_view
    rng = np.random.default_rng(1)
    y = rng.standard_normal(300)
    for inputs, kind in ((3, Dots), (1, pg.PlotCurveItem), (3, Dots)):  # and back
        x = rng.standard_normal((300, inputs))
        view.show_snapshot(_fit_snapshot(x, y, [0.5 * y, y]))
        view.plot.grab()  # painted
        assert [type(item) for item in view._lines] == [kind, kind]
        assert sum(type(item) is kind for item in view.plot.getPlotItem().items) == 2
    # a lane whose predictions are not finite (it diverged) shows none
    x = rng.standard_normal((300, 3))
    view.show_snapshot(_fit_snapshot(x, y, [np.full(300, np.nan), y]))
    view.plot.grab()
    assert view._lines[0].getData()[0].size == 0 and view._lines[0].boundingRect().isNull()
    dots = view._lines[1]
    px, py = dots.getData()
    assert px.size == FitView.SCATTER_POINTS
    # its bounds hold every dot whole: the points, and a dot's radius in pixels around them
    rect = dots.boundingRect()
    vb = view.plot.getPlotItem().vb
    per_px = vb.viewPixelSize()
    assert rect.left() <= px.min() - 2.5 * per_px[0] and rect.right() >= px.max() + 2.5 * per_px[0]
    assert rect.top() <= py.min() - 2.5 * per_px[1] and rect.bottom() >= py.max() + 2.5 * per_px[1]
