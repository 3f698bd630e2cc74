"""The playground window, driven as a person would: run, pause, step, reset, race."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction

from gdplay.engine import make_problem
from gdplay.engine.session import MAX_NAME, LaneConfig
from gdplay.present import Step
from gdplay.ui.main_window import MainWindow
from gdplay.ui.views import lane_color

TIMEOUT = 10_000  # the shared `window` fixture lives in conftest.py


def action(w, name) -> QAction:
    a = w.findChild(QAction, name)
    assert a is not None, name
    return a


def configure(qtbot, w, problem, lanes, **options):
    w.controls.set_problem(problem, options)
    w.controls.set_lanes(lanes)
    names = [l.name for l in w.controls.lanes]
    qtbot.waitUntil(lambda: w.snapshot.problem == problem and w.snapshot.step == 0
                    and [l.name for l in w.snapshot.lanes] == names, timeout=TIMEOUT)


def settle(qtbot, w):
    """Wait until the worker reports it is paused and the snapshot stops changing."""
    qtbot.waitUntil(lambda: not w.snapshot.running, timeout=TIMEOUT)
    serial = w.snapshot.serial
    qtbot.wait(100)
    qtbot.waitUntil(lambda: w.snapshot.serial == serial or not w.snapshot.running, timeout=TIMEOUT)


def test_actions_have_names_and_keys(window):
    assert action(window, "action_run").shortcut().toString() == "Space"
    assert action(window, "action_step").shortcut().toString() == "Right"
    assert action(window, "action_reset").shortcut().toString() == "R"
    assert action(window, "action_step10") is not None


def test_run_pause_step_step10_reset(qtbot, window):
    w = window
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())  # as fast as possible
    start = w.snapshot.lanes[0].w.copy()
    action(w, "action_run").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step > 50, timeout=TIMEOUT)
    action(w, "action_run").trigger()  # pause
    settle(qtbot, w)
    paused_at = w.snapshot.step
    qtbot.wait(200)
    assert w.snapshot.step == paused_at  # the count stops moving

    before = {l.name: l.t for l in w.snapshot.lanes}
    action(w, "action_step").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == paused_at + 1, timeout=TIMEOUT)
    assert {l.name: l.t for l in w.snapshot.lanes} == {n: t + 1 for n, t in before.items()}

    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == paused_at + 11, timeout=TIMEOUT)
    assert all(l.t == paused_at + 11 for l in w.snapshot.lanes)

    action(w, "action_reset").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 0, timeout=TIMEOUT)
    for lane in w.snapshot.lanes:
        np.testing.assert_array_equal(lane.w, start)
        assert lane.t == 0


def test_keyboard_steps(qtbot, window):
    w = window
    settle(qtbot, w)
    w.activateWindow()
    w.landscape_view.setFocus()
    qtbot.keyClick(w.landscape_view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.snapshot.step == 1, timeout=TIMEOUT)
    qtbot.keyClick(w.landscape_view, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: w.snapshot.step == 0, timeout=TIMEOUT)


def test_five_lanes_race_on_rosenbrock_and_a_diverging_lane_is_flagged(qtbot, window):
    w = window
    configure(qtbot, w, "rosenbrock", [
        LaneConfig("sgd", dict(lr=1e-4, momentum=0.9)),
        LaneConfig("adam", dict(lr=0.02)),
        LaneConfig("adamw", dict(lr=0.02)),
        LaneConfig("amsgrad", dict(lr=0.02)),
        LaneConfig("sgd", dict(lr=10.0)),
    ])
    assert len(w.snapshot.lanes) == 5
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
    action(w, "action_run").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step > 200, timeout=TIMEOUT)
    action(w, "action_run").trigger()
    settle(qtbot, w)
    lanes = {l.name: l for l in w.snapshot.lanes}
    wild = lanes["sgd #2"]
    assert wild.status == "diverged"
    assert wild.status_text.startswith("diverged at step ")
    assert lanes["adam"].status == "running" and lanes["adam"].t == w.snapshot.step
    qtbot.waitUntil(lambda: "diverged" in w.controls.lane_list.item(4).text(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "diverged" in w.status_label.text(), timeout=TIMEOUT)
    marks = w.loss_view._marks  # the divergence marker on the loss curve, and only there
    assert marks[4].data.size == 1 and marks[4].isVisible()
    assert not any(m.isVisible() for m in marks[:4])
    # one marker item holds every lane's current point, in the lane's colour
    qtbot.waitUntil(lambda: w._drawn_serial == w.snapshot.serial, timeout=TIMEOUT)
    spots = w.landscape_view.points.data
    finite = [i for i, l in enumerate(w.snapshot.lanes) if np.all(np.isfinite(l.point))]
    assert len(spots) == len(finite) >= 4
    for spot, i in zip(spots, finite):
        lane = w.snapshot.lanes[i]
        assert (spot["x"], spot["y"]) == (lane.point[0], lane.point[1])
        assert spot["brush"].color().name().upper() == lane_color(i, lane.color).upper()
        assert spot["symbol"] == ("x" if lane.status == "diverged" else "o")


def test_network_problem_runs_and_the_fit_view_updates(qtbot, window):
    w = window
    configure(qtbot, w, "mlp", [LaneConfig("adam", dict(lr=0.01))],
              dataset="sine", hidden=(8, 8), activation="tanh")
    assert w.landscape.kind == "slice"
    assert w.fit_view.isVisible()
    assert w.controls.options_form.editor("dataset").currentText() == "sine"
    assert w.controls.options_form.editor("hidden").text() == "8/8"
    first = w.snapshot.lanes[0].prediction.copy()
    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10, timeout=TIMEOUT)

    def drawn_now():  # the fit view shows step 10's predictions (sorted by x: one input)
        return np.array_equal(np.sort(w.fit_view.drawn(0)[1]),
                              np.sort(w.snapshot.lanes[0].prediction))
    qtbot.waitUntil(drawn_now, timeout=TIMEOUT)
    assert not np.array_equal(w.snapshot.lanes[0].prediction, first)
    assert w.snapshot.lanes[0].loss < w.snapshot.lanes[0].loss_values[0]
    # one input: the data as points, each lane's prediction as a curve in x order
    qtbot.waitUntil(lambda: w._drawn_serial == w.snapshot.serial, timeout=TIMEOUT)
    fv, snap = w.fit_view, w.snapshot
    x, y = fv.points.getData()
    np.testing.assert_array_equal(x, snap.data_x[:, 0])
    np.testing.assert_array_equal(y, snap.data_y)
    order = np.argsort(snap.data_x[:, 0])
    np.testing.assert_array_equal(fv._lines[0].getData()[1], snap.lanes[0].prediction[order])
    assert fv.points.isVisible() and not fv.diagonal.isVisible()
    # several inputs: predicted against true, along the diagonal
    configure(qtbot, w, "mlp", [LaneConfig("adam", dict(lr=0.01))],
              dataset="temperature", hidden=(8, 8), activation="tanh")
    qtbot.waitUntil(lambda: w._drawn_serial == w.snapshot.serial, timeout=TIMEOUT)
    assert not fv.points.isVisible() and fv.diagonal.isVisible()
    np.testing.assert_array_equal(fv._lines[0].getData()[0], w.snapshot.data_y)


def test_clicking_the_map_sets_a_new_start(qtbot, window):
    w = window
    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10, timeout=TIMEOUT)
    w.landscape_view.startRequested.emit([0.5, -0.5])
    qtbot.waitUntil(lambda: w.snapshot.step == 0, timeout=TIMEOUT)
    np.testing.assert_array_equal(w.snapshot.lanes[0].w, [0.5, -0.5])


def test_hyperparameter_change_applies_without_reset(qtbot, window):
    w = window
    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10, timeout=TIMEOUT)
    form = w.controls.hparam_form
    edit = form.editor("lr")
    edit.setText("0.002")
    edit.editingFinished.emit()
    action(w, "action_step").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 11, timeout=TIMEOUT)
    assert w.snapshot.lanes[0].last_lr == 0.002


@pytest.mark.parametrize("text", ["-1", "abc", "nan", "1e999", ""])
def test_an_invalid_value_shows_a_message_and_never_reaches_the_engine(qtbot, window, text):
    w = window
    form = w.controls.hparam_form
    edit = form.editor("lr")
    edit.setText(text)
    edit.editingFinished.emit()
    assert form.message.isVisible()
    assert "lr" in form.message.text()
    action(w, "action_step").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 1, timeout=TIMEOUT)
    assert w.snapshot.lanes[0].last_lr == 1e-4  # unchanged


@pytest.mark.parametrize("field, text", [("batch_size", "9" * 400), ("hidden", "9" * 400),
                                         ("hidden", "64/" + "9" * 400),
                                         ("batch_size", "9" * 5000)],
                         ids=["batch_size", "hidden", "hidden-pair", "batch_size-5000"])
def test_a_huge_number_in_a_problem_option_is_refused_with_a_short_message(qtbot, window,
                                                                          field, text):
    # raised OverflowError with no message; the old value stayed silently
    w = window
    w.controls.set_problem("mlp", dict(hidden=(2, 2), n_samples=32))
    qtbot.waitUntil(lambda: w.snapshot.problem == "mlp", timeout=TIMEOUT)
    form = w.controls.options_form
    edit = form.editor(field)
    edit.setText(text)
    edit.editingFinished.emit()
    assert form.message.isVisible() and field in form.message.text()
    assert len(form.message.text()) < 200


def test_nesterov_without_momentum_is_refused_inline(qtbot, window):
    w = window
    w.controls.lane_list.setCurrentRow(0)
    form = w.controls.hparam_form
    form.editor("momentum").setText("0")
    form.editor("momentum").editingFinished.emit()
    form.editor("nesterov").setChecked(True)
    assert "needs momentum > 0" in form.message.text()


def test_lanes_can_be_added_duplicated_and_removed(qtbot, window):
    w = window
    n = len(w.controls.lanes)
    w.controls.add_button.click()
    qtbot.waitUntil(lambda: len(w.snapshot.lanes) == n + 1, timeout=TIMEOUT)
    w.controls.duplicate_button.click()
    qtbot.waitUntil(lambda: len(w.snapshot.lanes) == n + 2, timeout=TIMEOUT)
    names = [l.name for l in w.snapshot.lanes]
    assert len(set(names)) == len(names)
    w.controls.remove_button.click()
    qtbot.waitUntil(lambda: len(w.snapshot.lanes) == n + 1, timeout=TIMEOUT)


@pytest.mark.parametrize("problem", ["quartic", "chain_rule", "reddi", "six_hump_camel", "saddle"])
def test_every_kind_of_problem_draws(qtbot, window, problem):
    w = window
    configure(qtbot, w, problem, [LaneConfig("adam", dict(lr=0.05))])
    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: w.redraws > 0 and w._drawn_serial == w.snapshot.serial, timeout=TIMEOUT)
    assert w.landscape.kind == ("1d" if problem in ("quartic", "chain_rule", "reddi") else "2d")


def test_closing_mid_run_is_clean_and_quick(qtbot):
    import time
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=TIMEOUT)
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
    action(w, "action_run").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step > 100, timeout=TIMEOUT)
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 0.5
    assert not w.thread.isRunning()


def test_hovering_the_loss_curve_reads_step_and_loss(qtbot, window):
    w = window
    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10 and w._drawn_serial == w.snapshot.serial,
                    timeout=TIMEOUT)
    qtbot.wait(200)  # the view box applies its auto range when it next paints
    vb = w.loss_view.plot.getPlotItem().vb
    scene_pos = vb.mapViewToScene(QPointF(5, w.snapshot.lanes[0].loss))
    w.loss_view._hover((scene_pos,))
    text = w.loss_view.readout_text()
    assert "step 5" in text and "sgd" in text


def test_an_option_that_breaks_a_rule_across_options_is_refused_inline(qtbot, window):
    w = window
    configure(qtbot, w, "mlp", [LaneConfig("adam", dict(lr=0.01))], n_samples=32)
    form = w.controls.options_form
    form.editor("batch_size").setText("64")
    form.editor("batch_size").editingFinished.emit()
    assert "batch_size must be from 1 to n_samples (32)" in form.message.text()
    assert w.controls.options.get("batch_size") is None
    form.editor("batch_size").setText("8")
    form.editor("batch_size").editingFinished.emit()
    assert not form.message.isVisible()
    qtbot.waitUntil(lambda: w.controls.options.get("batch_size") == 8, timeout=TIMEOUT)


@pytest.mark.parametrize("kind", ["axes", "pca"])
def test_network_slices_two_weights_and_pca(qtbot, window, kind):
    w = window
    configure(qtbot, w, "mlp", [LaneConfig("adam", dict(lr=0.05))], dataset="scalar_chain")
    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10, timeout=TIMEOUT)
    w.controls.slice_combo.setCurrentIndex(w.controls.slice_combo.findData(kind))
    w.controls.slice_i.setValue(0)
    w.controls.slice_j.setValue(2)
    w.controls.findChild(type(w.controls.add_button), "slice_apply").click()
    qtbot.waitUntil(lambda: w.landscape.title.endswith(f"{kind} slice"), timeout=TIMEOUT)
    if kind == "axes":
        assert w.landscape.labels == ("W1[0,0]", "WO[0,0]")
        # an exact slice: the current point's coordinates are its weight offsets from the start
        action(w, "action_step").trigger()  # a snapshot drawn in the new slice's coordinates
        qtbot.waitUntil(lambda: w.snapshot.step == 11, timeout=TIMEOUT)
        lane = w.snapshot.lanes[0]
        x0 = make_problem("mlp", dataset="scalar_chain").x0
        np.testing.assert_allclose(lane.point, [lane.w[0] - x0[0], lane.w[2] - x0[2]], atol=1e-12)
        np.testing.assert_allclose(lane.trajectory[0], [0.0, 0.0], atol=1e-12)
    else:
        assert w.landscape.explained is not None and sum(w.landscape.explained) <= 1.0 + 1e-12
        assert w.landscape.explained[0] > 0.5


def test_presenter_mode_and_dark_theme(qtbot, window):
    from PySide6.QtWidgets import QApplication
    w = window
    normal = QApplication.font().pointSizeF()
    qtbot.keyClick(w.landscape_view, Qt.Key.Key_F5)
    assert w.presenter_mode and QApplication.font().pointSizeF() == pytest.approx(normal * 1.5)
    assert not w.controls_area.isVisible() and not w.inspector_dock.isVisible()
    assert w.landscape_view.line_width == 4 and w.loss_view.marker_size == 20
    qtbot.keyClick(w.landscape_view, Qt.Key.Key_F5)
    assert not w.presenter_mode and QApplication.font().pointSizeF() == pytest.approx(normal)
    assert w.controls_area.isVisible() and w.inspector_dock.isVisible()
    w.action_dark.setChecked(True)
    assert w.loss_view.plot.backgroundBrush().color().name() == "#151515"
    w.action_dark.setChecked(False)
    assert w.loss_view.plot.backgroundBrush().color().name() == "#ffffff"


def test_your_own_function_with_its_derived_gradient(qtbot, window):
    w = window
    w.controls.set_problem("custom")
    qtbot.waitUntil(lambda: w.snapshot.problem == "custom", timeout=TIMEOUT)
    assert "∂f/∂y = 3 * cos(y)" in w.controls.formula.text()
    form = w.controls.options_form
    edit = form.editor("expression")
    edit.setText("x**2 + sin y")
    edit.editingFinished.emit()
    assert "needs its argument in parentheses" in form.message.text() and "^" in form.message.text()
    assert w.controls.options.get("expression") is None  # the engine never saw it
    edit.setText("(x - 1)**2 + 10*(y + 2)**2")
    edit.editingFinished.emit()
    assert not form.message.isVisible()
    assert "∂f/∂y = 10 * 2 * (y + 2)" in w.controls.formula.text()
    qtbot.waitUntil(lambda: w.landscape is not None and "(x - 1)**2" in w.landscape.title,
                    timeout=TIMEOUT)
    action(w, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10, timeout=TIMEOUT)


@pytest.mark.parametrize("color", ["nope", "#12", "#" + "f" * 5000, "rgb(1,2,3)"])
def test_a_lane_colour_that_is_not_a_colour_is_drawn_in_the_palettes(qtbot, window, color):
    # from a file, it made every frame raise (370 crash logs in 10 s)
    w = window
    before = w.snapshot.lanes[0].color
    w.controls.set_lane_color(0, color)  # the session refuses it: a file could not hold it
    qtbot.waitUntil(lambda: "#rrggbb" in w.statusBar().currentMessage(), timeout=TIMEOUT)
    action(w, "action_step").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 1, timeout=TIMEOUT)
    assert w.snapshot.lanes[0].color == before
    w._redraw_all()
    assert lane_color(0, color) == lane_color(0, None)


def test_a_very_long_lane_name_does_not_widen_the_window(qtbot, window):
    # a 20,000-character name from a file grew the window to 170,714 px (2.1 GB)
    w = window
    w.resize(1024, 768)
    qtbot.wait(50)
    # names are at most MAX_NAME characters now (files, settings, forks of forks): the
    # longest one, of wide letters, through the controls
    long_name = ("W" * MAX_NAME)
    configure(qtbot, w, "rosenbrock", [LaneConfig("adam", dict(lr=0.01), long_name)])
    w.send(Step(3))
    qtbot.waitUntil(lambda: w.snapshot.step == 3, timeout=TIMEOUT)
    w._redraw_all()
    qtbot.waitUntil(lambda: long_name in w.status_label.text(), timeout=TIMEOUT)
    qtbot.wait(50)
    # (the offscreen platform does not pass size hints on to the window: ask the parts)
    for part in (w.statusBar(), w.inspector, w.controls):
        assert part.minimumSizeHint().width() < 1024, part
    assert w.minimumSizeHint().width() < 1024


def test_a_long_derived_gradient_is_shown_shortened(qtbot, window):
    w = window
    product = "*".join(["x"] * 150)
    w.controls.set_problem("custom", dict(expression=product))
    qtbot.waitUntil(lambda: w.snapshot.problem == "custom", timeout=TIMEOUT)
    assert len(w.controls.formula.text()) <= 400
    assert w.controls.formula.text().endswith("…")
    assert w.minimumSizeHint().width() < 1024


def test_a_first_start_fits_a_small_screen(qtbot):
    # at 1024 x 768 the first window was 1400 x 950: the loss plot, the lesson panel and
    # the status bar lay off the screen (the offscreen screen is 800 x 800)
    from PySide6.QtCore import QSettings
    QSettings().remove("window/geometry")
    QSettings().remove("window/state")
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.snapshot is not None, timeout=TIMEOUT)
    room = w.screen().availableGeometry()
    assert room.width() < 1400
    assert w.frameGeometry().width() <= room.width() + 20 and w.height() <= room.height()
    assert w.inspector_dock.height() <= room.height() // 3
    w.shutdown()
