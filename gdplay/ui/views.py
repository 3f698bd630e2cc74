"""Plots: the landscape and the loss curve (the network's fit: fit_view.py). They draw
snapshots.

Every view takes the presenter's immutable snapshots and landscape data (gdplay.present)
and only draws them; none computes optimizer math. Items are created once and updated
with setData.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPixmapCache
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from ..run_settings import PALETTE
from ..present.curves import nice_ceil, peak_columns, stable_extent
from ..present.snapshots import LandscapeData, Snapshot

__all__ = ["LandscapeView", "LossView", "clear_item", "show_data", "lane_color",
           "fit_pixmap_cache", "GrowingCurve", "TAIL_POINTS"]

# A lane's path is drawn from a cached picture up to where it was when the cache was last
# drawn, plus a live tail; a tail longer than this redraws the cache (see GrowingCurve).
TAIL_POINTS = 64



@functools.lru_cache(maxsize=256)
def _pen(color, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine):
    """A pen, made once per (colour, width, style): redraws reuse it."""
    return pg.mkPen(color, width=width, style=style)


@functools.lru_cache(maxsize=256)
def _brush(color):
    return pg.mkBrush(color)


def clear_item(item) -> None:
    """Empty a PlotDataItem or ScatterPlotItem and hide it; nothing to do (and no repaint)
    if it is empty already. Redraws clear many unused items every frame. Hidden, as Qt
    still paints an empty ScatterPlotItem (its bounds, a null rectangle at the origin, are
    drawn wherever the origin is in view), several items a frame."""
    if isinstance(item, pg.ScatterPlotItem):
        empty = len(item.data) == 0
    else:
        empty = item.xData is None or len(item.xData) == 0
    if not empty:
        item.setData([], [])
    item.setVisible(False)


def show_data(item, *args, **kwargs) -> None:
    """Give an item data (``setData``'s arguments) and show it: the other half of
    :func:`clear_item`."""
    item.setData(*args, **kwargs)
    item.setVisible(True)


class GrowingCurve:
    """A curve which from one snapshot to the next grows at its end (a lane's path on the
    map, its loss curve), drawn as two items: its start from a cached picture, its tail
    stroked live.

    Stroking a wide line through hundreds of points was most of what a frame cost, and
    redrawing the same start every frame repeats that work. The caller says how many
    leading points are final (``settled``: by default all but the last); the worker picks
    points so that those picked stay picked (power-of-two strides and buckets). When the
    cached start no longer matches (a reset, history thinned again, a new range of columns,
    new pens) or the tail grows past TAIL_POINTS, the cached part is redrawn with the
    settled points. ``items`` are added to the plot by the caller.

    ``segmented``: pyqtgraph's segmented-line mode for both parts ("off", one path, was
    faster for the map's paths over their shadow; "auto" strokes a plain wide line as
    separate segments, faster for the loss curves).
    """

    def __init__(self, segmented: str = "off"):
        # bare curves: a PlotDataItem's setData (which wraps one) costs five times the
        # curve's own, and each lane sets its tail every frame
        self.settled = pg.PlotCurveItem()
        self.tail = pg.PlotCurveItem()
        for part in (self.settled, self.tail):
            part.setSegmentedLineMode(segmented)
        self.settled.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.items = (self.settled, self.tail)
        self.kept: tuple[np.ndarray, np.ndarray, dict] = (np.empty(0), np.empty(0), {})
        self._tail_style: dict | None = None

    def show(self, x: np.ndarray, y: np.ndarray, style: dict,
             settled: int | None = None) -> None:
        """Draw the curve through (x, y) with ``setData`` style arguments ``style``; the
        first ``settled`` points (default: all but the last) are final: later calls pass
        them again unchanged while the curve only grows."""
        kx, ky, kstyle = self.kept
        k = len(kx)
        if (k < 2 or kstyle != style or not k <= len(x) < k + TAIL_POINTS
                or not (np.array_equal(x[:k], kx) and np.array_equal(y[:k], ky))):
            k = len(x) - 1 if settled is None else settled
            k = min(max(k, 0), max(len(x) - 1, 0))
            kx, ky = x[:k], y[:k]
            self.kept = (kx, ky, style)
            if k >= 2:
                show_data(self.settled, kx, ky, **style)
            else:
                clear_item(self.settled)
        elif not self.settled.isVisible():
            self.settled.setVisible(True)
        start = max(k - 1, 0)  # from the cached part's last point on
        if len(x) - start >= 2:
            if style == self._tail_style:  # pens set again cost more than the points
                show_data(self.tail, x[start:], y[start:])
            else:
                show_data(self.tail, x[start:], y[start:], **style)
                self._tail_style = style
        else:
            clear_item(self.tail)

    def clear(self) -> None:
        for item in self.items:
            clear_item(item)
        self.kept = (np.empty(0), np.empty(0), {})

    def setVisible(self, visible: bool) -> None:
        for item in self.items:
            item.setVisible(visible)

    # a legend draws its sample of the line from these (see pyqtgraph's ItemSample)
    @property
    def opts(self) -> dict:
        return self.tail.opts

    def isVisible(self) -> bool:
        return self.settled.isVisible() or self.tail.isVisible()


# Room for cached pictures (the height map, contours, axes and grids, the paths drawn so
# far) of this many times the window's own area: the plots' layers take up to twice it
# (below that, every frame redrew them), and as much again for margin
CACHED_LAYERS = 4


def fit_pixmap_cache(width: int, height: int, device_pixel_ratio: float = 1.0) -> int:
    """Raise Qt's pixmap cache limit (10 MB by default) to hold the cached layers of a
    window this size; the limit in KB. Qt keeps item caches there and drops the least
    recently used when full: on a 1920x1080 window they did not fit and every frame redrew
    them, five times the paint. The limit is a ceiling, not memory set aside."""
    need = int(CACHED_LAYERS * width * height * 4 * device_pixel_ratio ** 2 / 1024)
    if need > QPixmapCache.cacheLimit():
        QPixmapCache.setCacheLimit(need)
    return QPixmapCache.cacheLimit()


def lane_color(index: int, color: str | None = None) -> str:
    """A lane's colour: its own, or the colour-blind-safe palette (Okabe & Ito) in order
    (also for a colour that is not one: a frame must never raise on it)."""
    if color and _is_color(color):
        return color
    return PALETTE[index % len(PALETTE)]


@functools.lru_cache(maxsize=256)
def _is_color(color) -> bool:
    return isinstance(color, str) and len(color) <= 64 and QColor.isValidColorName(color)


class _Plot(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        # axes and grid repaint from a pixmap unless their range or style changed
        pi = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            pi.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.line_width = 2
        self.marker_size = 11
        self.extent: pg.PlotDataItem | None = None
        self._extent: tuple | None = None

    def _follow_extent(self) -> None:
        """Make auto-range follow an invisible box (set by :meth:`_set_extent`) rather than
        the items added with ``ignoreBounds``: the box changes only when the data outgrow
        it (see stable_extent), so the axes are not redrawn every frame."""
        self.extent = pg.PlotDataItem(pen=pg.mkPen(0, 0, 0, 0))  # a hidden item has no bounds
        self.plot.addItem(self.extent)

    def _set_extent(self, extent: tuple | None) -> None:
        """The box (x0, x1, y0, y1) auto-range keeps in view, or None."""
        if extent == self._extent:
            return
        self._extent = extent
        if extent is None:
            self.extent.setData([], [])
        else:
            self.extent.setData([extent[0], extent[1]], [extent[2], extent[3]])

    def set_presentation(self, line_width: int, marker_size: int, font_px: int) -> None:
        """Line width, marker size and axis font size (presenter mode makes them big)."""
        self.line_width = line_width
        self.marker_size = marker_size
        font = QFont()
        font.setPixelSize(font_px)
        pi = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = pi.getAxis(name)
            axis.setStyle(tickFont=font)
            axis.label.setFont(font)
        pi.titleLabel.item.setFont(font)

    def set_theme(self, dark: bool) -> None:
        """Dark or light plot colours (the light one reads best on a projector)."""
        fg = "#E6E6E6" if dark else "#202020"
        self.plot.setBackground("#151515" if dark else "w")
        pi = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = pi.getAxis(name)
            axis.setPen(fg)
            axis.setTextPen(fg)
        pi.titleLabel.setText(pi.titleLabel.text, color=fg)


class LandscapeView(_Plot):
    """2D: height map, contours, colour bar, minima, start, trajectories. 1D: the curve
    with each lane's point and tangent. Networks: a 2D slice with projected paths."""

    startRequested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot.showGrid(x=False, y=False)  # the height map is the background
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.contours = pg.PlotDataItem(connect="pairs", pen=pg.mkPen((40, 40, 40, 110), width=1))
        # static between landscapes: paint the contours and the map from a cached pixmap
        self.contours.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.addItem(self.contours)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#333333", width=2))
        self.plot.addItem(self.curve)
        self.minima = pg.ScatterPlotItem(symbol="star", size=16, brush=pg.mkBrush("#FFD700"),
                                         pen=pg.mkPen("#000000"))
        self.plot.addItem(self.minima)
        self.start = pg.ScatterPlotItem(symbol="s", size=10, brush=pg.mkBrush("#FFFFFF"),
                                        pen=pg.mkPen("#000000", width=2))
        self.plot.addItem(self.start)
        # static between landscapes too: cached, not painted every frame
        for item in (self.minima, self.start):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        cmap = pg.colormap.get("viridis")
        self.colorbar = pg.ColorBarItem(colorMap=cmap, interactive=False, width=15)
        self.colorbar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        # per lane: path (a line over a wider white shadow of itself, visible on any colour)
        # and tangent; every lane's point in one item (one paint, not one per lane), on top
        self._lane_items: list[tuple[GrowingCurve, pg.PlotDataItem]] = []
        self.points = pg.ScatterPlotItem()
        self.points.setZValue(10)
        self.plot.addItem(self.points)
        self.data: LandscapeData | None = None
        self.step_marker = pg.ScatterPlotItem(symbol="t", size=18, brush=pg.mkBrush("#FFFFFF"),
                                              pen=pg.mkPen("#000000", width=2))
        self.step_marker.setZValue(20)
        self.plot.addItem(self.step_marker)
        self.z_markers = pg.ScatterPlotItem(symbol="d", size=14, pen=pg.mkPen("#000000", width=1.5))
        self.z_markers.setZValue(15)
        self.plot.addItem(self.z_markers)
        self.constraint = pg.PlotDataItem(pen=pg.mkPen("#b00020", width=2, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.constraint)
        # the scaled dual variable u of each ADMM lane, drawn as a segment from z to z + u
        self.duals = pg.PlotDataItem(connect="pairs", pen=pg.mkPen("#000000", width=2,
                                                                    style=Qt.PenStyle.DotLine))
        self.plot.addItem(self.duals)
        # empty until there is something to show: hidden (see clear_item), not only once the
        # first inspection or ADMM lane has come and gone
        for item in (self.step_marker, self.z_markers, self.constraint, self.duals):
            item.setVisible(False)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    def set_landscape(self, data: LandscapeData) -> None:
        self.data = data
        pi = self.plot.getPlotItem()
        pi.setTitle(data.title)
        if data.kind == "1d":
            self.image.hide()
            self.colorbar.hide()
            self.contours.setData([], [])
            self.curve.setData(data.x, data.y)
            self.curve.show()
            if data.minima.size:
                my = np.interp(data.minima[:, 0], data.x, data.y)
                show_data(self.minima, data.minima[:, 0], my)
            else:
                clear_item(self.minima)
            y0 = float(np.interp(data.start[0], data.x, data.y))
            if math.isfinite(y0):
                show_data(self.start, [data.start[0]], [y0])
            else:  # your own function, undefined at the start: no marker (NaN bounds warn)
                clear_item(self.start)
            pi.setLabel("bottom", data.labels[0])
            pi.setLabel("left", data.labels[1])
            pi.enableAutoRange()
            return
        self.curve.hide()
        self.image.show()
        self.colorbar.show()
        z = np.where(np.isfinite(data.z), data.z, np.nan)
        finite = z[np.isfinite(z)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        self.image.setImage(np.nan_to_num(z, nan=hi), levels=(lo, hi))
        x0, x1, y0, y1 = data.x[0], data.x[-1], data.y[0], data.y[-1]
        self.image.setRect(pg.QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.colorbar.setLevels((lo, hi))
        self.colorbar.axis.setLabel("log10(f - min)" if data.log_scale else "f")
        if data.segments.size:
            self.contours.setData(data.segments[:, 0], data.segments[:, 1])
        else:
            self.contours.setData([], [])
        if data.minima.size:
            show_data(self.minima, data.minima[:, 0], data.minima[:, 1])
        else:
            clear_item(self.minima)
        show_data(self.start, [data.start[0]], [data.start[1]])
        xlabel, ylabel = data.labels
        if data.explained is not None:
            xlabel += f" ({100 * data.explained[0]:.1f}%)"
            ylabel += f" ({100 * data.explained[1]:.1f}%)"
        pi.setLabel("bottom", xlabel)
        pi.setLabel("left", ylabel)
        pi.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _ensure_lanes(self, n: int) -> None:
        while len(self._lane_items) < n:
            path, tangent = GrowingCurve(), pg.PlotDataItem()
            for item in (*path.items, tangent):
                self.plot.addItem(item)
            self._lane_items.append((path, tangent))
        while len(self._lane_items) > n:
            path, tangent = self._lane_items.pop()
            for item in (*path.items, tangent):
                self.plot.removeItem(item)

    def shows(self, snap: Snapshot) -> bool:
        """True when ``snap`` can be drawn on the landscape shown: its points have the
        landscape's number of coordinates (a 1D problem's snapshot can arrive before the
        2D problem's map that replaces it, and the other way round)."""
        if self.data is None:
            return False
        size = 1 if self.data.kind == "1d" else 2
        return all(np.shape(lane.point) == (size,) for lane in snap.lanes)

    def show_snapshot(self, snap: Snapshot) -> None:
        if not self.shows(snap):
            return  # the landscape of its problem is on its way; drawn then
        self._ensure_lanes(len(snap.lanes))
        self._show_drawings(snap)
        one_d = self.data.kind == "1d"
        xs, ys, symbols, brushes = [], [], [], []
        for i, (lane, (path, tangent)) in enumerate(zip(snap.lanes, self._lane_items)):
            color = lane_color(i, lane.color)
            if not lane.enabled:
                path.setVisible(False)
                tangent.setVisible(False)
                continue
            symbol = "x" if lane.status == "diverged" else "o"
            if one_d:
                x = float(lane.point[0])
                y = lane.loss
                path.clear()
                if math.isfinite(x) and math.isfinite(y):
                    xs.append(x)
                    ys.append(y)
                    symbols.append(symbol)
                    brushes.append(_brush(color))
                    slope = float(lane.grad[0])
                    half = 0.15 * (self.data.x[-1] - self.data.x[0])
                    ends = np.array([x - half, x + half])
                    show_data(tangent, ends, y + slope * (ends - x),
                              pen=_pen(color, self.line_width, Qt.PenStyle.DashLine))
                else:
                    clear_item(tangent)
                continue
            clear_item(tangent)
            traj = lane.trajectory
            if traj.shape[1] >= 2:
                finite = traj[np.all(np.isfinite(traj), axis=1)]
                path.show(finite[:, 0], finite[:, 1],
                          {"pen": _pen(color, self.line_width),
                           "shadowPen": _pen("#FFFFFFC8", self.line_width + 2)})
            else:
                path.clear()
            if np.all(np.isfinite(lane.point[:2])):
                xs.append(float(lane.point[0]))
                ys.append(float(lane.point[1]))
                symbols.append(symbol)
                brushes.append(_brush(color))
        if xs:
            # a black rim on the 1D curve's light background, a white one on the height map
            pen = _pen("#000000") if one_d else _pen("#FFFFFF", 1.5)
            show_data(self.points, xs, ys, symbol=symbols, brush=brushes, pen=pen,
                      size=self.marker_size + 3)
        else:
            clear_item(self.points)

    def set_step_marker(self, point, loss: float | None = None) -> None:
        """Mark the inspected step's point (None: hide)."""
        if point is None:
            clear_item(self.step_marker)
        elif self.data is not None and self.data.kind == "1d":
            show_data(self.step_marker, [float(point[0])], [float(loss)])
        elif len(point) >= 2 and np.all(np.isfinite(point[:2])):
            show_data(self.step_marker, [float(point[0])], [float(point[1])])

    def _show_drawings(self, snap: Snapshot) -> None:
        """What optimizers draw beside their paths (LaneSnapshot.drawing): their points as
        dots, segments between points (ADMM: z, and z to z + u), and a constraint set."""
        xs, ys, brushes = [], [], []
        dual_x, dual_y = [], []
        outline = None
        two_d = self.data is not None and self.data.kind == "2d"
        for i, lane in enumerate(snap.lanes):
            drawing = lane.drawing
            if drawing is None or not lane.enabled or not two_d:
                continue
            outline = _outline(drawing.get("constraint")) or outline
            points = drawing["points"]
            if not all(np.all(np.isfinite(p[:2])) for p in points.values()):
                continue  # a diverged run's point has no place on the map
            for name in drawing.get("markers", ()):
                xs.append(points[name][0])
                ys.append(points[name][1])
                brushes.append(pg.mkBrush(lane_color(i, lane.color)))
            for a, b in drawing.get("segments", ()):
                dual_x += [points[a][0], points[b][0]]
                dual_y += [points[a][1], points[b][1]]
        if xs:
            show_data(self.z_markers, xs, ys, brush=brushes)
            show_data(self.duals, dual_x, dual_y)
        else:
            clear_item(self.z_markers)
            clear_item(self.duals)
        if outline is None:
            clear_item(self.constraint)
        else:
            show_data(self.constraint, *outline)

    def _clicked(self, event) -> None:
        if self.data is None or self.data.kind != "2d":
            return
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        p = vb.mapSceneToView(event.scenePos())
        x, y = p.x(), p.y()
        if self.data.x[0] <= x <= self.data.x[-1] and self.data.y[0] <= y <= self.data.y[-1]:
            self.startRequested.emit([x, y])


def _outline(constraint: dict | None):
    """The edge of the set an ADMM regularizer pulls z into, as (xs, ys), or None."""
    kind = constraint["kind"] if constraint else None
    if kind == "box":
        lo, hi = constraint["lo"], constraint["hi"]
        return [lo, hi, hi, lo, lo], [lo, lo, hi, hi, lo]
    if kind == "l2_ball":
        a = np.linspace(0, 2 * np.pi, 121)
        return constraint["radius"] * np.cos(a), constraint["radius"] * np.sin(a)
    if kind == "l1":  # the prox sends z_i to 0 inside this square
        d = constraint["threshold"]
        return [-d, d, d, -d, -d], [-d, -d, d, d, -d]
    return None


class LossView(_Plot):
    """One loss curve per lane, optional log scale, hover read-out, divergence markers."""

    def __init__(self, parent=None):
        super().__init__(parent)
        pi = self.plot.getPlotItem()
        pi.setLabel("bottom", self.tr("step"))
        pi.setLabel("left", self.tr("loss"))
        pi.addLegend(offset=(-10, 10))
        # a lane's curve is drawn as its highest and lowest value in each pixel column (see
        # peak_columns) from a cached picture and a live tail (see GrowingCurve)
        self._curves: list[GrowingCurve] = []
        self._names: list[str] = []
        self._marks: list[pg.ScatterPlotItem] = []
        self._log = False
        self._snapshot: Snapshot | None = None
        self.step_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#555555", style=Qt.PenStyle.DashLine))
        self.step_line.hide()
        self.plot.addItem(self.step_line, ignoreBounds=True)
        self.readout = pg.TextItem(color="#000000", anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 220))
        self.readout.setZValue(100)
        self.readout.hide()
        self.plot.addItem(self.readout, ignoreBounds=True)
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._hover)
        self._follow_extent()

    def set_step_marker(self, step: int | None) -> None:
        """A vertical line at the inspected step (None: hide)."""
        if step is None:
            self.step_line.hide()
        else:
            self.step_line.setValue(step)
            self.step_line.show()

    def set_log(self, on: bool) -> None:
        self._log = bool(on)
        self._extent = None
        self.plot.getPlotItem().setLogMode(y=self._log)
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    @property
    def log_scale(self) -> bool:
        return self._log

    def clear_lanes(self) -> None:
        legend = self.plot.getPlotItem().legend
        for curve in self._curves:
            for item in curve.items:
                self.plot.removeItem(item)
        for item in self._marks:
            self.plot.removeItem(item)
        if legend is not None:
            legend.clear()
        self._curves.clear()
        self._marks.clear()
        self._names = []

    def _columns(self, x_end: float) -> int:
        """Columns across [0, x_end]: one per pixel column of the plot as it follows the
        data, finer when zoomed in (so a zoomed curve shows the points the snapshot has, as
        pyqtgraph's downsampling did), before the plot is first laid out a wide screen's."""
        vb = self.plot.getPlotItem().vb
        width = vb.width()
        if width < 10:
            return 2000
        if vb.autoRangeEnabled()[0]:  # the view follows the extent, [0, x_end]
            return int(width)
        (v0, v1), _ = vb.viewRange()
        return int(min(max(width * x_end / max(v1 - v0, 1e-300), 1.0), 1 << 24))

    def show_snapshot(self, snap: Snapshot) -> None:
        self._snapshot = snap
        names = [lane.name for lane in snap.lanes]
        legend = self.plot.getPlotItem().legend
        if names != self._names:
            self.clear_lanes()
            self._names = names
            for name in names:
                curve = GrowingCurve(segmented="auto")
                mark = pg.ScatterPlotItem(symbol="x", size=16, pen=pg.mkPen("#b00020", width=3))
                for item in (*curve.items, mark):
                    self.plot.addItem(item, ignoreBounds=True)
                if legend is not None:
                    legend.addItem(curve, name)
                self._curves.append(curve)
                self._marks.append(mark)
        shown = []  # per lane: the finite (step, loss) points drawn, and how many are final
        x_hi, y_lo, y_hi = 0.0, math.inf, -math.inf
        for lane in snap.lanes:
            steps, values = lane.loss_steps, lane.loss_values
            ok = np.isfinite(values)
            if self._log:
                ok &= values > 0
            if not lane.enabled or not ok.any():
                shown.append(None)
                continue
            x, y = steps[ok], values[ok]
            shown.append((x, y, int(np.count_nonzero(ok[:lane.loss_final]))))
            x_hi = max(x_hi, float(x[-1]))
            y_lo = min(y_lo, float(y.min()))
            y_hi = max(y_hi, float(y.max()))
        if y_lo > y_hi:  # nothing to show
            self._set_extent(None)
            x_end = 1.0
        else:
            x_end = nice_ceil(max(x_hi, 1.0))
            self._set_extent((0.0, x_end, *stable_extent(y_lo, y_hi, self._log)))
        columns = self._columns(x_end)
        restyled = False
        for i, (lane, curve, mark, points) in enumerate(
                zip(snap.lanes, self._curves, self._marks, shown)):
            if points is None:
                curve.setVisible(False)
                clear_item(mark)
                continue
            style = {"pen": _pen(lane_color(i, lane.color), self.line_width)}
            restyled |= curve.kept[2] != style
            x, y, final = points
            xs, ys, settled = peak_columns(x, y, 0.0, x_end, columns, final)
            if self._log:
                ys = np.log10(ys)
            curve.show(xs, ys, style, settled)
            if lane.diverged_at is not None:
                last = float(y[-1])
                show_data(mark, [lane.diverged_at], [math.log10(last) if self._log else last])
            else:
                clear_item(mark)
        if restyled and legend is not None:  # its samples show the pens
            legend.update()
            for sample, _label in legend.items:
                sample.update()

    def _hover(self, event) -> None:
        pos = event[0]
        snap = self._snapshot
        vb = self.plot.getPlotItem().vb
        if snap is None or not vb.sceneBoundingRect().contains(pos):
            self.readout.hide()
            return
        p = vb.mapSceneToView(pos)
        step = p.x()
        lines = []
        for lane in snap.lanes:
            if not lane.enabled or lane.loss_steps.size == 0:
                continue
            k = int(np.clip(np.searchsorted(lane.loss_steps, step), 0, lane.loss_steps.size - 1))
            if k > 0 and abs(lane.loss_steps[k - 1] - step) < abs(lane.loss_steps[k] - step):
                k -= 1  # the nearest recorded step
            lines.append(self.tr("%1: step %2, loss %3").replace("%1", lane.name)
                         .replace("%2", str(int(lane.loss_steps[k])))
                         .replace("%3", f"{lane.loss_values[k]:.6g}"))
        if not lines:
            self.readout.hide()
            return
        self.readout.setText("\n".join(lines))
        self.readout.setPos(QPointF(p.x(), p.y()))
        self.readout.show()

    def readout_text(self) -> str:
        return self.readout.toPlainText() if self.readout.isVisible() else ""
