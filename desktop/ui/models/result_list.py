"""The browser's list: section headings and one painted card per model.

Why a model and a delegate instead of a widget per row: a search may return dozens of models
per keystroke; a plain list model is replaced in one call and paints only the visible rows.
Each card reads top to bottom the way a person decides: what it is (name, author, badges),
what it is good at (one plain line), who serves it for them (providers in their order, with
their state), and how popular and — for chat — how cheap and fast it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.engine.model_directory import ModelInfo
from desktop.ui.models import words
from desktop.ui.theme import mix

MODEL_ROLE = Qt.ItemDataRole.UserRole + 20
"""The :class:`ModelInfo` of a card (None on a heading)."""
FAVOURITE_ROLE = Qt.ItemDataRole.UserRole + 21
HEADING_ROLE = Qt.ItemDataRole.UserRole + 22
"""The text of a section heading (None on a card)."""

PADDING = 8
LINE_GAP = 3

_BADGE_TINTS = {
    "free": QColor("#2e9d5b"),
    "reads images": QColor("#7b5cd6"),
    "uses tools": QColor("#c77b16"),
    "new": QColor("#d64590"),
    "starter": QColor("#3d7dd8"),
    "test-only": QColor("#b8860b"),
}
_STATE_TINTS = {
    "live": QColor("#2e9d5b"),
    "test-only": QColor("#b8860b"),
    "resting": QColor("#c77b16"),
    "needs a key": QColor("#8a8d91"),
    "off": QColor("#8a8d91"),
}

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Row:
    """A heading (``heading`` set) or a model card."""

    heading: str = ""
    model: ModelInfo | None = None
    favourite: bool = False


class ResultModel(QAbstractListModel):
    """Headings and cards; headings cannot be selected, so arrows skip them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def models(self) -> list[ModelInfo]:
        """The models shown, top to bottom."""
        return [r.model for r in self._rows if r.model is not None]

    def headings(self) -> list[str]:
        return [r.heading for r in self._rows if r.heading]

    def row_of(self, model_id: str) -> int:
        for i, row in enumerate(self._rows):
            if row.model is not None and row.model.id == model_id:
                return i
        return -1

    def first_model_row(self) -> int:
        return next((i for i, r in enumerate(self._rows) if r.model is not None), -1)

    def set_favourite(self, model_id: str, favourite: bool) -> None:
        for i, row in enumerate(self._rows):
            if row.model is not None and row.model.id == model_id:
                self._rows[i] = Row(model=row.model, favourite=favourite)
                index = self.index(i)
                self.dataChanged.emit(index, index)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == HEADING_ROLE:
            return row.heading or None
        if role == MODEL_ROLE:
            return row.model
        if role == FAVOURITE_ROLE:
            return row.favourite
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if row.model is None:
                return row.heading
            return f"{row.model.name} by {row.model.author}" if row.model.author else row.model.name
        if role == Qt.ItemDataRole.ToolTipRole and row.model is not None:
            return row.model.id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].model is None:
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class ResultDelegate(QStyledItemDelegate):
    """Paints a heading as a small bold caption and a model as a three or four line card."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_chat_facts = False
        """Chat: a fourth line with price, context, first-token time and speed."""

    # --- Sizes ----------------------------------------------------------------------------

    def _fonts(self, base: QFont) -> tuple[QFont, QFont, QFont]:
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        if small.pointSizeF() > 0:
            small.setPointSizeF(small.pointSizeF() * 0.9)
        badge = QFont(small)
        if badge.pointSizeF() > 0:
            badge.setPointSizeF(badge.pointSizeF() * 0.92)
        return bold, small, badge

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        bold, small, _ = self._fonts(option.font)
        width = option.rect.width() if option.rect.width() > 0 else 400
        if index.data(HEADING_ROLE):
            return QSize(width, QFontMetrics(bold).height() + PADDING + 6)
        lines = 3 + (1 if self.show_chat_facts else 0)
        height = (
            QFontMetrics(bold).height()
            + (lines - 1) * (QFontMetrics(small).height() + LINE_GAP)
            + 2 * PADDING
            + 2
        )
        return QSize(width, height)

    # --- Painting -------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        heading = index.data(HEADING_ROLE)
        model = index.data(MODEL_ROLE)
        palette: QPalette = option.palette
        painter.save()
        if heading:
            self._paint_heading(painter, option, str(heading))
        elif isinstance(model, ModelInfo):
            self._paint_card(painter, option, index, model, palette)
        painter.restore()

    def _paint_heading(self, painter: QPainter, option: QStyleOptionViewItem, text: str) -> None:
        bold, _, _ = self._fonts(option.font)
        palette: QPalette = option.palette
        text_colour = palette.color(QPalette.ColorRole.Text)
        muted = mix(text_colour, palette.color(QPalette.ColorRole.Base), 0.35)
        painter.setFont(bold)
        painter.setPen(muted)
        rect = option.rect.adjusted(PADDING, PADDING, -PADDING, -2)
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), text.upper()
        )
        painter.setPen(mix(text_colour, palette.color(QPalette.ColorRole.Base), 0.8))
        painter.drawLine(rect.left(), option.rect.bottom(), rect.right(), option.rect.bottom())

    def _paint_card(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        model: ModelInfo,
        palette: QPalette,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        back = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        muted = mix(text_colour, back, 0.35)
        bold, small, badge_font = self._fonts(opt.font)
        fm_bold, fm_small = QFontMetrics(bold), QFontMetrics(small)
        rect = opt.rect.adjusted(PADDING + 2, PADDING, -PADDING - 2, -PADDING)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

        # Line 1: ★ name  author ........ badges
        top = QRect(rect.left(), rect.top(), rect.width(), fm_bold.height())
        x = top.left()
        if index.data(FAVOURITE_ROLE):
            painter.setFont(bold)
            painter.setPen(QColor("#e0a100"))
            star = "★ "
            painter.drawText(QRect(x, top.top(), top.width(), top.height()), int(left), star)
            x += fm_bold.horizontalAdvance(star)
        badge_width = self._paint_badges(
            painter, top, badge_font, words.badges(model), back, palette if selected else None
        )
        room = top.right() - x - badge_width - PADDING
        painter.setFont(bold)
        painter.setPen(text_colour)
        name = fm_bold.elidedText(model.name, Qt.TextElideMode.ElideRight, max(room, 40))
        painter.drawText(QRect(x, top.top(), room, top.height()), int(left), name)
        x += fm_bold.horizontalAdvance(name) + PADDING
        if model.author and x < top.right() - badge_width - 40:
            painter.setFont(small)
            painter.setPen(muted)
            author_room = top.right() - badge_width - PADDING - x
            painter.drawText(
                QRect(x, top.top(), author_room, top.height()),
                int(left),
                fm_small.elidedText(f"by {model.author}", Qt.TextElideMode.ElideRight, author_room),
            )

        # Line 2: what it is good at; line 3: who serves it; line 4 (chat): the numbers.
        # Popularity sits at the right end, so a long summary never hides it.
        y = top.bottom() + 1 + LINE_GAP
        popular = words.popularity(model)
        popular_width = fm_small.horizontalAdvance(popular) + PADDING if popular else 0
        if popular:
            painter.setFont(small)
            painter.setPen(muted)
            painter.drawText(
                QRect(rect.right() - popular_width, y, popular_width, fm_small.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                popular,
            )
        summary_rect = rect.adjusted(0, 0, -popular_width - PADDING, 0)
        self._line(painter, small, text_colour, summary_rect, y, model.summary)
        y += fm_small.height() + LINE_GAP
        self._paint_offers(painter, small, rect, y, model, muted, selected)
        if self.show_chat_facts:
            y += fm_small.height() + LINE_GAP
            self._line(painter, small, muted, rect, y, words.chat_facts(model))

    def _line(
        self, painter: QPainter, font: QFont, colour: QColor, rect: QRect, y: int, text: str
    ) -> None:
        if not text:
            return
        fm = QFontMetrics(font)
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(
            QRect(rect.left(), y, rect.width(), fm.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
        )

    def _paint_offers(
        self,
        painter: QPainter,
        font: QFont,
        rect: QRect,
        y: int,
        model: ModelInfo,
        muted: QColor,
        selected: bool,
    ) -> None:
        """ "● Groq ready  ● Cerebras needs a key" — a dot in the state's colour per provider."""
        fm = QFontMetrics(font)
        painter.setFont(font)
        x = rect.left()
        if not model.offers:
            self._line(painter, font, muted, rect, y, words.providers_line(()))
            return
        dot = max(7, fm.height() // 2)
        for n, offer in enumerate(model.offers):
            label = f"{offer.label} {words.STATE_WORDS.get(offer.state, offer.state)}"
            needed = dot + 4 + fm.horizontalAdvance(label) + 14
            rest = len(model.offers) - n
            if x + needed > rect.right() - (fm.horizontalAdvance("+99 more") if rest > 1 else 0):
                painter.setPen(muted)
                painter.drawText(
                    QRect(x, y, rect.right() - x, fm.height()),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    f"+{rest} more",
                )
                return
            tint = _STATE_TINTS.get(offer.state, muted)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(tint if not selected else mix(tint, QColor("#ffffff"), 0.3))
            painter.drawEllipse(QRectF(x, y + (fm.height() - dot) / 2, dot, dot))
            painter.setPen(muted)
            painter.drawText(
                QRect(x + dot + 4, y, fm.horizontalAdvance(label) + 2, fm.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                label,
            )
            x += needed

    def _paint_badges(
        self,
        painter: QPainter,
        line: QRect,
        font: QFont,
        names: list[str],
        back: QColor,
        selected: QPalette | None,
    ) -> int:
        """Rounded pills at the right end of ``line``; returns the width they take.

        On a selected card the pills are drawn on the document colour, so a tint close to the
        highlight colour stays readable."""
        if not names:
            return 0
        fm = QFontMetrics(font)
        painter.setFont(font)
        height = fm.height() + 2
        x = line.right()
        for name in reversed(names):
            width = fm.horizontalAdvance(name) + 12
            x -= width
            pill = QRectF(x, line.top() + (line.height() - height) / 2, width, height)
            tint = _BADGE_TINTS.get(name, QColor("#3d7dd8"))
            ground = selected.color(QPalette.ColorRole.Base) if selected is not None else back
            painter.setPen(mix(ground, tint, 0.7))
            painter.setBrush(mix(ground, tint, 0.16))
            painter.drawRoundedRect(pill, height / 2, height / 2)
            dark_back = ground.lightness() < 128
            painter.setPen(mix(tint, QColor("#ffffff" if dark_back else "#000000"), 0.35))
            painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), name)
            x -= 4
        return line.right() - x


class ResultView(QListView):
    """The list of cards: uniform-width rows, smooth scrolling, one selected at a time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(False)
        self.setWordWrap(False)
        self.setAccessibleName("Models")
