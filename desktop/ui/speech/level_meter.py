"""A horizontal loudness bar for the microphone: quiet, speaking, too loud at a glance.

Why decibels: RMS is linear, but hearing is not; a linear bar barely moves for normal speech
(RMS around 0.05). The bar covers -60 dBFS to 0 dBFS, so speech fills about half of it, and
the last 10 % turns warm to warn of clipping. A short peak line falls back slowly so a
syllable stays visible. Colours come from the palette (light and dark alike).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.ui.theme import mix

FLOOR_DB = -60.0
PEAK_FALL = 0.02
"""How much of the bar the peak line falls per update (20 updates a second)."""

_WARM = QColor("#e0803a")


def meter_fraction(level: float) -> float:
    """RMS (0..1) as a fraction of the bar (0..1) on the -60..0 dBFS scale."""
    if level <= 0:
        return 0.0
    db = 20 * math.log10(level)
    return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))


class LevelMeter(QWidget):
    """Shows the input loudness while recording; empty otherwise.

    Attributes:
        fraction: the bar's fill now (0..1), public for tests.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fraction = 0.0
        self._peak = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Microphone level")
        self.setToolTip("How loud the microphone hears you")

    def set_level(self, level: float) -> None:
        self.fraction = meter_fraction(level)
        self._peak = max(self.fraction, self._peak - PEAK_FALL)
        self.update()

    def reset(self) -> None:
        self.fraction = self._peak = 0.0
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(160, 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.WindowText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        track = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        radius = track.height() / 2
        painter.setPen(mix(base, text, 0.25))
        painter.setBrush(mix(base, text, 0.08))
        painter.drawRoundedRect(track, radius, radius)
        if self.fraction > 0:
            fill = QRectF(track.left(), track.top(), track.width() * self.fraction, track.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_WARM if self.fraction > 0.9 else accent)
            painter.drawRoundedRect(fill, radius, radius)
        if self._peak > 0.02:
            x = track.left() + track.width() * self._peak
            painter.setPen(mix(accent, text, 0.5))
            painter.drawLine(int(x), int(track.top()) + 1, int(x), int(track.bottom()) - 1)
        painter.end()
