"""The float path (problems of one or two parameters) gives the array path's numbers, bit for bit.

The array path is the one checked against torch.optim (test_torch_crosscheck.py); these
tests carry that check over to ``Optimizer.step_floats``, ``Problem.loss_grad_floats`` and
the lanes that use them. Bits are compared, so -0.0 vs 0.0 or one rounding apart fails.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdplay.engine import make_problem, problem_names
from gdplay.engine.optimizers import make_optimizer, optimizer_names
from gdplay.engine.session import Breakpoint, LaneConfig, Session

FLOAT_OPTIMIZERS = [n for n in optimizer_names() if make_optimizer(n).supports_floats]
SMALL_PROBLEMS = [n for n in problem_names() if make_problem(n).dim <= 2]


def bits(value):
    """A value's exact bits, for comparison (None and bools as they are). NaNs are made one
    NaN first: the sign of a NaN means nothing, and x86 gives a negative one from SIMD and
    scalar operations alike, depending on which operand was NaN."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):  # ADMM-Adam keeps its inner Adam's state in one
        return {k: bits(v) for k, v in value.items()}
    a = np.array(value, dtype=np.float64)
    a[np.isnan(a)] = np.nan
    return a.tobytes()


def assert_same_trace(a, b):
    assert list(a.values) == list(b.values)
    for key in a.values:
        assert bits(a.values[key]) == bits(b.values[key]), key
    assert (a.t, a.lr, a.notes, a.phase) == (b.t, b.lr, b.notes, b.phase)


def assert_same_state(a, b):
    sa, sb = a.get_state()["state"], b.get_state()["state"]
    assert set(sa) == set(sb)
    for key in sa:
        assert bits(sa[key]) == bits(sb[key]), key


def test_every_optimizer_but_admm_adam_runs_on_floats():
    assert set(optimizer_names()) - set(FLOAT_OPTIMIZERS) == {"admm_adam"}


coordinate = st.one_of(
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 1e300, -1e300, float("inf"), float("nan")]),
)

HPARAMS = {
    "sgd": st.fixed_dictionaries({
        "lr": st.sampled_from([0.0, 1e-3, 0.5]), "momentum": st.sampled_from([0.0, 0.9]),
        "dampening": st.sampled_from([0.0, 0.5]), "weight_decay": st.sampled_from([0.0, 0.1])}),
    "adam": st.fixed_dictionaries({
        "lr": st.sampled_from([1e-3, 0.5]), "betas": st.sampled_from([(0.9, 0.999), (0.0, 0.0)]),
        "eps": st.sampled_from([0.0, 1e-8]), "weight_decay": st.sampled_from([0.0, 0.1]),
        "amsgrad": st.booleans()}),
    "adamw": st.fixed_dictionaries({
        "lr": st.sampled_from([1e-3, 0.5]), "eps": st.sampled_from([0.0, 1e-8]),
        "weight_decay": st.sampled_from([0.0, 0.1]), "amsgrad": st.booleans()}),
    "amsgrad": st.fixed_dictionaries({
        "lr": st.sampled_from([1e-3, 0.5]), "eps": st.sampled_from([0.0, 1e-8]),
        "weight_decay": st.sampled_from([0.0, 0.1]),
        "variant": st.sampled_from(["pytorch", "reddi"])}),
    "rmsprop": st.fixed_dictionaries({
        "lr": st.sampled_from([1e-3, 0.5]), "eps": st.sampled_from([0.0, 1e-8]),
        "weight_decay": st.sampled_from([0.0, 0.1]), "momentum": st.sampled_from([0.0, 0.9]),
        "centered": st.booleans()}),
    "adagrad": st.fixed_dictionaries({
        "lr": st.sampled_from([1e-3, 0.5]), "lr_decay": st.sampled_from([0.0, 0.1]),
        "eps": st.sampled_from([0.0, 1e-10]), "weight_decay": st.sampled_from([0.0, 0.1]),
        "initial_accumulator_value": st.sampled_from([0.0, 0.1])}),
}


# a change made mid-run (after step 3), reaching both paths the same way; the flips turn a
# state entry on or off (an entry the kernel stops reading keeps its value)
MID_RUN = {
    "sgd": lambda hp: dict(momentum=0.5 if hp["momentum"] == 0 else 0.0),
    "adam": lambda hp: dict(amsgrad=not hp["amsgrad"]),
    "adamw": lambda hp: dict(amsgrad=not hp["amsgrad"]),
    "amsgrad": lambda hp: dict(variant="reddi" if hp["variant"] == "pytorch" else "pytorch"),
    "rmsprop": lambda hp: dict(centered=not hp["centered"],
                               momentum=0.5 if hp["momentum"] == 0 else 0.0),
    "adagrad": lambda hp: dict(lr_decay=0.2),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=st.sampled_from(FLOAT_OPTIMIZERS), dim=st.sampled_from([1, 2]),
       trace_every=st.booleans(), read_state=st.booleans())
def test_step_floats_gives_the_bits_of_step(data, name, dim, trace_every, read_state):
    hp = data.draw(HPARAMS[name], label="hparams")
    on_arrays, on_floats = make_optimizer(name, **hp), make_optimizer(name, **hp)
    w0 = data.draw(st.lists(coordinate, min_size=dim, max_size=dim), label="w0")
    grads = data.draw(st.lists(st.lists(coordinate, min_size=dim, max_size=dim),
                               min_size=1, max_size=6), label="grads")
    w_array = np.array(w0, dtype=np.float64)
    w_list = list(w0)
    with np.errstate(all="ignore"):
        for k, g in enumerate(grads):
            trace = trace_every or k == len(grads) - 1
            if k == 3:
                change = MID_RUN[name](on_arrays.hparams)
                on_arrays.set_hparams(**change)
                on_floats.set_hparams(**change)
            a = on_arrays.step(w_array, np.array(g, dtype=np.float64), trace)
            w_list, b = on_floats.step_floats(w_list, list(g), trace)
            assert bits(w_array) == bits(w_list)
            assert (a is None) == (b is None)
            if a is not None:
                assert_same_trace(a, b)
                assert a.hparams == b.hparams == on_floats.hparams
            if read_state:  # reading the state between steps on floats changes nothing
                assert_same_state(on_arrays, on_floats)
    assert_same_state(on_arrays, on_floats)
    # and the array path carries on from a state stepped on floats
    g = np.ones(dim)
    with np.errstate(all="ignore"):
        on_arrays.step(w_array, g)
        on_floats.step(np.array(w_list), g)
    assert_same_state(on_arrays, on_floats)


@pytest.mark.parametrize("name", SMALL_PROBLEMS)
@pytest.mark.parametrize("options", [{}, {"noise": 0.7, "seed": 3}, {"noise": 5.0, "clip": 1.0}])
def test_loss_grad_floats_gives_the_bits_of_loss_grad_at_step(name, options):
    problem = make_problem(name, **options)
    rng = np.random.default_rng(0)
    lo, hi = np.array(problem.bounds).T
    points = list(rng.uniform(lo, hi, size=(50, problem.dim)))
    points += [np.full(problem.dim, 1e200), np.full(problem.dim, -1e200), np.zeros(problem.dim)]
    with np.errstate(all="ignore"):
        for t, w in enumerate(points):
            loss_a, g_a = problem.loss_grad_at_step(w, t)
            loss_b, g_b = problem.loss_grad_floats(w.tolist(), t)
            assert type(loss_b) is float and type(g_b) is list
            assert bits(loss_a) == bits(loss_b) and bits(g_a) == bits(g_b), (t, w)


def array_twin(session_factory):
    """The same session with every lane forced onto the array path."""
    s = session_factory()
    for lane in s.lanes:
        lane._floats = False
    return s


def assert_same_lanes(a, b):
    for la, lb in zip(a.lanes, b.lanes, strict=True):
        assert (la.t, la.status, la.reason, la.diverged_at) == (lb.t, lb.status, lb.reason,
                                                                lb.diverged_at)
        assert bits(la.w) == bits(lb.w) and bits(la.grad) == bits(lb.grad)
        assert bits(la.loss) == bits(lb.loss) and bits(la._grad_norm) == bits(lb._grad_norm)
        assert bits(la.history.rows) == bits(lb.history.rows)
        assert bits(la.param_history.rows) == bits(lb.param_history.rows)
        assert [c.step for c in la._checkpoints] == [c.step for c in lb._checkpoints]
        assert len(la.traces) == len(lb.traces)
        for ta, tb in zip(la.traces, lb.traces):
            assert_same_trace(ta, tb)
        assert_same_state(la.optimizer, lb.optimizer)


def race(problem="rosenbrock", **options):
    def factory():
        return Session(make_problem(problem, **options), [
            LaneConfig("adam", dict(lr=0.01, amsgrad=True)),
            LaneConfig("sgd", dict(lr=1e-4, momentum=0.9, nesterov=True)),
            LaneConfig("rmsprop", dict(lr=1e-3, centered=True, momentum=0.5)),
            LaneConfig("adagrad", dict(lr=0.5, lr_decay=0.01)),
            LaneConfig("amsgrad", dict(lr=0.01, variant="reddi")),
            LaneConfig("adamw", dict(lr=0.01, weight_decay=0.1)),
            LaneConfig("sgd", dict(lr=0.5)),  # diverges on Rosenbrock
            LaneConfig("admm_adam", dict(lr=0.01)),  # on the array path either way
        ], history_capacity=64, param_history_floats=256, checkpoint_every=7,
            max_checkpoints=16, trace_capacity=40)
    return factory


@pytest.mark.parametrize("problem,options", [
    ("rosenbrock", {}), ("himmelblau", {"noise": 2.0, "clip": 5.0, "seed": 1}),
    ("quartic", {"noise": 0.5}), ("rastrigin", {})])
def test_a_session_on_floats_matches_one_on_arrays(problem, options):
    factory = race(problem, **options)
    fast, slow = factory(), array_twin(factory)
    assert [lane._floats for lane in fast.lanes] == [True] * 7 + [False]
    for s in (fast, slow):
        s.step(150)
        s.lanes[0].set_hparams(lr=0.02)
        s.step(100, trace=False)
        s.step(50)
    assert_same_lanes(fast, slow)
    # history long enough to be decimated; checkpoints thinned; one lane diverged
    assert fast.lanes[0].history.decimations > 0
    if problem == "rosenbrock":
        assert fast.lanes[6].status == "diverged"
    for s in (fast, slow):
        s.restore(123)
    assert_same_lanes(fast, slow)


def test_breakpoints_stop_the_float_path_at_the_same_step():
    factory = race("rosenbrock")
    fast, slow = factory(), array_twin(factory)
    bps = [Breakpoint("loss_below", 3.0), Breakpoint("non_finite")]
    for s in (fast, slow):
        hits = s.step(500, breakpoints=bps)
        assert hits
    assert fast.step_count == slow.step_count
    assert_same_lanes(fast, slow)


def test_replayed_traces_match_the_recorded_ones():
    s = race("himmelblau", noise=1.0)()
    s.step(60)
    for lane in s.lanes[:6]:
        recorded = {tr.t: tr for tr in lane.traces}
        lane.traces.clear()  # trace_at now replays, on arrays, from a checkpoint
        for k in (21, 28, 45, 60):  # the last 40 steps are kept
            assert_same_trace(recorded[k], lane.trace_at(k))


def test_a_lane_diverging_on_a_checkpoint_step_keeps_that_checkpoint_on_both_paths():
    def factory():
        return Session(make_problem("rosenbrock"), [LaneConfig("sgd", dict(lr=0.5))],
                       checkpoint_every=2)
    fast, slow = factory(), array_twin(factory)
    for s in (fast, slow):
        s.step(10)
    assert fast.lanes[0].diverged_at == 2
    assert_same_lanes(fast, slow)


def test_a_lane_keeps_float_traces_raw_until_one_is_read():
    """Steps on floats store what a trace is made from; reading it by index, in order or
    in reverse (or copying the lane, as a fork does) gives StepTraces, each made once."""
    import copy
    from collections import deque

    from gdplay.engine.optimizers import StepTrace

    s = Session(make_problem("rosenbrock"), [LaneConfig("adam", dict(lr=0.01))])
    s.step(20)
    lane = s.lanes[0]
    traces = lane.traces
    assert all(type(deque.__getitem__(traces, i)) is tuple for i in range(len(traces)))
    last = traces[-1]
    assert isinstance(last, StepTrace) and last.t == 20 and traces[-1] is last
    assert [tr.t for tr in reversed(traces)] == list(range(20, 0, -1))
    assert [tr.t for tr in traces] == list(range(1, 21))
    assert all(type(deque.__getitem__(traces, i)) is StepTrace for i in range(len(traces)))
    s.step(5)
    twin = copy.deepcopy(lane)
    assert [tr.t for tr in twin.traces] == list(range(1, 26))
    for a, b in zip(lane.traces, twin.traces):
        assert list(a.values) == list(b.values)
        for key in a.values:
            assert bits(a.values[key]) == bits(b.values[key])
    assert lane.trace_at(23).values["delta"].tolist() == traces[22].values["delta"].tolist()
