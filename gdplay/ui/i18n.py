"""The interface language: English (the source) or Traditional Chinese (zh_TW), from the
Qt Linguist files in resources/i18n (``gdplay_zh_TW.ts`` is the source, ``.qm`` built
from it with ``pyside6-lrelease``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from ..resources import resources_dir
from .prefs import read_str

__all__ = ["LANGUAGES", "i18n_dir", "saved_language", "set_language", "current_language"]

LANGUAGES = {"en": "English", "zh_TW": "繁體中文"}
_translator: QTranslator | None = None
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
    global _translator, _current
    app = QCoreApplication.instance()
    if _translator is not None and app is not None:
        app.removeTranslator(_translator)
        _translator = None
    _current = "en"
    if language != "en" and app is not None:
        translator = QTranslator(app)
        if translator.load(str(i18n_dir() / f"gdplay_{language}.qm")):
            app.installTranslator(translator)
            _translator = translator
            _current = language
    return _current
