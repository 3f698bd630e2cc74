"""Nothing ends silently: an uncaught exception is logged to the user's data folder and
shown in a dialog with its details; the app keeps running."""

from __future__ import annotations

import datetime
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from .prefs import data_folder

__all__ = ["install_excepthook", "report_exception", "log_folder"]

# what was reported this run: the same error (type, message, where) is logged and shown
# once, not once a frame (a frame that raises would write a log 37 times a second)
_reported: set[tuple[str, str, str]] = set()
# open dialogs: a QMessageBox with no parent and no Python reference is deleted at once
_open_boxes: list[QMessageBox] = []
_MAX_KEY_CHARS = 300


def log_folder() -> Path:
    return data_folder() / "logs"


def _write_log(text: str, folder: Path | None) -> Path | None:
    folder = folder or log_folder()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{stamp}.log"
        path.write_text(text, encoding="utf-8")
        return path
    except OSError:
        return None  # a read-only folder must not turn one error into two


class _Reporter(QObject):
    """Lives in the GUI thread; errors from other threads reach their dialog through its
    queued signal (a widget made in the worker's thread crashes the process)."""

    show = Signal(str, str, str)  # summary, log path ("" if none), details

    def __init__(self):
        super().__init__()
        self.show.connect(self._show)

    def _show(self, summary: str, path: str, details: str) -> None:
        _show_box(summary, path, details)


_reporter: _Reporter | None = None


def _gui_reporter(app) -> _Reporter:
    global _reporter
    if _reporter is None:
        _reporter = _Reporter()
        if _reporter.thread() is not app.thread():
            _reporter.moveToThread(app.thread())
    return _reporter


def _key(exc_type, exc, tb) -> tuple[str, str, str]:
    where = ""
    frames = traceback.extract_tb(tb) if tb is not None else []
    if frames:
        where = f"{frames[-1].filename}:{frames[-1].lineno}"
    try:
        message = str(exc)[:_MAX_KEY_CHARS]
    except Exception:  # noqa: BLE001 - an exception whose str() raises is still reported
        message = ""
    return exc_type.__name__, message, where


def report_exception(exc_type, exc, tb, folder: Path | None = None) -> QMessageBox | None:
    """Log the exception and show it; returns the dialog (opened, not blocking), or None
    when it was reported before in this run, when there is no app, or when called from
    another thread (the dialog then opens in the GUI thread)."""
    from .. import __version__
    key = _key(exc_type, exc, tb)
    if key in _reported:
        return None
    _reported.add(key)
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    text = f"gdplay {__version__}, Python {sys.version.split()[0]}\n\n{details}"
    path = _write_log(text, folder)
    print(text, file=sys.stderr)
    app = QApplication.instance()
    if app is None:
        return None
    summary = f"{exc_type.__name__}: {key[1]}"
    if QThread.currentThread() is not app.thread():
        _gui_reporter(app).show.emit(summary, str(path or ""), text)
        return None
    return _show_box(summary, str(path or ""), text)


def _show_box(summary: str, path: str, details: str) -> QMessageBox:
    parent = QApplication.activeWindow()
    box = QMessageBox(QMessageBox.Icon.Critical,
                      QCoreApplication.translate("Crash", "Something went wrong"),
                      QCoreApplication.translate("Crash", "gdplay hit an unexpected error and kept running:")
                      + "\n\n" + summary, QMessageBox.StandardButton.Ok, parent)
    if path:
        box.setInformativeText(QCoreApplication.translate("Crash", "Details were saved to %1")
                               .replace("%1", path))
    box.setDetailedText(details)
    box.setObjectName("crash_dialog")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_boxes.append(box)
    box.finished.connect(lambda _result, b=box: _open_boxes.remove(b) if b in _open_boxes else None)
    box.open()
    return box


def install_excepthook(folder: Path | None = None) -> None:
    """Route uncaught exceptions (main thread, QThreads and Python threads) to
    report_exception; the dialog always opens in the GUI thread."""
    app = QApplication.instance()
    if app is not None:
        _gui_reporter(app)
    sys.excepthook = lambda t, e, tb: report_exception(t, e, tb, folder)
    threading.excepthook = lambda args: report_exception(
        args.exc_type, args.exc_value, args.exc_traceback, folder)
