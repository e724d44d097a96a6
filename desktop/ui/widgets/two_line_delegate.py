"""A list row with a bold first line, a muted second line and a muted note on the right.

Why a delegate instead of widgets in the list: a list of hundreds of conversations must stay
a plain model/view list (cheap to scroll, one paint per visible row), yet read like the
sidebars people know. Checkboxes, selection and focus are still drawn by the style.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.ui.theme import mix

SECONDARY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The muted second line."""
NOTE_ROLE = Qt.ItemDataRole.UserRole + 2
"""The muted note at the right end of the first line (a date, a key status)."""

PADDING = 6

Index = QModelIndex | QPersistentModelIndex


class TwoLineDelegate(QStyledItemDelegate):
    """Paints DisplayRole bold, :data:`SECONDARY_ROLE` below it, :data:`NOTE_ROLE` right."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        primary = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        rect = rect.adjusted(PADDING, PADDING // 2, -PADDING, -(PADDING // 2))
        palette: QPalette = opt.palette
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Normal
            if opt.state & QStyle.StateFlag.State_Enabled
            else QPalette.ColorGroup.Disabled
        )
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        back_role = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base
        text_colour = palette.color(group, text_role)
        muted = mix(text_colour, palette.color(group, back_role), 0.35)

        secondary = str(index.data(SECONDARY_ROLE) or "")
        note = str(index.data(NOTE_ROLE) or "")
        base_font: QFont = opt.font
        bold = QFont(base_font)
        bold.setBold(True)
        small = QFont(base_font)
        if small.pointSizeF() > 0:
            small.setPointSizeF(small.pointSizeF() * 0.9)
        line_height = QFontMetrics(bold).height()

        painter.save()
        top = QRect(rect.left(), rect.top(), rect.width(), line_height)
        note_width = 0
        if note:
            painter.setFont(small)
            painter.setPen(muted)
            fm = QFontMetrics(small)
            note_width = min(fm.horizontalAdvance(note) + PADDING, rect.width() // 2)
            note_text = fm.elidedText(note, Qt.TextElideMode.ElideLeft, note_width)
            painter.drawText(
                top, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), note_text
            )
        painter.setFont(bold)
        painter.setPen(text_colour)
        first = top.adjusted(0, 0, -note_width - PADDING, 0)
        painter.drawText(
            first,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            QFontMetrics(bold).elidedText(primary, Qt.TextElideMode.ElideRight, first.width()),
        )
        if secondary:
            painter.setFont(small)
            painter.setPen(muted)
            second = QRect(
                rect.left(), top.bottom() + 2, rect.width(), QFontMetrics(small).height()
            )
            painter.drawText(
                second,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                QFontMetrics(small).elidedText(
                    secondary, Qt.TextElideMode.ElideRight, rect.width()
                ),
            )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base = super().sizeHint(option, index)
        font: QFont = option.font
        height = QFontMetrics(font).height() * 2 + 2 + 2 * PADDING
        return QSize(base.width(), max(base.height(), height))
