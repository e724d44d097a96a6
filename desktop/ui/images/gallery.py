"""The picture gallery: one tile per picture, this session's and every earlier one.

Why a model/view grid (style.md §3.3): a gallery grows to hundreds of pictures, so it is a
``QListView`` in icon mode with uniform item sizes and a fixed grid (layout never asks every
item), static movement (nobody shoves tiles around) and thumbnails that the model asks the
:class:`ThumbnailCache` for only when a tile is painted. Dragging a tile out hands other apps
the file and the picture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QUrl,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.core.trace import Trace
from desktop.store.history import StoredGeneration
from desktop.ui.theme import mix
from desktop.ui.widgets.file_actions import PictureFileMime, file_mime_data
from desktop.ui.widgets.generation_text import model_name
from desktop.ui.widgets.thumbnails import ThumbnailCache

Index = QModelIndex | QPersistentModelIndex

THUMB = 148
GRID = QSize(THUMB + 16, THUMB + 16)


@dataclass
class Picture:
    """One picture of one stored generation, with what made it."""

    generation_id: int
    index: int
    path: str
    prompt: str
    model: str
    provider: str | None
    seed: int | None
    width: int | None
    height: int | None
    created_at: float
    duration_ms: float | None
    params: dict[str, Any] = field(default_factory=dict)
    trace: Trace | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.generation_id, self.index)

    def caption(self) -> str:
        """``FLUX.1-schnell · seed 7 · 1024 × 1024``."""
        parts = [model_name(self.model)]
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        if self.width and self.height:
            parts.append(f"{self.width} × {self.height}")
        return " · ".join(p for p in parts if p)


def pictures_of(gen: StoredGeneration) -> list[Picture]:
    """The pictures a stored generation holds (none for a failed one)."""
    trace: Trace | None = None
    if gen.trace:
        try:
            trace = Trace.from_dict(gen.trace)
        except (TypeError, ValueError, KeyError):
            trace = None
    out = []
    for i, f in enumerate(gen.files):
        path = str(f.get("path") or "")
        if not path:
            continue
        out.append(
            Picture(
                generation_id=gen.id,
                index=i,
                path=path,
                prompt=gen.prompt,
                model=gen.model or "",
                provider=f.get("provider") or gen.provider,
                seed=f.get("seed"),
                width=f.get("width"),
                height=f.get("height"),
                created_at=gen.created_at,
                duration_ms=gen.duration_ms,
                params=dict(gen.params),
                trace=trace,
            )
        )
    return out


def placeholder(size: int, palette: QPalette, missing: bool = False) -> QPixmap:
    """A soft tile shown while a thumbnail loads (or a crossed one when the file is gone)."""
    pixmap = QPixmap(size, size)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    pixmap.fill(mix(base, text, 0.08))
    if missing:
        painter = QPainter(pixmap)
        painter.setPen(mix(base, text, 0.4))
        painter.drawText(pixmap.rect(), int(Qt.AlignmentFlag.AlignCenter), "File missing")
        painter.end()
    return pixmap


class GalleryModel(QAbstractListModel):
    """Pictures newest first; DecorationRole is the cached thumbnail or a placeholder."""

    def __init__(self, thumbnails: ThumbnailCache, palette: QPalette) -> None:
        super().__init__()
        self._pictures: list[Picture] = []
        self._thumbs = thumbnails
        self._placeholder = QIcon(placeholder(thumbnails.size, palette))
        self._missing = QIcon(placeholder(thumbnails.size, palette, missing=True))
        self._icons: dict[str, QIcon] = {}
        self.offers_image: Callable[[str], bool] = lambda _path: False
        """Whether a drag of ``path`` offers the picture itself, not only its file (the page
        says yes for the one shown large)."""
        thumbnails.ready.connect(self._on_ready)

    # --- Contents -------------------------------------------------------------------------

    def set_pictures(self, pictures: list[Picture]) -> None:
        self.beginResetModel()
        self._pictures = list(pictures)
        self.endResetModel()

    def prepend(self, pictures: list[Picture]) -> None:
        """New pictures go first (the list is newest first); already listed ones are skipped."""
        known = {p.key for p in self._pictures}
        fresh = [p for p in pictures if p.key not in known]
        if not fresh:
            return
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self._pictures[0:0] = fresh
        self.endInsertRows()

    def picture(self, row: int) -> Picture | None:
        return self._pictures[row] if 0 <= row < len(self._pictures) else None

    def row_of(self, key: tuple[int, int]) -> int:
        return next((i for i, p in enumerate(self._pictures) if p.key == key), -1)

    def set_palette(self, palette: QPalette) -> None:
        """Placeholders follow the light/dark scheme."""
        self._placeholder = QIcon(placeholder(self._thumbs.size, palette))
        self._missing = QIcon(placeholder(self._thumbs.size, palette, missing=True))
        if self._pictures:
            self.dataChanged.emit(self.index(0), self.index(len(self._pictures) - 1))

    # --- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._pictures)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        picture = self.picture(index.row()) if index.isValid() else None
        if picture is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(picture.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{picture.prompt}\n{picture.caption()}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return picture.prompt
        if role == Qt.ItemDataRole.UserRole:
            return picture.key
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list", "application/x-qt-image"]

    def mimeData(self, indexes: Any) -> QMimeData:
        """The dragged pictures' files; for the one shown large, the whole picture too,
        read from its file only if the drop target asks for it."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        pictures = [p for r in rows if (p := self.picture(r)) is not None]
        if not pictures:
            return QMimeData()
        if len(pictures) == 1 and self.offers_image(pictures[0].path):
            return PictureFileMime(pictures[0].path)
        mime = file_mime_data(pictures[0].path)
        mime.setUrls([QUrl.fromLocalFile(p.path) for p in pictures])
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    # --- Internals ------------------------------------------------------------------------

    def _icon(self, path: str) -> QIcon:
        icon = self._icons.get(path)
        if icon is not None:
            return icon
        pixmap = self._thumbs.get(path)
        if pixmap is not None:
            icon = QIcon(_centred(pixmap, self._thumbs.size))
            self._icons[path] = icon
            return icon
        if self._thumbs.failed(path) or not Path(path).exists():
            return self._missing
        return self._placeholder

    def _on_ready(self, path: str) -> None:
        self._icons.pop(path, None)
        for row, picture in enumerate(self._pictures):
            if picture.path == path:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _centred(pixmap: QPixmap, size: int) -> QPixmap:
    """The thumbnail on a transparent square, so every tile has the same shape."""
    if pixmap.width() == size and pixmap.height() == size:
        return pixmap
    square = QPixmap(size, size)
    square.fill(QColor(0, 0, 0, 0))
    painter = QPainter(square)
    painter.drawPixmap((size - pixmap.width()) // 2, (size - pixmap.height()) // 2, pixmap)
    painter.end()
    return square


class TileDelegate(QStyledItemDelegate):
    """A tile: the thumbnail centred; a rounded highlight ring when chosen, a soft one on hover.

    The style's own icon-mode painting marks selection with a thin bar under the label, and
    these tiles have no label, so the choice would be nearly invisible.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect = QRectF(option.rect).adjusted(3, 3, -3, -3)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected or hovered:
            ring = palette.color(QPalette.ColorRole.Highlight)
            if not selected:
                ring = mix(palette.color(QPalette.ColorRole.Base), ring, 0.45)
            painter.setPen(QPen(ring, 3 if selected else 2))
            painter.setBrush(mix(palette.color(QPalette.ColorRole.Base), ring, 0.12))
            painter.drawRoundedRect(rect, 8, 8)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            size = THUMB
            x = option.rect.x() + (option.rect.width() - size) // 2
            y = option.rect.y() + (option.rect.height() - size) // 2
            icon.paint(painter, QRect(x, y, size, size))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return GRID


class GalleryView(QListView):
    """Icon-mode grid: static, wrapping, uniform tiles, drag out only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)  # IconMode would default to Free
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(GRID)
        self.setSpacing(0)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(60)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setAccessibleName("Pictures")
        self.setMouseTracking(True)  # hover ring
        self.setItemDelegate(TileDelegate(self))
