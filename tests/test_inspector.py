"""The debugger in the window: the inspector's numbers, going back, forking, breakpoints,
the gradient check, the chain rule."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from gdplay.engine import make_problem
from gdplay.engine.session import LaneConfig, Session
from gdplay.present import Reset, Step
from gdplay.ui.main_window import MainWindow

TIMEOUT = 10_000  # the shared `window` fixture lives in conftest.py


def setup(qtbot, w, problem, lanes, options=None):
    w.controls.set_problem(problem, options or {})
    w.controls.set_lanes(lanes)
    names = [l.name for l in w.controls.lanes]
    qtbot.waitUntil(lambda: w.snapshot.problem == problem and w.snapshot.step == 0
                    and [l.name for l in w.snapshot.lanes] == names, timeout=TIMEOUT)
    # and drawn: the inspector lists the new lanes
    combo = w.inspector.lane_combo
    qtbot.waitUntil(lambda: [combo.itemText(i) for i in range(combo.count())] == names,
                    timeout=TIMEOUT)


def step(qtbot, w, n):
    target = w.snapshot.step + n
    w.send(Step(n))
    qtbot.waitUntil(lambda: w.snapshot.step == target, timeout=TIMEOUT)


def inspect(qtbot, w, k):
    w.inspector.select_step(k)
    qtbot.waitUntil(lambda: w.inspector.inspection is not None and w.inspector.inspection.step == k,
                    timeout=TIMEOUT)
    return w.inspector.inspection


def test_inspector_shows_an_adam_step_with_hand_values(qtbot, window):
    w = window
    setup(qtbot, w, "quadratic1d", [LaneConfig("adam", dict(lr=0.1))])
    step(qtbot, w, 5)
    ins = inspect(qtbot, w, 1)
    # x0 = 2.5, g = 2x = 5: m = 0.5, v = 0.025, bc1 = 0.1, bc2 = 0.001, delta = -0.1/(1+2e-9)
    assert ins.trace.t == 1
    text = w.inspector.formula.toPlainText()
    assert "m_1 = β1 × m_0 + (1 − β1) × g = 0.9 × 0 + 0.1 × 5 = 0.5" in text
    assert "v_1 = β2 × v_0 + (1 − β2) × g² = 0.999 × 0 + 0.001 × 5² = 0.025" in text
    assert "p_1 = p + Δ = 2.5 + (-0.1) = 2.4" in text
    model = w.inspector.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    for column in ("g", "m", "v", "m_hat", "v_hat", "denom", "effective_lr", "delta", "p_after"):
        assert column in headers
    assert w.landscape_view.step_marker.data.size == 1  # the marker sits at step 1
    assert w.landscape_view.step_marker.isVisible()
    assert w.loss_view.step_line.isVisible() and w.loss_view.step_line.value() == 1


def test_inspector_adamw_and_sgd_momentum(qtbot, window):
    w = window
    setup(qtbot, w, "quadratic1d", [LaneConfig("adamw", dict(lr=0.1, weight_decay=0.1)),
                                    LaneConfig("sgd", dict(lr=0.1, momentum=0.9))])
    step(qtbot, w, 3)
    w.inspector.lane_combo.setCurrentText("adamw")
    inspect(qtbot, w, 1)
    qtbot.waitUntil(lambda: w.inspector.inspection.lane == "adamw", timeout=TIMEOUT)
    # AdamW: p <- 2.5 * (1 - 0.01) = 2.475
    assert "p ← p × (1 − lr × wd) = 2.5 × 0.99 = 2.475" in w.inspector.formula.toPlainText()
    w.inspector.lane_combo.setCurrentText("sgd")
    qtbot.waitUntil(lambda: w.inspector.inspection.lane == "sgd", timeout=TIMEOUT)
    inspect(qtbot, w, 2)
    # SGD: p1 = 2.5 - 0.1*5 = 2.0; g = 4; b2 = 0.9*5 + 4 = 8.5; p2 = 2.0 - 0.85 = 1.15
    text = w.inspector.formula.toPlainText()
    assert "b_2 = μ × b_1 + (1 − dampening) × g = 0.9 × 5 + 1 × 4 = 8.5" in text
    assert "p_2 = p_1 + Δ = 2 + (-0.85) = 1.15" in text


def test_continue_from_step_k_is_bit_identical(qtbot, window):
    w = window
    lanes = [LaneConfig("adam", dict(lr=0.02)), LaneConfig("sgd", dict(lr=1e-4, momentum=0.9))]
    setup(qtbot, w, "rosenbrock", lanes)
    step(qtbot, w, 60)
    inspect(qtbot, w, 25)
    w.inspector.continue_button.click()
    qtbot.waitUntil(lambda: w.snapshot.step == 25, timeout=TIMEOUT)
    step(qtbot, w, 35)
    reference = Session(make_problem("rosenbrock"), lanes)
    reference.step(60)
    for shown, ref in zip(w.snapshot.lanes, reference.lanes):
        np.testing.assert_array_equal(shown.w, ref.w)


def test_fork_a_lane_from_step_k_with_another_lr(qtbot, window):
    w = window
    setup(qtbot, w, "rosenbrock", [LaneConfig("adam", dict(lr=0.02))])
    step(qtbot, w, 40)
    inspect(qtbot, w, 10)
    w.inspector.fork_lr.setText("0.001")
    w.inspector.fork_button.click()
    qtbot.waitUntil(lambda: len(w.snapshot.lanes) == 2, timeout=TIMEOUT)
    twin = w.snapshot.lanes[1]
    assert twin.name == "adam from 10" and twin.t == 10
    assert [l.name for l in w.controls.lanes] == ["adam", "adam from 10"]
    step(qtbot, w, 1)
    assert w.snapshot.lanes[1].t == 11 and w.snapshot.lanes[1].last_lr == 0.001


@pytest.mark.parametrize("text", ["abc", "-1", "9" * 400], ids=["word", "negative", "huge"])
def test_a_refused_fork_lr_says_why(qtbot, window, text):
    w = window
    step(qtbot, w, 5)
    inspect(qtbot, w, 3)
    lanes = len(w.snapshot.lanes)
    w.inspector.fork_lr.setText(text)
    w.inspector.fork_button.click()
    assert w.inspector.fork_message.isVisible() and "lr" in w.inspector.fork_message.text()
    assert len(w.inspector.fork_message.text()) < 200
    qtbot.wait(100)
    assert len(w.snapshot.lanes) == lanes  # nothing forked
    w.inspector.fork_lr.setText("0.01")
    w.inspector.fork_button.click()
    assert not w.inspector.fork_message.isVisible()
    qtbot.waitUntil(lambda: len(w.snapshot.lanes) == lanes + 1, timeout=TIMEOUT)


def test_a_step_breakpoint_pauses_the_run_and_says_why(qtbot, window):
    w = window
    w.inspector.bp_values["step"].setText("37")
    w.inspector.bp_checks["step"].setChecked(True)
    w.controls.speed_slider.setValue(w.controls.speed_slider.maximum())
    w.findChild(QAction, "action_run").trigger()
    qtbot.waitUntil(lambda: "step 37" in w.statusBar().currentMessage(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not w.snapshot.running, timeout=TIMEOUT)
    assert w.snapshot.step == 37
    assert "step 37 was reached" in w.statusBar().currentMessage()


def test_bad_breakpoint_value_is_refused_inline(qtbot, window):
    w = window
    w.inspector.bp_values["loss_below"].setText("low")
    w.inspector.bp_checks["loss_below"].setChecked(True)
    assert "not a number" in w.inspector.bp_message.text()


def test_gradient_check_button(qtbot, window):
    w = window
    setup(qtbot, w, "mlp", [LaneConfig("adam", dict(lr=0.01))],
          dict(dataset="sine", hidden=(4, 4), activation="tanh", bias=True))
    w.inspector.check_button.click()
    qtbot.waitUntil(lambda: "passes" in w.inspector.check_result.text(), timeout=TIMEOUT)
    for group in ("W1", "b1", "W2", "WO"):
        assert group in w.inspector.check_result.text()


def test_chain_rule_is_written_out_for_the_seed_example_and_the_network(qtbot, window):
    w = window
    setup(qtbot, w, "chain_rule", [LaneConfig("sgd", dict(lr=0.01))])
    step(qtbot, w, 2)
    inspect(qtbot, w, 1)
    text = w.inspector.chain.toPlainText()
    # at x = 1.5: g = 5.25, f'(g) = 10.5, g'(x) = 3, product 31.5
    assert "d/dx f(g(x)) = f'(g(x)) × g'(x) = 10.5 × 3 = 31.5" in text
    setup(qtbot, w, "mlp", [LaneConfig("sgd", dict(lr=0.01))], dict(batch_size=16))
    step(qtbot, w, 2)
    inspect(qtbot, w, 2)
    text = w.inspector.chain.toPlainText()
    assert "batch: 16 rows" in text and "dW1 = X0ᵀ dH1" in text and "dO  = (2/N)(O − Y)" in text


def test_admm_z_constraint_and_residuals_are_shown(qtbot, window):
    w = window
    setup(qtbot, w, "quadratic", [LaneConfig("admm_adam", dict(lr=0.05, inner_steps=5,
                                                               regularizer="box", lo=-2, hi=2))])
    step(qtbot, w, 50)
    qtbot.waitUntil(lambda: w._drawn_serial == w.snapshot.serial, timeout=TIMEOUT)
    assert w.landscape_view.z_markers.data.size == 1 and w.landscape_view.z_markers.isVisible()
    assert w.landscape_view.duals.isVisible() and w.landscape_view.constraint.isVisible()
    dx, dy = w.landscape_view.duals.getData()  # u drawn from z to z + u
    lane = w.snapshot.lanes[0]
    np.testing.assert_allclose([dx[1] - dx[0], dy[1] - dy[0]], lane.drawing["u"])
    xs, ys = w.landscape_view.constraint.getData()
    assert min(xs) == -2 and max(ys) == 2
    xs, _ = w.inspector._res_curves["s"].getData()
    assert all(c.isVisible() for c in w.inspector._res_curves.values())
    assert len(xs) == 10


def test_the_step_table_is_a_sound_model_and_shows_the_trace(qtbot):
    """The inspector's table formats numbers as the view shows them (a network's step has
    thousands): checked by Qt's own model tester, and cell by cell against the trace."""
    from PySide6.QtTest import QAbstractItemModelTester

    from gdplay.ui.inspector import StepTable

    p = make_problem("mlp", dataset="sine", hidden=(16, 16), activation="tanh")
    s = Session(p, [LaneConfig("adamw", dict(lr=0.01))])
    s.step(2)
    tr = s.lanes[0].traces[-1]
    names, groups = p.parameter_names(), p.groups()
    columns = [k for k, v in tr.values.items() if isinstance(v, np.ndarray) and v.size == p.dim]
    model = StepTable()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    assert model.show(["parameter"] + columns, [tr.values[c] for c in columns], names, groups)
    from gdplay.engine.explain import fmt

    assert model.rowCount() == len(groups)
    for g, (group, sl) in enumerate(groups.items()):
        top = model.index(g, 0)
        assert model.data(top) == f"{group}  ‖·‖"
        assert model.data(top, Qt.ItemDataRole.UserRole) == sl.start
        assert model.rowCount(top) == min(sl.stop - sl.start, 200)
        assert model.rowCount(model.index(g, 1)) == 0  # only the first column has children
        for c, key in enumerate(columns, start=1):
            assert model.data(model.index(g, c)) == fmt(np.linalg.norm(tr.values[key][sl]))
            last = model.rowCount(top) - 1
            assert model.data(model.index(last, c, top)) == fmt(tr.values[key][sl.start + last])
        assert model.data(model.index(3, 0, top)) == names[sl.start + 3]
        assert model.data(model.index(3, 0, top), Qt.ItemDataRole.UserRole) == sl.start + 3
    # a later step of the same shape: new numbers in the same rows, not a new table
    s.step(1)
    later = s.lanes[0].traces[-1]
    assert not model.show(["parameter"] + columns, [later.values[c] for c in columns], names,
                          groups)
    w2 = model.index(1, 0)
    assert model.data(model.index(5, 2, w2)) == fmt(later.values[columns[1]][groups["W2"].start + 5])


def test_following_a_run_keeps_the_row_the_user_picked(qtbot, window):
    """While the inspector follows the newest step, each new step updates the numbers of
    the row the user selected (and its formula) instead of jumping back to the first."""
    w = window
    setup(qtbot, w, "mlp", [LaneConfig("adam", dict(lr=0.01))],
          dict(dataset="sine", hidden=(4, 4), activation="tanh"))
    step(qtbot, w, 2)
    inspect(qtbot, w, 2)
    from gdplay.engine.explain import explain_step

    view, model = w.inspector.table, w.inspector.step_table
    pick = model.index(2, 0, model.index(1, 0))  # W2's third element
    view.setCurrentIndex(pick)
    i = model.data(pick, Qt.ItemDataRole.UserRole)
    name = w.inspector.inspection.parameter_names[i]

    def formula_of(ins):
        return f"{name}\n" + "\n".join(explain_step(ins.trace, i))

    assert w.inspector.formula.toPlainText() == formula_of(w.inspector.inspection)
    before = w.inspector.formula.toPlainText()
    ins = inspect(qtbot, w, 1)  # the same shape, another step
    assert view.currentIndex() == pick
    assert w.inspector.formula.toPlainText() == formula_of(ins) != before


def test_no_number_is_cut_short_when_a_later_step_has_longer_ones(qtbot, window):
    """The columns are sized when they change; a later step of the same shape, with longer
    numbers, still fits (a value column is as wide as the longest number written)."""
    w = window
    setup(qtbot, w, "quadratic1d", [LaneConfig("sgd", dict(lr=0.1))])
    step(qtbot, w, 30)
    inspect(qtbot, w, 1)  # short numbers (2.5, 5, ...)
    view, model = w.inspector.table, w.inspector.step_table
    inspect(qtbot, w, 30)  # long ones (many digits, exponents)
    assert any(len(model.data(model.index(0, c))) >= 12 for c in range(1, model.columnCount()))
    for c in range(model.columnCount()):
        assert view.header().sectionSize(c) >= view.sizeHintForColumn(c)


def test_the_inspector_follows_a_new_problem_and_lists_the_start_at_step_0(qtbot, window):
    # Rosenbrock -> Beale -> Rosenbrock said "Step 0 of adam: the start, loss 39063" (Beale's
    # start; Rosenbrock's is 409): the same lane at the same step looked like nothing new
    from gdplay.engine.explain import fmt
    w = window
    lanes = [LaneConfig("adam", dict(lr=0.01))]
    for problem in ("rosenbrock", "beale", "rosenbrock"):
        setup(qtbot, w, problem, lanes)
        loss = make_problem(problem).loss(make_problem(problem).x0)
        qtbot.waitUntil(lambda: w.inspector.inspection is not None
                        and w.inspector.inspection.run == w.snapshot.run, timeout=TIMEOUT)
        assert fmt(loss) in w.inspector.summary.text(), (problem, w.inspector.summary.text())
        # step 0 lists the start's values
        model = w.inspector.step_table
        assert model.rowCount() == 2
        shown = [model.index(r, 1).data() for r in range(2)]
        assert shown == [fmt(v) for v in make_problem(problem).x0]
    step(qtbot, w, 3)
    w.send(Reset())  # a reset is a new run too
    qtbot.waitUntil(lambda: w.snapshot.step == 0 and w.inspector.inspection is not None
                    and w.inspector.inspection.run == w.snapshot.run
                    and w.inspector.inspection.step == 0, timeout=TIMEOUT)


def test_a_fork_and_a_duplicate_get_a_colour_no_other_lane_has(qtbot, window):
    # colours went by position: after a removal a duplicate and a fork shared one
    w = window
    setup(qtbot, w, "rosenbrock", [LaneConfig("sgd", dict(lr=1e-4)), LaneConfig("adam", {}),
                                   LaneConfig("adamw", {})])
    c = w.controls
    c.lane_list.setCurrentRow(1)
    c.remove_lane()
    c.duplicate_lane()
    qtbot.waitUntil(lambda: len(w.snapshot.lanes) == 3 and w.snapshot.step == 0,
                    timeout=TIMEOUT)
    step(qtbot, w, 20)
    inspect(qtbot, w, 10)
    w.inspector.fork_button.click()
    qtbot.waitUntil(lambda: len(w.snapshot.lanes) == 4 and bool(w.snapshot.lanes[3].color),
                    timeout=TIMEOUT)
    shown = [l.color for l in w.snapshot.lanes]
    assert len(set(shown)) == 4 and shown == [l.color for l in c.lanes]
