"""A list of stored generations (any kind) for the Video results and the Library.

Why a plain model/view list: the library holds everything ever made, so rows are painted on
demand by :class:`TwoLineDelegate` — title in bold, what/who in a muted second line, when on
the right — with a picture's thumbnail (decoded off the loop by a :class:`ThumbnailCache`) or
a small drawn symbol for the other kinds, so no file is opened just to list it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyleOptionViewItem, QWidget

from desktop.core.media_types import tab_task
from desktop.core.table import Task
from desktop.core.vocab import Status
from desktop.store.history import StoredGeneration
from desktop.ui.theme import mix
from desktop.ui.widgets.generation_text import summary, title, when
from desktop.ui.widgets.thumbnails import ThumbnailCache
from desktop.ui.widgets.two_line_delegate import NOTE_ROLE, SECONDARY_ROLE, TwoLineDelegate

Index = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole
"""The generation id of a row."""

NOTHING_MADE = "nothing-made"
"""The symbol key of a row with nothing to open (a failed picture, a cancelled video): ✕,
never the symbol of something that could be opened."""

_SYMBOLS = {
    Task.TEXT_TO_IMAGE.value: "▣",
    Task.TEXT_TO_VIDEO.value: "▶",
    Task.SPEECH_TO_TEXT.value: "❝",
    Task.EMBEDDINGS.value: "⁂",
    Task.TEXT_TO_SPEECH.value: "♪",
    Task.CHAT.value: "⋯",
    NOTHING_MADE: "✕",
}


def kind_icon(task: str, size: int, palette: QPalette) -> QIcon:
    """A rounded tile with the kind's symbol, tinted from the palette (light and dark)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    base = palette.color(QPalette.ColorRole.Base)
    accent = palette.color(QPalette.ColorRole.Highlight)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(mix(base, accent, 0.18))
    painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), size / 6, size / 6)
    font = QFont()
    font.setPixelSize(int(size * 0.45))
    painter.setFont(font)
    painter.setPen(mix(accent, palette.color(QPalette.ColorRole.Text), 0.35))
    painter.drawText(pixmap.rect(), int(Qt.AlignmentFlag.AlignCenter), _SYMBOLS.get(task, "•"))
    painter.end()
    return QIcon(pixmap)


def first_picture(gen: StoredGeneration) -> str | None:
    """The file a picture row's thumbnail comes from."""
    if tab_task(gen.task) != Task.TEXT_TO_IMAGE.value:
        return None
    return next((str(f["path"]) for f in gen.files if f.get("path")), None)


class GenerationListModel(QAbstractListModel):
    """Generations newest first. Roles: Display (title), :data:`SECONDARY_ROLE`,
    :data:`NOTE_ROLE` (when), Decoration (thumbnail or symbol), :data:`ID_ROLE`."""

    def __init__(
        self, palette: QPalette, thumbnails: ThumbnailCache | None = None, icon_size: int = 44
    ) -> None:
        super().__init__()
        self._rows: list[StoredGeneration] = []
        self._thumbs = thumbnails
        self._icon_size = icon_size
        self._icons: dict[str, QIcon] = {}
        self._thumb_icons: dict[str, QIcon] = {}
        self.set_palette(palette)
        if thumbnails is not None:
            thumbnails.ready.connect(self._on_thumbnail)

    # --- Contents -------------------------------------------------------------------------

    def set_generations(self, generations: list[StoredGeneration]) -> None:
        self.beginResetModel()
        self._rows = list(generations)
        self.endResetModel()

    def generation(self, row: int) -> StoredGeneration | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def generations(self) -> list[StoredGeneration]:
        return list(self._rows)

    def row_of(self, generation_id: int) -> int:
        return next((i for i, g in enumerate(self._rows) if g.id == generation_id), -1)

    def remove(self, generation_id: int) -> bool:
        row = self.row_of(generation_id)
        if row < 0:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()
        return True

    def set_palette(self, palette: QPalette) -> None:
        """Symbols follow the light/dark scheme."""
        self._icons = {task: kind_icon(task, self._icon_size, palette) for task in _SYMBOLS}
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    # --- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        gen = self.generation(index.row()) if index.isValid() else None
        if gen is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return title(gen)
        if role == SECONDARY_ROLE:
            return summary(gen)
        if role == NOTE_ROLE:
            return when(gen.created_at)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(gen)
        if role == Qt.ItemDataRole.ToolTipRole:
            return gen.prompt[:500] or title(gen)
        if role == ID_ROLE:
            return gen.id
        return None

    # --- Internals ------------------------------------------------------------------------

    def _decoration(self, gen: StoredGeneration) -> QIcon:
        path = first_picture(gen)
        if path and self._thumbs is not None:
            icon = self._thumb_icons.get(path)
            if icon is not None:
                return icon
            pixmap = self._thumbs.get(path)
            if pixmap is not None:
                icon = QIcon(pixmap)
                self._thumb_icons[path] = icon
                return icon
        video = gen.task == Task.TEXT_TO_VIDEO.value
        ended = gen.status in (Status.FAILED, Status.CANCELLED) or (
            video and gen.status != Status.RUNNING
        )
        if ended and not any(f.get("path") for f in gen.files) and not gen.vectors_path:
            return self._icons.get(NOTHING_MADE) or QIcon()
        return self._icons.get(gen.task) or QIcon()

    def _on_thumbnail(self, path: str) -> None:
        self._thumb_icons.pop(path, None)
        for row, gen in enumerate(self._rows):
            if first_picture(gen) == path:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class FittingDelegate(TwoLineDelegate):
    """:class:`TwoLineDelegate` rows as wide as the list, never wider.

    A row's natural width is its whole title; the list would then scroll sideways and hide
    the date on the right. Claiming no width lets the list give every row its own width, and
    the delegate elides the title to fit.
    """

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(1, super().sizeHint(option, index).height())


class GenerationListView(QListView):
    """A single-selection list of generations with two-line rows that fit its width."""

    def __init__(self, parent: QWidget | None = None, *, icon_size: int = 44) -> None:
        super().__init__(parent)
        self.setItemDelegate(FittingDelegate(self))
        self.setIconSize(QSize(icon_size, icon_size))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
