"""The network's fit: the data and each lane's prediction, live."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from ..present.curves import stable_extent
from ..present.snapshots import Snapshot
from .views import _Plot, _pen, clear_item, lane_color, show_data

__all__ = ["FitView", "Dots"]


class Dots(pg.GraphicsObject):
    """Round dots of one colour, ``size`` pixels across at any zoom, drawn as one polygon's
    points with a round pen: the fit view's predicted-vs-true points.

    pyqtgraph's ScatterPlotItem works out each point's symbol in Python whenever it is
    given data, every frame for a running network; these look the same and cost a tenth
    (figures in docs/performance.md)."""

    def __init__(self, size: float = 5.0):
        super().__init__()
        self._size = size
        self._pen = QPen()
        self._pen.setCosmetic(True)
        self._pen.setWidthF(size)
        self._pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._points = QPolygonF()
        self._xy = (np.empty(0), np.empty(0))
        self._rect: QRectF | None = None  # the points' bounds, in data coordinates
        self._bounds: QRectF | None = None  # boundingRect's answer, None: to work out

    def setData(self, x, y, color=None) -> None:
        """Dots at (x, y), in ``color`` if given."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.prepareGeometryChange()
        self._bounds = None
        points = QPolygonF()  # an empty polygon's memory is not writable
        if len(x):
            points = pg.functions.create_qpolygonf(len(x))
            xy = pg.functions.ndarray_from_qpolygonf(points)
            xy[:, 0] = x
            xy[:, 1] = y
        self._points = points
        self._xy = (x.copy(), y.copy())
        self._rect = (QRectF(float(x.min()), float(y.min()), float(np.ptp(x)), float(np.ptp(y)))
                      if len(x) else None)
        if color is not None:
            self._pen.setColor(QColor(color))
        self.update()

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        return self._xy

    def boundingRect(self) -> QRectF:
        # Qt asks about 12 times a network frame: kept until the data or the view change
        if self._bounds is None:
            self._bounds = QRectF()
            if self._rect is not None:
                # a dot reaches its radius beyond its point: that many pixels, in data units
                px = self.pixelLength(pg.Point(1, 0)) or 0.0
                py = self.pixelLength(pg.Point(0, 1)) or 0.0
                r = self._size
                self._bounds = self._rect.adjusted(-r * px, -r * py, r * px, r * py)
        return self._bounds

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()
        self.prepareGeometryChange()  # a pixel is another length in data units now
        self._bounds = None

    def paint(self, painter, *args) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen)
        painter.drawPoints(self._points)


class FitView(_Plot):
    """The network's data and each lane's prediction, live.

    With several inputs each lane's predictions are drawn against the targets, a point per
    sample but at most ``SCATTER_POINTS`` of them (the same seeded subset for every lane and
    frame): all of a large data set, set and painted every frame, slowed the window."""

    SCATTER_POINTS = 256
    # Auto-range follows the data and a box around the predictions that moves in coarse
    # steps: following the predictions themselves redrew the axes every frame.

    def __init__(self, parent=None):
        super().__init__(parent)
        self.points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(120, 120, 120, 160), pen=None)
        self.plot.addItem(self.points)
        self.diagonal = pg.PlotDataItem(pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.diagonal)
        # a lane's predictions: a curve (one input) or dots against the targets
        self._lines: list[pg.PlotCurveItem | Dots] = []
        self._mode = ""
        # the (X, Y) shown, and the rows drawn in order (sorted by x with one input, else the
        # subset of the scatter)
        self._data: tuple | None = None
        self._follow_extent()

    def show_snapshot(self, snap: Snapshot) -> None:
        if snap.data_x is None:
            return
        one_input = snap.data_x.shape[1] == 1
        pi = self.plot.getPlotItem()
        mode = "curve" if one_input else "scatter"
        if mode != self._mode:
            self._mode = mode
            if one_input:
                pi.setTitle(self.tr("Data and predictions"))
                pi.setLabel("bottom", "x")
                pi.setLabel("left", "y")
            else:
                pi.setLabel("bottom", self.tr("true"))
                pi.setLabel("left", self.tr("predicted"))
        kind = pg.PlotCurveItem if one_input else Dots
        if any(type(item) is not kind for item in self._lines):
            while self._lines:
                self.plot.removeItem(self._lines.pop())
        while len(self._lines) < len(snap.lanes):
            item = kind()
            self.plot.addItem(item, ignoreBounds=True)
            self._lines.append(item)
        while len(self._lines) > len(snap.lanes):
            self.plot.removeItem(self._lines.pop())
        y = snap.data_y
        if self._data is None or self._data[0] is not snap.data_x or self._data[1] is not y:
            # the data change with the session, not every frame: set them only then
            n = y.shape[0]
            if one_input:
                order = np.argsort(snap.data_x[:, 0])
                show_data(self.points, snap.data_x[:, 0], y)
                clear_item(self.diagonal)
            else:
                order = np.arange(n)
                if n > self.SCATTER_POINTS:
                    order = np.sort(np.random.default_rng(0).choice(n, self.SCATTER_POINTS,
                                                                    replace=False))
                    pi.setTitle(self.tr("Predicted vs true (%1 of %2 samples)")
                                .replace("%1", str(order.size)).replace("%2", str(n)))
                else:
                    pi.setTitle(self.tr("Predicted vs true"))
                clear_item(self.points)
                lo, hi = float(np.min(y)), float(np.max(y))
                show_data(self.diagonal, [lo, hi], [lo, hi])
            self._data = (snap.data_x, y, order)
        order = self._data[2]
        lo, hi = math.inf, -math.inf
        for i, (lane, item) in enumerate(zip(snap.lanes, self._lines)):
            item.setVisible(lane.enabled)
            pred = lane.prediction
            if pred is None or not np.all(np.isfinite(pred)):
                item.setData([], [])
                continue
            color = lane_color(i, lane.color)
            shown = pred[order]
            if one_input:
                item.setData(snap.data_x[order, 0], shown, pen=_pen(color, self.line_width))
            else:
                item.setData(y[order], shown, color)
            if lane.enabled and shown.size:
                lo, hi = min(lo, float(shown.min())), max(hi, float(shown.max()))
        x = snap.data_x[:, 0] if one_input else y
        self._set_extent((float(x.min()), float(x.max()), *stable_extent(lo, hi, False))
                         if lo <= hi else None)

    def drawn(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Lane i's predictions as drawn: (x, y), in the order drawn."""
        return self._lines[i].getData()
