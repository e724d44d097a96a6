"""The heat map's colours: one ramp, derived from the palette, readable light and dark.

Why three stops from the palette rather than a fixed map: cells sit on the window's own
background, so the low end must fade into it and the high end must stand out from it. The
ramp goes from a whisper of the highlight colour, through the highlight itself, to the
highlight pushed away from the background (towards black on a light palette, towards white
on a dark one); its lightness therefore changes in one direction only, which keeps "more
similar" readable as "stronger" in both schemes. Values are spread over the range actually
present, since embedding similarities often all sit between 0.6 and 0.9.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

from desktop.ui.theme import is_dark, mix

MIN_SPAN = 0.05


@dataclass(frozen=True)
class ColourScale:
    """Maps a similarity in ``[low, high]`` to a colour on the palette's ramp."""

    low: float
    high: float
    stops: tuple[QColor, QColor, QColor]

    def colour(self, value: float) -> QColor:
        span = self.high - self.low
        t = 0.0 if span <= 0 else max(0.0, min(1.0, (value - self.low) / span))
        first, middle, last = self.stops
        if t < 0.5:
            return mix(first, middle, t * 2)
        return mix(middle, last, (t - 0.5) * 2)

    def text_colour(self, value: float) -> QColor:
        """Black or white, whichever reads better on the cell colour."""
        fill = self.colour(value)
        luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF()
        return QColor("#111111") if luminance > 0.5 else QColor("#ffffff")


def value_range(matrix: list[list[float]]) -> tuple[float, float]:
    """The lowest and highest similarity between different texts (at least MIN_SPAN apart)."""
    values = [v for i, row in enumerate(matrix) for j, v in enumerate(row) if i != j]
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if high - low < MIN_SPAN:
        middle = (high + low) / 2
        low, high = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
    return low, high


def scale_for(palette: QPalette, low: float, high: float) -> ColourScale:
    base = palette.color(QPalette.ColorRole.Base)
    accent = palette.color(QPalette.ColorRole.Highlight)
    far = QColor("#ffffff") if is_dark(palette) else QColor("#0b1a33")
    return ColourScale(low, high, (mix(base, accent, 0.1), accent, mix(accent, far, 0.7)))
