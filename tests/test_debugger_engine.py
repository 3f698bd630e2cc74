"""The debugger's engine side: written-out steps, replayed traces, forks, breakpoints,
the gradient check."""

import numpy as np
import pytest

from gdplay.engine import make_problem, problem_names
from gdplay.engine.checks import gradient_check
from gdplay.engine.explain import explain_step, fmt
from gdplay.engine.optimizers import make_optimizer
from gdplay.engine.session import Breakpoint, LaneConfig, Session


def two_steps(name, **hp):
    opt = make_optimizer(name, **hp)
    w = np.array([1.0])
    opt.step(w, np.array([2.0]))
    return opt.step(w, np.array([-1.0]))


def test_adam_step_written_out_with_hand_values():
    lines = explain_step(two_steps("adam", lr=0.1), 0)
    text = "\n".join(lines)
    # m_2 = 0.9 * 0.2 + 0.1 * (-1) = 0.08; v_2 = 0.999 * 0.004 + 0.001 * 1 = 0.004996
    assert "m_2 = β1 × m_1 + (1 − β1) × g = 0.9 × 0.2 + 0.1 × (-1) = 0.08" in text
    assert "v_2 = β2 × v_1 + (1 − β2) × g² = 0.999 × 0.004 + 0.001 × (-1)² = 0.004996" in text
    assert "bc1 = 1 − β1^2 = 0.19" in text
    assert "= (-0.0266337)" in text  # -(0.1 / 0.19) * 0.08 / (sqrt(0.004996 / 0.001999) + 1e-8)


def test_adamw_step_shows_the_decoupled_decay():
    text = "\n".join(explain_step(two_steps("adamw", lr=0.1, weight_decay=0.1), 0))
    # after step 1: p = 0.99 - 0.1/(1+5e-9) = 0.89; decay: 0.89 * (1 - 0.01) = 0.8811
    assert "p ← p × (1 − lr × wd) = 0.89 × 0.99 = 0.8811" in text
    assert "PyTorch" in text


def test_sgd_momentum_step_written_out_with_hand_values():
    text = "\n".join(explain_step(two_steps("sgd", lr=0.1, momentum=0.9, dampening=0.5,
                                            weight_decay=0.1), 0))
    # p_1 = 0.79; g' = -1 + 0.079 = -0.921; b_2 = 0.9 * 2.1 + 0.5 * (-0.921) = 1.4295
    assert "g' = g + wd × p = (-1) + 0.1 × 0.79 = (-0.921)" in text
    assert "b_2 = μ × b_1 + (1 − dampening) × g = 0.9 × 2.1 + 0.5 × (-0.921) = 1.4295" in text
    assert "p_2 = p_1 + Δ = 0.79 + (-0.14295) = 0.64705" in text


@pytest.mark.parametrize("name,hp", [
    ("sgd", dict(momentum=0.9, nesterov=True)), ("amsgrad", {}), ("amsgrad", dict(variant="reddi")),
    ("rmsprop", dict(centered=True, momentum=0.3)), ("adagrad", dict(weight_decay=0.1)),
    ("admm_adam", dict(inner_steps=2, balance=True)),
])
def test_every_optimizer_can_be_written_out(name, hp):
    lines = explain_step(two_steps(name, **hp), 0)
    assert lines[0].startswith("step t = 2")
    assert any("Δ" in line for line in lines)
    assert lines[-1] not in ("", None)


def test_admm_outer_update_is_written_out():
    text = "\n".join(explain_step(two_steps("admm_adam", inner_steps=2), 0))
    assert "z = prox(p + u)" in text and "primal residual" in text and "dual residual" in text
    assert "inner 2 of 2, then z/u update" in text


def test_fmt():
    assert fmt(-0.5) == "(-0.5)" and fmt(2) == "2" and fmt(float("nan")) == "nan"


def race(**kw):
    p = make_problem("mlp", dataset="sine", hidden=(4, 4), activation="tanh", n_samples=30,
                     batch_size=7, noise=0.01)
    return Session(p, [LaneConfig("adam", dict(lr=0.02)), LaneConfig("sgd", dict(lr=0.1, momentum=0.9))],
                   checkpoint_every=20, **kw)


def test_trace_at_k_replays_exactly_and_changes_nothing():
    s = race(trace_capacity=1)
    s.step(90)
    lane = s.lanes[0]
    w_before = lane.w.copy()
    tr = lane.trace_at(37)
    reference = race(trace_capacity=1000)
    reference.step(90)
    expected = reference.lanes[0].traces[36]
    assert tr.t == expected.t == 37
    for key, value in expected.values.items():
        np.testing.assert_array_equal(tr.values[key], value)
    np.testing.assert_array_equal(lane.w, w_before)
    assert lane.t == 90
    np.testing.assert_array_equal(lane.params_at(37), expected["p_after"])
    np.testing.assert_array_equal(lane.params_at(0), s.start)


def test_fork_from_step_k_continues_bit_identically():
    straight = race()
    straight.step(150)
    s = race()
    s.step(120)
    twin = s.fork_lane("adam", 60)
    assert twin.t == 60 and twin.name == "adam from 60"
    assert s.lane("adam").t == 120  # the original is untouched
    s.step(90)  # the twin goes 60 -> 150
    assert twin.t == 150
    np.testing.assert_array_equal(twin.w, straight.lanes[0].w)
    np.testing.assert_array_equal(twin.history.rows[-90:], straight.lanes[0].history.rows[-90:])


def test_fork_with_other_hyperparameters_differs_from_then_on():
    s = race()
    s.step(50)
    twin = s.fork_lane("adam", 20, hparams=dict(lr=0.5))
    np.testing.assert_array_equal(twin.history.rows[:21], s.lanes[0].history.rows[:21])
    s.step(10)
    assert twin.traces[-1].lr == 0.5
    assert not np.array_equal(twin.w, s.lanes[0].w)
    with pytest.raises(ValueError):
        s.fork_lane("adam", 20, hparams=dict(lr=-1))
    assert len(s.lanes) == 3


@pytest.mark.parametrize("bp,lanes,expected_step", [
    (Breakpoint("step", 17), [LaneConfig("adam", dict(lr=0.01))], 17),
    (Breakpoint("loss_below", 100.0), [LaneConfig("adam", dict(lr=0.01))], None),
    (Breakpoint("non_finite"), [LaneConfig("sgd", dict(lr=10.0))], None),
    (Breakpoint("grad_norm_above", 2000.0), [LaneConfig("sgd", dict(lr=0.002))], None),
    (Breakpoint("loss_up"), [LaneConfig("sgd", dict(lr=0.001))], None),
])
def test_each_breakpoint_fires_at_the_right_step(bp, lanes, expected_step):
    problem = make_problem("rosenbrock")
    s = Session(problem, lanes)
    hits = s.step(1000, breakpoints=[bp])
    assert hits, f"{bp.kind} never fired"
    hit = hits[0]
    lane = s.lanes[0]
    assert hit.step == lane.t == s.step_count
    # the condition holds at the step it fired, and at no earlier step
    losses = lane.history.rows[:, 1]
    norms = lane.history.rows[:, 2]
    k = hit.step
    if bp.kind == "step":
        assert k == expected_step
    elif bp.kind == "loss_below":
        assert losses[k] < 100 and np.all(losses[1:k] >= 100)
    elif bp.kind == "non_finite":
        assert lane.status == "diverged" and lane.diverged_at == k
    elif bp.kind == "grad_norm_above":
        assert norms[k] > 2000 and np.all(norms[1:k] <= 2000)
    elif bp.kind == "loss_up":
        assert losses[k] > losses[k - 1] and np.all(np.diff(losses[:k]) <= 0)
    assert hit.lane in hit.message and str(k) in hit.message


def test_breakpoint_on_one_lane_ignores_the_others():
    s = Session(make_problem("rosenbrock"), [LaneConfig("sgd", dict(lr=10.0)),
                                             LaneConfig("adam", dict(lr=0.01))])
    hits = s.step(50, breakpoints=[Breakpoint("non_finite", lane="adam")])
    assert hits == [] and s.step_count == 50


def test_admm_residual_breakpoint_and_history():
    s = Session(make_problem("quadratic"), [LaneConfig("admm_adam", dict(
        lr=0.05, inner_steps=5, regularizer="box", lo=-0.5, hi=0.5))])
    hits = s.step(20_000, breakpoints=[Breakpoint("admm_converged")])
    assert hits and hits[0].step % 5 == 0
    res = s.lanes[0].residuals.rows
    assert res.shape[0] == hits[0].step // 5
    r, sd, ep, ed = res[-1, 1:]
    assert r <= ep and sd <= ed
    assert not np.all((res[:-1, 1] <= res[:-1, 3]) & (res[:-1, 2] <= res[:-1, 4]))


@pytest.mark.parametrize("name", problem_names())
def test_gradient_check_passes_on_every_problem(name):
    options = dict(dataset="sine", hidden=(5, 4), activation="tanh", bias=True, n_samples=20) \
        if name == "mlp" else {}
    p = make_problem(name, **options)
    rng = np.random.default_rng(3)
    w = p.x0 + 0.1 * rng.standard_normal(p.dim)
    errors = gradient_check(p, w)
    assert errors and max(errors.values()) < 1e-6
    if name == "mlp":
        assert list(errors) == ["W1", "b1", "W2", "b2", "WO", "bO"]


def test_gradient_check_catches_a_wrong_gradient():
    p = make_problem("rosenbrock")
    p.grad = lambda w: np.array([1.0, 2.0])
    assert gradient_check(p, np.array([0.3, 0.4]))["all"] > 0.1
