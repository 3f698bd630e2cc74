"""Lessons: every file loads, runs, and opens in one click, in English and Chinese."""

import copy
import json

import pytest
from PySide6.QtGui import QAction

from gdplay.engine import make_problem
from gdplay.engine.session import Session
from gdplay.lessons import lessons_dir, load_lesson, load_lessons
from gdplay.settings import SettingsError

LESSONS, ERRORS = load_lessons()


def test_all_lessons_load_and_cover_the_syllabus():
    assert ERRORS == []
    reddi = next(l for l in LESSONS if l.id.startswith("09_"))
    assert reddi.lanes[0].hparams["betas"] == (0.0, 0.1)  # checked: a tuple, as typed in the UI
    ids = [l.id for l in LESSONS]
    for prefix in ("01_", "02_", "03_", "04_", "05_", "06_", "07_", "08_", "09_", "10_", "11_", "12_"):
        assert any(i.startswith(prefix) for i in ids), prefix
    problems = {l.problem for l in LESSONS}
    assert {"quartic", "quadratic1d", "chain_rule", "mlp", "quadratic", "quadratic_rotated", "saddle",
            "rosenbrock", "reddi", "booth", "six_hump_camel", "himmelblau"} <= problems
    seed_five = next(l for l in LESSONS if l.id.startswith("07_"))
    assert {lane.optimizer for lane in seed_five.lanes} == {"sgd", "adam", "adamw", "amsgrad", "admm_adam"}


@pytest.mark.parametrize("lesson", LESSONS, ids=[l.id for l in LESSONS])
def test_each_lesson_runs_and_speaks_both_languages(lesson):
    for what in ("title", "explanation"):
        assert lesson.text(what, "en") and lesson.text(what, "zh_TW")
        assert lesson.text(what, "en") != lesson.text(what, "zh_TW")
    assert "鎖鏈率" not in lesson.text("explanation", "zh_TW")  # the seed's typo for 連鎖律
    s = Session(make_problem(lesson.problem, **lesson.options), copy.deepcopy(list(lesson.lanes)),
                lesson.start)
    s.step(50)
    assert all(lane.t >= 1 for lane in s.lanes)


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(format=2), "format must be 1"),
    (lambda d: d.pop("problem"), "problem is missing"),
    (lambda d: d["lanes"][0]["hparams"].update(lr=-1), "lanes[0]: sgd lr = -1 is not allowed"),
    (lambda d: d["title"].pop("zh_TW"), "title.zh_TW must be a non-empty text"),
    (lambda d: d.update(problem="nope"), "unknown problem 'nope'"),
    (lambda d: d.update(start=[1, 2, 3]), "needs 1 values"),
])
def test_a_damaged_lesson_is_refused_with_a_message(tmp_path, change, message):
    data = json.loads((lessons_dir() / "01_convex_nonconvex.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_lesson(path)


def test_a_damaged_file_among_lessons_is_reported_not_fatal(tmp_path):
    (tmp_path / "a.json").write_bytes(b"\x00\xff not json")
    good = (lessons_dir() / "02_learning_rate.json").read_text(encoding="utf-8")
    (tmp_path / "b.json").write_text(good, encoding="utf-8")
    lessons, errors = load_lessons(tmp_path)
    assert [l.id for l in lessons] == ["02_learning_rate"]
    assert len(errors) == 1 and "a.json" in errors[0]


@pytest.mark.parametrize("lesson", LESSONS, ids=[l.id for l in LESSONS])
def test_each_lesson_opens_in_one_click(qtbot, window, lesson):
    w = window
    w.findChild(QAction, f"lesson_{lesson.id}").trigger()
    names = [l.name for l in lesson.lanes]
    qtbot.waitUntil(lambda: w.snapshot.problem == lesson.problem
                    and [l.name for l in w.snapshot.lanes] == names and w.snapshot.step == 0,
                    timeout=10_000)
    if lesson.start is not None:
        assert list(w.snapshot.lanes[0].w) == list(lesson.start)
    assert w.lesson_dock.isVisible()
    w.lesson_panel.set_language("zh_TW")
    assert w.lesson_panel.title.text() == lesson.title["zh_TW"]
    w.lesson_panel.set_language("en")
    assert w.lesson_panel.text.toPlainText() == lesson.explanation["en"]
    w.findChild(QAction, "action_step10").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 10 or any(l.status == "diverged" for l in w.snapshot.lanes),
                    timeout=10_000)
