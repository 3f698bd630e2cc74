"""A seeded random user of the real window, and the watchers that judge its run.

One run is one process: ``python3 tests/random_driver.py --seed 7 --actions 300
--seconds 15 --folder DIR`` opens gdplay's MainWindow offscreen, as the app does (its
environment, its crash handler), and acts on it as a person would: through its widgets,
its menus' actions, keys and mouse clicks, with hostile text in every typed field, the
event loop running a few milliseconds between actions. It writes DIR/result.json, and
each action to DIR/actions.log as it starts. ``run_seed`` (for the tests) starts that
process and reads what it found; a run that crashes the process or hangs is a failure
too, reported with the actions before it, and cannot take the test session with it.

What a run must never do (``Watch``): raise an exception, out of an action, into
``sys.excepthook`` (the app's own handler, ``gdplay.ui.crash``, still runs behind it and
logs into DIR), into ``sys.unraisablehook``, or through the worker's ``errorOccurred``;
write a crash log no hook saw; log a Qt warning; emit a Python warning (they are errors,
as in the test suite); stall the event loop (the largest gap of a 20 ms timer, while the
window runs: its start and its close are timed on their own); grow resident memory
(sampled after every action). At the end the window is deleted and memory measured again.

The seed fixes which actions come, in which order, and what each chooses (each action
has a generator of its own, seeded with the seed and its number). The worker runs in its
own thread, so what an action meets (the step count, whether a file is saved yet, which
snapshot is drawn) varies with timing from run to run.
"""

from __future__ import annotations

import argparse
import ctypes
import faulthandler
import gc
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __name__ == "__main__":
    # a run's own process starts as the app does (gdplay.app.main): its environment set
    # before NumPy and Qt load; offscreen, as the tests
    from gdplay.app import (give_freed_memory_back, leave_a_core_for_the_window,
                            paint_on_the_window_thread)
    leave_a_core_for_the_window()
    paint_on_the_window_thread()
    give_freed_memory_back()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import (QCoreApplication, QEvent, QPoint, QPointF, QSettings,  # noqa: E402
                            Qt, QTimer, qInstallMessageHandler)
from PySide6.QtGui import QAction, QColor  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (QApplication, QCheckBox, QColorDialog, QComboBox,  # noqa: E402
                               QFileDialog, QLineEdit, QMessageBox, QSpinBox, QWidget)

from gdplay.engine.problems import problem_names, problem_spec  # noqa: E402
from gdplay.ui import crash, i18n  # noqa: E402

LOG_ACTIONS = 30  # actions shown before each failure
BLOCK_LIMIT_S = 1.0  # the longest the event loop may stall
TICK_MS = 20
# pyproject's qt_log_ignore: the offscreen platform's own notice, harmless
QT_IGNORE = (r"This plugin does not support propagateSizeHints",)

# Typed by a hostile user: empty, huge, non-finite, overflowing, non-ASCII digits that
# Python's float() accepts, right-to-left and zero-width marks, control characters,
# 10,000 characters, code.
HOSTILE = [
    "", " ", "9" * 400, "-" + "9" * 400, "nan", "NaN", "-inf", "inf", "1e999", "-1e999",
    "1e-400", "5e-324", "1e308", "0", "-0", "-1", "0x10", "1_000", "١٢٣", "𝟙", "½", "名字",
    "\u202e1\u202c", "1\u200b", "\x00", "\x1b[31m1", "\t\n\r", "\x7f", "a" * 10_000,
    "1" * 10_000, "1/2/3", "()", "[]", "none", "None", "true", "1e-8/1e-8", "1,2", "🙂",
    "__import__('os')", "1/0", "x" * 300 + "**2", "((((((((((x))))))))))", "1e5/1e5",
    "-1e-9", "3.", ".5", "+1", "1e", "e1", "0.0/0.0", "%s%n", "'; DROP TABLE",
]
# Plausible values, so that runs also go somewhere
NUMBERS = ["0.001", "0.01", "0.1", "1", "10", "1e-4", "0.5", "2", "100", "0.9", "0.99",
           "0.9/0.999", "3", "5", "0"]
EXPRESSIONS = ["x**2 + y**2", "(x - 1)**2 + 10*(y + 2)**2", "sin(x) * cos(y)", "exp(x) + y",
               "x**4 - 3*x**2 + y**2", "abs(x) + abs(y)", "log(x)", "1/x + y", "x**2 + sin y",
               "sqrt(x**2 + y**2)", "x", "0",
               # undefined at the start, or everywhere: NaN and inf in the map and the run
               "log(-1 - x**2)", "log(-1 - x**2 - y**2)", "1/(x - x)", "exp(x**2)*1e308 + y",
               "log(x) + y"]
# options of the network problem that size it: only small values, the test stays fast
SMALL = {"hidden": ["1", "2", "4/4", "8", "3/3/3", "8/8", "2x2"],
         "n_samples": ["1", "2", "7", "16", "64", "200"],
         "batch_size": ["1", "4", "16", "none", ""]}


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                "usmblks", "fsmblks", "uordblks", "fordblks",
                                                "keepcost")]


def malloc_mb() -> dict:
    """glibc's heap, all arenas: in use, and freed but kept (counted in resident memory
    until given back); empty where that cannot be asked."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        m = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"heap": round(m.arena / 2**20, 1), "heap_in_use": round(m.uordblks / 2**20, 1),
            "heap_free_kept": round(m.fordblks / 2**20, 1), "mmapped": round(m.hblkhd / 2**20, 1)}


@dataclass
class Failure:
    kind: str
    text: str          # the traceback or message
    action: int        # index of the action during or after which it happened
    recent: list[str]  # the actions before it

    def key(self) -> str:
        """What makes two failures the same: kind, last traceback line, innermost frame
        (not when that is the driver's own: a widget it reached through the window was
        deleted, whichever action reached it)."""
        lines = [l for l in self.text.strip().splitlines() if l.strip()]
        frames = [l.strip() for l in lines if l.strip().startswith('File "')]
        where = frames[-1] if frames and "random_driver.py" not in frames[-1] else ""
        return f"{self.kind}|{lines[-1][:300] if lines else ''}|{where}"


@dataclass
class Watch:
    """What a run did that it must not: failures, the longest stall, memory."""

    seed: int
    log: deque = field(default_factory=lambda: deque(maxlen=LOG_ACTIONS))
    action: int = 0
    failures: list[Failure] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    ticks: int = 0
    max_gap: float = 0.0
    max_gap_during: list[str] = field(default_factory=list)
    crash_logs: int = 0
    rss_start: float = 0.0
    rss_peak: float = 0.0
    rss_peak_action: int = 0
    rss_end: float = 0.0
    malloc_end: dict = field(default_factory=dict)
    widgets_left: int = -1  # after the window was deleted
    widgets_left_top: dict = field(default_factory=dict)  # the top-level ones, by class
    rss_after_delete: float = 0.0
    malloc_after_delete: dict = field(default_factory=dict)
    rss_after_trim: float = 0.0  # and after malloc_trim(0)
    rss_samples: list[tuple[int, float]] = field(default_factory=list)
    elapsed: float = 0.0
    slowest_close: float = 0.0  # seconds, from close() to the worker's thread stopped
    slowest_start: float = 0.0  # seconds, from MainWindow() to its first frame drawn
    journal: object = None  # a file every action is written to as it starts
    _paused: bool = False
    _last_tick: float = 0.0
    _since_tick: list[str] = field(default_factory=list)

    def fail(self, kind: str, text: str) -> None:
        f = Failure(kind, text, self.action, list(self.log))
        key = f.key()
        if not self.counts[key]:
            self.failures.append(f)
        self.counts[key] += 1

    def note(self, entry: str) -> None:
        line = f"{self.action:5d} {entry}"
        self.log.append(line)
        self._since_tick.append(entry)
        if self.journal is not None:  # on disk at once: a crash of the process leaves it
            self.journal.write(line[:300] + "\n")
            self.journal.flush()

    def pause_ticks(self) -> None:
        self._paused = True

    def resume_ticks(self) -> None:
        self._paused = False
        self._last_tick = 0.0

    def tick(self) -> None:
        if self._paused:
            return
        now = time.perf_counter()
        if self._last_tick:
            gap = now - self._last_tick
            if gap > self.max_gap:
                self.max_gap = gap
                self.max_gap_during = list(self._since_tick)[-8:]
        self._last_tick = now
        self._since_tick = []
        self.ticks += 1

    def sample_memory(self) -> float:
        now = rss_mb()
        if now > self.rss_peak:
            self.rss_peak, self.rss_peak_action = now, self.action
        return now

    def result(self) -> dict:
        out = {k: v for k, v in asdict(self).items()
               if k not in ("log", "failures", "counts", "journal", "_last_tick", "_since_tick",
                            "_paused")}
        out["failures"] = [dict(asdict(f), count=self.counts[f.key()]) for f in self.failures]
        return out


class Bot:
    """What the driver needs of pytest-qt's qtbot, on QTest, for a process of its own."""

    @staticmethod
    def wait(ms: int) -> None:
        QTest.qWait(ms)

    def wait_until(self, condition, timeout_ms: int = 10_000) -> None:
        deadline = time.perf_counter() + timeout_ms / 1000
        while not condition():
            if time.perf_counter() > deadline:
                raise TimeoutError("waited too long for the window")
            self.wait(10)

    @staticmethod
    def keyClick(widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(widget, key, modifier)

    @staticmethod
    def keyClicks(widget, text: str) -> None:
        QTest.keyClicks(widget, text)

    @staticmethod
    def mouseClick(widget, button, pos=None) -> None:
        QTest.mouseClick(widget, button, Qt.KeyboardModifier.NoModifier,
                         pos if pos is not None else QPoint(), -1)

    @staticmethod
    def mouseMove(widget, pos) -> None:
        QTest.mouseMove(widget, pos)


class RandomDriver:
    """Acts on a real MainWindow at random (seeded) and watches it (see the module doc)."""

    def __init__(self, folder: Path, seed: int):
        self.qtbot = Bot()
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.crash_folder = self.folder / "crash-logs"
        self.seed = seed
        # which action comes next: from the seed alone. What each action chooses (a
        # value, a row, a button) has its own generator, seeded with the seed and the
        # action's number: what a run meets depends on timing (a file saved yet or not, a
        # dialog open or not), and that must not change the actions after it
        self.order = random.Random(seed)
        self.rng = random.Random(f"{seed}/start")
        self.watch = Watch(seed)
        self.qt_ignore = [re.compile(p) for p in QT_IGNORE]
        self.w = None
        self.saved: list[Path] = []
        self._dialog_answer = ""
        self.actions = [  # (weight, name, method)
            (6, "problem", self.a_problem), (10, "option", self.a_option),
            (3, "lane add/dup/remove", self.a_lane_button), (4, "lane select", self.a_lane_select),
            (4, "lane enable", self.a_lane_enable), (3, "optimizer", self.a_optimizer),
            (2, "schedule", self.a_schedule), (10, "hparam", self.a_hparam),
            (3, "schedule setting", self.a_schedule_setting), (1, "colour", self.a_colour),
            (12, "run/step/reset", self.a_run_keys), (3, "speed", self.a_speed),
            (4, "map click", self.a_map_click), (2, "loss hover", self.a_loss_hover),
            (6, "timeline", self.a_timeline), (2, "follow", self.a_follow),
            (2, "inspector lane", self.a_inspector_lane), (3, "continue", self.a_continue),
            (3, "fork", self.a_fork), (2, "gradient check", self.a_check_gradient),
            (2, "table row", self.a_table_row), (2, "tab", self.a_tab),
            (5, "breakpoints", self.a_breakpoints), (2, "language", self.a_language),
            (2, "theme", self.a_theme), (2, "presenter", self.a_presenter),
            (2, "lesson", self.a_lesson), (1, "lesson language", self.a_lesson_language),
            (2, "log scale", self.a_log), (3, "save", self.a_save), (4, "open", self.a_open),
            (1, "recent", self.a_recent), (1, "quit and start again", self.a_restart),
            (2, "slice", self.a_slice), (1, "resize", self.a_resize), (8, "wait", self.a_wait),
        ]
        self._weights = [a[0] for a in self.actions]

    # --- set-up and watchers ---------------------------------------------------------------
    def _install(self) -> None:
        """Hooks that record what goes wrong, and answers for dialogs that would block."""
        # as in the test suite (pyproject's filterwarnings): a warning is an error
        warnings.simplefilter("error")
        crash.install_excepthook(self.crash_folder)  # what the app does at start
        app_hook = sys.excepthook

        def excepthook(exc_type, exc, tb):
            self.watch.fail("exception reaching sys.excepthook",
                            "".join(traceback.format_exception(exc_type, exc, tb)))
            app_hook(exc_type, exc, tb)  # as in the app: logged, a dialog opened

        sys.excepthook = excepthook
        threading.excepthook = lambda a: excepthook(a.exc_type, a.exc_value, a.exc_traceback)

        def unraisable(u):  # an exception in __del__ or a callback with no caller to raise to
            self.watch.fail("unraisable exception",
                            f"{u.err_msg or 'Exception ignored in'}: {u.object!r}\n"
                            + "".join(traceback.format_exception(u.exc_type, u.exc_value,
                                                                 u.exc_traceback)))

        sys.unraisablehook = unraisable

        def qt_message(mode, context, message):
            if (mode.name not in ("QtDebugMsg", "QtInfoMsg")
                    and not any(p.search(message) for p in self.qt_ignore)):
                self.watch.fail(f"Qt {mode.name}", message)

        qInstallMessageHandler(qt_message)
        # Dialogs that would block: answered as a person would, from the seed
        QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (self._dialog_answer, ""))
        QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (self._dialog_answer, ""))
        QColorDialog.getColor = staticmethod(lambda *a, **k: self._colour())
        for name in ("question", "critical", "warning", "information"):
            setattr(QMessageBox, name,
                    staticmethod(lambda *a, _kind=name, **k: self._answer(_kind, a)))
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.watch.tick)

    def _answer(self, kind: str, args):
        """A blocking message box's answer: one of the buttons it offers."""
        B = QMessageBox.StandardButton
        buttons = args[3] if len(args) > 3 else B.Ok
        offered = [b for b in (B.Save, B.Discard, B.Cancel, B.Ok, B.Yes, B.No) if buttons & b]
        answer = self._pick(offered) if offered else B.Ok
        text = str(args[2])[:80] if len(args) > 2 else ""
        self.watch.note(f"  QMessageBox.{kind} {text!r} -> {answer.name}")
        return answer

    def _colour(self) -> QColor:
        if self.rng.random() < 0.2:
            return QColor()  # cancelled
        return QColor.fromRgb(self.rng.randrange(256), self.rng.randrange(256),
                              self.rng.randrange(256))

    def _open_window(self):
        from gdplay.ui.main_window import MainWindow

        self.watch.pause_ticks()
        t0 = time.perf_counter()
        w = MainWindow()
        w.worker.errorOccurred.connect(
            lambda text: self.watch.fail("worker errorOccurred", text))
        w.show()
        self.qtbot.wait_until(w.isVisible)
        self.qtbot.wait_until(lambda: w.snapshot is not None and w.landscape is not None)
        self.qtbot.wait_until(lambda: w.redraws > 0)
        self.watch.slowest_start = max(self.watch.slowest_start, time.perf_counter() - t0)
        self.w = w
        return w

    def run(self, actions: int, seconds: float) -> Watch:
        """At most ``actions`` actions and about ``seconds`` seconds, then close the window."""
        watch = self.watch
        watch.journal = open(self.folder / "actions.log", "w", encoding="utf-8")
        t0 = time.perf_counter()
        self._install()
        try:
            watch.note(f"start gdplay (seed {self.seed}, {actions} actions, {seconds:g} s)")
            self._act(self._open_window)
            if self.w is None:
                return watch
            watch.rss_start = watch.rss_peak = watch.sample_memory()
            watch.resume_ticks()
            self.timer.start()
            deadline = time.perf_counter() + seconds
            for i in range(actions):
                if time.perf_counter() > deadline:
                    break
                watch.action = i
                if self.w is None:  # a start that failed (reported): nothing to act on
                    break
                self._one_action()
                now = watch.sample_memory()
                if i % 25 == 0:
                    watch.rss_samples.append((i, round(now, 1)))
            watch.action += 1
            if self.w is None:
                return watch
            watch.note("close the window")
            self._act(self._close)
            self._act(lambda: self.qtbot.wait(50))  # what the close posted
            watch.rss_end = watch.sample_memory()
            watch.malloc_end = malloc_mb()
            self._act(self._measure_after_delete)
        finally:
            self.timer.stop()
            if self.w is not None and self.w.thread.isRunning():
                self.w.shutdown()  # the run broke off: leave no thread behind
            watch.elapsed = time.perf_counter() - t0
            watch.journal.close()
            watch.journal = None
        # the app's crash handler logs each exception the hook saw (once per kind and
        # place): a log beyond those came another way
        logs = sorted(self.crash_folder.glob("crash-*.log"))
        hooked = sum(n for k, n in watch.counts.items() if k.startswith("exception reaching"))
        watch.crash_logs = len(logs)
        if len(logs) > hooked:
            watch.fail("crash log", logs[-1].read_text(encoding="utf-8", errors="replace"))
        return watch

    def _measure_after_delete(self) -> None:
        """Memory once the window is gone (what a leak leaves), and once glibc has given
        its free heap back (what it kept only because it keeps freed memory)."""
        w, self.w = self.w, None
        w.deleteLater()
        del w
        for _ in range(3):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            self.qtbot.wait(20)
        gc.collect()
        watch = self.watch
        left = QApplication.allWidgets()
        watch.widgets_left = len(left)
        watch.widgets_left_top = dict(Counter(
            f"{type(t).__name__} {t.objectName()!r}" for t in QApplication.topLevelWidgets()))
        watch.rss_after_delete = rss_mb()
        watch.malloc_after_delete = malloc_mb()
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
        watch.rss_after_trim = rss_mb()

    def _one_action(self) -> None:
        weight, name, method = self.order.choices(self.actions, weights=self._weights)[0]
        # the event loop runs between actions, as between a person's clicks
        pause = self.order.choice((0, 1, 2, 5, 10, 20))
        self.rng = random.Random(f"{self.seed}/{self.watch.action}")
        self._act(self._dismiss_dialogs)
        self._act(method)
        self._act(lambda: self.qtbot.wait(pause))

    def _act(self, method) -> None:
        try:
            method()
        except Exception:  # noqa: BLE001 - an exception out of the window's code is a finding
            # (one out of the event loop too: a warning, an error, raised in a paint)
            self.watch.fail("exception out of an action", traceback.format_exc())

    def _close(self) -> None:
        """Close the window as a person would: asked about unsaved work, they save (where
        the file dialog says), discard or cancel; after a cancel they close again."""
        w = self.w
        # closing and starting are not the running app's event loop: timed on their own
        self.watch.pause_ticks()
        t0 = time.perf_counter()
        self._dialog_answer = self._pick([str(self.folder / "on-close.gdplay"), ""])
        for _attempt in range(5):
            self._dismiss_dialogs()
            w.close()
            if not w.isVisible():
                break
            self.watch.note("  the window stayed open; close again")
        else:
            w.ask_on_close = False  # nobody to ask: the autosave keeps it
            w.close()
        self.watch.slowest_close = max(self.watch.slowest_close, time.perf_counter() - t0)
        assert not w.thread.isRunning(), "the worker thread still runs after close"

    def _dismiss_dialogs(self) -> None:
        """A message box is window-modal: the person reads it and clicks one of its
        buttons first."""
        for box in QApplication.topLevelWidgets():
            if isinstance(box, QMessageBox) and box.isVisible():
                buttons = box.buttons()
                button = self._pick(buttons)
                label = button.text() if button is not None else "-"
                self.watch.note(f"dismiss dialog {box.objectName()!r} with {label!r}: "
                                f"{box.text()[:80]!r}")
                if button is not None:
                    button.click()
                else:
                    box.done(0)

    # --- helpers ---------------------------------------------------------------------------
    def _pick(self, seq):
        return seq[self.rng.randrange(len(seq))] if seq else None

    def _text(self, hostile: float = 0.5) -> str:
        return self._pick(HOSTILE) if self.rng.random() < hostile else self._pick(NUMBERS)

    def _type(self, edit: QLineEdit, text: str) -> None:
        """Replace a field's text and press Enter (short text typed key by key)."""
        if not edit.isVisible() or not edit.isEnabled():
            self.watch.note(f"  (field {edit.objectName()} not visible)")
            return
        edit.setFocus()
        # QTest types ASCII only (it aborts the process on other characters)
        if len(text) <= 12 and text.isascii() and text.isprintable():
            edit.selectAll()
            edit.del_()
            self.qtbot.keyClicks(edit, text)
        else:
            edit.setText(text)
        self.qtbot.keyClick(edit, Qt.Key.Key_Return)

    def _set_combo(self, combo: QComboBox, index: int | None = None) -> None:
        if combo.count() == 0 or not combo.isVisible():
            return
        combo.setCurrentIndex(self.rng.randrange(combo.count()) if index is None else index)

    def _click(self, widget: QWidget) -> bool:
        if not widget.isVisible() or not widget.isEnabled():
            self.watch.note(f"  ({widget.objectName()} not clickable)")
            return False
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        return True

    def _action(self, name: str) -> QAction | None:
        return self.w.findChild(QAction, name)

    def _trigger(self, name: str) -> None:
        a = self._action(name)
        if a is not None and a.isEnabled():
            a.trigger()

    def _fill_form(self, form, label: str) -> None:
        if form is None or not form.isVisible():
            return
        names = list(form.values())
        if not names:
            return
        name = self._pick(names)
        editor = form.editor(name)
        if isinstance(editor, QCheckBox):
            self.watch.note(f"{label}: toggle {name}")
            self._click(editor)
        elif isinstance(editor, QComboBox):
            i = self.rng.randrange(editor.count())
            self.watch.note(f"{label}: {name} = {editor.itemText(i)!r}")
            self._set_combo(editor, i)
        elif isinstance(editor, QSpinBox):
            if name in SMALL:
                text = self._pick(SMALL[name])
            else:
                text = self._text() if self.rng.random() < 0.5 else str(self.rng.randint(-5, 50))
            self.watch.note(f"{label}: type {name} = {_shown(text)}")
            self._type(editor.lineEdit(), text)
        else:
            if name in SMALL and self.rng.random() < 0.7:
                text = self._pick(SMALL[name])
            elif name == "expression":
                text = self._pick(EXPRESSIONS) if self.rng.random() < 0.6 else self._text(1.0)
            else:
                text = self._text()
            if name in SMALL and text not in SMALL[name] and not _refused_size(text):
                text = self._pick(SMALL[name])  # a valid huge network would only be slow
            self.watch.note(f"{label}: type {name} = {_shown(text)}")
            self._type(editor, text)

    # --- actions -----------------------------------------------------------------------------
    def a_problem(self) -> None:
        c = self.w.controls
        # networks less often, and the default network only (a 1-4-4-1 on 128 samples)
        names = problem_names()
        name = self._pick(names) if self.rng.random() < 0.85 else "mlp"
        self.watch.note(f"problem: {name} ({problem_spec(name).kind})")
        self._set_combo(c.problem_combo, c.problem_combo.findData(name))

    def a_option(self) -> None:
        self._fill_form(self.w.controls.options_form, "option")

    def a_lane_button(self) -> None:
        c = self.w.controls
        button = self._pick([c.add_button, c.duplicate_button, c.remove_button])
        if button is not c.remove_button and len(c.lanes) >= 6:
            button = c.remove_button  # a handful of lanes, as in the lessons
        self.watch.note(f"lane: click {button.objectName()} ({len(c.lanes)} lanes)")
        self._click(button)

    def a_lane_select(self) -> None:
        lst = self.w.controls.lane_list
        if lst.count() and lst.isVisible():
            row = self.rng.randrange(lst.count())
            self.watch.note(f"lane: select row {row}")
            lst.setCurrentRow(row)

    def a_lane_enable(self) -> None:
        lst = self.w.controls.lane_list
        if lst.count() and lst.isVisible():
            row = self.rng.randrange(lst.count())
            item = lst.item(row)
            on = item.checkState() != Qt.CheckState.Checked
            self.watch.note(f"lane: {'enable' if on else 'disable'} row {row}")
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def a_optimizer(self) -> None:
        combo = self.w.controls.optimizer_combo
        i = self.rng.randrange(combo.count())
        self.watch.note(f"optimizer: {combo.itemData(i)}")
        self._set_combo(combo, i)

    def a_schedule(self) -> None:
        combo = self.w.controls.schedule_combo
        i = self.rng.randrange(combo.count())
        self.watch.note(f"schedule: {combo.itemData(i)}")
        self._set_combo(combo, i)

    def a_hparam(self) -> None:
        self._fill_form(self.w.controls.hparam_form, "hparam")

    def a_schedule_setting(self) -> None:
        self._fill_form(self.w.controls.schedule_form, "schedule setting")

    def a_colour(self) -> None:
        self.watch.note("lane: colour")
        self._click(self.w.controls.color_button)

    def a_run_keys(self) -> None:
        w = self.w
        key, mod, label = self._pick([
            (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, "Space (run/pause)"),
            (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, "Right (step)"),
            (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, "Shift+Right (10 steps)"),
            (Qt.Key.Key_R, Qt.KeyboardModifier.NoModifier, "R (reset)")])
        if self.rng.random() < 0.5:
            self.watch.note(f"key {label}")
            w.activateWindow()
            w.landscape_view.setFocus()
            self.qtbot.keyClick(w.landscape_view, key, mod)
        else:
            name = {"Space (run/pause)": "action_run", "Right (step)": "action_step",
                    "Shift+Right (10 steps)": "action_step10", "R (reset)": "action_reset"}[label]
            self.watch.note(f"toolbar {name}")
            self._trigger(name)

    def a_speed(self) -> None:
        s = self.w.controls.speed_slider
        v = self.rng.randint(s.minimum(), s.maximum())
        self.watch.note(f"speed slider -> {v}")
        if s.isVisible():
            s.setValue(v)

    def a_map_click(self) -> None:
        plot = self.w.landscape_view.plot
        if not plot.isVisible():
            return
        vb = plot.getPlotItem().vb
        r = vb.sceneBoundingRect()
        x = r.left() + self.rng.random() * r.width()
        y = r.top() + self.rng.random() * r.height()
        pos = plot.mapFromScene(QPointF(x, y))
        self.watch.note(f"click the map at {pos.x()},{pos.y()}")
        self.qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)

    def a_loss_hover(self) -> None:
        plot = self.w.loss_view.plot
        if not plot.isVisible():
            return
        pos = QPoint(self.rng.randrange(max(plot.width(), 1)),
                     self.rng.randrange(max(plot.height(), 1)))
        self.watch.note(f"hover the loss plot at {pos.x()},{pos.y()}")
        self.qtbot.mouseMove(plot.viewport(), pos)

    def _inspector_tab(self, index: int) -> bool:
        ins = self.w.inspector
        if not ins.isVisible():
            return False
        ins.tabs.setCurrentIndex(index)
        return True

    def a_timeline(self) -> None:
        ins = self.w.inspector
        if not ins.isVisible():
            return
        s = ins.slider
        how = self.rng.random()
        if how < 0.4:
            v = self.rng.randint(s.minimum(), max(s.maximum(), 0))
            self.watch.note(f"timeline slider -> {v} (of {s.maximum()})")
            s.setValue(v)
        elif how < 0.7:
            key = self._pick([Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End,
                              Qt.Key.Key_PageUp, Qt.Key.Key_PageDown])
            self.watch.note(f"timeline key {key.name}")
            self.qtbot.keyClick(s, key)
        else:
            text = self._text(0.4) if self.rng.random() < 0.5 else str(self.rng.randint(0, 500))
            self.watch.note(f"timeline step field = {text[:40]!r}")
            self._type(ins.step_spin.lineEdit(), text)

    def a_follow(self) -> None:
        self.watch.note("toggle follow")
        self._click(self.w.inspector.follow)

    def a_inspector_lane(self) -> None:
        self.watch.note("inspector lane")
        self._set_combo(self.w.inspector.lane_combo)

    def a_continue(self) -> None:
        self.watch.note(f"continue from here (step {self.w.inspector.slider.value()})")
        self._click(self.w.inspector.continue_button)

    def a_fork(self) -> None:
        ins = self.w.inspector
        if not ins.isVisible():
            return
        text = self._pick(["", "", "0.01", "0.1"]) if self.rng.random() < 0.6 else self._text(1.0)
        self.watch.note(f"fork lane here (step {ins.slider.value()}) lr {text[:40]!r}")
        ins.fork_lr.setText(text)
        self._click(ins.fork_button)

    def a_check_gradient(self) -> None:
        if self._inspector_tab(0):
            self.watch.note("check gradient")
            self._click(self.w.inspector.check_button)

    def a_table_row(self) -> None:
        if not self._inspector_tab(0):
            return
        table = self.w.inspector.table
        model = table.model()
        rows = model.rowCount()
        if rows:
            index = model.index(self.rng.randrange(rows), 0)
            children = model.rowCount(index)
            if children and self.rng.random() < 0.5:
                table.expand(index)
                index = model.index(self.rng.randrange(children), 0, index)
            self.watch.note(f"inspector table row {index.row()}")
            table.setCurrentIndex(index)

    def a_tab(self) -> None:
        i = self.rng.randrange(self.w.inspector.tabs.count())
        self.watch.note(f"inspector tab {i}")
        self._inspector_tab(i)

    def a_breakpoints(self) -> None:
        ins = self.w.inspector
        if not self._inspector_tab(2):
            return
        how = self.rng.random()
        if how < 0.45:
            kind = self._pick(list(ins.bp_checks))
            self.watch.note(f"breakpoint toggle {kind}")
            self._click(ins.bp_checks[kind])
        elif how < 0.85:
            kind = self._pick(list(ins.bp_values))
            text = self._text(0.5)
            self.watch.note(f"breakpoint {kind} value = {text[:40]!r}")
            self._type(ins.bp_values[kind], text)
        else:
            self.watch.note("breakpoint lane")
            self._set_combo(ins.bp_lane)

    def a_language(self) -> None:
        code = self._pick(list(i18n.LANGUAGES))
        self.watch.note(f"View > Language > {code}")
        self._trigger(f"action_language_{code}")

    def a_theme(self) -> None:
        self.watch.note("View > Dark theme")
        self._trigger("action_dark")

    def a_presenter(self) -> None:
        if self.rng.random() < 0.5:
            self.watch.note("key F5 (presenter)")
            self.w.activateWindow()
            self.qtbot.keyClick(self.w.landscape_view, Qt.Key.Key_F5)
        else:
            self.watch.note("View > Presenter mode")
            self._trigger("action_presenter")

    def a_lesson(self) -> None:
        actions = [a for a in self.w.lessons_menu.actions() if a.isEnabled()]
        a = self._pick(actions)
        if a is not None:
            self.watch.note(f"Lessons > {a.objectName()}")
            a.trigger()

    def a_lesson_language(self) -> None:
        panel = self.w.lesson_panel
        button = self._pick(list(panel.buttons.values()))
        self.watch.note(f"lesson language {button.objectName()}")
        self._click(button)

    def a_log(self) -> None:
        self.watch.note("log scale")
        self._click(self.w.log_toggle)

    def a_save(self) -> None:
        how = self.rng.random()
        if how < 0.5 and self.w.current_file:
            self.watch.note(f"File > Save ({self.w.current_file})")
            self._trigger("action_save")
            return
        answer = self._pick([str(self.folder / f"run{self.rng.randrange(4)}.gdplay"),
                             str(self.folder / f"plain{self.rng.randrange(2)}"), "",
                             str(self.folder / "missing-folder" / "x.gdplay"),
                             str(self.folder)])
        self._dialog_answer = answer
        self.watch.note(f"File > Save As… -> {answer!r}")
        self._trigger("action_save_as")
        if answer.endswith(".gdplay") and "missing" not in answer:
            self.saved.append(Path(answer))

    def a_open(self) -> None:
        path = self._damaged_file() if self.rng.random() < 0.6 else None
        if path is None:
            existing = [p for p in self.saved if p.exists()]
            path = self._pick(existing) if existing else self.folder / "never-saved.gdplay"
        self._dialog_answer = "" if self.rng.random() < 0.05 else str(path)
        self.watch.note(f"File > Open… -> {self._dialog_answer!r}")
        self._trigger("action_open")

    def _damaged_file(self) -> Path | None:
        """A file a person might open: a saved one cut short, bit-flipped, with a field
        changed, or not a session at all."""
        existing = [p for p in self.saved if p.exists()]
        base = self._pick(existing).read_bytes() if existing else b""
        target = self.folder / f"damaged{self.rng.randrange(3)}.gdplay"
        how = self.rng.randrange(10)
        if how == 0 and base:
            data = base[: self.rng.randrange(len(base))]
        elif how == 1 and base:
            data = bytearray(base)
            for _ in range(self.rng.randint(1, 5)):
                data[self.rng.randrange(len(data))] = self.rng.randrange(256)
            data = bytes(data)
        elif how == 2 and base:
            try:
                doc = json.loads(base)
            except ValueError:
                return None
            _mutate(doc, self.rng)
            data = json.dumps(doc, allow_nan=True).encode()
        elif how == 3:
            data = b""
        elif how == 4:
            data = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 2000)))
        elif how == 5:
            data = b"\xef\xbb\xbf" + (base or b"{}")
        elif how == 6:
            depth = self.rng.choice((50, 5_000, 200_000))
            data = (b'{"format": "gdplay-session", "version": 1, "lanes": '
                    + b"[" * depth + b"]" * depth + b"}")
        elif how == 7:
            data = json.dumps({"format": "gdplay-session", "version": 1, "problem": "mlp",
                               "options": {"hidden": [1024, 1024, 1024]}, "lanes": [{}]}).encode()
        elif how == 8:
            data = b'{"format": "gdplay-session", "version": 1e999, "lanes": NaN}'
        else:
            data = "名字".encode("utf-16")
        target.write_bytes(data)
        return target

    def a_recent(self) -> None:
        menu = self.w.recent_menu
        actions = menu.actions()
        if actions and menu.isEnabled():
            a = self._pick(actions)
            self.watch.note(f"File > Recent > {a.text()}")
            a.trigger()

    def a_restart(self) -> None:
        self.watch.note("quit (close the window) and start gdplay again")
        self._close()
        old, self.w = self.w, None
        old.deleteLater()  # as a new process would: nothing of the old window is kept
        del old
        self.qtbot.wait(20)
        self._open_window()
        self.watch.resume_ticks()

    def a_slice(self) -> None:
        c = self.w.controls
        if not c.slice_box.isVisible():
            return
        how = self.rng.random()
        if how < 0.3:
            self.watch.note("slice kind")
            self._set_combo(c.slice_combo)
        elif how < 0.6:
            spin = self._pick([c.slice_i, c.slice_j])
            text = self._text(0.4) if self.rng.random() < 0.5 else str(self.rng.randint(0, 40))
            self.watch.note(f"slice weight = {text[:40]!r}")
            self._type(spin.lineEdit(), text)
        else:
            self.watch.note(f"Redraw slice ({c.slice_spec()})")
            self._click(c.findChild(QWidget, "slice_apply"))

    def a_resize(self) -> None:
        size = (self.rng.randint(500, 1900), self.rng.randint(400, 1100))
        self.watch.note(f"resize the window to {size}")
        self.w.resize(*size)

    def a_wait(self) -> None:
        ms = self.rng.choice((20, 50, 100, 250))
        self.watch.note(f"wait {ms} ms")
        self.qtbot.wait(ms)


def _shown(text: str) -> str:
    """Typed text as the journal shows it: its first 40 characters and its length."""
    return repr(text[:40]) + (f" ({len(text)} chars)" if len(text) > 40 else "")


def _refused_size(text: str) -> bool:
    """True if the network-size fields refuse ``text`` (hostile text that is refused is
    fine to type; a valid huge size is not typed, it would only make the test slow)."""
    try:
        parts = [float(p) for p in text.strip("()[]").replace(",", "/").replace("x", "/").split("/")
                 if p.strip()]
    except ValueError:
        return True
    return not parts or any(not (1 <= p <= 300) for p in parts)


def _mutate(doc, rng: random.Random) -> None:
    """Change one field somewhere in a JSON document to a wrong value."""
    node, parents = doc, []
    for _ in range(rng.randint(1, 6)):
        if isinstance(node, dict) and node:
            key = rng.choice(list(node))
        elif isinstance(node, list) and node:
            key = rng.randrange(len(node))
        else:
            break
        parents.append((node, key))
        node = node[key]
    if not parents:
        return
    parent, key = parents[-1]
    value = rng.choice([None, -1, 0, 1e308, float("nan"), float("inf"), "x", [], {}, True,
                        [[1, 2, 3]] * 3, 10**30, "名字" * 100])
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[key]
    else:
        parent[key] = value



HANG_S = 60  # a run this much past its time is stuck: every thread's stack is printed


def main(argv=None) -> int:
    """One run, in this process (see the module doc); writes FOLDER/result.json."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--actions", type=int, default=300)
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--folder", type=Path, required=True)
    args = p.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    faulthandler.enable()
    faulthandler.dump_traceback_later(args.seconds + HANG_S, exit=True)
    # settings of its own, in the run's folder (the user's are never touched), as a new
    # user's: English, light, no recent files
    QCoreApplication.setOrganizationName("gdplay-random-use")
    QCoreApplication.setApplicationName("gdplay-random-use")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(args.folder / "settings"))
    app = QApplication([sys.argv[0]])  # noqa: F841 - lives as long as the run
    QSettings().setValue("view/language", "en")
    watch = RandomDriver(args.folder, args.seed).run(args.actions, args.seconds)
    (args.folder / "result.json").write_text(json.dumps(watch.result(), indent=1),
                                             encoding="utf-8")
    faulthandler.cancel_dump_traceback_later()
    return 0


def run_seed(seed: int, actions: int, seconds: float, folder: Path) -> dict:
    """Run ``main`` in a process of its own and return its result; a process that died or
    hung is a failure in it, with the actions it had started."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, XDG_DATA_HOME=str(folder / "data"))  # crash logs, autosave
    command = [sys.executable, str(Path(__file__).resolve()), "--seed", str(seed),
               "--actions", str(actions), "--seconds", str(seconds), "--folder", str(folder)]
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=seconds + 2 * HANG_S)
        status, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        status, stderr = "timeout", (exc.stderr or b"").decode(errors="replace") \
            if isinstance(exc.stderr, bytes) else (exc.stderr or "")
    path = folder / "result.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {
        "seed": seed, "failures": [], "action": 0, "ticks": 0, "max_gap": 0.0,
        "max_gap_during": [], "rss_start": 0.0, "rss_peak": 0.0, "rss_peak_action": 0,
        "rss_end": 0.0, "malloc_end": {}, "crash_logs": 0, "elapsed": 0.0, "rss_samples": []}
    result["exit_status"] = status
    result["requested_actions"] = actions
    if status != 0:
        journal = folder / "actions.log"
        lines = journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []
        last = re.match(r"\s*(\d+)", lines[-1]) if lines else None
        hung = status == "timeout" or "Timeout (" in stderr  # faulthandler's, see main
        what = ("the run hung (no result a minute after its time; every thread's stack below)"
                if hung else f"the process ended with status {status}"
                + (f" (signal {-status})" if isinstance(status, int) and status < 0 else ""))
        at = int(last.group(1)) if last else 0
        result["action"] = max(result["action"], at)
        result["failures"].append({"kind": what, "text": stderr[-6000:], "action": at,
                                   "recent": lines[-LOG_ACTIONS:], "count": 1})
    return result


def report(result: dict) -> str:
    """A run's failures, each with the actions before it, and its figures."""
    seed = result["seed"]
    out = [f"seed {seed}: {len(result['failures'])} distinct failure(s) in "
           f"{result['action']} actions; rerun: python3 tests/random_driver.py --seed {seed} "
           f"--actions {result.get('requested_actions', result['action'])} "
           f"--folder /tmp/gdplay-random-{seed}"]
    for f in result["failures"]:
        out.append(f"\n--- {f['kind']} (x{f['count']}), first at action {f['action']}; "
                   "the actions before it:")
        out.extend("    " + line for line in f["recent"])
        out.append(f["text"].rstrip())
    out.append("\n" + summary(result))
    return "\n".join(out)


def summary(result: dict) -> str:
    return (f"seed {result['seed']}: {result['action']} actions in {result['elapsed']:.1f} s; "
            f"slowest start {result.get('slowest_start', 0):.2f} s, slowest close "
            f"{result.get('slowest_close', 0):.2f} s; "
            f"longest event-loop stall {result['max_gap'] * 1000:.0f} ms (during: "
            f"{result['max_gap_during']}); resident memory {result['rss_start']:.0f} MB at the "
            f"start, peak {result['rss_peak']:.0f} MB (action {result['rss_peak_action']}), "
            f"{result['rss_end']:.0f} MB after closing; malloc then (MB): "
            f"{result['malloc_end']}; the window deleted: {result.get('rss_after_delete', 0):.0f}"
            f" MB, malloc {result.get('malloc_after_delete')}, {result.get('widgets_left')} "
            f"widgets left {result.get('widgets_left_top')}; after malloc_trim(0): "
            f"{result.get('rss_after_trim', 0):.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
