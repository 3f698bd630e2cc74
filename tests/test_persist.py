"""Saving and loading sessions: exact continuation, atomic saves, hostile files refused."""

import json
import os

import numpy as np
import pytest

from gdplay.engine import make_problem
from gdplay.engine.session import Breakpoint, LaneConfig, Session
from gdplay.persist import (MAX_FILE_BYTES, _table, load_session, save_session,
                            session_to_dict)
from gdplay.present import Step
from gdplay.settings import SettingsError


def make():
    p = make_problem("mlp", dataset="sine", hidden=(4, 4), activation="tanh", n_samples=40,
                     batch_size=8, noise=0.01)
    return Session(p, [LaneConfig("adam", dict(lr=0.02)),
                       LaneConfig("admm_adam", dict(inner_steps=3, regularizer="l1")),
                       LaneConfig("sgd", dict(lr=0.05, momentum=0.9),
                                  schedule={"kind": "cosine", "t_max": 200})],
                   checkpoint_every=25)


def test_a_loaded_session_continues_exactly_and_can_go_back(tmp_path):
    straight = make()
    straight.step(40)
    straight.lanes[0].set_hparams(lr=0.005)
    straight.step(60)
    s = make()
    s.step(40)
    s.lanes[0].set_hparams(lr=0.005)
    s.step(30)
    path = tmp_path / "run.gdplay"
    save_session(path, s, [Breakpoint("loss_below", 0.01, "adam")])
    loaded, bps = load_session(path)
    assert bps[0].kind == "loss_below" and bps[0].value == 0.01 and bps[0].lane == "adam"
    assert [l.name for l in loaded.lanes] == ["adam", "admm_adam", "sgd"]
    loaded.step(30)
    for a, b in zip(straight.lanes, loaded.lanes):
        np.testing.assert_array_equal(a.w, b.w)
        np.testing.assert_array_equal(a.history.rows, b.history.rows)
    # going back before the save replays from step 0, with the lr change at step 40
    loaded.restore(55)
    reference = make()
    reference.step(40)
    reference.lanes[0].set_hparams(lr=0.005)
    reference.step(15)
    np.testing.assert_array_equal(loaded.lanes[0].w, reference.lanes[0].w)


def test_saving_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "run.gdplay"
    s = make()
    save_session(path, s)
    before = path.read_bytes()
    s.step(5)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SettingsError, match="cannot save"):
        save_session(path, s)
    assert path.read_bytes() == before                     # the previous file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["run.gdplay"]  # no temporary file left


def test_a_read_only_or_missing_folder_gives_a_message(tmp_path):
    with pytest.raises(SettingsError, match="cannot save"):
        save_session(tmp_path / "missing" / "run.gdplay", make())


def _valid(tmp_path):
    s = make()
    s.step(10)
    return session_to_dict(s)


@pytest.mark.parametrize("content,message", [
    (b"", "not valid JSON"),
    (b"\x00\x01\x02binary\xff", "not valid JSON"),
    (b'{"format": "gdplay-session", "version": 1, "lanes": [', "not valid JSON"),
    (b"[1, 2, 3]", "must be a dict"),
    (b'{"format": "something-else"}', "not a gdplay session"),
    (b'{"format": "gdplay-session", "version": 99}', "version 99 is not supported"),
])
def test_damaged_or_foreign_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.gdplay"
    path.write_bytes(content)
    with pytest.raises(SettingsError, match=message):
        load_session(path)


@pytest.mark.parametrize("change,message", [
    (lambda d: d["lanes"][0].update(w=[1.0, 2.0]), r"lanes\[0\].w must hold"),
    (lambda d: d["lanes"][1].update(optimizer="nadam"), "unknown optimizer"),
    (lambda d: d["lanes"][0].update(t="ten"), r"lanes\[0\].t must be a int"),
    (lambda d: d["lanes"][0]["hparams"].update(lr=-5), "lr = -5 is not allowed"),
    (lambda d: d["lanes"][0].update(status="flying"), "status must be"),
    (lambda d: d["lanes"][0].update(history=_table(np.array([[0, 1.0, 2.0], [0, 1.0, 2.0]]))),
     "steps must increase"),
    (lambda d: d["lanes"][0].update(history=[[0, 1.0, 2.0]]), r"history must be a dict"),
    (lambda d: d["lanes"][0]["history"].update(f64="not base64!"), r"history\.f64 does not hold"),
    (lambda d: d["lanes"][0]["history"].update(
        f64="!" + "A" * (len(d["lanes"][0]["history"]["f64"]) - 1)), r"history\.f64 is not base64"),
    (lambda d: d["lanes"][0]["history"].update(rows=10 ** 9), r"history\.rows must be from 0"),
    (lambda d: d["lanes"][0]["history"].update(cols=4), r"history\.cols must be 3"),
    (lambda d: d["lanes"][0]["history"].update(rows=True), r"history\.rows must be a int"),
    (lambda d: d["lanes"][0]["param_history"].pop("f64"), r"param_history\.f64 is missing"),
    (lambda d: d["lanes"][0]["optimizer_state"]["state"].update(
        exp_avg={"__array__": [1.0]}), r"state\.exp_avg: needs 24 numbers \(one a parameter\), got 1"),
    (lambda d: d.update(problem="nope"), "unknown problem"),
    (lambda d: d.update(lanes=[]), "every lane"),
])
def test_wrong_fields_are_refused_with_the_field_named(tmp_path, change, message):
    data = _valid(tmp_path)
    change(data)
    path = tmp_path / "bad.gdplay"
    path.write_text(json.dumps(data))
    with pytest.raises(SettingsError, match=message):
        load_session(path)


def test_a_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.gdplay"
    with open(path, "wb") as f:  # sparse: nothing is written but its last byte
        f.seek(MAX_FILE_BYTES)
        f.write(b"0")
    with pytest.raises(SettingsError, match="too large"):
        load_session(path)


def test_save_and_open_in_the_window(qtbot, window, tmp_path):
    from gdplay.engine.session import LaneConfig as LC
    w = window
    w.controls.set_problem("booth")
    w.controls.set_lanes([LC("adam", dict(lr=0.1)), LC("sgd", dict(lr=0.01))])
    qtbot.waitUntil(lambda: w.snapshot.problem == "booth" and len(w.snapshot.lanes) == 2,
                    timeout=10_000)
    w.send(Step(25))
    qtbot.waitUntil(lambda: w.snapshot.step == 25, timeout=10_000)
    saved_w = [l.w.copy() for l in w.snapshot.lanes]
    path = tmp_path / "class.gdplay"
    w.save_to(str(path))
    qtbot.waitUntil(lambda: path.exists() and w.current_file == str(path), timeout=10_000)
    # something else, then open the file again
    w.controls.set_problem("rosenbrock")
    qtbot.waitUntil(lambda: w.snapshot.problem == "rosenbrock", timeout=10_000)
    w.open_from(str(path))
    qtbot.waitUntil(lambda: w.snapshot.problem == "booth" and w.snapshot.step == 25, timeout=10_000)
    for lane, expected in zip(w.snapshot.lanes, saved_w):
        np.testing.assert_array_equal(lane.w, expected)
    assert w.controls.problem == "booth" and [l.name for l in w.controls.lanes] == ["adam", "sgd"]
    assert w.recent_menu.actions()[0].text() == str(path)
    # a damaged file: a message, and the session stays as it was
    bad = tmp_path / "bad.gdplay"
    bad.write_text("{ not json")
    w.open_from(str(bad))
    qtbot.waitUntil(lambda: "not valid JSON" in w.last_file_message, timeout=10_000)
    assert w.snapshot.problem == "booth" and w.snapshot.step == 25
    w.send(Step(1))
    qtbot.waitUntil(lambda: w.snapshot.step == 26, timeout=10_000)


def test_a_breakpoint_on_one_lane_opens_on_that_lane(qtbot, window, tmp_path):
    # the breakpoints' lane box said "any lane" while the worker watched one lane only
    from gdplay.engine import make_problem
    from gdplay.engine.session import Breakpoint, LaneConfig as LC, Session
    w = window
    s = Session(make_problem("booth"), [LC("adam", dict(lr=0.1)), LC("sgd", dict(lr=0.01))])
    path = tmp_path / "watch.gdplay"
    save_session(path, s, [Breakpoint("loss_below", 0.5, "sgd")])
    w.open_from(str(path))
    qtbot.waitUntil(lambda: w.snapshot.problem == "booth", timeout=10_000)
    qtbot.waitUntil(lambda: w.inspector.bp_lane.count() == 3, timeout=10_000)
    assert w.inspector.bp_lane.currentData() == "sgd"
    assert w.inspector.bp_checks["loss_below"].isChecked()
    assert w.inspector.breakpoints()[0].lane == "sgd"


def test_a_file_too_large_for_memory_is_reported(qtbot, window, tmp_path, monkeypatch):
    import gdplay.present.presenter as presenter_module

    def no_memory(path):
        raise MemoryError
    monkeypatch.setattr(presenter_module, "load_session", no_memory)
    w = window
    w.open_from(str(tmp_path / "big.gdplay"))
    qtbot.waitUntil(lambda: "not enough memory" in w.last_file_message, timeout=10_000)
    assert w.snapshot.problem == "rosenbrock"
