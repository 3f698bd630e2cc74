"""The lesson panel: a lesson's title and explanation, in English or Traditional Chinese."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..lessons import Lesson
from .i18n import current_language

__all__ = ["LessonPanel", "default_language"]


def default_language() -> str:
    """The interface's language: lessons open in it (and can be switched on their own)."""
    return current_language()


class LessonPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.lesson: Lesson | None = None
        self.language = default_language()
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        group = QButtonGroup(self)
        self.buttons = {}
        for language, text in (("en", "English"), ("zh_TW", "中文")):
            b = QPushButton(text, self)
            b.setObjectName(f"lesson_language_{language}")
            b.setCheckable(True)
            b.setChecked(language == self.language)
            b.clicked.connect(lambda _=False, lang=language: self.set_language(lang))
            group.addButton(b)
            row.addWidget(b)
            self.buttons[language] = b
        row.addStretch(1)
        layout.addLayout(row)
        self.title = QLabel(self)
        self.title.setObjectName("lesson_title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.text = QTextBrowser(self)
        self.text.setObjectName("lesson_text")
        self.text.setOpenLinks(False)
        layout.addWidget(self.text, 1)
        self._show()

    def show_lesson(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self._show()

    def set_language(self, language: str) -> None:
        self.language = language
        self.buttons[language].setChecked(True)
        self._show()

    def _show(self) -> None:
        if self.lesson is None:
            self.title.setText(self.tr("No lesson open"))
            self.text.setPlainText(self.tr("Choose one from the Lessons menu."))
            return
        self.title.setText(self.lesson.text("title", self.language))
        self.text.setPlainText(self.lesson.text("explanation", self.language))
