"""The interface language: English (the source) or Traditional Chinese (zh_TW), from the
Qt Linguist files in resources/i18n (``gdplay_zh_TW.ts`` is the source, ``.qm`` built
from it with ``pyside6-lrelease``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from ..resources import resources_dir
from .prefs import read_str

__all__ = ["LANGUAGES", "i18n_dir", "saved_language", "set_language", "current_language"]

LANGUAGES = {"en": "English", "zh_TW": "繁體中文"}
_translator: QTranslator | None = None
_qt_translator: QTranslator | None = None
_current = "en"


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def saved_language() -> str:
    """The language chosen before, else the system's: Chinese -> zh_TW, others English."""
    saved = read_str("view/language")
    if saved in LANGUAGES:
        return saved
    return "zh_TW" if QLocale.system().name().startswith("zh") else "en"


def current_language() -> str:
    return _current


def set_language(language: str) -> str:
    """Install the translation for ``language``; returns the language now in use (English
    when a translation file cannot be loaded)."""
    global _translator, _qt_translator, _current
    app = QCoreApplication.instance()
    for old in (_translator, _qt_translator):
        if old is not None and app is not None:
            app.removeTranslator(old)
            old.deleteLater()  # the app is its parent: it would live as long (2 a switch)
    _translator = _qt_translator = None
    _current = "en"
    if language != "en" and app is not None:
        translator = QTranslator(app)
        if translator.load(str(i18n_dir() / f"gdplay_{language}.qm")):
            app.installTranslator(translator)
            _translator = translator
            _current = language
            # Qt's own words (dialog buttons, the file dialog) from Qt's translations
            qt = QTranslator(app)
            if qt.load(f"qtbase_{language}", qt_translations_dir()):
                app.installTranslator(qt)
                _qt_translator = qt
    return _current


def qt_translations_dir() -> str:
    """Qt's translations: beside the app in a bundle (PyInstaller puts them in
    PySide6/Qt/translations), else where the Qt library says."""
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
