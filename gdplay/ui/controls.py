"""The control panel: problem and its options, lanes and their settings, speed.

It renders one :class:`~gdplay.run_settings.RunSettings` value and replaces it by an edited
copy at each change (never changing it in place), then says what changed:
``configChanged`` when the run must start over (problem, options, lanes added, removed or
given another optimizer or schedule: read :meth:`ControlPanel.settings`),
``laneHparamsChanged`` for a hyperparameter that takes effect at the next step. Every value
is checked before it is emitted.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QColorDialog, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QPushButton, QSlider,
                               QSpinBox, QVBoxLayout, QWidget)

from ..engine.optimizers import optimizer_names, optimizer_spec
from ..engine.problems import make_problem, problem_names, problem_spec
from ..engine.schedules import SCHEDULES
from ..engine.session import LaneConfig
from ..run_settings import LaneSettings, RunSettings, unique_names, with_colors
from ..settings import SettingsError
from .param_form import ParamForm
from .worker import MAX_SPEED

__all__ = ["ControlPanel", "SPEEDS", "DEFAULT_LANES"]

SPEEDS = (1, 2, 5, 10, 30, 100, 300, 1000, 3000, 10000, MAX_SPEED)
DEFAULT_SPEED_INDEX = 5  # 100 steps per second

DEFAULT_LANES = {
    "rosenbrock": (LaneSettings("sgd", dict(lr=1e-4, momentum=0.9)),
                   LaneSettings("adam", dict(lr=0.02)),
                   LaneSettings("adamw", dict(lr=0.02, weight_decay=0.01))),
}


def _swatch(color: str) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(QColor(color))
    return QIcon(pix)


_FORMULA_CHARS = 400


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class ControlPanel(QWidget):
    configChanged = Signal()
    laneHparamsChanged = Signal(str, object)
    laneEnabledChanged = Signal(str, bool)
    laneColorChanged = Signal(str, str)  # lane name, colour
    speedChanged = Signal(float)
    sliceChanged = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._settings = RunSettings("rosenbrock", {}, _named(DEFAULT_LANES["rosenbrock"]),
                                     speed=float(SPEEDS[DEFAULT_SPEED_INDEX]))
        layout = QVBoxLayout(self)

        # problem ----------------------------------------------------------------------
        box = QGroupBox(self.tr("Problem"), self)
        self._problem_layout = QVBoxLayout(box)
        self.problem_combo = QComboBox(box)
        self.problem_combo.setObjectName("problem_combo")
        for name in problem_names():
            spec = problem_spec(name)
            self.problem_combo.addItem(QCoreApplication.translate("Problem", spec.title), name)
        self.problem_combo.setCurrentIndex(self.problem_combo.findData(self.problem))
        self.problem_combo.currentIndexChanged.connect(self._problem_changed)
        self._problem_layout.addWidget(self.problem_combo)
        self.formula = QLabel(box)
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._problem_layout.addWidget(self.formula)
        self.options_form: ParamForm | None = None
        self.slice_box = self._make_slice_box(box)
        self._problem_layout.addWidget(self.slice_box)
        layout.addWidget(box)

        # lanes ------------------------------------------------------------------------
        lanes_box = QGroupBox(self.tr("Lanes"), self)
        lanes_layout = QVBoxLayout(lanes_box)
        self.lane_list = QListWidget(lanes_box)
        self.lane_list.setObjectName("lane_list")
        self.lane_list.setMinimumHeight(90)
        self.lane_list.currentRowChanged.connect(self._lane_selected)
        self.lane_list.itemChanged.connect(self._lane_item_changed)
        lanes_layout.addWidget(self.lane_list)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add"), lanes_box)
        self.add_button.setObjectName("lane_add")
        self.duplicate_button = QPushButton(self.tr("Duplicate"), lanes_box)
        self.duplicate_button.setObjectName("lane_duplicate")
        self.remove_button = QPushButton(self.tr("Remove"), lanes_box)
        self.remove_button.setObjectName("lane_remove")
        self.color_button = QPushButton(self.tr("Colour…"), lanes_box)
        self.color_button.setObjectName("lane_color")
        for b in (self.add_button, self.duplicate_button, self.remove_button, self.color_button):
            buttons.addWidget(b)
        self.add_button.clicked.connect(self.add_lane)
        self.duplicate_button.clicked.connect(self.duplicate_lane)
        self.remove_button.clicked.connect(self.remove_lane)
        self.color_button.clicked.connect(self._pick_color)
        lanes_layout.addLayout(buttons)
        form = QFormLayout()
        self.optimizer_combo = QComboBox(lanes_box)
        self.optimizer_combo.setObjectName("optimizer_combo")
        for name in optimizer_names():
            self.optimizer_combo.addItem(optimizer_spec(name).title, name)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_changed)
        form.addRow(self.tr("Optimizer"), self.optimizer_combo)
        self.schedule_combo = QComboBox(lanes_box)
        self.schedule_combo.setObjectName("schedule_combo")
        for kind in SCHEDULES:
            self.schedule_combo.addItem(QCoreApplication.translate("Schedule", kind), kind)
        self.schedule_combo.currentIndexChanged.connect(self._schedule_kind_changed)
        form.addRow(self.tr("Schedule"), self.schedule_combo)
        lanes_layout.addLayout(form)
        self._hparam_holder = QVBoxLayout()
        lanes_layout.addLayout(self._hparam_holder)
        self.hparam_form: ParamForm | None = None
        self.schedule_form: ParamForm | None = None
        layout.addWidget(lanes_box)

        # speed ------------------------------------------------------------------------
        speed_box = QGroupBox(self.tr("Speed"), self)
        speed_layout = QHBoxLayout(speed_box)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, speed_box)
        self.speed_slider.setObjectName("speed_slider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(DEFAULT_SPEED_INDEX)
        self.speed_label = QLabel(speed_box)
        self.speed_label.setMinimumWidth(90)
        self.speed_slider.valueChanged.connect(self._speed_changed)
        speed_layout.addWidget(self.speed_slider)
        speed_layout.addWidget(self.speed_label)
        layout.addWidget(speed_box)
        layout.addStretch(1)

        self._rebuild_problem_form()
        self._rebuild_lane_list()
        self._update_speed_label()

    # --- the settings --------------------------------------------------------------------
    def settings(self) -> RunSettings:
        """The run's settings as shown (an immutable value: keep it, send it anywhere)."""
        return self._settings.replace(slice=self.slice_spec(), speed=self.speed())

    @property
    def problem(self) -> str:
        return self._settings.problem

    @property
    def options(self) -> dict:
        return self._settings.options.thaw()

    @property
    def lanes(self) -> list[LaneConfig]:
        """The lanes as the engine takes them (copies: editing them changes nothing here)."""
        return self._settings.lane_configs()

    def speed(self) -> float:
        return float(SPEEDS[self.speed_slider.value()])

    def _set_lanes(self, lanes) -> None:
        self._settings = self._settings.replace(lanes=_named(lanes))

    def _set_lane(self, row: int, lane: LaneSettings) -> None:
        self._settings = self._settings.with_lane(row, lane)

    def add_forked_lane(self, config: LaneConfig) -> None:
        """A lane the worker already added (a fork, with the colour the session gave it):
        listed, without a reset."""
        self._set_lanes(self._settings.lanes + (LaneSettings.from_config(config),))
        self._rebuild_lane_list(len(self._settings.lanes) - 1)

    def current_lane(self) -> LaneSettings | None:
        row = self.lane_list.currentRow()
        lanes = self._settings.lanes
        return lanes[row] if 0 <= row < len(lanes) else None

    def set_lane_color(self, row: int, color: str) -> None:
        """Lane ``row``'s colour (#rrggbb); the run goes on."""
        lane = self._settings.lanes[row].replace(color=color)
        self._set_lane(row, lane)
        self._rebuild_lane_list()
        self.laneColorChanged.emit(lane.name, color)

    # --- problem -------------------------------------------------------------------------
    def set_problem(self, name: str, options: dict | None = None) -> None:
        """Choose a problem (and its options, checked by the engine): a reset."""
        spec = problem_spec(name)
        options = dict(options or {})
        known = {p.name: p for p in spec.options}
        for key, value in options.items():
            if key not in known:
                raise ValueError(f"problem {name!r} has no option {key!r}")
            options[key] = known[key].check(value, f"problem {name}")
        self._settings = self._settings.replace(problem=name, options=options)
        with QSignalBlocker(self.problem_combo):
            self.problem_combo.setCurrentIndex(self.problem_combo.findData(name))
        self._rebuild_problem_form()
        self.configChanged.emit()

    def _problem_changed(self, index: int) -> None:
        name = self.problem_combo.itemData(index)
        if name is None or name == self.problem:
            return
        self._settings = self._settings.replace(problem=name, options={})
        self._rebuild_problem_form()
        self.configChanged.emit()

    def _show_formula(self, problem=None) -> None:
        """The problem's formula; for your own function also its derived gradient."""
        spec = problem_spec(self.problem)
        text = spec.formula
        if problem is not None and hasattr(problem, "gradient_formula"):
            text = f"{problem.formula}\n{problem.gradient_formula}"
        # a long chain's derivative prints as tens of thousands of characters: the panel
        # shows its start, the tooltip more
        self.formula.setText(_shorten(text, _FORMULA_CHARS))
        self.formula.setToolTip(_shorten(text, 20 * _FORMULA_CHARS) if len(text) > _FORMULA_CHARS
                                else "")

    def _rebuild_problem_form(self) -> None:
        spec = problem_spec(self.problem)
        self._show_formula(self._own_function())
        if self.options_form is not None:
            self._problem_layout.removeWidget(self.options_form)
            self.options_form.hide()
            self.options_form.deleteLater()
        self.options_form = ParamForm(spec.options, self.options, owner=f"problem {self.problem}")
        self.options_form.setObjectName("options_form")
        self.options_form.valuesChanged.connect(self._options_changed)
        self._problem_layout.insertWidget(2, self.options_form)
        self.slice_box.setVisible(spec.kind == "network")

    def _options_changed(self, values: dict) -> None:
        defaults = {p.name: p.default for p in problem_spec(self.problem).options}
        options = {k: v for k, v in values.items() if v != defaults.get(k)}
        edited = self._settings.replace(options=options)
        try:  # the one check of a setting: rules across options, e.g. batch <= samples
            edited.validate(where=None)
        except SettingsError as exc:
            self.options_form.show_error("_rules", str(exc))
            return
        self.options_form.clear_error("_rules")
        self._settings = edited
        self._show_formula(self._own_function())
        self.configChanged.emit()

    def _own_function(self):
        """Your own function built (its derived gradient is shown), else None."""
        if problem_spec(self.problem).kind != "custom":
            return None
        try:
            return make_problem(self.problem, **self.options)
        except ValueError:
            return None

    def _make_slice_box(self, parent) -> QWidget:
        box = QWidget(parent)
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.slice_combo = QComboBox(box)
        self.slice_combo.setObjectName("slice_combo")
        self.slice_combo.addItem(self.tr("Random directions (filter-normalized)"), "random")
        self.slice_combo.addItem(self.tr("Two weights"), "axes")
        self.slice_combo.addItem(self.tr("PCA of the first lane's path"), "pca")
        form.addRow(self.tr("Slice"), self.slice_combo)
        self.slice_i = QSpinBox(box)
        self.slice_j = QSpinBox(box)
        self.slice_i.setRange(0, 1_000_000)
        self.slice_j.setRange(0, 1_000_000)
        self.slice_j.setValue(1)
        form.addRow(self.tr("Weights i, j"), self._pair(self.slice_i, self.slice_j))
        apply = QPushButton(self.tr("Redraw slice"), box)
        apply.setObjectName("slice_apply")
        apply.clicked.connect(self._emit_slice)
        form.addRow(apply)
        return box

    @staticmethod
    def _pair(a: QWidget, b: QWidget) -> QWidget:
        w = QWidget()
        h = QHBoxLayout(w)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(a)
        h.addWidget(b)
        return w

    def slice_spec(self) -> dict:
        return {"kind": self.slice_combo.currentData(), "i": self.slice_i.value(),
                "j": self.slice_j.value()}

    def _show_slice(self, spec) -> None:
        with QSignalBlocker(self.slice_combo):
            self.slice_combo.setCurrentIndex(max(0, self.slice_combo.findData(
                spec.get("kind", "random"))))
        self.slice_i.setValue(int(spec.get("i", 0)))
        self.slice_j.setValue(int(spec.get("j", 1)))

    def _emit_slice(self) -> None:
        self.sliceChanged.emit(self.slice_spec())

    # --- lanes ---------------------------------------------------------------------------
    def _rebuild_lane_list(self, select: int | None = None) -> None:
        row = self.lane_list.currentRow() if select is None else select
        with QSignalBlocker(self.lane_list):
            self.lane_list.clear()
            for lane in self._settings.lanes:
                item = QListWidgetItem(_swatch(lane.color or "#000000"), lane.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if lane.enabled else Qt.CheckState.Unchecked)
                self.lane_list.addItem(item)
        row = min(max(row, 0), len(self._settings.lanes) - 1)
        self.lane_list.setCurrentRow(row)
        self._lane_selected(row)
        self.remove_button.setEnabled(len(self._settings.lanes) > 1)

    def set_lane_status(self, texts: dict[str, str]) -> None:
        """Show each lane's loss or 'diverged at step k: why' beside its name."""
        with QSignalBlocker(self.lane_list):
            for i, lane in enumerate(self._settings.lanes):
                item = self.lane_list.item(i)
                if item is not None and lane.name in texts:
                    text = f"{lane.name}: {texts[lane.name]}"
                    if item.text() != text:
                        item.setText(text)

    def show_settings(self, settings: RunSettings, emit: bool = True) -> None:
        """Show ``settings`` (its problem, options, lanes, slice and speed) in one go: one
        reset, not one per field (a lesson). ``emit=False``: the worker already runs
        them (a file opened, the widgets rebuilt by a language switch)."""
        defaults = {p.name: p.default for p in problem_spec(settings.problem).options}
        options = {k: v for k, v in settings.options.items() if v != defaults.get(k)}
        self.blockSignals(True)
        try:
            self.set_problem(settings.problem, options)
            self.set_lanes(settings.lanes)
            self._show_slice(settings.slice)
            if not emit:
                with QSignalBlocker(self.speed_slider):
                    self.speed_slider.setValue(self._speed_index(settings.speed))
                self._update_speed_label()
        finally:
            self.blockSignals(False)
        if emit:
            self.set_speed(settings.speed)  # speedChanged, if it is another speed
            self.configChanged.emit()

    def set_speed(self, steps_per_second: float) -> None:
        """The speed setting nearest to ``steps_per_second`` (0: as fast as possible)."""
        self.speed_slider.setValue(self._speed_index(steps_per_second))

    @staticmethod
    def _speed_index(steps_per_second: float) -> int:
        if steps_per_second <= 0:
            return SPEEDS.index(MAX_SPEED)
        finite = [(abs(s - steps_per_second), i) for i, s in enumerate(SPEEDS) if s != MAX_SPEED]
        return min(finite)[1]

    def set_lanes(self, lanes) -> None:
        """Replace every lane (LaneSettings or the engine's LaneConfig): a reset."""
        if not lanes:
            raise ValueError("a run needs at least one lane")
        self._lanes_changed(tuple(lanes), 0)

    def add_lane(self) -> None:
        lane = self.current_lane()
        optimizer = "adam" if lane is None or lane.optimizer != "adam" else "sgd"
        lanes = self._settings.lanes
        self._lanes_changed(lanes + (LaneSettings(optimizer),), len(lanes))

    def duplicate_lane(self) -> None:
        lane = self.current_lane()
        if lane is None:
            return
        lanes = self._settings.lanes
        self._lanes_changed(lanes + (lane.replace(color=None),), len(lanes))

    def remove_lane(self) -> None:
        row = self.lane_list.currentRow()
        lanes = self._settings.lanes
        if len(lanes) <= 1 or not 0 <= row < len(lanes):
            return
        self._lanes_changed(lanes[:row] + lanes[row + 1:], min(row, len(lanes) - 2))

    def _lanes_changed(self, lanes, select: int) -> None:
        self._set_lanes(lanes)
        self._rebuild_lane_list(select)
        self.configChanged.emit()

    def _lane_item_changed(self, item: QListWidgetItem) -> None:
        row = self.lane_list.row(item)
        lanes = self._settings.lanes
        if 0 <= row < len(lanes):
            enabled = item.checkState() == Qt.CheckState.Checked
            if lanes[row].enabled != enabled:
                self._set_lane(row, lanes[row].replace(enabled=enabled))
                self.laneEnabledChanged.emit(lanes[row].name, enabled)

    def _pick_color(self) -> None:
        lane = self.current_lane()
        if lane is None:
            return
        color = QColorDialog.getColor(QColor(lane.color or "#000000"), self,
                                      self.tr("Lane colour"))
        if color.isValid():
            self.set_lane_color(self.lane_list.currentRow(), color.name())

    def _lane_selected(self, row: int) -> None:
        lanes = self._settings.lanes
        lane = lanes[row] if 0 <= row < len(lanes) else None
        if lane is None:
            return
        with QSignalBlocker(self.optimizer_combo):
            self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(lane.optimizer))
        kind = (lane.schedule or {}).get("kind", "constant")
        with QSignalBlocker(self.schedule_combo):
            self.schedule_combo.setCurrentIndex(self.schedule_combo.findData(kind))
        self._rebuild_lane_forms(lane)

    def _rebuild_lane_forms(self, lane: LaneSettings) -> None:
        for form in (self.hparam_form, self.schedule_form):
            if form is not None:
                self._hparam_holder.removeWidget(form)
                form.hide()
                form.deleteLater()
        spec = optimizer_spec(lane.optimizer)
        self.hparam_form = ParamForm(spec.params, lane.hparams, owner=lane.optimizer)
        self.hparam_form.setObjectName("hparam_form")
        self.hparam_form.valuesChanged.connect(self._hparams_changed)
        self._hparam_holder.addWidget(self.hparam_form)
        kind = (lane.schedule or {}).get("kind", "constant")
        settings = {k: v for k, v in (lane.schedule or {}).items() if k != "kind"}
        self.schedule_form = ParamForm(SCHEDULES[kind], settings, owner=f"schedule {kind}")
        self.schedule_form.setObjectName("schedule_form")
        self.schedule_form.valuesChanged.connect(self._schedule_settings_changed)
        self.schedule_form.setVisible(bool(SCHEDULES[kind]))
        self._hparam_holder.addWidget(self.schedule_form)

    def _optimizer_changed(self, index: int) -> None:
        lane = self.current_lane()
        name = self.optimizer_combo.itemData(index)
        if lane is None or name is None or name == lane.optimizer:
            return
        keep = {p.name for p in optimizer_spec(name).params}
        row = self.lane_list.currentRow()
        lane = lane.replace(optimizer=name, name="",  # named after its new optimizer
                            hparams={k: v for k, v in lane.hparams.items()
                                     if k in keep and k == "lr"})
        lanes = list(self._settings.lanes)
        lanes[row] = lane
        self._lanes_changed(tuple(lanes), row)

    def _hparams_changed(self, values: dict) -> None:
        lane = self.current_lane()
        if lane is None or self.hparam_form is None:
            return
        row = self.lane_list.currentRow()
        edited = self._settings.with_lane(row, lane.replace(hparams=values))
        try:  # the one check of a setting: rules across settings, e.g. nesterov's
            edited.validate(where=None)
        except SettingsError as exc:  # shown in the lane's own form: its place goes
            self.hparam_form.show_error("_rules", str(exc).removeprefix(f"lanes[{row}]: "))
            return
        self.hparam_form.clear_error("_rules")
        changes = {k: v for k, v in values.items() if lane.hparams.get(k, object()) != v}
        self._settings = edited
        if changes:
            self.laneHparamsChanged.emit(lane.name, changes)

    def _schedule_kind_changed(self, index: int) -> None:
        lane = self.current_lane()
        kind = self.schedule_combo.itemData(index)
        if lane is None or kind is None:
            return
        lane = lane.replace(schedule=None if kind == "constant" else {"kind": kind})
        self._set_lane(self.lane_list.currentRow(), lane)
        self._rebuild_lane_forms(lane)
        self.configChanged.emit()

    def _schedule_settings_changed(self, values: dict) -> None:
        lane = self.current_lane()
        if lane is None:
            return
        kind = self.schedule_combo.currentData()
        self._set_lane(self.lane_list.currentRow(), lane.replace(schedule={"kind": kind, **values}))
        self.configChanged.emit()

    # --- speed ---------------------------------------------------------------------------
    def _update_speed_label(self) -> None:
        speed = self.speed()
        if speed == MAX_SPEED:
            self.speed_label.setText(self.tr("as fast as possible"))
        else:
            self.speed_label.setText(self.tr("%1 steps/s").replace("%1", f"{speed:g}"))

    def _speed_changed(self, _value: int) -> None:
        self._update_speed_label()
        self.speedChanged.emit(self.speed())


def _named(lanes) -> tuple[LaneSettings, ...]:
    """Lanes (LaneSettings or LaneConfig) with unique names and a colour each (a lane
    without one gets a colour no other lane has, while the palette lasts)."""
    lanes = unique_names([lane if isinstance(lane, LaneSettings) else
                          LaneSettings.from_config(lane) for lane in lanes])
    return tuple(lane if lane.color == color else lane.replace(color=color)
                 for lane, color in zip(lanes, with_colors([l.color for l in lanes])))
