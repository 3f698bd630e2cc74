"""The presenter without Qt: what it imports, the snapshots it makes (loss curves and paths
decimated), the map's policy, inspections, runs that go stale, and the unsaved mark."""

import dataclasses
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdplay.engine import landscape as ls
from gdplay.engine import make_problem
from gdplay.engine.session import Breakpoint, LaneConfig, Session
from gdplay.run_settings import RunSettings
from gdplay.present import (Configure, Failed, Presenter, Refused, Step,
                            commands)
from gdplay.present.curves import CURVE_POINTS, decimate_curve, stride, thin_path
from gdplay.present.landscape import SliceJob
from gdplay.settings import SettingsError


def test_the_presenter_imports_no_qt():
    code = ("import sys, gdplay.present, gdplay.present.presenter; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'pyqtgraph', 'shiboken6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def _presenter(problem="rosenbrock", options=None, lanes=None, **kw) -> Presenter:
    p = Presenter()
    p.configure(RunSettings(problem, options or {},
                              lanes or [LaneConfig("adam", dict(lr=0.01))], **kw))
    return p


def _stepped(p: Presenter, n: int):
    taken, hits, error = p.step(n, trace=True)
    assert error is None
    return taken, hits


def test_commands_are_frozen_values():
    cmd = Step(3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cmd.n = 4
    assert Step(3) == Step(3) and Configure(RunSettings()) == Configure(RunSettings())
    assert {name for name in commands.__all__} >= {"Run", "Pause", "Fork", "Shutdown"}


def test_a_bad_config_is_refused_and_changes_nothing():
    p = _presenter()
    session, run = p.session, p.run
    with pytest.raises(Refused, match="unknown"):
        p.configure(RunSettings("no_such_problem"))
    with pytest.raises(Refused):
        p.configure(RunSettings("rosenbrock", {}, [LaneConfig("adam", dict(lr=-1.0))]))
    assert p.session is session and p.run == run


def test_a_snapshot_copies_the_session_and_carries_its_run():
    p = _presenter(lanes=[LaneConfig("adam", dict(lr=0.01), color="#123456"),
                          LaneConfig("sgd", dict(lr=1e-3))])
    _stepped(p, 5)
    snap = p.snapshot(7, True, 123.0)
    assert (snap.serial, snap.step, snap.running, snap.steps_per_second) == (7, 5, True, 123.0)
    assert (snap.problem, snap.kind, snap.run) == ("rosenbrock", "2d", p.run)
    assert [l.name for l in snap.lanes] == ["adam", "sgd"]
    adam = snap.lanes[0]
    assert adam.color == "#123456" and adam.t == 5 and adam.loss_final == len(adam.loss_steps)
    np.testing.assert_array_equal(adam.point, p.session.lanes[0].w)
    assert adam.w is not p.session.lanes[0].w  # a copy: stepping on changes nothing shown
    w = adam.w.copy()
    _stepped(p, 1)
    np.testing.assert_array_equal(adam.w, w)
    assert adam.trajectory.shape[1] == 2 and adam.last_lr == 0.01
    assert snap.data_x is None and adam.prediction is None and adam.drawing is None


@pytest.mark.parametrize("regularizer", ["l1", "box", "l2_ball", "ridge"])
def test_an_admm_lane_shows_z_and_u_a_networks_snapshot_its_predictions(regularizer):
    p = _presenter(lanes=[LaneConfig("admm_adam", dict(lr=0.01, regularizer=regularizer))])
    _stepped(p, 3)
    admm = p.snapshot(1, False, 0.0).lanes[0].drawing
    st_ = p.session.lanes[0].optimizer.state
    np.testing.assert_array_equal(admm["points"]["z"], st_["z"])
    np.testing.assert_array_equal(admm["points"]["z_plus_u"], st_["z"] + st_["u"])
    assert admm["markers"] == ("z",) and admm["segments"] == (("z", "z_plus_u"),)
    h = p.session.lanes[0].optimizer.hparams
    assert admm["rho"] == st_["rho"] and admm["regularizer"] == h["regularizer"]
    assert admm["constraint"] == {
        "l1": {"kind": "l1", "threshold": h["lam"] / st_["rho"]},  # where the prox gives 0
        "box": {"kind": "box", "lo": h.get("lo"), "hi": h.get("hi")},
        "l2_ball": {"kind": "l2_ball", "radius": h.get("radius")}}.get(regularizer)
    np.testing.assert_array_equal(admm["records"], p.session.lanes[0].residuals.rows)
    net = _presenter("mlp", dict(hidden=(4, 4), n_samples=16), [LaneConfig("sgd", {})])
    job = net.landscape()
    assert isinstance(job, SliceJob) and net.plane is not None
    lane = net.snapshot(1, False, 0.0).lanes[0]
    assert lane.point.shape == (2,) and lane.prediction.shape == (16,)


def test_each_new_session_reset_and_start_is_a_new_run_and_old_inspections_tell():
    p = _presenter()
    _stepped(p, 4)
    before = p.inspect("adam", 4)
    assert before.run == p.run and before.step == 4 and before.trace is not None
    runs = [p.run]
    p.reset()
    runs.append(p.run)
    p.set_start([0.5, 0.5])
    runs.append(p.run)
    p.configure(RunSettings("booth", {}, [LaneConfig("sgd", {})]))
    runs.append(p.run)
    assert len(set(runs)) == 4 and before.run != p.run  # a view can tell it is stale
    with pytest.raises(Refused):  # a start beyond the bound is refused; the run stays
        p.set_start([1e308, 1e308])
    assert p.run == runs[-1] and p.settings.start is None


def test_an_inspection_lists_the_chain_rule_where_the_problem_has_one():
    chain = _presenter("chain_rule", lanes=[LaneConfig("sgd", dict(lr=0.1))])
    _stepped(chain, 2)
    ins = chain.inspect("sgd", 2)
    assert ins.chain and ins.parameter_names == ("x",)
    start = chain.inspect("sgd", 0)  # step 0: no trace, the start's values
    assert start.trace is None and start.step == 0
    np.testing.assert_array_equal(start.params, chain.session.start)
    net = _presenter("mlp", dict(hidden=(4, 4), n_samples=16), [LaneConfig("sgd", {})])
    net.landscape()
    _stepped(net, 1)
    ins = net.inspect("sgd", 1)
    assert ins.chain and ins.groups and ins.point.shape == (2,)
    flat = _presenter()
    _stepped(flat, 1)
    assert flat.inspect("adam", 1).chain == ()
    assert flat.inspect("adam", 99).step == 1  # beyond the lane: its last step
    assert flat.inspect("nobody", 1) is None


def test_a_step_that_raises_is_reported_not_raised(monkeypatch):
    p = _presenter()
    lane = p.session.lanes[0]

    def broken(*args, **kwargs):
        raise ZeroDivisionError("inside a step")
    monkeypatch.setattr(lane.optimizer, "step", broken)
    monkeypatch.setattr(lane.optimizer, "step_floats", broken, raising=False)
    taken, hits, error = p.step(3, trace=True)
    assert error.startswith("ZeroDivisionError: inside a step in adam (step 0)")
    assert hits == []


def test_a_breakpoint_stops_the_steps_and_says_where():
    p = _presenter()
    p.set_breakpoints([Breakpoint("step", 7, "adam")])
    taken, hits = _stepped(p, 50)
    assert taken == 7 and hits and hits[0].lane == "adam" and hits[0].step == 7


def test_the_unsaved_mark_follows_changes_saves_and_files(tmp_path):
    p = _presenter()
    assert not p.modified  # the window's first setting is not the user's change
    _stepped(p, 2)
    assert p.modified
    path = str(tmp_path / "a.gdplay")
    p.save(path)
    assert not p.modified
    auto = str(tmp_path / "auto.gdplay")
    assert p.autosave(auto)  # changed since no autosave yet
    assert not p.autosave(auto)  # nothing changed since
    p.set_hparams("adam", {"lr": 0.02})
    assert p.modified and p.autosave(auto)
    config, breakpoints = p.load(auto, restored=True)  # never saved by the user
    assert p.modified and config.problem == "rosenbrock" and breakpoints == []
    config, _ = p.load(path, restored=False)
    assert not p.modified and p.session.step_count == 2
    with pytest.raises(SettingsError):
        p.load(str(tmp_path / "missing.gdplay"), restored=False)
    assert p.session.step_count == 2


def test_going_back_replays_and_a_failed_replay_is_reported(monkeypatch):
    p = _presenter()
    _stepped(p, 10)
    p.continue_from(4)
    assert p.session.step_count == 4

    def broken(k):
        raise RuntimeError("bad history")
    monkeypatch.setattr(p.session, "restore", broken)
    with pytest.raises(Failed, match="RuntimeError while going back to step 3: bad history"):
        p.continue_from(3)


def test_a_fork_adds_a_lane_to_the_settings():
    p = _presenter()
    _stepped(p, 6)
    twin = p.fork("adam", 3, {"lr": 0.05})
    assert twin.hparams["lr"] == 0.05 and len(p.session.lanes) == 2
    assert p.settings.lanes[-1].name == twin.name
    with pytest.raises(Refused):
        p.fork("nobody", 3, None)
    with pytest.raises(Refused, match="no lane"):
        p.check_gradient("nobody")
    assert set(p.check_gradient("adam"))


# --- the map's policy ----------------------------------------------------------------------

def test_a_map_whose_values_crowd_at_the_bottom_is_coloured_on_a_log_scale():
    rosen = _presenter().landscape()
    assert rosen.kind == "2d" and rosen.log_scale and rosen.segments.size
    assert rosen.zmin == pytest.approx(0.0, abs=1e-3)
    quad = _presenter("quadratic").landscape()
    assert quad.kind == "2d" and not quad.log_scale
    one = _presenter("quadratic1d", lanes=[LaneConfig("sgd", {})]).landscape()
    assert one.kind == "1d" and one.z is None and one.minima.shape[1] == 1


def test_a_networks_map_in_pieces_is_the_map_made_at_once():
    p = _presenter("mlp", dict(hidden=(8, 8), n_samples=64), [LaneConfig("sgd", {})])
    job = p.landscape()
    job.per_piece = 100  # many pieces
    progress = []
    data = None
    while data is None:
        data = job.advance()
        progress.append(job.progress)
    assert len(progress) == math.ceil(41 * 41 / 100) and progress[-1] == 1.0
    plane = ls.filter_normalized_plane(p.session.problem, p.session.start, seed=0)
    a = np.linspace(-1.0, 1.0, 41)
    direct = ls.slice_grid(p.session.problem, plane, a, a).z
    assert data.kind == "slice" and data.zmin == np.nanmin(direct)
    p.landscape_shown(data)
    assert p.path_cell == pytest.approx(2.0 / 2000)


def test_a_pca_slice_needs_a_path_and_a_refused_one_keeps_no_plane():
    p = _presenter("mlp", dict(hidden=(4, 4), n_samples=16), [LaneConfig("sgd", {})],
                   slice={"kind": "pca"})
    with pytest.raises(Refused, match="PCA"):
        p.landscape()
    assert p.plane is None
    _stepped(p, 5)
    assert isinstance(p.landscape(), SliceJob) and p.plane is not None
    p.set_slice({"kind": "axes", "i": 0, "j": 3})
    job = p.landscape()
    assert job.labels == p.plane.labels


# --- curves and paths (moved from test_frame_pacing) ----------------------------------------

def test_a_thinned_path_keeps_its_ends_and_stays_within_a_cell_of_every_point():
    rng = np.random.default_rng(0)
    slow = np.cumsum(rng.normal(0, 1e-4, (5000, 2)), axis=0)  # crawling: most points go
    cell = 1e-3
    thin = thin_path(slow, cell)
    assert 2 < len(thin) < len(slow) // 5
    np.testing.assert_array_equal(thin[0], slow[0])
    np.testing.assert_array_equal(thin[-1], slow[-1])
    # every dropped point shares its cell with the last kept point before it
    kept = {tuple(p) for p in thin}
    last = None
    for p in slow:
        if tuple(p) in kept:
            last = p
        else:
            assert np.all(np.floor(p / cell) == np.floor(last / cell))
    fast = rng.normal(0, 1, (500, 2))  # every point in a cell of its own: nothing goes
    assert len(thin_path(fast, cell)) == 500



@given(st.integers(1, 3000), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.01, 0.3]))
def test_a_decimated_loss_curve_keeps_each_buckets_lowest_and_highest_finite_value(
        size, seed, bad):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(size) * 10.0 ** rng.integers(-3, 300)  # sums may overflow
    spoil = rng.random(size) < bad
    values[spoil] = rng.choice([np.nan, np.inf, -np.inf], spoil.sum())
    hist = np.column_stack([np.arange(size, dtype=float), values, np.zeros(size)])
    steps, kept = decimate_curve(hist[:, 0], hist[:, 1], 200)  # a strided column, as live
    if size <= 200:
        np.testing.assert_array_equal(steps, hist[:, 0])
        return
    width = 1 << math.ceil(math.log2(size / 100))  # a power of two, at most 100 buckets
    buckets = size // width
    assert 50 <= buckets <= 100
    m = buckets * width
    assert len(steps) == 2 * buckets + size - m  # two a bucket, then the rows past them
    np.testing.assert_array_equal(kept, values[steps.astype(int)])
    np.testing.assert_array_equal(steps[2 * buckets:], np.arange(m, size))
    for b in range(buckets):
        bucket = values[b * width:(b + 1) * width]
        pair = steps[2 * b:2 * b + 2].astype(int) - b * width
        assert 0 <= pair[0] <= pair[1] < width  # in the bucket, in step order
        ok = np.isfinite(bucket)
        if ok.any():  # the lowest and the highest finite value, first occurrences
            lo = np.flatnonzero(bucket == bucket[ok].min())[0]
            hi = np.flatnonzero(bucket == bucket[ok].max())[0]
            assert sorted((lo, hi)) == sorted(pair.tolist())



@given(st.lists(st.integers(1, 700), min_size=1, max_size=12), st.integers(0, 2**32 - 1),
       st.sampled_from([0.0, 0.05]))
def test_a_growing_loss_curve_decimated_step_by_step_is_decimated_as_a_whole(chunks, seed, bad):
    """The picks of whole buckets carried from one snapshot to the next (``kept``) give
    what decimating the whole history again gives, as the history grows and the bucket
    size doubles."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(sum(chunks)) * 10.0 ** rng.integers(-3, 300)
    spoil = rng.random(values.size) < bad
    values[spoil] = rng.choice([np.nan, np.inf, -np.inf], spoil.sum())
    steps = np.arange(values.size, dtype=float)
    kept: dict = {}
    size = 0
    for chunk in chunks:
        size += chunk
        a = decimate_curve(steps[:size], values[:size], 200, kept)
        b = decimate_curve(steps[:size], values[:size], 200)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])



def test_snapshots_follow_a_history_that_is_thinned_and_cut_back():
    """The presenter keeps each lane's curve picks only while its history just grows: after
    the history is thinned (decimated), cut back (restore) or cleared (reset), a snapshot's
    curve is the whole history's again."""
    presenter = Presenter()

    def session(capacity):
        presenter.use_session(Session(make_problem("rosenbrock"), [
            LaneConfig("adam", dict(lr=0.01)), LaneConfig("sgd", dict(lr=1e-3))],
            history_capacity=capacity))
        return presenter.session

    def check():
        s = presenter.session
        snap = presenter.snapshot(0, False, 0.0)
        for lane, shown in zip(s.lanes, snap.lanes):
            rows = lane.history.rows
            steps, values = decimate_curve(rows[:, 0], rows[:, 1], CURVE_POINTS)
            np.testing.assert_array_equal(shown.loss_steps, steps)
            np.testing.assert_array_equal(shown.loss_values, values)

    s = session(4096)
    for n in (1500, 300, 1700, 900, 2000):  # thinned at 4096 rows
        s.step(n, trace=False)
        check()
    assert s.lanes[0].history.decimations > 0
    # cut back, then grown past where it was with other numbers (the same numbers again
    # would not tell a stale curve from a fresh one); then cleared and grown again
    s = session(1 << 17)
    s.step(3000, trace=False)
    check()
    s.restore(2000)
    for lane in s.lanes:
        lane.set_hparams(lr=lane.optimizer.hparams["lr"] * 3)
    s.step(2000, trace=False)
    check()
    s.reset(start=np.array([0.5, -0.5]))
    s.step(4500, trace=False)
    check()



def test_a_snapshots_final_loss_points_come_again_in_the_next_while_the_history_grows():
    """``loss_final`` (what the loss view caches) holds: the next snapshot starts with those
    points, as long as the curve's bucket size stays."""
    presenter = Presenter()
    presenter.use_session(Session(make_problem("rosenbrock"), [
        LaneConfig("adam", dict(lr=0.01))], history_capacity=1 << 17))
    s = presenter.session

    def bucket_size():
        rows = len(s.lanes[0].history.rows)
        if rows <= CURVE_POINTS:
            return 0
        return 1 << math.ceil(math.log2(rows / (CURVE_POINTS // 2)))

    before, size, repeated = None, None, 0
    for n in [97] * 20 + [1009] * 20:
        s.step(n, trace=False)
        shown = presenter.snapshot(0, False, 0.0).lanes[0]
        assert 0 < shown.loss_final <= len(shown.loss_steps)
        if before is not None and bucket_size() == size:
            k = before.loss_final
            np.testing.assert_array_equal(shown.loss_steps[:k], before.loss_steps[:k])
            np.testing.assert_array_equal(shown.loss_values[:k], before.loss_values[:k])
            repeated += 1
        before, size = shown, bucket_size()
    assert repeated >= 30 and size > 1  # the bucketed curve checked, not only a short one



def test_strided_rows_stay_picked_as_rows_are_appended_until_the_stride_doubles():
    rows = np.arange(20_000, dtype=float)[:, None] * [1.0, -1.0]
    before = stride(rows[:4100], 1000)
    for size in (4101, 4500, 7000, 8000):  # k = 8 from 4001 to 8000 rows
        after = stride(rows[:size], 1000)
        assert len(after) <= 1001
        np.testing.assert_array_equal(after[0], rows[0])
        np.testing.assert_array_equal(after[-1], rows[size - 1])  # the current point
        np.testing.assert_array_equal(after[:len(before) - 1], before[:-1])
        before = after
    assert len(stride(rows[:999], 1000)) == 999  # short histories whole




def test_the_settings_follow_the_session_and_refuse_what_does_not_validate():
    p = _presenter(lanes=[LaneConfig("adam", dict(lr=0.01)), LaneConfig("sgd", dict(lr=0.1))])
    assert isinstance(p.settings, RunSettings) and [l.name for l in p.settings.lanes] == [
        "adam", "sgd"]
    p.set_hparams("adam", {"lr": 0.02})
    assert p.settings.lanes[0].hparams["lr"] == 0.02
    assert p.set_color("sgd", "#123456") and p.session.lane("sgd").config.color == "#123456"
    assert p.settings.lanes[1].color == "#123456" and not p.set_color("nobody", "#000000")
    p.set_enabled("sgd", False)
    assert p.settings.lanes[1].enabled is False
    p.set_start([0.5, -0.5])
    assert p.settings.start == (0.5, -0.5)
    session = p.session
    with pytest.raises(Refused, match=r"^lanes\[0\].color must be a colour"):  # no "settings:"
        p.configure(RunSettings("rosenbrock", {}, [LaneConfig("adam", {}, color="red")]))
    assert p.session is session


def test_every_lane_has_its_own_colour_in_the_session(tmp_path):
    from gdplay.run_settings import PALETTE
    p = _presenter(lanes=[LaneConfig("adam", {}), LaneConfig("sgd", {}, color=PALETTE[0])])
    assert [l.config.color for l in p.session.lanes] == [PALETTE[1], PALETTE[0]]
    _stepped(p, 4)
    p.fork("adam", 2, None)
    assert p.session.lanes[-1].config.color == PALETTE[2]  # free, not the source's
    # a file whose lanes have no colour opens with colours by the same rule
    path = tmp_path / "s.gdplay"
    for lane in p.session.lanes:
        lane.config.color = None
    p.save(str(path))
    q = Presenter()
    settings, _ = q.load(str(path), restored=False)
    assert [l.color for l in settings.lanes] == list(PALETTE[:3])
    with pytest.raises(Refused, match="must be a colour"):
        q.set_color("adam", "red")
