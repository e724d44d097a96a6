"""A picture shown as large as it fits, draggable to other apps, and a window to see it big.

Why a painted widget rather than a ``QLabel`` with a pixmap: a label does not keep the aspect
ratio when the panel is resized, and rescaling the full picture on every paint is wasteful.
:class:`ImagePreview` caches one smooth scaled copy per size. It may hold the picture decoded
at the size it is drawn rather than whole (issue 8: a 1024² picture is 4 MiB decoded, shown
at 400 px it needs 0.6): it is told the picture's full size, lays the picture out by it, and
asks for a new decode (``redecode_wanted``) when it grows beyond what it holds, or shrinks
well below (see :class:`~desktop.ui.widgets.preview_loader.PreviewLoader`). Dragging it out
offers both the file's URL and the whole picture (read from the file when a target asks for
it), so file managers, editors and chat apps all accept it.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QDrag,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QVBoxLayout, QWidget

from desktop.ui.theme import mix, muted_text
from desktop.ui.widgets.file_actions import PictureFileMime

SHARPER_MARGIN = 2
"""Pixels a decode may fall short of the drawn size (rounding) before a sharper one is asked."""
SHRINK_SLACK = 1.25
"""How much larger than drawn a decode may stay (a panel made a little smaller keeps it)."""


class ImagePreview(QWidget):
    """Paints one ``QImage`` scaled to fit and centred, or a muted line of text.

    Signals:
        activated(): double-clicked (open it large).
        redecode_wanted(): the picture is drawn larger than it is held decoded (the widget
            grew), or much smaller; whoever loaded it may decode it again at
            :meth:`decode_box`.
    """

    activated = Signal()
    redecode_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._path: str | None = None
        self._full = QSize()
        self._text = ""
        self._ratio = self.devicePixelRatioF()
        self._scaled: QPixmap | None = None
        self._press: QPoint | None = None
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Preview")

    # --- Public API -----------------------------------------------------------------------

    @property
    def image(self) -> QImage | None:
        return self._image

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def full_size(self) -> QSize:
        """The whole picture's size (the image held may be smaller); empty without one."""
        return QSize(self._full) if self._image is not None else QSize()

    def set_image(
        self, image: QImage | None, path: str | None = None, full_size: QSize | None = None
    ) -> None:
        """Show ``image`` (the file ``path`` is what a drag carries); ``full_size`` is the
        whole picture's when ``image`` is a smaller decode of it."""
        self._image = image if image is not None and not image.isNull() else None
        self._path = path
        whole = full_size is not None and not full_size.isEmpty()
        self._full = QSize(full_size) if whole and full_size else QSize()
        if self._image is not None and not whole:
            self._full = self._image.size()
        self._scaled = None
        self._text = ""
        self.setCursor(Qt.CursorShape.OpenHandCursor if self._image else Qt.CursorShape.ArrowCursor)
        self.setToolTip(
            "Double-click to open large; drag it into another app" if self._image else ""
        )
        self.update()

    def set_text(self, text: str) -> None:
        """No picture: show ``text`` ("Your pictures appear here") instead."""
        self._image, self._path, self._scaled = None, None, None
        self._full = QSize()
        self._text = text
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self.setToolTip("")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def image_rect(self) -> QRect:
        """Where the picture is drawn (empty without one)."""
        if self._image is None:
            return QRect()
        size = self._full.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if self._full.width() <= self.width() and self._full.height() <= self.height():
            size = QSize(self._full)  # never blow a small picture up
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(QPoint(x, y), size)

    def decode_box(self) -> QSize:
        """The device pixels a decode should fit: where the picture is drawn, or the whole
        widget before a picture is known."""
        rect = self.image_rect() if self._image is not None else self.rect()
        ratio = self.devicePixelRatioF()
        return QSize(max(1, round(rect.width() * ratio)), max(1, round(rect.height() * ratio)))

    def needs_redecode(self) -> bool:
        """True when the picture is drawn larger than it is held and the file has more, or
        held much larger than it is drawn."""
        image = self._image
        if image is None or not self._path:
            return False
        box = self.decode_box()
        if image.width() > box.width() * SHRINK_SLACK + SHARPER_MARGIN:
            return True  # the panel shrank: hold less
        if image.width() >= self._full.width() and image.height() >= self._full.height():
            return False  # the whole picture is held
        return (
            box.width() > image.width() + SHARPER_MARGIN
            or box.height() > image.height() + SHARPER_MARGIN
        )

    # --- Qt -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        if self._image is None:
            if self._text:
                painter.setPen(muted_text(palette))
                painter.drawText(
                    self.rect().adjusted(16, 16, -16, -16),
                    int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                    self._text,
                )
            painter.end()
            return
        rect = self.image_rect()
        ratio = self.devicePixelRatioF()
        if ratio != self._ratio:  # moved to a screen with another pixel ratio
            self._ratio = ratio
            if self.needs_redecode():
                self.redecode_wanted.emit()
        wanted = QSize(round(rect.width() * ratio), round(rect.height() * ratio))
        if self._scaled is None or self._scaled.size() != wanted:
            self._scaled = QPixmap.fromImage(
                self._image.scaled(
                    wanted,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self._scaled.setDevicePixelRatio(ratio)
        frame = mix(
            palette.color(QPalette.ColorRole.Window),
            palette.color(QPalette.ColorRole.WindowText),
            0.15,
        )
        painter.setPen(frame)
        painter.drawRect(rect.adjusted(-1, -1, 0, 0))
        painter.drawPixmap(rect.topLeft(), self._scaled)
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.needs_redecode():
            self.redecode_wanted.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.needs_redecode():
            self.redecode_wanted.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._image is not None:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        moved = (event.position().toPoint() - self._press).manhattanLength()
        if moved >= QApplication.startDragDistance():
            self._press = None
            self.start_drag()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._image is not None:
            self.activated.emit()

    def start_drag(self) -> Qt.DropAction:
        """Drag the file (URL and the whole picture) out to another application."""
        drag = self.make_drag()
        if drag is None:
            return Qt.DropAction.IgnoreAction
        return drag.exec(Qt.DropAction.CopyAction)

    def make_drag(self) -> QDrag | None:
        """The drag :meth:`start_drag` runs (None without a picture file)."""
        if self._image is None or not self._path:
            return None
        drag = QDrag(self)
        drag.setMimeData(PictureFileMime(self._path))
        icon = QPixmap.fromImage(
            self._image.scaled(
                96,
                96,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        drag.setPixmap(icon)
        drag.setHotSpot(QPoint(icon.width() // 2, icon.height() // 2))
        return drag


class ImageWindow(QWidget):
    """A separate, non-modal window showing one picture as large as the screen allows.

    Non-modal on purpose: people compare a picture with the next one they make. Esc closes.
    ``image`` may be a smaller decode of a picture of ``full_size``: the window is sized for
    the whole picture and its preview asks for a sharper decode (``preview.redecode_wanted``).
    """

    def __init__(
        self,
        image: QImage,
        path: str,
        title: str,
        parent: QWidget | None = None,
        full_size: QSize | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(title or "Picture")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.preview = ImagePreview(self)
        self.preview.set_image(image, path, full_size)
        self.preview.setBackgroundRole(QPalette.ColorRole.Base)
        self.preview.setAutoFillBackground(True)
        layout.addWidget(self.preview)
        screen = self.screen()
        room = screen.availableGeometry().size() * 0.85 if screen is not None else QSize(1088, 680)
        size = self.preview.full_size if not self.preview.full_size.isEmpty() else image.size()
        if size.width() > room.width() or size.height() > room.height():
            size = size.scaled(room, Qt.AspectRatioMode.KeepAspectRatio)
        self.resize(max(320, size.width()), max(240, size.height()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)
