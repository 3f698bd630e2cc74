"""A form built from the engine's Param descriptions: no invalid value gets through.

Numbers are typed into line edits (learning rates span 1e-12..1e6, which spin boxes do
badly) and checked with the same ``Param.parse`` the CLI uses; a bad value turns the
field red, shows an inline message and is not emitted. Choices are combo boxes, flags
check boxes, bounded integers spin boxes.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QSpinBox,
                               QVBoxLayout, QWidget)

from ..engine.params import Param

__all__ = ["ParamForm"]

_INT_MAX = 2_000_000_000
_BAD_STYLE = "QLineEdit { background: #ffd7d7; }"


def _format_value(value) -> str:
    """A value as the user would type it: 0.001, 0.9/0.999, none."""
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "/".join(_format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


class ParamForm(QWidget):
    """Editors for a tuple of Params; emits ``valuesChanged(dict)`` with valid values only."""

    valuesChanged = Signal(dict)

    def __init__(self, params: tuple[Param, ...], values: dict | None = None, owner: str = "",
                 parent=None):
        super().__init__(parent)
        self._params = {p.name: p for p in params}
        self._owner = owner
        self._values = {p.name: p.default for p in params}
        self._values.update(values or {})
        self._editors: dict[str, QWidget] = {}
        self._errors: dict[str, str] = {}        # per field: the value typed is not allowed
        self._rule_errors: dict[str, str] = {}   # across fields, found by the caller
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        for p in params:
            editor = self._make_editor(p)
            editor.setObjectName(f"param_{p.name}")
            editor.setToolTip(QCoreApplication.translate("Param", p.help) + "\n"
                              + self.tr("Allowed: %1").replace("%1", p.range_text()))
            self._editors[p.name] = editor
            form.addRow(p.name, editor)
        self.message = QLabel(self)
        self.message.setObjectName("param_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        # monospace, so a caret under a typed expression points at the right character
        self.message.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.message.hide()
        layout.addWidget(self.message)

    # --- public --------------------------------------------------------------------------
    def values(self) -> dict:
        """The last valid values."""
        return dict(self._values)

    def editor(self, name: str) -> QWidget:
        """The editor of setting ``name`` (tests and the random-use driver type into it)."""
        return self._editors[name]

    # --- editors -------------------------------------------------------------------------
    def _make_editor(self, p: Param) -> QWidget:
        value = self._values[p.name]
        if p.type == "bool":
            box = QCheckBox(self)
            box.setChecked(bool(value))
            box.toggled.connect(lambda checked, name=p.name: self._accept(name, bool(checked)))
            return box
        if p.type == "choice":
            combo = QComboBox(self)
            for choice in p.choices:
                combo.addItem(str(choice), choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(
                lambda _i, name=p.name, c=combo: self._accept(name, c.currentData()))
            return combo
        if p.type == "int" and not p.optional:
            spin = QSpinBox(self)
            spin.setRange(int(p.lo) if p.lo is not None else -_INT_MAX,
                          int(min(p.hi, _INT_MAX)) if p.hi is not None else _INT_MAX)
            spin.setValue(int(value))
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda v, name=p.name: self._accept(name, int(v)))
            return spin
        edit = QLineEdit(_format_value(value), self)
        edit.editingFinished.connect(lambda name=p.name, e=edit: self._parse(name, e))
        return edit

    def _parse(self, name: str, edit: QLineEdit) -> None:
        p = self._params[name]
        try:
            value = p.parse(edit.text(), self._owner)
        except ValueError as exc:
            edit.setStyleSheet(_BAD_STYLE)
            self._errors[name] = str(exc)
            self._show_errors()
            return
        edit.setStyleSheet("")
        self._errors.pop(name, None)
        self._show_errors()
        if value != self._values.get(name):
            self._accept(name, value)

    def _accept(self, name: str, value) -> None:
        candidate = dict(self._values)
        candidate[name] = value
        self._values = candidate
        if not self._errors:
            self.valuesChanged.emit(dict(candidate))

    def show_error(self, name: str, text: str) -> None:
        """Show an error found outside the form (e.g. a rule across two settings); the
        next valid edit is still emitted, so the caller can check the rule again."""
        self._rule_errors[name] = text
        self._show_errors()

    def clear_error(self, name: str) -> None:
        """Take back an error shown by :meth:`show_error`."""
        self._rule_errors.pop(name, None)
        self._show_errors()

    def _show_errors(self) -> None:
        errors = {**self._errors, **self._rule_errors}
        if errors:
            self.message.setText("\n".join(errors.values()))
            self.message.show()
        else:
            self.message.hide()
