"""The nearest neighbours of one chosen text: the most similar texts first, with the score.

Why a two-column list with a bar: "0.91" alone means little to someone new to embeddings,
so each row also draws the similarity as a short bar in the palette's highlight colour,
which makes the drop from the closest text to the next visible at a glance.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.ui.theme import mix

SCORE_ROLE = Qt.ItemDataRole.UserRole + 1
INDEX_ROLE = Qt.ItemDataRole.UserRole + 2


class _ScoreDelegate(QStyledItemDelegate):
    """Paints the score as a number over a bar whose length is the similarity."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        score = index.data(SCORE_ROLE)
        if not isinstance(score, float):
            super().paint(painter, option, index)
            return
        palette: QPalette = option.palette
        rect = QRectF(option.rect).adjusted(4, 3, -6, -3)
        base = palette.color(QPalette.ColorRole.Base)
        accent = palette.color(QPalette.ColorRole.Highlight)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(mix(base, accent, 0.12))
        painter.drawRoundedRect(rect, 3, 3)
        filled = QRectF(
            rect.left(), rect.top(), rect.width() * max(0.0, min(1.0, score)), rect.height()
        )
        painter.setBrush(mix(base, accent, 0.55))
        painter.drawRoundedRect(filled, 3, 3)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), f"{score:.3f}")
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 10))


class NeighbourList(QTreeWidget):
    """Neighbours of the chosen text, best first.

    Signals:
        text_chosen(int): the person double-clicked (or pressed Enter on) a neighbour, to
            see its own neighbours.
    """

    text_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Similarity", "Text"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setItemDelegateForColumn(0, _ScoreDelegate(self))
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 96)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(True)
        self.setAccessibleName("Nearest neighbours")
        self.itemActivated.connect(self._on_activated)

    def set_neighbours(self, texts: list[str], neighbours: list[tuple[int, float]]) -> None:
        """Show ``(index, score)`` pairs in the order given (best first)."""
        self.clear()
        for index, score in neighbours:
            item = QTreeWidgetItem(["", f"{index + 1}. {texts[index]}"])
            item.setData(0, SCORE_ROLE, float(score))
            item.setData(0, INDEX_ROLE, index)
            item.setToolTip(1, texts[index])
            item.setToolTip(0, f"Similarity {score:.4f} (cosine; 1 is the same meaning)")
            self.addTopLevelItem(item)

    def rows(self) -> list[tuple[int, float]]:
        """``(index, score)`` of every row, top to bottom (for tests and copying)."""
        out = []
        for row in range(self.topLevelItemCount()):
            item = self.topLevelItem(row)
            if item is not None:
                out.append((int(item.data(0, INDEX_ROLE)), float(item.data(0, SCORE_ROLE))))
        return out

    def _on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.text_chosen.emit(int(item.data(0, INDEX_ROLE)))
