"""Traditional Chinese: every visible string is translated, the compiled file is current,
and the language switches from the menu without a restart, the run going on."""

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QAction

from gdplay.engine.problems import problem_names, problem_spec
from gdplay.engine.schedules import SCHEDULES
from gdplay.present import Step

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
sys.path.insert(0, str(I18N))
from zh_TW import ZH_TW  # noqa: E402


def messages(ts: Path):
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.find("name").text
        for m in context.iter("message"):
            yield name, m.find("source").text, m.find("translation")


def test_every_string_in_the_ts_file_is_translated():
    found = list(messages(I18N / "gdplay_zh_TW.ts"))
    assert len(found) > 100
    for context, source, translation in found:
        assert translation.get("type") is None, f"unfinished: {context}: {source}"
        assert translation.text and translation.text.strip(), f"empty: {context}: {source}"


@pytest.mark.skipif(shutil.which("pyside6-lupdate") is None, reason="pyside6-lupdate not installed")
def test_no_visible_string_in_the_sources_lacks_a_translation(tmp_path):
    ts = tmp_path / "now.ts"
    sources = sorted(str(p) for p in (ROOT / "gdplay" / "ui").glob("*.py"))
    subprocess.run(["pyside6-lupdate", *sources, "-ts", str(ts)], check=True, capture_output=True)
    missing = [f"{c}: {s}" for c, s, _ in messages(ts) if s not in ZH_TW.get(c, {})]
    assert missing == [], "run python3 resources/i18n/build.py after translating: " + "; ".join(missing)


@pytest.mark.skipif(shutil.which("pyside6-lrelease") is None, reason="pyside6-lrelease not installed")
def test_the_compiled_translation_is_current(tmp_path):
    qm = tmp_path / "now.qm"
    subprocess.run(["pyside6-lrelease", str(I18N / "gdplay_zh_TW.ts"), "-qm", str(qm)],
                   check=True, capture_output=True)
    assert qm.read_bytes() == (I18N / "gdplay_zh_TW.qm").read_bytes()


def test_names_from_the_registries_are_listed_for_translation():
    text = (ROOT / "gdplay" / "ui" / "dynamic_strings.py").read_text(encoding="utf-8")
    for name in problem_names():
        assert repr(problem_spec(name).title) in text, name
    for kind in SCHEDULES:
        assert repr(kind) in text, kind
    from gdplay.engine.optimizers import optimizer_names, optimizer_spec
    for name in problem_names():
        for p in problem_spec(name).options:
            assert repr(p.help) in text, p.help
    for name in optimizer_names():
        for p in optimizer_spec(name).params:
            assert repr(p.help) in text, p.help


def test_terms_follow_taiwanese_usage():
    everything = " ".join(t for ctx in ZH_TW.values() for t in ctx.values())
    assert "連鎖律" in everything and "鎖鏈率" not in everything
    assert "學習率" in everything and "損失" in everything and "梯度" in everything


def test_switching_language_without_a_restart(qtbot, window):
    w = window
    w.send(Step(7))
    qtbot.waitUntil(lambda: w.snapshot.step == 7, timeout=10_000)
    w.findChild(QAction, "action_language_zh_TW").trigger()
    assert w.language == "zh_TW"
    assert w.windowTitle() == "gdplay：梯度下降遊樂場[*]"  # [*]: Qt's unsaved-changes mark
    assert w.findChild(QAction, "action_run").text() == "執行"
    assert w.controls.problem_combo.currentText() == "Rosenbrock 函數"
    assert w.inspector.tabs.tabText(1) == "連鎖律"
    # the run goes on where it was
    w.findChild(QAction, "action_step").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 8, timeout=10_000)
    qtbot.waitUntil(lambda: "第 8 步" in w.status_label.text(), timeout=10_000)
    w.findChild(QAction, "action_language_en").trigger()
    assert w.windowTitle() == "gdplay: gradient descent playground[*]"
    assert w.findChild(QAction, "action_run").text() == "Run"


def test_switching_language_on_a_1d_lesson_rebuilds_everything(qtbot, window):
    # the rebuild drew a 1D snapshot on the new, empty (2D) map: IndexError half way, and
    # the controls showed Rosenbrock while the worker ran the parabola
    w = window
    lesson = next(l for l in w.lessons if l.id.startswith("01_"))
    w.open_lesson(lesson)
    qtbot.waitUntil(lambda: w.snapshot.problem == w.controls.problem
                    and w.landscape is not None and w.landscape.kind == "1d", timeout=10_000)
    problem = w.controls.problem
    w.findChild(QAction, "action_language_zh_TW").trigger()
    assert w.language == "zh_TW" and w.controls.problem == problem
    assert w.lesson_dock.isVisible()
    w.findChild(QAction, "action_step").trigger()
    qtbot.waitUntil(lambda: w.snapshot.step == 1, timeout=10_000)
    # a control still reaches the worker: a new problem is run
    w.controls.set_problem("rosenbrock", {})
    qtbot.waitUntil(lambda: w.snapshot.problem == "rosenbrock"
                    and w.landscape.kind == "2d", timeout=10_000)
    w.findChild(QAction, "action_language_en").trigger()


def test_switching_language_keeps_every_splitter_and_dock(qtbot, window):
    # the lesson dock grew from 274 to 886 px and the map shrank to a 68 px strip
    w = window
    w.resize(1400, 950)
    w.open_lesson(w.lessons[0])
    qtbot.waitUntil(lambda: w.lesson_dock.isVisible(), timeout=10_000)
    qtbot.wait(200)

    def layout():
        return (w.main_split.sizes(), w.right_split.sizes(), w.lesson_dock.width(),
                w.inspector_dock.height())
    before = layout()
    for language in ("zh_TW", "en", "zh_TW"):
        w.findChild(QAction, f"action_language_{language}").trigger()
        qtbot.wait(100)
        after = layout()
        # Chinese text is a little taller: the inspector's minimum height may differ by a line
        assert all(abs(x - y) <= 8 for x, y in zip(before[0], after[0])), (before, after)
        assert all(abs(x - y) <= 32 for x, y in zip(before[1], after[1])), (before, after)
        assert abs(before[2] - after[2]) <= 8 and abs(before[3] - after[3]) <= 32, (before, after)
    w.findChild(QAction, "action_language_en").trigger()


def test_qts_own_words_follow_the_language(qtbot, window):
    # dialog buttons and the file dialog stayed English in the Chinese interface
    from PySide6.QtWidgets import QMessageBox
    w = window
    w.findChild(QAction, "action_language_zh_TW").trigger()
    box = QMessageBox(w)
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    assert sorted(b.text() for b in box.buttons()) == sorted(["儲存", "丟棄", "取消"])
    box.deleteLater()
    w.findChild(QAction, "action_language_en").trigger()
    box = QMessageBox(w)
    box.setStandardButtons(QMessageBox.StandardButton.Cancel)
    assert [b.text() for b in box.buttons()] == ["Cancel"]
    box.deleteLater()


def test_a_language_switch_leaves_no_old_menus_or_translators(qtbot, window):
    # each switch left 5 QMenus and each switch into Chinese 2 QTranslators alive
    from PySide6.QtCore import QCoreApplication, QTranslator
    from PySide6.QtWidgets import QMenu
    w = window
    app = QCoreApplication.instance()

    def alive():
        qtbot.wait(20)  # deleteLater runs in the event loop
        return (len(w.menuBar().findChildren(QMenu)), len(app.findChildren(QTranslator)))
    w.findChild(QAction, "action_language_zh_TW").trigger()
    w.findChild(QAction, "action_language_en").trigger()
    before = alive()
    for _ in range(3):
        w.findChild(QAction, "action_language_zh_TW").trigger()
        w.findChild(QAction, "action_language_en").trigger()
    assert alive() == before
