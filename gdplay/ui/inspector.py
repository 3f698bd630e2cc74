"""The single-step debugger: the step inspector, the timeline, breakpoints, the gradient
check, the chain rule written out, and ADMM's residuals.

It shows what the presenter makes (snapshots and inspections); the only thing it computes is
text from a trace's own values (``explain_step``).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QFrame, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QScrollArea,
                               QSlider, QSpinBox,
                               QSplitter, QStyle, QTabWidget, QTreeView, QVBoxLayout,
                               QWidget)

from ..engine.explain import explain_step, fmt
from ..engine.optimizers import optimizer_spec
from ..engine.session import BREAKPOINT_KINDS, Breakpoint
from .views import clear_item, show_data
from ..present.snapshots import Inspection, Snapshot

__all__ = ["Inspector"]

_MAX_CHILDREN = 200  # elements listed under a weight matrix; more would make the tree slow
_NEEDS_VALUE = ("grad_norm_above", "loss_below", "step")
_FOLLOW_INTERVAL_S = 0.25
_LONGEST_NUMBER = fmt(-1.88888e-308)  # six digits, a sign and a three-digit exponent
_DISPLAY = Qt.ItemDataRole.DisplayRole.value  # the view passes roles as ints
_USER = Qt.ItemDataRole.UserRole.value


def _mono() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class StepTable(QAbstractItemModel):
    """The inspected step's values: a row per parameter (under a row per weight matrix with
    its norms, for a network), a column per traced array. Numbers are formatted when the
    view shows them, not when a step arrives: following a running network, the table
    changes four times a second, and writing out thousands of cells each time held the
    window's thread. A step shaped like the one shown (the same columns and parameters)
    only updates the values, so the view keeps its scroll position, expanded rows and
    selection.

    Rows carry the parameter's index in the flat vector (a group's row, its first) as
    ``Qt.UserRole``. Children of a group are internal id group + 1; top-level rows, 0.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._headers: list[str] = []
        self._arrays: list[np.ndarray] = []
        self._names: tuple[str, ...] = ()
        self._groups: list[tuple[str, slice]] = []
        self._norms: dict[tuple[int, int], str] = {}

    def show(self, headers: list[str], arrays: list[np.ndarray], names, groups: dict) -> bool:
        """Show these columns; True if the table was rebuilt (new columns or parameters),
        False if only the values changed."""
        groups = list(groups.items()) if groups else []
        same = (headers == self._headers and tuple(names) == self._names
                and groups == self._groups)
        if not same:
            self.beginResetModel()
        self._headers, self._arrays = list(headers), list(arrays)
        self._names, self._groups = tuple(names), groups
        self._norms = {}
        if same:
            self._values_changed(QModelIndex())
            for g in range(len(self._groups)):
                self._values_changed(self.index(g, 0))
        else:
            self.endResetModel()
        return not same

    def _values_changed(self, parent: QModelIndex) -> None:
        rows = self.rowCount(parent)
        if rows and len(self._headers) > 1:
            self.dataChanged.emit(self.index(0, 1, parent),
                                  self.index(rows - 1, len(self._headers) - 1, parent),
                                  [Qt.ItemDataRole.DisplayRole])

    # --- QAbstractItemModel ---------------------------------------------------------------
    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1 if parent.isValid() else 0)

    def parent(self, index: QModelIndex = QModelIndex()):  # noqa: B008 (Qt's signature)
        group = index.internalId() if index.isValid() else 0
        return self.createIndex(group - 1, 0, 0) if group else QModelIndex()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._groups) if self._groups else len(self._names)
        if parent.internalId() == 0 and parent.column() == 0 and self._groups:
            sl = self._groups[parent.row()][1]
            return min(sl.stop - sl.start, _MAX_CHILDREN)
        return 0

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return len(self._headers)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self._headers)):
            return self._headers[section]
        return None

    def data(self, index: QModelIndex, role=_DISPLAY):
        # the view asks for about seven roles per visible cell at each repaint: the
        # roles this model has no answer for are turned away first
        if role != _DISPLAY and role != _USER:
            return None
        row, column, group = index.row(), index.column(), index.internalId()
        if self._groups and group == 0:  # a weight matrix: its name and each column's norm
            name, sl = self._groups[row]
            if role == _USER:
                return int(sl.start)
            if column == 0:
                return f"{name}  ‖·‖"
            key = (row, column)
            if key not in self._norms:
                self._norms[key] = fmt(np.linalg.norm(self._arrays[column - 1][sl]))
            return self._norms[key]
        i = self._groups[group - 1][1].start + row if group else row
        if role == _USER:
            return i
        return self._names[i] if column == 0 else fmt(self._arrays[column - 1][i])


def _elide_long_names(combo: QComboBox) -> None:
    """A lane's name, however long, never widens the window: the box is sized for about
    12 characters and its list elides the rest."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    combo.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)


class Inspector(QWidget):
    """Bottom panel. Emits requests; the main window forwards them to the worker."""

    inspectRequested = Signal(str, int)
    continueRequested = Signal(int)
    forkRequested = Signal(str, int, object)
    breakpointsChanged = Signal(object)
    gradientCheckRequested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.inspection: Inspection | None = None
        self._snapshot: Snapshot | None = None
        self._last_follow = 0.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        # timeline -------------------------------------------------------------------------
        row = QHBoxLayout()
        self.lane_combo = QComboBox(self)
        self.lane_combo.setObjectName("inspector_lane")
        _elide_long_names(self.lane_combo)
        self.lane_combo.currentIndexChanged.connect(self._request)
        row.addWidget(QLabel(self.tr("Lane"), self))
        row.addWidget(self.lane_combo)
        self.follow = QCheckBox(self.tr("Follow the newest step"), self)
        self.follow.setObjectName("inspector_follow")
        self.follow.setChecked(True)
        self.follow.toggled.connect(self._follow_toggled)
        row.addWidget(self.follow)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("timeline")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._slider_moved)
        row.addWidget(self.slider, 1)
        self.step_spin = QSpinBox(self)
        self.step_spin.setObjectName("timeline_step")
        self.step_spin.setRange(0, 0)
        self.step_spin.setKeyboardTracking(False)
        self.step_spin.valueChanged.connect(self.slider.setValue)
        row.addWidget(self.step_spin)
        self.continue_button = QPushButton(self.tr("Continue from here"), self)
        self.continue_button.setObjectName("continue_here")
        self.continue_button.setToolTip(self.tr("Every lane back to this step; the steps after "
                                                "it are replaced"))
        self.continue_button.clicked.connect(lambda: self.continueRequested.emit(self.slider.value()))
        row.addWidget(self.continue_button)
        self.fork_button = QPushButton(self.tr("Fork lane here"), self)
        self.fork_button.setObjectName("fork_here")
        self.fork_button.setToolTip(self.tr("A new lane that continues this one from this step"))
        self.fork_button.clicked.connect(self._fork)
        row.addWidget(self.fork_button)
        self.fork_lr = QLineEdit(self)
        self.fork_lr.setObjectName("fork_lr")
        self.fork_lr.setPlaceholderText(self.tr("new lr (optional)"))
        self.fork_lr.setMaximumWidth(120)
        row.addWidget(self.fork_lr)
        layout.addLayout(row)
        self.fork_message = QLabel(self)  # why a new lr is refused
        self.fork_message.setObjectName("fork_message")
        self.fork_message.setWordWrap(True)
        self.fork_message.setStyleSheet("color: #b00020;")
        self.fork_message.hide()
        layout.addWidget(self.fork_message)

        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)

        # step tab ---------------------------------------------------------------------------
        step_tab = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTreeView()
        self.table.setObjectName("inspector_table")
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        self.step_table = StepTable(self.table)
        self.table.setModel(self.step_table)
        self.table.selectionModel().currentChanged.connect(self._row_selected)
        step_tab.addWidget(self.table)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(right)
        self.summary.setObjectName("inspector_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right_layout.addWidget(self.summary)
        self.formula = QPlainTextEdit(right)
        self.formula.setObjectName("inspector_formula")
        self.formula.setReadOnly(True)
        self.formula.setFont(_mono())
        right_layout.addWidget(self.formula, 1)
        check_row = QHBoxLayout()
        self.check_button = QPushButton(self.tr("Check gradient"), right)
        self.check_button.setObjectName("check_gradient")
        self.check_button.setToolTip(self.tr("Compare the analytic gradient at the current point "
                                             "with central finite differences"))
        self.check_button.clicked.connect(self._check_gradient)
        self.check_result = QLabel(right)
        self.check_result.setObjectName("check_result")
        self.check_result.setWordWrap(True)
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.check_result, 1)
        right_layout.addLayout(check_row)
        step_tab.addWidget(right)
        step_tab.setSizes([520, 520])
        self.tabs.addTab(step_tab, self.tr("Step"))

        # chain rule tab ----------------------------------------------------------------------
        self.chain = QPlainTextEdit()
        self.chain.setObjectName("inspector_chain")
        self.chain.setReadOnly(True)
        self.chain.setFont(_mono())
        self.tabs.addTab(self.chain, self.tr("Chain rule"))

        # breakpoints tab ---------------------------------------------------------------------
        bp = QWidget()
        form = QFormLayout(bp)
        self.bp_lane = QComboBox(bp)
        self.bp_lane.setObjectName("breakpoint_lane")
        _elide_long_names(self.bp_lane)
        self.bp_lane.addItem(self.tr("any lane"), None)
        form.addRow(self.tr("Pause when, on"), self.bp_lane)
        self.bp_checks: dict[str, QCheckBox] = {}
        self.bp_values: dict[str, QLineEdit] = {}
        labels = {
            "loss_up": self.tr("the loss goes up"),
            "grad_norm_above": self.tr("the gradient norm rises above"),
            "non_finite": self.tr("a value becomes non-finite"),
            "loss_below": self.tr("the loss falls below"),
            "step": self.tr("step number"),
            "admm_converged": self.tr("ADMM residuals are within tolerance"),
        }
        defaults = {"grad_norm_above": "1000", "loss_below": "1e-6", "step": "100"}
        for kind in BREAKPOINT_KINDS:
            box = QCheckBox(labels[kind], bp)
            box.setObjectName(f"breakpoint_{kind}")
            box.toggled.connect(self._breakpoints_changed)
            self.bp_checks[kind] = box
            if kind in _NEEDS_VALUE:
                edit = QLineEdit(defaults[kind], bp)
                edit.setObjectName(f"breakpoint_{kind}_value")
                edit.editingFinished.connect(self._breakpoints_changed)
                self.bp_values[kind] = edit
                form.addRow(box, edit)
            else:
                form.addRow(box)
        self.bp_lane.currentIndexChanged.connect(self._breakpoints_changed)
        self.bp_message = QLabel(bp)
        self.bp_message.setObjectName("breakpoint_message")
        self.bp_message.setStyleSheet("color: #b00020;")
        form.addRow(self.bp_message)
        # scrolled, so its form does not set the inspector's minimum height (on a 768 px
        # projector the map keeps the room)
        bp_scroll = QScrollArea()
        bp_scroll.setWidget(bp)
        bp_scroll.setWidgetResizable(True)
        bp_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.tabs.addTab(bp_scroll, self.tr("Breakpoints"))

        # ADMM residuals tab -------------------------------------------------------------------
        self.residual_plot = pg.PlotWidget(background="w")
        self.residual_plot.setObjectName("residual_plot")
        pi = self.residual_plot.getPlotItem()
        pi.setLogMode(y=True)
        pi.setLabel("bottom", self.tr("step"))
        pi.addLegend()
        self._res_curves = {
            "r": pi.plot(name=self.tr("primal r"), pen=pg.mkPen("#0072B2", width=2)),
            "s": pi.plot(name=self.tr("dual s"), pen=pg.mkPen("#D55E00", width=2)),
            "eps_pri": pi.plot(name=self.tr("tolerance of r"),
                               pen=pg.mkPen("#0072B2", style=Qt.PenStyle.DashLine)),
            "eps_dual": pi.plot(name=self.tr("tolerance of s"),
                                pen=pg.mkPen("#D55E00", style=Qt.PenStyle.DashLine)),
        }
        self.tabs.addTab(self.residual_plot, self.tr("ADMM residuals"))

    # --- from the window ---------------------------------------------------------------------
    def show_snapshot(self, snap: Snapshot) -> None:
        self._snapshot = snap
        names = [lane.name for lane in snap.lanes]
        current = [self.lane_combo.itemText(i) for i in range(self.lane_combo.count())]
        if names != current:
            keep = self.lane_combo.currentText()
            self.lane_combo.blockSignals(True)
            self.lane_combo.clear()
            self.lane_combo.addItems(names)
            if keep in names:
                self.lane_combo.setCurrentIndex(names.index(keep))
            self.lane_combo.blockSignals(False)
            bp_keep = self.bp_lane.currentData()
            self.bp_lane.blockSignals(True)
            self.bp_lane.clear()
            self.bp_lane.addItem(self.tr("any lane"), None)
            for n in names:
                self.bp_lane.addItem(n, n)
            if bp_keep in names:
                self.bp_lane.setCurrentIndex(names.index(bp_keep) + 1)
            self.bp_lane.blockSignals(False)
        lane = self._lane(snap)
        top = lane.t if lane is not None else snap.step
        self.slider.blockSignals(True)
        self.step_spin.blockSignals(True)
        self.slider.setMaximum(top)
        self.step_spin.setMaximum(top)
        if self.follow.isChecked():
            self.slider.setValue(top)
            self.step_spin.setValue(top)
        self.slider.blockSignals(False)
        self.step_spin.blockSignals(False)
        if lane is None:
            return
        if self.inspection is not None and self.inspection.run != snap.run:
            self.inspection = None  # of an earlier run (another problem, a reset): stale
            if not self.follow.isChecked():  # the same step of this run, where it exists
                self.inspectRequested.emit(lane.name, min(self.slider.value(), lane.t))
        if self.follow.isChecked() and (self.inspection is None or self.inspection.lane != lane.name
                                        or self.inspection.step != lane.t):
            now = time.monotonic()
            # while running, refresh the table a few times a second, not at every frame
            if not snap.running or now - self._last_follow >= _FOLLOW_INTERVAL_S:
                self._last_follow = now
                self.inspectRequested.emit(lane.name, lane.t)
        self._show_residuals(lane)

    def _lane(self, snap: Snapshot):
        name = self.lane_combo.currentText()
        for lane in snap.lanes:
            if lane.name == name:
                return lane
        return snap.lanes[0] if snap.lanes else None

    def show_inspection(self, ins: Inspection) -> None:
        self.inspection = ins
        tr = ins.trace
        if tr is None:  # step 0: the start's values
            params = [] if ins.params is None else [np.asarray(ins.params)]
            names = ins.parameter_names if params else ()
            self.step_table.show([self.tr("parameter"), "p"], params, names,
                                 ins.groups if params else {})
            self.summary.setText(self.tr("Step 0 of %1: the start, loss %2")
                                 .replace("%1", ins.lane).replace("%2", fmt(ins.loss)))
            self.formula.setPlainText("")
            self._fill_chain(ins)
            return
        columns = [k for k, v in tr.values.items()
                   if isinstance(v, np.ndarray) and v.ndim == 1 and v.size == len(ins.parameter_names)]
        scalars = [(k, v) for k, v in tr.values.items()
                   if isinstance(v, (bool, int, float, np.floating)) and not k.endswith("_prev")]
        arrays = [np.asarray(tr.values[c]) for c in columns]
        rebuilt = self.step_table.show([self.tr("parameter")] + columns, arrays,
                                       ins.parameter_names, ins.groups)
        scalar_text = ", ".join(f"{k} = {v if isinstance(v, bool) else fmt(v)}"
                                for k, v in scalars)
        notes = " ".join(tr.notes)
        self.summary.setText(
            self.tr("%1, step %2 (%3): loss after the step %4").replace("%1", ins.lane)
            .replace("%2", str(ins.step)).replace("%3", tr.optimizer).replace("%4", fmt(ins.loss))
            + (f"\n{tr.phase}" if tr.phase else "") + (f"\n{scalar_text}" if scalar_text else "")
            + (f"\n{notes}" if notes else ""))
        current = self.table.currentIndex()
        if rebuilt or not current.isValid():
            first = self.step_table.index(0, 0)
            if first.isValid():
                child = self.step_table.index(0, 0, first)
                self.table.setCurrentIndex(child if child.isValid() else first)
            self._fit_columns()
        else:  # the same row, this step's numbers
            self._row_selected(current)
        self._fill_chain(ins)

    def _fit_columns(self) -> None:
        """Size the columns to their contents (with the first group open), a value column
        at least as wide as the longest number ``fmt`` writes: later steps of the same
        shape change only the numbers, and refitting at each refresh asked Python for
        every cell of the rows in view."""
        header = self.table.header()
        margin = 2 * (self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        widest = self.table.fontMetrics().horizontalAdvance(_LONGEST_NUMBER) + margin
        for c in range(self.step_table.columnCount()):
            self.table.resizeColumnToContents(c)
            if c and header.sectionSize(c) < widest:
                header.resizeSection(c, widest)

    def _fill_chain(self, ins: Inspection) -> None:
        if ins.chain:
            self.chain.setPlainText("\n".join(ins.chain))
        else:
            self.chain.setPlainText(self.tr("The chain rule is written out for the network and "
                                            "for the chain-rule example (x² + 3)²."))

    def _row_selected(self, index: QModelIndex, _previous=None) -> None:
        if not index.isValid() or self.inspection is None or self.inspection.trace is None:
            return
        i = index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole)
        if i is None:
            return
        name = self.inspection.parameter_names[int(i)]
        lines = explain_step(self.inspection.trace, int(i))
        self.formula.setPlainText(f"{name}\n" + "\n".join(lines))

    def _show_residuals(self, lane) -> None:
        drawing = lane.drawing
        has = drawing is not None and drawing["records"].size > 0
        if not has:
            for curve in self._res_curves.values():
                clear_item(curve)
            return
        rows = drawing["records"]
        steps = rows[:, 0]
        for col, key in enumerate(("r", "s", "eps_pri", "eps_dual"), start=1):
            values = rows[:, col]
            ok = values > 0
            show_data(self._res_curves[key], steps[ok], values[ok])

    def show_gradient_check(self, lane: str, errors: dict) -> None:
        worst = max(errors.values()) if errors else float("nan")
        verdict = self.tr("passes") if worst < 1e-6 else self.tr("FAILS")
        parts = ", ".join(f"{g}: {e:.2e}" for g, e in errors.items())
        self.check_result.setText(self.tr("%1: relative error %2 (%3)").replace("%1", lane)
                                  .replace("%2", parts).replace("%3", verdict))

    # --- requests ------------------------------------------------------------------------
    def _request(self) -> None:
        name = self.lane_combo.currentText()
        if name:
            self.inspectRequested.emit(name, self.slider.value())
            if self._snapshot is not None:
                lane = self._lane(self._snapshot)
                if lane is not None:
                    self._show_residuals(lane)

    def _slider_moved(self, value: int) -> None:
        self.step_spin.blockSignals(True)
        self.step_spin.setValue(value)
        self.step_spin.blockSignals(False)
        if self.slider.isSliderDown() or self.sender() in (self.slider, self.step_spin):
            if value != self.slider.maximum():
                self.follow.setChecked(False)
        self._request()

    def select_step(self, k: int) -> None:
        """Show step k of the current lane (stops following the newest step). The worker
        clamps k to the steps the lane has taken, which may be ahead of the last redraw."""
        self.follow.setChecked(False)
        if k > self.slider.maximum():
            self.slider.setMaximum(k)
            self.step_spin.setMaximum(k)
        self.slider.setValue(k)

    def _follow_toggled(self, on: bool) -> None:
        if on:
            self.slider.setValue(self.slider.maximum())

    def _fork(self) -> None:
        name = self.lane_combo.currentText()
        text = self.fork_lr.text().strip()
        hparams = {}
        if text:
            lanes = self._snapshot.lanes if self._snapshot is not None else ()
            optimizer = next((l.optimizer for l in lanes if l.name == name), "sgd")
            lr = next(p for p in optimizer_spec(optimizer).params if p.name == "lr")
            try:  # the engine's own check: the same rule and message as everywhere
                hparams["lr"] = lr.parse(text, optimizer)
            except ValueError as exc:
                self.fork_lr.setStyleSheet("QLineEdit { background: #ffd7d7; }")
                self.fork_message.setText(str(exc))
                self.fork_message.show()
                return
        self.fork_lr.setStyleSheet("")
        self.fork_message.hide()
        self.forkRequested.emit(name, self.slider.value(), hparams)

    def _check_gradient(self) -> None:
        name = self.lane_combo.currentText()
        if name:
            self.check_result.setText(self.tr("checking…"))
            self.gradientCheckRequested.emit(name)

    def breakpoints(self) -> list[Breakpoint]:
        """The breakpoints set, or ValueError naming a bad value."""
        out = []
        lane = self.bp_lane.currentData()
        for kind, box in self.bp_checks.items():
            if not box.isChecked():
                continue
            value = None
            if kind in self.bp_values:
                text = self.bp_values[kind].text()
                try:
                    value = float(text)
                except ValueError:
                    raise ValueError(self.tr("“%1” is not a number").replace("%1", text)) from None
            out.append(Breakpoint(kind, value, lane))
        return out

    def set_breakpoints(self, breakpoints: list) -> None:
        """Show breakpoints that came from a file (without sending them back)."""
        self.blockSignals(True)
        try:
            for kind, box in self.bp_checks.items():
                box.setChecked(False)
            for b in breakpoints:
                if b.kind in self.bp_checks:
                    self.bp_checks[b.kind].setChecked(b.enabled)
                    if b.kind in self.bp_values and b.value is not None:
                        self.bp_values[b.kind].setText(f"{b.value:g}")
            # the lane they watch (one for all here: the first one a breakpoint names)
            lane = next((b.lane for b in breakpoints if b.lane is not None), None)
            index = self.bp_lane.findData(lane) if lane is not None else 0
            if index < 0:  # the loaded session's lanes are not listed yet
                self.bp_lane.addItem(lane, lane)
                index = self.bp_lane.count() - 1
            self.bp_lane.setCurrentIndex(index)
        finally:
            self.blockSignals(False)

    def _breakpoints_changed(self) -> None:
        try:
            bps = self.breakpoints()
        except ValueError as exc:
            self.bp_message.setText(str(exc))
            return
        self.bp_message.setText("")
        self.breakpointsChanged.emit(bps)
