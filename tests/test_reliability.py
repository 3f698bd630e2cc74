"""Hostile input in every field, and quitting in the middle of a save."""

import json

import pytest
from PySide6.QtWidgets import QLineEdit

from gdplay.engine.optimizers import optimizer_names
from gdplay.engine.session import LaneConfig
from gdplay.present import Step

BAD_TEXT = ["abc", "1e999", "nan", "-inf", "1/0", "__import__('os')", "0x10", "1,2,3,4"]


@pytest.mark.parametrize("optimizer", optimizer_names())
def test_every_typed_field_of_every_optimizer_refuses_bad_text(qtbot, window, optimizer):
    w = window
    w.controls.set_lanes([LaneConfig(optimizer, {})])
    qtbot.waitUntil(lambda: w.snapshot.lanes[0].optimizer == optimizer, timeout=10_000)
    form = w.controls.hparam_form
    before = dict(form.values())
    fields = [n for n in before if isinstance(form.editor(n), QLineEdit)]
    assert fields
    for name in fields:
        edit = form.editor(name)
        original = edit.text()
        for text in BAD_TEXT:
            edit.setText(text)
            edit.editingFinished.emit()
            # refused, saying which field (isHidden: a just-built form shows a moment later)
            assert not form.message.isHidden(), (name, text)
            assert name in form.message.text()
            assert form.values()[name] == before[name]  # the engine never got it
        edit.setText(original)
        edit.editingFinished.emit()
        assert form.message.isHidden()
    w.send(Step(1))
    qtbot.waitUntil(lambda: w.snapshot.step == 1, timeout=10_000)
    assert all(l.status == "running" for l in w.snapshot.lanes)


@pytest.mark.parametrize("problem", ["rosenbrock", "mlp", "custom", "reddi"])
def test_every_typed_problem_option_refuses_bad_text(qtbot, window, problem):
    w = window
    w.controls.set_problem(problem)
    qtbot.waitUntil(lambda: w.snapshot.problem == problem, timeout=10_000)
    form = w.controls.options_form
    before = dict(w.controls.options)
    for name in form.values():
        edit = form.editor(name)
        if not isinstance(edit, QLineEdit) or name == "expression":
            continue
        original = edit.text()
        for text in ("abc", "-1", "1e999", "nan"):
            edit.setText(text)
            edit.editingFinished.emit()
            assert not form.message.isHidden(), (name, text)
            assert w.controls.options == before
        edit.setText(original)
        edit.editingFinished.emit()
    assert w.snapshot.problem == problem


def test_quitting_during_a_save_leaves_no_thread_and_an_intact_file(qtbot, window, tmp_path):
    w = window
    w.send(Step(50))
    qtbot.waitUntil(lambda: w.snapshot.step == 50, timeout=10_000)
    path = tmp_path / "run.gdplay"
    w.save_to(str(path))
    qtbot.waitUntil(lambda: path.exists(), timeout=10_000)
    first = path.read_bytes()
    w.send(Step(10))
    w.save_to(str(path))   # queued behind the steps...
    w.close()              # ...and the window closes at once
    assert not w.thread.isRunning()
    data = json.loads(path.read_bytes())     # either the old file or the new one, never half
    assert data["format"] == "gdplay-session"
    assert path.read_bytes() == first or data["lanes"][0]["t"] == 60
    assert [p.name for p in tmp_path.iterdir()] == ["run.gdplay"]  # no temporary file left
