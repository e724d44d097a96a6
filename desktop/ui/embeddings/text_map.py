"""The 2-D map of the texts: each text a point, texts that mean alike close together.

Why PCA and QPainter: the first two principal components (``pca_2d``) are deterministic and
need no extra library, and painting the points ourselves keeps the colours on the palette
(QtCharts brings its own themes). The axes have no meaning a person could use, so none are
labelled; a faint grid gives the eye a frame. Labels are drawn beside the points while there
are few enough to read, the whole text is in the tooltip, and the chosen text is ringed
with faint lines to its nearest neighbours.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop.ui.embeddings.heat_map import short
from desktop.ui.theme import mix

MARGIN = 28
RADIUS = 5.0
HIT_RADIUS = 9.0
MAX_LABELS = 40
LABEL_CHARS = 28


class TextMap(QWidget):
    """Points for texts at their 2-D coordinates.

    Signals:
        text_chosen(int): the person clicked a point.

    Attributes:
        texts, coordinates: what is shown (public for tests).
    """

    text_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.texts: list[str] = []
        self.coordinates: list[tuple[float, float]] = []
        self._selected: int | None = None
        self._neighbours: list[int] = []
        self._hovered: int | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Map of the texts")

    # --- Public API -----------------------------------------------------------------------

    def set_data(self, texts: list[str], coordinates: list[tuple[float, float]]) -> None:
        self.texts, self.coordinates = list(texts), list(coordinates)
        self._selected, self._neighbours, self._hovered = None, [], None
        self.update()

    def clear(self) -> None:
        self.set_data([], [])

    @property
    def point_count(self) -> int:
        return len(self.coordinates)

    def set_selected(self, index: int | None, neighbours: list[int] | None = None) -> None:
        self._selected = index
        self._neighbours = list(neighbours or [])
        self.update()

    def positions(self) -> list[QPointF]:
        """Where each point is drawn, in widget coordinates."""
        if not self.coordinates:
            return []
        xs = [x for x, _ in self.coordinates]
        ys = [y for _, y in self.coordinates]
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        # One scale for both axes: distances on screen stay true to the data.
        unit = min(area.width() / span_x, area.height() / span_y)
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        centre = area.center()
        return [
            QPointF(centre.x() + (x - cx) * unit, centre.y() - (y - cy) * unit)
            for x, y in self.coordinates
        ]

    def label_places(
        self, points: list[QPointF], fm: QFontMetrics, frame: QRectF
    ) -> dict[int, tuple[QRectF, str]]:
        """Where each label goes, greedily: the chosen text first, then its neighbours, then
        the rest in order; a label that would cover another label or a point is tried on the
        other side, above and below, and left out when it fits nowhere (the tooltip still has
        it)."""
        priority = [i for i in (self._selected, self._hovered) if i is not None]
        priority += [j for j in self._neighbours if j not in priority]
        if len(points) <= MAX_LABELS:
            priority += [i for i in range(len(points)) if i not in priority]
        discs = [QRectF(p.x() - RADIUS, p.y() - RADIUS, 2 * RADIUS, 2 * RADIUS) for p in points]
        placed: dict[int, tuple[QRectF, str]] = {}
        taken: list[QRectF] = []
        inside = frame.adjusted(2, 2, -2, -2)
        for i in priority:
            if i >= len(points):
                continue
            label = f"{i + 1} {short(self.texts[i], LABEL_CHARS)}"
            width, height = fm.horizontalAdvance(label) + 2, fm.height()
            point, gap = points[i], self._radius(i) + 4
            # Beside the point, then above or below it (slid sideways to stay in the frame).
            x = min(max(point.x() - width / 2, inside.left()), inside.right() - width)
            spots = (
                QRectF(point.x() + gap, point.y() - height / 2, width, height),
                QRectF(point.x() - gap - width, point.y() - height / 2, width, height),
                QRectF(x, point.y() - gap - height, width, height),
                QRectF(x, point.y() + gap, width, height),
            )
            fitting = [s for s in spots if inside.contains(s)]
            free = [
                s
                for s in fitting
                if not any(s.intersects(r) for r in taken)
                and not any(s.intersects(d) for j, d in enumerate(discs) if j != i)
            ]
            if not free and i == self._selected and fitting:
                free = fitting[:1]  # the chosen text is always named
            if free:
                placed[i] = (free[0], label)
                taken.append(free[0])
        return placed

    def _radius(self, i: int) -> float:
        return RADIUS + (2 if i in (self._selected, self._hovered) else 0)

    def point_at(self, where: QPointF) -> int | None:
        best, best_distance = None, HIT_RADIUS
        for i, point in enumerate(self.positions()):
            distance = math.hypot(point.x() - where.x(), point.y() - where.y())
            if distance <= best_distance:
                best, best_distance = i, distance
        return best

    # --- Qt -------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(360, 320)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 140)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(mix(base, text, 0.18))
        painter.setBrush(base)
        painter.drawRoundedRect(frame, 6, 6)
        if not self.coordinates:
            painter.setPen(mix(text, base, 0.45))
            painter.drawText(
                frame.adjusted(16, 16, -16, -16),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                "Texts that mean similar things will sit close together here.",
            )
            painter.end()
            return
        painter.setPen(QPen(mix(base, text, 0.07), 1))
        for k in range(1, 4):
            x = frame.left() + frame.width() * k / 4
            y = frame.top() + frame.height() * k / 4
            painter.drawLine(QPointF(x, frame.top() + 4), QPointF(x, frame.bottom() - 4))
            painter.drawLine(QPointF(frame.left() + 4, y), QPointF(frame.right() - 4, y))

        points = self.positions()
        if self._selected is not None and self._selected < len(points):
            painter.setPen(QPen(mix(accent, base, 0.45), 1.5, Qt.PenStyle.DashLine))
            for j in self._neighbours:
                if j < len(points):
                    painter.drawLine(points[self._selected], points[j])

        fm = QFontMetrics(self.font())
        for i, point in enumerate(points):
            chosen = i == self._selected
            near = i in self._neighbours
            fill = accent if (chosen or near or self._selected is None) else mix(accent, base, 0.5)
            painter.setPen(QPen(base, 1.5))
            painter.setBrush(fill)
            radius = self._radius(i)
            painter.drawEllipse(point, radius, radius)
            if chosen:
                painter.setPen(QPen(accent, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(point, radius + 4, radius + 4)
        for i, (rect, label) in self.label_places(points, fm, frame).items():
            emphasised = i == self._selected or i in self._neighbours or i == self._hovered
            painter.setPen(text if emphasised else mix(text, base, 0.35))
            painter.drawText(
                rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), label
            )
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.point_at(event.position())
        if hit != self._hovered:
            self._hovered = hit
            self.update()
        if hit is not None:
            QToolTip.showText(
                event.globalPosition().toPoint(), f"{hit + 1}. {self.texts[hit]}", self
            )
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.point_at(event.position())
        if hit is not None and event.button() == Qt.MouseButton.LeftButton:
            self.text_chosen.emit(hit)
        super().mousePressEvent(event)
