"""Nothing ends silently: an uncaught exception is logged to the user's data folder and
shown in a dialog with its details; the app keeps running."""

from __future__ import annotations

import datetime
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

__all__ = ["install_excepthook", "report_exception", "log_folder"]


def log_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".gdplay") / "logs"


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


def report_exception(exc_type, exc, tb, folder: Path | None = None) -> QMessageBox | None:
    """Log the exception and show it; returns the dialog (opened, not blocking)."""
    from .. import __version__
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    text = f"gdplay {__version__}, Python {sys.version.split()[0]}\n\n{details}"
    path = _write_log(text, folder)
    print(text, file=sys.stderr)
    app = QApplication.instance()
    if app is None:
        return None
    box = QMessageBox(QMessageBox.Icon.Critical,
                      QCoreApplication.translate("Crash", "Something went wrong"),
                      QCoreApplication.translate("Crash", "gdplay hit an unexpected error and kept running:")
                      + "\n\n" + f"{exc_type.__name__}: {exc}")
    if path is not None:
        box.setInformativeText(QCoreApplication.translate("Crash", "Details were saved to %1")
                               .replace("%1", str(path)))
    box.setDetailedText(text)
    box.setObjectName("crash_dialog")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def install_excepthook(folder: Path | None = None) -> None:
    """Route uncaught exceptions (main thread and Python threads) to report_exception."""
    sys.excepthook = lambda t, e, tb: report_exception(t, e, tb, folder)
    threading.excepthook = lambda args: report_exception(
        args.exc_type, args.exc_value, args.exc_traceback, folder)
