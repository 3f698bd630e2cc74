"""A lane's one stepping path, its state_dict, and the one rule for lane names."""

import numpy as np
import pytest

from gdplay.engine import make_problem
from gdplay.engine.session import Breakpoint, LaneConfig, Session, unique_name


def bits(x):
    return np.asarray(x, dtype=np.float64).tobytes()


def race(problem="rosenbrock", **options):
    return Session(make_problem(problem, **options), [
        LaneConfig("adam", dict(lr=0.01)),
        LaneConfig("sgd", dict(lr=1e-4, momentum=0.9)),
        LaneConfig("admm_adam", dict(lr=0.01, inner_steps=3)),   # arrays, one or two values
        LaneConfig("sgd", dict(lr=0.5)),                          # diverges on Rosenbrock
    ], checkpoint_every=7, max_checkpoints=8, history_capacity=64, trace_capacity=10)


def same_lanes(a: Session, b: Session):
    for la, lb in zip(a.lanes, b.lanes, strict=True):
        assert (la.name, la.t, la.status, la.reason, la.diverged_at) == \
            (lb.name, lb.t, lb.status, lb.reason, lb.diverged_at)
        assert bits(la.w) == bits(lb.w) and bits(la.grad) == bits(lb.grad)
        assert bits(la.loss) == bits(lb.loss) and bits(la.grad_norm) == bits(lb.grad_norm)
        for key in ("history", "param_history", "residuals"):
            assert bits(getattr(la, key).rows) == bits(getattr(lb, key).rows), key
        assert [c.step for c in la._checkpoints] == [c.step for c in lb._checkpoints]
        assert la.optimizer.hparams == lb.optimizer.hparams


def test_a_session_continues_from_its_state_dict_with_the_same_bits():
    s = race()
    s.step(40)
    s.lanes[0].set_hparams(lr=0.02)
    s.step(30, trace=False)
    twin = Session.from_state_dict(s.state_dict())
    same_lanes(s, twin)
    assert twin.lanes[3].status == "diverged"
    for x in (s, twin):
        x.step(50)
    same_lanes(s, twin)
    assert len(s.lanes[2].residuals.rows) > 0
    for x in (s, twin):
        x.restore(33)  # replays the logged change too
    same_lanes(s, twin)


def test_a_state_dict_is_plain_values_and_arrays_and_a_copy():
    s = race()
    s.step(20)
    sd = s.state_dict()
    lane = sd["lanes"][0]
    assert isinstance(lane["w"], np.ndarray) and lane["w"] is not s.lanes[0].w
    lane["w"][:] = 99.0
    lane["history"][:] = 99.0
    assert s.lanes[0].w[0] != 99.0 and s.lanes[0].history.rows[0, 0] == 0.0
    assert [cp["step"] for cp in lane["checkpoints"]] == [7, 14]  # the start's is made again


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(w=np.zeros(3)), r"lanes\[0\]\.w must hold 2 numbers"),
    (lambda d: d.update(status="flying"), r"lanes\[0\]\.status must be running or diverged"),
    (lambda d: d.update(diverged_at=3), r"lanes\[0\]\.diverged_at must be null"),
    (lambda d: d.update(history=np.array([[0.0, 1, 1], [99.0, 1, 1]])),
     r"lanes\[0\]\.history steps must be whole numbers from 0 to the lane's t \(20\)"),
    (lambda d: d.update(param_history=np.zeros((2, 3))), r"param_history must be rows of 4"),
    (lambda d: d.update(hparam_log=[(25, {"lr": 0.1})]),
     r"lanes\[0\]\.hparam_log\[0\]\[0\] must be from 0 to 20, got 25"),
    (lambda d: d.update(hparam_log=[(5, {"lr": -1.0})]), r"lanes\[0\]\.hparam_log\[0\]: "),
    (lambda d: d["optimizer_state"]["state"].update(t=3), r"lanes\[0\]\.optimizer_state\.state\.t"),
    (lambda d: d["checkpoints"][0].update(step=30), r"lanes\[0\]\.checkpoints\[0\]\.step"),
    (lambda d: d.update(w=np.array([np.nan, 1.0])),
     r"lanes\[0\] is marked running, but a parameter is not finite"),
])
def test_load_state_dict_refuses_what_does_not_fit_and_changes_nothing(change, message):
    s = race()
    s.step(20)
    sd = s.state_dict()
    change(sd["lanes"][0])
    with pytest.raises(ValueError, match=message):
        Session.from_state_dict(sd)
    lane = s.lanes[0]
    before = lane.state_dict()
    with pytest.raises(ValueError, match=message):
        lane.load_state_dict(sd["lanes"][0], "lanes[0]")
    after = lane.state_dict()
    assert bits(before["w"]) == bits(after["w"]) and before["t"] == after["t"]
    assert bits(before["history"]) == bits(after["history"])


def test_trace_at_replays_a_scratch_copy_and_leaves_the_lane_as_it_was():
    s = Session(make_problem("mlp"), [LaneConfig("adam", dict(lr=0.01))], checkpoint_every=5,
                trace_capacity=4)
    s.step(23)
    lane = s.lanes[0]
    kept = lane.state_dict()
    traces = [tr.t for tr in lane.traces]
    scratch = lane._scratch(11)
    assert scratch.t == 10 and scratch.history is not lane.history
    assert scratch.history.size == 0 and scratch.traces.maxlen == 1  # nothing copied
    tr = lane.trace_at(12)
    assert tr.t == 12
    twin = Session(make_problem("mlp"), [LaneConfig("adam", dict(lr=0.01))])
    twin.step(11, trace=False)
    twin.step(1)
    expected = twin.lanes[0].traces[-1]
    assert list(tr.values) == list(expected.values)
    for key in tr.values:
        assert bits(tr.values[key]) == bits(expected.values[key]), key
    assert [t.t for t in lane.traces] == traces
    after = lane.state_dict()
    assert [c["step"] for c in after["checkpoints"]] == [c["step"] for c in kept["checkpoints"]]
    assert bits(after["history"]) == bits(kept["history"]) and bits(after["w"]) == bits(kept["w"])


def test_breakpoints_and_batches_step_through_the_same_path():
    a, b = race(), race()
    a.step(60)
    while b.step_count < 60:
        b.step(60 - b.step_count, breakpoints=[Breakpoint("step", b.step_count + 7)])
    same_lanes(a, b)


def test_lane_names_follow_one_rule():
    assert unique_name("adam", set(), "x") == "adam"
    assert unique_name("", {"adam"}, "adam") == "adam #2"
    assert unique_name("adam #2", {"adam", "adam #2"}) == "adam #3"  # not "adam #2 #2"
    s = Session(make_problem("booth"), [LaneConfig("adam"), LaneConfig("adam"),
                                        LaneConfig("sgd", name="adam #2")])
    assert [lane.name for lane in s.lanes] == ["adam", "adam #2", "adam #3"]
    s.step(3)
    assert s.fork_lane("adam", 2).name == "adam from 2"
    assert s.fork_lane("adam", 2).name == "adam from 2 #2"


@pytest.mark.parametrize("change,message", [
    (lambda sd: sd.pop("problem"), "problem is missing"),
    (lambda sd: sd.pop("lanes"), "lanes is missing"),
    (lambda sd: sd["lanes"][0].pop("optimizer"), r"lanes\[0\]\.optimizer is missing"),
    (lambda sd: sd["settings"].update(colour=1), "settings has unknown entry 'colour'"),
    (lambda sd: sd["settings"].update(checkpoint_every=0), "checkpoint_every must be at least 1"),
    (lambda sd: sd["lanes"][0].update(optimizer="nope"), r"lanes\[0\]: unknown optimizer"),
])
def test_a_state_dict_from_anywhere_is_refused_with_a_value_error(change, message):
    # the API's promise (persist checks its files first; a notebook does not)
    from gdplay.engine import LaneConfig as LC, Session as S, make_problem as mp
    s = S(mp("rosenbrock"), [LC("adam", {"lr": 0.01})])
    s.step(5)
    sd = s.state_dict()
    change(sd)
    with pytest.raises(ValueError, match=message):
        S.from_state_dict(sd)
