"""One icon per tab, drawn from ``resources/icons/<tab>.svg`` (the application's own icon is
:mod:`desktop.ui.app_icon`).

Why render them ourselves: the tab icons are line drawings in ``currentColor``; filling that
with the palette's text colour keeps them legible and consistent in light and dark (a fixed
black icon vanishes on a dark tab bar). The window re-colours them when the palette changes.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from desktop import assets

SIZES = (16, 18, 24, 32, 36, 48, 64)
"""The sizes drawn: a tab shows its icon at 18 px, so 18 and 36 (a 2× screen) are exact and
the rest cover other scales. Each size is kept as a pixmap; 128 and 256 px, never shown on a
tab, used to hold 2.5 MiB for seven icons (issue 8)."""


def svg_icon(name: str, colour: QColor | None = None) -> QIcon:
    """The icon ``name`` as a QIcon at the usual sizes; ``colour`` replaces ``currentColor``."""
    text = assets.icon_svg(name)
    if colour is not None:
        text = text.replace("currentColor", colour.name())
    renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    icon = QIcon()
    if not renderer.isValid():
        return icon
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def tab_icon(name: str, palette: QPalette) -> QIcon:
    """A tab's icon drawn in the palette's text colour."""
    return svg_icon(name, palette.color(QPalette.ColorRole.WindowText))
