"""Labels that keep following the palette when the system switches light/dark."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from desktop.ui.theme import muted_text


class MutedLabel(QLabel):
    """Secondary text in a softer colour derived from the application palette.

    A colour set once would stay stale after a scheme switch, so it is recomputed on every
    palette change.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._apply()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply()

    def _apply(self) -> None:
        base = QApplication.palette(self)
        wanted = muted_text(base)
        palette = self.palette()
        if palette.color(QPalette.ColorRole.WindowText) != wanted:
            palette.setColor(QPalette.ColorRole.WindowText, wanted)
            palette.setColor(QPalette.ColorRole.Text, wanted)
            self.setPalette(palette)


def heading(text: str, parent: QWidget | None = None, *, scale: float = 1.15) -> QLabel:
    """A bold section heading slightly larger than body text."""
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def wrapped(label: QLabel) -> QLabel:
    """Word-wrapped, selectable-by-mouse text that opens its links in the browser."""
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
    )
    label.setOpenExternalLinks(True)
    return label
