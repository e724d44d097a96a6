"""A row of widgets that wraps onto a second line when the window is narrow.

Why: a result's action buttons (eight on the Images tab) in one fixed row made the whole
window at least 1,090 pixels wide, wider than a 1024×640 screen. Here they stay on one line
when there is room (the last group pushed to the right edge, as before) and wrap, group by
group, when there is not, so the panel can be as narrow as its widest group.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class WrapRow(QLayout):
    """Items left to right, wrapping to a new line when the next would not fit.

    When every item fits on one line, the last one sits at the right edge (a group of
    secondary actions opposite the primary ones).
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # --- QLayout --------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        """All on one line."""
        shown = self._shown()
        width = sum(i.sizeHint().width() for i in shown) + self._gap * max(0, len(shown) - 1)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        """As narrow as the widest item."""
        shown = self._shown()
        return QSize(
            max((i.minimumSize().width() for i in shown), default=0),
            max((i.minimumSize().height() for i in shown), default=0),
        )

    # --- Internals ------------------------------------------------------------------------

    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _lines(self, width: int) -> list[list[QLayoutItem]]:
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._shown():
            wide = item.sizeHint().width()
            if lines[-1] and used + self._gap + wide > width:
                lines.append([])
                used = 0
            used += (self._gap if lines[-1] else 0) + wide
            lines[-1].append(item)
        return [line for line in lines if line]

    def _place(self, rect: QRect, *, move: bool) -> int:
        lines = self._lines(rect.width())
        y = rect.y()
        for line in lines:
            height = max(i.sizeHint().height() for i in line)
            x = rect.x()
            for index, item in enumerate(line):
                hint = item.sizeHint()
                if len(lines) == 1 and index == len(line) - 1 and len(line) > 1:
                    x = max(x, rect.right() + 1 - hint.width())  # the last group at the edge
                if move:
                    item.setGeometry(QRect(QPoint(x, y), QSize(hint.width(), height)))
                x += hint.width() + self._gap
            y += height + self._gap
        return max(0, y - rect.y() - self._gap)
