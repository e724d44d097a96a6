"""Labels that keep following the palette when the system switches light/dark."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette, QResizeEvent
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy, QWidget

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


class ElidedLabel(QLabel):
    """One line that ends in "…" when it does not fit; the whole text is in the tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        elided = self.fontMetrics().elidedText(
            self._full, Qt.TextElideMode.ElideRight, self.width()
        )
        if elided != self.text():
            self.setText(elided)


def heading_font(base: QFont, scale: float = 1.15) -> QFont:
    """``base`` made bold and slightly larger, for headings."""
    font = QFont(base)
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    return font


def heading(text: str, parent: QWidget | None = None, *, scale: float = 1.15) -> QLabel:
    """A bold section heading slightly larger than body text."""
    label = QLabel(text, parent)
    label.setFont(heading_font(label.font(), scale))
    return label


def bold_label(text: str, parent: QWidget | None = None) -> QLabel:
    """Body-sized bold text: the heading of a group of fields."""
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def tip_label(text: str, tip: str, parent: QWidget | None = None) -> MutedLabel:
    """A muted field label whose hover explains the field."""
    label = MutedLabel(text, parent)
    label.setToolTip(tip)
    return label


def wrapped(label: QLabel) -> QLabel:
    """Word-wrapped, selectable-by-mouse text that opens its links in the browser."""
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
    )
    label.setOpenExternalLinks(True)
    return label
