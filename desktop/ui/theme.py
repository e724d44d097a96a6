"""Light and dark: follow the system colour scheme, derive every colour from the palette.

Why: the app must look right in both schemes without hard-coded light colours. Fusion
draws everything from the QPalette, so switching scheme is swapping the palette. Qt reports
the system scheme through ``QStyleHints.colorScheme()``; when the platform theme does not also
provide a matching palette (common outside GNOME/KDE), we build a dark one ourselves.
The person picks System, Light or Dark on the Providers page (saved in settings as
``theme``); ``SWITCHBOARD_THEME=light|dark`` overrides "System" (handy for screenshots).

:class:`CalmStyle` (a proxy of Fusion) fixes the two things Fusion gets wrong for us: tick
boxes whose outline vanishes on a dark background, and focus rectangles too faint to see.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionComboBox,
    QStyleOptionComplex,
    QTabBar,
    QWidget,
)

from desktop.ui.chat.markdown import MarkdownTheme, code_background

THEME_ENV = "SWITCHBOARD_THEME"
THEMES: dict[str, str] = {"system": "System", "light": "Light", "dark": "Dark"}
"""The theme choices (settings value → what the picker says)."""

_choice = "system"


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` is a dark one (dark window background)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


def muted_text(palette: QPalette) -> QColor:
    """Secondary text: the text colour pulled towards the background."""
    return mix(
        palette.color(QPalette.ColorRole.WindowText), palette.color(QPalette.ColorRole.Window), 0.4
    )


def bubble_colour(palette: QPalette) -> QColor:
    """Background of the user's messages: a soft tint of the highlight colour."""
    return mix(
        palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Highlight), 0.12
    )


def markdown_theme(palette: QPalette) -> MarkdownTheme:
    """Colours for rendered answers, taken from ``palette``."""
    dark = is_dark(palette)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    return MarkdownTheme(
        dark=dark,
        code_background=code_background(dark),
        inline_code_background=mix(base, text, 0.1).name(),
        border=mix(base, text, 0.3).name(),
        muted=mix(text, base, 0.4).name(),
    )


def dark_palette() -> QPalette:
    """A calm dark palette for Fusion when the platform gives none."""
    p = QPalette()
    role = QPalette.ColorRole
    window, base, text = QColor("#2b2d30"), QColor("#1f2124"), QColor("#e6e6e6")
    for r, colour in (
        (role.Window, window),
        (role.WindowText, text),
        (role.Base, base),
        (role.AlternateBase, QColor("#2f3236")),
        (role.ToolTipBase, QColor("#3a3d41")),
        (role.ToolTipText, text),
        (role.PlaceholderText, QColor("#8a8d91")),
        (role.Text, text),
        (role.Button, QColor("#35383c")),
        (role.ButtonText, text),
        (role.BrightText, QColor("#ff6b6b")),
        (role.Light, QColor("#4a4d52")),
        (role.Midlight, QColor("#3e4145")),
        (role.Mid, QColor("#26282b")),
        (role.Dark, QColor("#1a1b1d")),
        (role.Shadow, QColor("#000000")),
        (role.Highlight, QColor("#3d7dd8")),
        (role.HighlightedText, QColor("#ffffff")),
        (role.Link, QColor("#7cb4ff")),
        (role.LinkVisited, QColor("#b99cff")),
    ):
        p.setColor(r, colour)
    disabled = QColor("#7a7d81")
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, disabled)
    return p


def wanted_scheme(app: QGuiApplication) -> Qt.ColorScheme:
    """The scheme to use: the person's choice, else the override variable, else the system's."""
    override = _choice if _choice in ("light", "dark") else ""
    override = override or os.environ.get(THEME_ENV, "").strip().lower()
    if override == "dark":
        return Qt.ColorScheme.Dark
    if override == "light":
        return Qt.ColorScheme.Light
    return app.styleHints().colorScheme()


def apply_scheme(app: QApplication) -> None:
    """Make the palette match the wanted scheme (only replacing it when it does not)."""
    scheme = wanted_scheme(app)
    palette = app.palette()
    if scheme == Qt.ColorScheme.Dark and not is_dark(palette):
        app.setPalette(dark_palette())
    elif scheme == Qt.ColorScheme.Light and is_dark(palette):
        app.setPalette(app.style().standardPalette())


def set_theme(app: QApplication, choice: str) -> None:
    """Use ``choice`` ("system", "light" or "dark"; anything else means system) from now on."""
    global _choice
    _choice = choice if choice in THEMES else "system"
    apply_scheme(app)


def ring_colour(palette: QPalette, behind: QColor) -> QColor:
    """The focus ring's colour: the highlight, unless what it is drawn on is the highlight
    itself (the primary button), where the text colour shows instead."""
    highlight = palette.color(QPalette.ColorRole.Highlight)
    close = (
        abs(highlight.red() - behind.red())
        + abs(highlight.green() - behind.green())
        + abs(highlight.blue() - behind.blue())
    )
    return highlight if close > 120 else palette.color(QPalette.ColorRole.WindowText)


class CalmStyle(QProxyStyle):
    """Fusion, with tick-box outlines and focus rings that show in light and dark.

    Fusion marks keyboard focus only on text fields, tick boxes and list items (and on
    buttons with an outline too faint to see); here every control that Tab reaches gets a
    ring in the highlight colour: buttons, drop-down lists, sliders and tabs once focus
    moved by keyboard (a clicked button needs no ring), text areas and lists whenever they
    have focus, as text fields do.
    """

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        pe = QStyle.PrimitiveElement
        if element == pe.PE_FrameFocusRect:
            self._ring(option, painter, option.palette.color(QPalette.ColorRole.Highlight))
            return
        super().drawPrimitive(element, option, painter, widget)
        if element in (pe.PE_IndicatorCheckBox, pe.PE_IndicatorItemViewItemCheck):
            palette = option.palette
            outline = mix(
                palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base), 0.45
            )
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(outline, 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(0.6, 0.6, -0.6, -0.6), 2, 2)
            painter.restore()
        elif element == pe.PE_PanelButtonCommand and _keyboard_focus(option):
            behind = option.palette.color(QPalette.ColorRole.Button)
            self._ring(option, painter, ring_colour(option.palette, behind))

    def drawComplexControl(
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawComplexControl(control, option, painter, widget)
        cc = QStyle.ComplexControl
        editable = isinstance(option, QStyleOptionComboBox) and option.editable
        if _keyboard_focus(option) and (
            control == cc.CC_Slider or (control == cc.CC_ComboBox and not editable)
        ):
            self._ring(option, painter, option.palette.color(QPalette.ColorRole.Highlight))

    def drawControl(
        self,
        element: QStyle.ControlElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawControl(element, option, painter, widget)
        if (
            element == QStyle.ControlElement.CE_ShapedFrame
            and isinstance(widget, QAbstractScrollArea)
            and widget.hasFocus()
            and widget.frameWidth() > 0
        ):  # a text area or a list: a line on its thin frame, as a focused text field has
            painter.save()
            painter.setPen(QPen(option.palette.color(QPalette.ColorRole.Highlight), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5))
            painter.restore()
        elif (
            element == QStyle.ControlElement.CE_TabBarTab
            and isinstance(widget, QTabBar)
            and widget.hasFocus()
            and option.state & QStyle.StateFlag.State_Selected
            and option.state & QStyle.StateFlag.State_KeyboardFocusChange
        ):
            self._ring(option, painter, option.palette.color(QPalette.ColorRole.Highlight))

    @staticmethod
    def _ring(option: QStyleOption, painter: QPainter, colour: QColor) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(option.rect).adjusted(1, 1, -1, -1), 3, 3)
        painter.restore()


def _keyboard_focus(option: QStyleOption) -> bool:
    """Focus that came by keyboard (Tab), when a ring tells where the next key press goes."""
    state = option.state
    return bool(
        state & QStyle.StateFlag.State_HasFocus
        and state & QStyle.StateFlag.State_KeyboardFocusChange
    )


_style: CalmStyle | None = None


def follow_system_scheme(app: QApplication, choice: str = "system") -> None:
    """Use Fusion (calmed), match the chosen scheme now, and again whenever the system
    switches."""
    global _style, _choice
    _choice = choice if choice in THEMES else "system"
    if _style is None:
        _style = CalmStyle("Fusion")
        app.setStyle(_style)
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_scheme(app))
    apply_scheme(app)
