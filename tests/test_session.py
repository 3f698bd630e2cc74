"""Sessions: fair lockstep races, divergence, bounded history, exact restore by replay."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdplay.engine import make_problem, problem_names
from gdplay.engine.optimizers import optimizer_names, optimizer_spec
from gdplay.engine.session import Breakpoint, DecimatingBuffer, LaneConfig, Session


def rosenbrock_race():
    return Session(make_problem("rosenbrock"), [
        LaneConfig("adam", dict(lr=0.01)),
        LaneConfig("sgd", dict(lr=1e-4, momentum=0.9)),
        LaneConfig("sgd", dict(lr=10.0)),
    ])


def test_lanes_step_in_lockstep_and_a_diverging_lane_stops_alone():
    s = rosenbrock_race()
    assert [l.name for l in s.lanes] == ["adam", "sgd", "sgd #2"]
    s.step(50)
    adam, sgd, wild = s.lanes
    assert adam.t == sgd.t == 50 == s.step_count
    assert wild.status == "diverged" and wild.t < 50
    assert wild.status_text().startswith(f"diverged at step {wild.diverged_at}: ")
    assert adam.running and sgd.running
    assert adam.loss < 409.0
    assert adam.history.rows.shape == (51, 3)
    np.testing.assert_array_equal(adam.history.rows[:, 0], np.arange(51))
    assert adam.history.rows[0, 1] == 409.0  # step 0 is the start


@pytest.mark.parametrize("problem, options", [("rosenbrock", {}),  # steps on floats
                                              ("mlp", dict(n_samples=20, batch_size=7))])
@pytest.mark.parametrize("with_breakpoint", [False, True])
def test_tracing_only_the_last_step_of_a_batch_gives_the_traces_of_stepping_it_apart(
        problem, options, with_breakpoint):
    # the window's worker traces only the newest step of each batch, in one call
    lanes = [LaneConfig("adam", dict(lr=0.01)), LaneConfig("sgd", dict(lr=1e-4, momentum=0.9)),
             LaneConfig("sgd", dict(lr=10.0))]  # the last one diverges on Rosenbrock
    bps = [Breakpoint("step", 10_000)] if with_breakpoint else []  # never fires: lockstep
    apart = Session(make_problem(problem, **options), [LaneConfig(**vars(c)) for c in lanes])
    joined = Session(make_problem(problem, **options), [LaneConfig(**vars(c)) for c in lanes])
    for n in (1, 7, 30, 2, 300):
        apart.step(n - 1, trace=False, breakpoints=bps)
        apart.step(1, trace=True, breakpoints=bps)
        joined.step(n, trace=False, breakpoints=bps, trace_last=True)
        for a, b in zip(apart.lanes, joined.lanes):
            assert a.t == b.t and a.status == b.status
            np.testing.assert_array_equal(a.w, b.w)
            np.testing.assert_array_equal(a.history.rows, b.history.rows)
            np.testing.assert_array_equal(a.param_history.rows, b.param_history.rows)
            assert [t.t for t in a.traces] == [t.t for t in b.traces]
            for ta, tb in zip(a.traces, b.traces):
                assert list(ta.values) == list(tb.values)
                for key, value in ta.values.items():
                    np.testing.assert_array_equal(value, tb.values[key])
    if problem == "rosenbrock":
        assert joined.lanes[2].status == "diverged"
    assert len(joined.lanes[0].traces) == 5  # one a batch


def test_history_row_k_is_the_state_after_k_steps():
    s = Session(make_problem("quadratic"), [LaneConfig("sgd", dict(lr=0.01))])
    s.step(3)
    lane = s.lanes[0]
    rows = lane.param_history.rows
    w = np.array([-4.0, 1.0])
    p = s.problem
    for k in range(4):
        np.testing.assert_array_equal(rows[k, 2:], w)
        assert rows[k, 1] == p.loss(w)
        assert lane.history.rows[k, 2] == np.linalg.norm(p.grad(w))
        w = w - 0.01 * p.grad(w)


def test_every_lane_sees_the_same_noise_and_minibatches():
    p = make_problem("mlp", n_samples=20, batch_size=5, noise=0.1)
    s = Session(p, [LaneConfig("sgd", dict(lr=0.0)), LaneConfig("adam", dict(lr=0.0))])
    s.step(7)
    a, b = s.lanes
    np.testing.assert_array_equal(a.history.rows, b.history.rows)  # lr 0: same w, same data


def test_restore_step_k_and_continue_is_bit_identical():
    problem = make_problem("mlp", dataset="sine", hidden=(8, 8), activation="tanh",
                           n_samples=40, batch_size=8, noise=0.01)
    configs = lambda: [LaneConfig("adam", dict(lr=0.01)),  # noqa: E731
                       LaneConfig("admm_adam", dict(inner_steps=7, regularizer="l1")),
                       LaneConfig("sgd", dict(lr=0.05, momentum=0.9),
                                  schedule={"kind": "cosine", "t_max": 300})]
    straight = Session(problem, configs(), checkpoint_every=50)
    straight.step(300)
    replayed = Session(problem, configs(), checkpoint_every=50)
    replayed.step(260)
    replayed.restore(123)
    assert replayed.step_count == 123
    assert all(lane.traces[-1].t == 123 for lane in replayed.lanes)
    replayed.step(177)
    for a, b in zip(straight.lanes, replayed.lanes):
        np.testing.assert_array_equal(a.w, b.w)
        np.testing.assert_array_equal(a.history.rows, b.history.rows)
        np.testing.assert_array_equal(a.param_history.rows, b.param_history.rows)


def test_hyperparameter_changes_are_replayed_on_restore():
    s = Session(make_problem("rosenbrock"), [LaneConfig("adam", dict(lr=0.01))], checkpoint_every=10)
    s.step(25)
    s.lanes[0].set_hparams(lr=0.001)
    s.step(25)
    end = s.lanes[0].w.copy()
    s.restore(13)
    assert s.lanes[0].optimizer.hparams["lr"] == 0.01
    s.step(12)
    assert s.lanes[0].optimizer.hparams["lr"] == 0.01  # the change at 25 was in the future
    s.lanes[0].set_hparams(lr=0.001)
    s.step(25)
    np.testing.assert_array_equal(s.lanes[0].w, end)


def test_two_hyperparameter_changes_at_one_step_are_both_replayed():
    # the controls send each edited field as its own call: both must survive in the log
    s = Session(make_problem("rosenbrock"), [LaneConfig("sgd", dict(lr=1e-4))],
                checkpoint_every=10)
    s.step(25)
    s.lanes[0].set_hparams(lr=5e-4)
    s.lanes[0].set_hparams(momentum=0.5)
    s.step(20)
    end = s.lanes[0].w.copy()
    s.restore(28)
    assert s.lanes[0].optimizer.hparams["lr"] == 5e-4
    assert s.lanes[0].optimizer.hparams["momentum"] == 0.5
    s.step(17)
    np.testing.assert_array_equal(s.lanes[0].w, end)
    # and a step's trace replayed from a checkpoint uses both
    tr = s.lanes[0].trace_at(27)
    assert tr.lr == 5e-4 and "buf" in tr.values


def test_restore_returns_when_a_lane_is_switched_off():
    import threading

    s = rosenbrock_race()
    s.step(40)
    off = s.lanes[0]
    off.enabled = False
    s.step(30)  # the others go on
    done = threading.Event()

    def restore():
        s.restore(20)
        done.set()

    threading.Thread(target=restore, daemon=True).start()
    assert done.wait(10), "restore(k) never returned with a lane switched off"
    assert off.t == 20 and not off.enabled
    straight = rosenbrock_race()
    straight.step(20)
    np.testing.assert_array_equal(off.w, straight.lanes[0].w)


def test_a_changed_rho_is_the_admm_penalty_from_the_next_step_with_rho_u_unchanged():
    s = Session(make_problem("quadratic"), [LaneConfig("admm_adam", dict(lr=0.05, rho=1.0,
                                                                         inner_steps=5))])
    s.step(12)  # two outer updates: u is not zero
    st = s.lanes[0].optimizer.state
    scaled_dual = st["rho"] * st["u"]
    assert np.any(scaled_dual != 0)
    s.lanes[0].set_hparams(rho=4.0)
    st = s.lanes[0].optimizer.state
    assert st["rho"] == 4.0
    np.testing.assert_allclose(st["rho"] * st["u"], scaled_dual, rtol=1e-15)
    w, z, u = s.lanes[0].w.copy(), st["z"].copy(), st["u"].copy()
    s.step(1)
    tr = s.lanes[0].traces[-1]
    np.testing.assert_array_equal(tr["penalty"], 4.0 * (w - z + u))
    # restored past the change (replayed from a checkpoint), the same run
    s.step(6)
    end = s.lanes[0].w.copy()
    s.restore(15)
    assert s.lanes[0].optimizer.state["rho"] == 4.0
    s.step(4)
    np.testing.assert_array_equal(s.lanes[0].w, end)
    np.testing.assert_array_equal(s.lanes[0].trace_at(14)["penalty"],
                                  s.lanes[0].traces[-6]["penalty"])


def test_restoring_before_divergence_revives_the_lane():
    s = rosenbrock_race()
    s.step(30)
    wild = s.lane("sgd #2")
    assert wild.status == "diverged"
    s.restore(0)
    assert wild.status == "running" and wild.t == 0
    np.testing.assert_array_equal(wild.w, s.start)


def test_reset_and_new_start():
    s = rosenbrock_race()
    s.step(10)
    s.reset(start=[0.5, 0.5])
    assert s.step_count == 0
    for lane in s.lanes:
        np.testing.assert_array_equal(lane.w, [0.5, 0.5])
        assert lane.history.size == 1
    with pytest.raises(ValueError, match="needs 2 values"):
        s.reset(start=[1.0])
    with pytest.raises(ValueError, match="finite"):
        s.reset(start=[np.nan, 1.0])
    np.testing.assert_array_equal(s.start, [0.5, 0.5])


def test_projection_keeps_reddi_in_its_interval():
    s = Session(make_problem("reddi"), [LaneConfig("sgd", dict(lr=5.0))])
    s.step(10)
    lane = s.lanes[0]
    assert -1.0 <= lane.w[0] <= 1.0
    assert "p_projected" in lane.traces[-1]


def test_decimating_buffer_keeps_extremes_in_bounded_memory():
    buf = DecimatingBuffer(3, 64)
    rng = np.random.default_rng(0)
    losses = rng.uniform(1, 2, 10_000)
    losses[777] = 100.0
    losses[4321] = -5.0
    for k, value in enumerate(losses):
        buf.append((k, value, 0.0))
    rows = buf.rows
    assert buf.size <= 64
    assert np.all(np.diff(rows[:, 0]) > 0)            # still in step order
    assert rows[-1, 0] == 9_999                        # the newest is kept
    assert 100.0 in rows[:, 1] and -5.0 in rows[:, 1]  # spikes and dips survive
    np.testing.assert_array_equal(rows[-16:, 0], np.arange(9_984, 10_000))  # recent: full res


@pytest.mark.parametrize("n, capacity", [(400, 64), (10_000, 64), (100_000, 256)])
@pytest.mark.parametrize("shape", ["falling", "random"])
def test_a_thinned_history_covers_the_whole_run_evenly(n, capacity, shape):
    # a steadily falling loss kept steps [0, 319, 320, ...] of 400 in 64 rows: the oldest
    # history collapsed into a straight line
    rng = np.random.default_rng(n)
    losses = 1000.0 - 1e-3 * np.arange(n) if shape == "falling" else rng.uniform(1, 2, n)
    buf = DecimatingBuffer(3, capacity)
    for k, value in enumerate(losses):
        buf.append((k, value, 0.0))
    steps = buf.rows[:, 0]
    assert buf.size <= capacity and steps[0] == 0 and steps[-1] == n - 1
    assert np.all(np.diff(steps) > 0)
    # buckets of at most 2 n / (capacity / 8) steps, each keeping a row near either end
    assert np.diff(steps).max() <= 16 * n / capacity
    np.testing.assert_array_equal(steps[-capacity // 4:],
                                  np.arange(n - capacity // 4, n))  # recent: full res


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(16, 300), st.lists(st.integers(0, 900), max_size=8),
       st.booleans())
def test_extending_a_buffer_is_appending_its_rows_one_by_one(width, capacity, chunks, skip):
    # extend copies in blocks (small enough that NumPy keeps the GIL) across decimations,
    # optionally leaving a column out; the rows are those of appending each one
    rng = np.random.default_rng(width * 1000 + capacity)
    one, many = DecimatingBuffer(width, capacity), DecimatingBuffer(width, capacity)
    step = 0
    for n in chunks:
        table = rng.standard_normal((n, width + skip))
        table[:, 0] = np.arange(step, step + n)
        step += n
        kept = np.delete(table, 2, axis=1) if skip else table
        for row in kept:
            one.append(row)
        many.extend(table, skip=2 if skip else None)
        np.testing.assert_array_equal(many.rows, one.rows)
        assert many.decimations == one.decimations


def test_a_long_run_stays_bounded():
    s = Session(make_problem("rosenbrock"), [LaneConfig("adam", dict(lr=1e-3))],
                history_capacity=1024, checkpoint_every=10, max_checkpoints=16)
    s.step(20_000, trace=False)
    lane = s.lanes[0]
    assert lane.history.size <= 1024 and lane.param_history.size <= 1024
    assert len(lane._checkpoints) <= 17
    s.restore(12_345)
    assert lane.t == 12_345


@pytest.mark.parametrize("problem", [n for n in problem_names() if n not in ("mlp", "reddi")])
def test_a_step_that_overflows_stops_the_lane_with_a_reason(problem):
    # (reddi projects onto [-1, 1], it cannot leave)
    # from inside the bound, one step of lr 1e150 lands near 1e150 or beyond: x ** 2 on
    # Python floats raises OverflowError there; the lane must stop as diverged instead
    s = Session(make_problem(problem), [LaneConfig("sgd", dict(lr=1e150))])
    s.step(5)
    lane = s.lanes[0]
    assert lane.status == "diverged" and lane.reason, problem


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problem=st.sampled_from(problem_names()),
    optimizer=st.sampled_from(optimizer_names()),
    lr=st.sampled_from([0.0, 1e-12, 1e-3, 1.0, 1e3, 1e6, 1e150]),
    beta1=st.sampled_from([0.0, 0.9, 0.999999]),
    beta2=st.sampled_from([0.0, 0.999, 0.999999]),
    eps=st.sampled_from([0.0, 1e-8]),
    wd=st.sampled_from([0.0, 0.1, 10.0]),
)
def test_extreme_hyperparameters_never_raise(problem, optimizer, lr, beta1, beta2, eps, wd):
    hp = {"lr": lr}
    names = {p.name for p in optimizer_spec(optimizer).params}
    if "betas" in names:
        hp["betas"] = (beta1, beta2)
    if "eps" in names:
        hp["eps"] = eps
    if "weight_decay" in names:
        hp["weight_decay"] = wd
    options = dict(n_samples=16, hidden=(3, 3), activation="tanh") if problem == "mlp" else {}
    s = Session(make_problem(problem, **options), [LaneConfig(optimizer, hp)])
    s.step(40)
    lane = s.lanes[0]
    if lane.status == "running":
        assert np.all(np.isfinite(lane.w)) and np.isfinite(lane.loss)
        assert lane.t == 40
    else:
        assert lane.status == "diverged" and lane.reason


def _floats_in(value) -> int:
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, dict):
        return sum(_floats_in(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_floats_in(v) for v in value)
    return 0


def test_a_lane_on_a_large_network_keeps_fewer_traces_and_checkpoints_not_more_memory():
    net = make_problem("mlp", dataset="temperature", hidden=(96, 96), n_samples=32)
    budget = 1 << 18
    s = Session(net, [LaneConfig("adam", dict(lr=1e-3))], trace_floats=budget,
                checkpoint_floats=budget, checkpoint_every=1, param_history_floats=budget)
    s.step(120, trace=True)
    lane = s.lanes[0]
    assert net.dim > 9000
    assert 2 <= len(lane.traces) < 120 and len(lane.traces) == lane.traces.maxlen
    assert sum(_floats_in(tr.values) for tr in lane.traces) <= budget
    checkpoints = lane._checkpoints
    assert 4 <= len(checkpoints) and sum(_floats_in(c.w) + _floats_in(c.opt_state)
                                         for c in checkpoints) <= budget
    assert lane.param_history.capacity * net.dim <= budget or lane.param_history.capacity == 16
    # an old step is still there to inspect: replayed from a checkpoint
    old = lane.trace_at(3)
    kept = Session(net, [LaneConfig("adam", dict(lr=1e-3))], trace_floats=1 << 30)
    kept.step(3, trace=True)
    assert old.t == 3
    for key in ("g", "m", "v", "delta", "p_after"):
        np.testing.assert_array_equal(old.values[key], kept.lanes[0].traces[-1].values[key])
    # a 2D problem keeps them all
    small = Session(make_problem("rosenbrock"), [LaneConfig("adam", dict(lr=1e-3))])
    assert small.lanes[0].traces.maxlen == 256 and small.lanes[0].max_checkpoints == 256


def test_a_small_lane_on_arrays_records_the_same_history_batched_or_step_by_step():
    """With one or two parameters on the array path (ADMM-Adam), a batch of steps collects
    its history rows in a list and stores them at the end; stepping one at a time (as with
    breakpoints) stores each row at once: the same rows, bit for bit, thinning included."""
    from gdplay.engine.session import Breakpoint

    def session():
        return Session(make_problem("rosenbrock"), [LaneConfig("admm_adam", dict(lr=0.01)),
                                                    LaneConfig("admm_adam", dict(lr=1e5))],
                       history_capacity=256, param_history_floats=1024)

    batched, single = session(), session()
    assert not batched.lanes[0]._floats  # the array path
    batched.step(700)
    never = [Breakpoint("step", 10**9)]
    assert single.step(700, breakpoints=never) == []
    assert batched.lanes[0].history.decimations > 0
    assert batched.lanes[1].status == "diverged"  # stops within the batch
    for a, b in zip(batched.lanes, single.lanes):
        assert a.t == b.t and a.status == b.status
        for buf_a, buf_b in ((a.history, b.history), (a.param_history, b.param_history)):
            np.testing.assert_array_equal(buf_a.rows, buf_b.rows)


def test_a_start_beyond_the_parameter_bound_is_refused():
    # from a file, [1e308, 1e308] was accepted and every lane stopped at step 0
    with pytest.raises(ValueError, match="the start must lie within"):
        Session(make_problem("rosenbrock"), [LaneConfig("sgd")], start=[1e308, 1e308])
    s = Session(make_problem("rosenbrock"), [LaneConfig("sgd")])
    with pytest.raises(ValueError, match="the start must lie within"):
        s.reset(start=[0.0, -2e6])
    assert s.start.tolist() == make_problem("rosenbrock").x0.tolist()
