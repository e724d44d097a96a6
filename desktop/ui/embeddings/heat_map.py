"""The similarity heat map: every text against every other, coloured by cosine similarity.

Why QPainter on one widget: a few dozen texts are squares with their values written in,
painted cell by cell; hundreds or thousands of texts would be millions of cells, so from
:data:`DENSE_FROM` texts on the map is one 8-bit image (a colour index per pair) made in the
thread pool by :func:`prepare`, and painting only scales it (a palette switch only swaps its
colour table). Rows carry the texts (cut to fit, whole in the tooltip), columns their
numbers; hovering a cell shows the pair and its value, clicking picks the row's text for the
neighbour list. The diagonal (a text with itself) is drawn neutral so the colour scale spends
its range on the pairs that matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QImage,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop.ui.embeddings.colour_scale import ColourScale, scale_for, value_range
from desktop.ui.theme import mix

MAX_CELL = 72.0
MIN_CELL = 0.25
LABEL_MAX = 220
LABEL_SHARE = 0.32
LEGEND_WIDTH = 56
GAP = 8
DENSE_FROM = 64
"""From this many texts the cells are painted from one prepared image."""
LEVELS = 255
"""Colour steps of the prepared image; index 255 is the diagonal."""


def short(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters, for tooltips and labels."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def visible_labels(n: int, cell: float, room: int, always: set[int]) -> list[int]:
    """Which of ``n`` labels ``cell`` pixels apart to draw when each needs ``room`` pixels:
    every k-th one, plus those in ``always``, leaving out any that would touch those."""
    step = max(1, int(-(-room // max(cell, 0.01))))
    keep = [i for i in range(n) if i % step == 0]
    if step > 1:
        keep = [i for i in keep if all(abs(i - a) >= step for a in always)]
    return sorted(set(keep) | {a for a in always if 0 <= a < n})


@dataclass
class HeatData:
    """What the heat map shows, with the costly parts computed ahead (see :func:`prepare`)."""

    texts: list[str]
    matrix: list[list[float]]
    low: float = 0.0
    high: float = 1.0
    image: QImage | None = field(default=None, repr=False)


def index_image(matrix: list[list[float]], low: float, high: float) -> QImage:
    """Blocking: an n×n 8-bit image, each pixel the colour step of one pair (255: diagonal).

    QImage is reentrant, so this runs in the thread pool; the colour table is set when
    painting, from the palette of the moment.
    """
    n = len(matrix)
    stride = (n + 3) // 4 * 4
    factor = (LEVELS - 1) / (high - low) if high > low else 0.0
    top = LEVELS - 1
    rows = bytearray()
    padding = bytes(stride - n)
    for i, row in enumerate(matrix):
        line = bytearray(min(top, max(0, int((v - low) * factor))) for v in row)
        line[i] = LEVELS
        rows += line + padding
    image = QImage(bytes(rows), n, n, stride, QImage.Format.Format_Indexed8)
    return image.copy()  # own the pixels: the bytes above go away


def prepare(texts: list[str], matrix: list[list[float]]) -> HeatData:
    """Blocking: the value range and, for many texts, the index image (n² work)."""
    low, high = value_range(matrix)
    image = index_image(matrix, low, high) if len(texts) >= DENSE_FROM else None
    return HeatData(list(texts), matrix, low, high, image)


class HeatMap(QWidget):
    """An n×n grid of similarities with row labels, column numbers and a legend.

    Signals:
        text_chosen(int): the person clicked a row (or a cell of it).
        hover_described(str): one line about the cell under the mouse ("" when none).

    Attributes:
        texts, matrix: what is shown (public for tests).
        hovered: the ``(row, column)`` under the mouse, or None.
    """

    text_chosen = Signal(int)
    hover_described = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = HeatData([], [])
        self.hovered: tuple[int, int] | None = None
        self._selected: int | None = None
        self._scale: ColourScale | None = None
        self._table_key: tuple[int, int, int] | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Similarity heat map")

    # --- Public API -----------------------------------------------------------------------

    def set_data(self, data: HeatData) -> None:
        """Show ``data`` (made by :func:`prepare`, in the thread pool for many texts)."""
        self._data = data
        self.hovered = None
        self._selected = None
        self._scale = None
        self._table_key = None
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_data(HeatData([], []))

    @property
    def texts(self) -> list[str]:
        return self._data.texts

    @property
    def matrix(self) -> list[list[float]]:
        return self._data.matrix

    @property
    def size_n(self) -> int:
        return len(self._data.texts)

    def set_selected(self, index: int | None) -> None:
        self._selected = index
        self.update()

    def scale(self) -> ColourScale:
        """The colour scale for the current data and palette."""
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        if self._scale is None or self._scale.stops[1] != accent:
            self._scale = scale_for(self.palette(), self._data.low, self._data.high)
        return self._scale

    def cell_rect(self, row: int, column: int) -> QRect:
        """Where cell (row, column) is drawn, in widget coordinates."""
        left, top, cell = self._grid_geometry()
        x0, x1 = int(left + column * cell), int(left + (column + 1) * cell)
        y0, y1 = int(top + row * cell), int(top + (row + 1) * cell)
        return QRect(x0, y0, max(1, x1 - x0), max(1, y1 - y0))

    def cell_at(self, point: QPoint) -> tuple[int, int] | None:
        n = self.size_n
        if not n:
            return None
        left, top, cell = self._grid_geometry()
        if point.x() < left or point.y() < top:
            return None
        column, row = int((point.x() - left) / cell), int((point.y() - top) / cell)
        return (row, column) if row < n and column < n else None

    def row_at(self, point: QPoint) -> int | None:
        """The row whose label or cells are at ``point``."""
        n = self.size_n
        left, top, cell = self._grid_geometry()
        if not n or point.y() < top or point.x() > left + n * cell:
            return None
        row = int((point.y() - top) / cell)
        return row if row < n else None

    def describe_line(self, row: int, column: int) -> str:
        """The hovered cell in one line: ``1 ↔ 4: 0.32``."""
        if row == column:
            return f"{row + 1}: the same text"
        return f"{row + 1} ↔ {column + 1}: similarity {self._data.matrix[row][column]:.3f}"

    def describe(self, row: int, column: int) -> str:
        """The words shown for one cell."""
        texts = self._data.texts
        if row == column:
            return f"“{short(texts[row])}”\nThe same text."
        return (
            f"“{short(texts[row])}”\n“{short(texts[column])}”\n"
            f"Similarity {self._data.matrix[row][column]:.3f}"
        )

    # --- Geometry -------------------------------------------------------------------------

    def _wanted_label_width(self) -> int:
        if not self._data.texts:
            return 0
        fm = self.fontMetrics()
        sample = range(self.size_n) if self.size_n <= 400 else range(0, self.size_n, 7)
        widest = max(fm.horizontalAdvance(self._row_label(i)) for i in sample)
        return min(LABEL_MAX, widest + GAP)

    def _row_label(self, i: int) -> str:
        return f"{i + 1}  {short(self._data.texts[i], 80)}"

    def _grid_geometry(self) -> tuple[int, int, float]:
        """Left and top of the grid and the cell size (a fraction of a pixel for many texts).

        The grid is the point: labels are promised at most a third of the width, the cells
        take what they can use, and the labels get whatever width is left over.
        """
        n = max(1, self.size_n)
        wanted = self._wanted_label_width()
        top = self.fontMetrics().height() + GAP
        promised = min(wanted, int(self.width() * LABEL_SHARE))
        by_width = (self.width() - promised - LEGEND_WIDTH - GAP) / n
        by_height = (self.height() - top - GAP) / n
        cell = max(MIN_CELL, min(MAX_CELL, by_width, by_height))
        if cell >= 4:
            cell = float(int(cell))  # whole pixels: crisp edges between cells
        labels = max(promised, min(wanted, int(self.width() - LEGEND_WIDTH - GAP - n * cell)))
        return labels, top, cell

    def sizeHint(self) -> QSize:
        n = min(max(1, self.size_n), 16)
        return QSize(self._wanted_label_width() + LEGEND_WIDTH + n * 36, n * 36 + 40)

    def minimumSizeHint(self) -> QSize:
        return QSize(LEGEND_WIDTH + 160, self.fontMetrics().height() + GAP + 120)

    # --- Qt -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        window = palette.color(QPalette.ColorRole.Window)
        muted = mix(text_colour, window, 0.4)
        if not self._data.texts:
            painter.setPen(muted)
            painter.drawText(
                self.rect().adjusted(16, 16, -16, -16),
                int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                "Compute embeddings to see how alike the texts are.",
            )
            painter.end()
            return
        n = self.size_n
        left, top, cell = self._grid_geometry()
        scale = self.scale()
        neutral = mix(palette.color(QPalette.ColorRole.Base), text_colour, 0.12)
        if self._data.image is not None:
            self._paint_image(painter, QRectF(left, top, n * cell, n * cell), scale, neutral)
        else:
            self._paint_cells(painter, scale, neutral)
        hover_row, hover_col = self.hovered if self.hovered is not None else (-1, -1)
        accent = palette.color(QPalette.ColorRole.Highlight)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self._selected is not None and 0 <= self._selected < n:
            painter.setPen(accent)
            band = QRectF(left, top + self._selected * cell, n * cell, max(cell, 1.0))
            painter.drawRect(band.adjusted(0, 0, -1, -1))
        if self.hovered is not None:
            painter.setPen(text_colour)
            painter.drawRect(self.cell_rect(hover_row, hover_col).adjusted(0, 0, -1, -1))
        self._paint_labels(painter, left, top, cell, text_colour, muted)
        legend_height = int(min(n * cell, 240))
        self._paint_legend(
            painter, QRect(int(left + n * cell) + GAP * 2, top, 14, max(legend_height, 60)), scale
        )
        painter.end()

    def _paint_cells(self, painter: QPainter, scale: ColourScale, neutral: QColor) -> None:
        n, matrix = self.size_n, self._data.matrix
        _, _, cell = self._grid_geometry()
        fm = QFontMetrics(self.font())
        show_values = cell >= fm.horizontalAdvance("0.00") + 6 and fm.height() + 2 <= cell
        for i in range(n):
            for j in range(n):
                rect = self.cell_rect(i, j)
                value = matrix[i][j]
                painter.fillRect(rect, neutral if i == j else scale.colour(value))
                if show_values and i != j:
                    painter.setPen(scale.text_colour(value))
                    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), f"{value:.2f}")
        if cell >= 10:
            painter.setPen(self.palette().color(QPalette.ColorRole.Window))
            left, top, _ = self._grid_geometry()
            end = int(n * cell)
            for k in range(n + 1):
                offset = int(k * cell)
                painter.drawLine(left, top + offset, left + end, top + offset)
                painter.drawLine(left + offset, top, left + offset, top + end)

    def _paint_image(
        self, painter: QPainter, target: QRectF, scale: ColourScale, neutral: QColor
    ) -> None:
        image = self._data.image
        assert image is not None
        key = (scale.stops[0].rgb(), scale.stops[2].rgb(), neutral.rgb())
        if key != self._table_key:
            span = scale.high - scale.low
            table = [scale.colour(scale.low + span * k / (LEVELS - 1)).rgb() for k in range(LEVELS)]
            image.setColorTable([*table, neutral.rgb()])
            self._table_key = key
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, image)

    def _paint_labels(
        self,
        painter: QPainter,
        left: int,
        top: int,
        cell: float,
        text_colour: QColor,
        muted: QColor,
    ) -> None:
        """Row labels and column numbers: as many as fit without touching; the hovered and
        chosen ones always, with their plain neighbours left out to make room."""
        n = self.size_n
        fm = QFontMetrics(self.font())
        font = self.font()
        line = fm.height()
        hover_row, hover_col = self.hovered if self.hovered is not None else (-1, -1)
        rows_em = {i for i in (hover_row, hover_col, self._selected) if i is not None and i >= 0}
        for i in visible_labels(n, cell, line + 2, rows_em):
            emphasised = i in rows_em
            font.setBold(emphasised)
            painter.setFont(font)
            painter.setPen(text_colour if emphasised else muted)
            label = QFontMetrics(font).elidedText(
                self._row_label(i), Qt.TextElideMode.ElideRight, left - GAP
            )
            middle = int(top + (i + 0.5) * cell)
            painter.drawText(
                QRect(0, middle - line // 2, left - GAP, line),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                label,
            )
        columns_em = {j for j in (hover_col, hover_row) if j >= 0}
        number_width = fm.horizontalAdvance(str(n)) + 6
        for j in visible_labels(n, cell, number_width, columns_em):
            emphasised = j in columns_em
            font.setBold(emphasised)
            painter.setFont(font)
            painter.setPen(text_colour if emphasised else muted)
            middle = int(left + (j + 0.5) * cell)
            painter.drawText(
                QRect(middle - number_width, 0, 2 * number_width, top - 2),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                str(j + 1),
            )
        font.setBold(False)
        painter.setFont(font)

    def _paint_legend(self, painter: QPainter, bar: QRect, scale: ColourScale) -> None:
        gradient = QLinearGradient(0, bar.bottom(), 0, bar.top())
        for stop in range(11):
            t = stop / 10
            gradient.setColorAt(t, scale.colour(scale.low + t * (scale.high - scale.low)))
        painter.fillRect(bar, gradient)
        painter.setPen(
            mix(
                self.palette().color(QPalette.ColorRole.WindowText),
                self.palette().color(QPalette.ColorRole.Window),
                0.6,
            )
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(bar).adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        fm = self.fontMetrics()
        x = bar.right() + 6
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(QRect(x, bar.top() - 2, 60, fm.height()), align, f"{scale.high:.2f}")
        painter.drawText(
            QRect(x, bar.bottom() - fm.height() + 2, 60, fm.height()), align, f"{scale.low:.2f}"
        )
        if bar.height() > 3 * fm.height():
            middle = (scale.low + scale.high) / 2
            painter.drawText(
                QRect(x, bar.center().y() - fm.height() // 2, 60, fm.height()),
                align,
                f"{middle:.2f}",
            )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        cell = self.cell_at(point)
        if cell != self.hovered:
            self.hovered = cell
            self.update()
            self.hover_described.emit(self.describe_line(*cell) if cell is not None else "")
        if cell is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self.describe(*cell), self)
        else:
            row = self.row_at(point)
            if row is not None:
                QToolTip.showText(event.globalPosition().toPoint(), self.texts[row], self)
            else:
                QToolTip.hideText()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        if self.hovered is not None:
            self.hovered = None
            self.update()
            self.hover_described.emit("")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().toPoint())
        if row is not None and event.button() == Qt.MouseButton.LeftButton:
            self.text_chosen.emit(row)
        super().mousePressEvent(event)
