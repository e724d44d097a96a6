"""The start picture of "change a picture" (Images) and "animate a picture" (Video).

Why a field of its own: both tabs take a picture the same four ways — drop a file (or a
picture dragged from a browser), paste, pick, or "Use this picture" on any picture already
made — and show the same small preview. The field holds only a path; reading, checking and
sending happen in the engine, which refuses a file that is not a picture with one sentence.

Everything slow stays off the event loop: the preview is decoded in the services' pool, and
a pasted or dropped picture (pixels, not a file) is encoded and kept in the media store there,
so it has a path like any other.
"""

from __future__ import annotations

import io
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from desktop.services import Services
from desktop.ui.file_dialogs import ask_open_path
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.thumbnails import ImageLoadError, load_scaled

PREVIEW_SIDE = 88
PICTURE_FILTER = "Pictures (*.png *.jpg *.jpeg *.webp *.gif);;All files (*)"


def png_bytes(image: QImage) -> bytes:
    """Blocking: a pasted picture as PNG bytes (its pixels read out, encoded by Pillow)."""
    from PIL import Image  # imported here: keeps Pillow out of the start-up path

    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height, stride = rgba.width(), rgba.height(), rgba.bytesPerLine()
    pixels = bytes(rgba.constBits())[: stride * height]
    picture = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", stride, 1)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def local_file(mime: QMimeData) -> str | None:
    """The first local file a drop or the clipboard carries, if any."""
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile():
            return url.toLocalFile()
    return None


def _small_button(text: str, parent: QWidget) -> QToolButton:
    """A compact text button: three of them must fit the narrow form column."""
    button = QToolButton(parent)
    button.setText(text)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


class StartPictureField(QFrame):
    """A drop target with a preview, Pick…, Paste and Clear.

    Signals:
        changed(): the picture was set or cleared.
        problem(str): one sentence for the tab's message bar ("The clipboard holds no picture.").
    """

    changed = Signal()
    problem = Signal(str)

    def __init__(
        self, services: Services, scope: TaskScope, empty_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.scope = scope
        self._path: str | None = None
        self._empty_text = empty_text
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)
        self.setAccessibleName("Start picture")
        self.setToolTip("Drop a picture here, paste one, or pick a file")
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.preview = QLabel(self)
        self.preview.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setText("Drop a\npicture")
        row.addWidget(self.preview)
        self.caption = MutedLabel(empty_text, self)
        self.caption.setWordWrap(True)
        self.caption.setMinimumWidth(60)
        row.addWidget(self.caption, 1)
        column.addLayout(row)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.pick_button = _small_button("Pick…", self)
        self.pick_button.setToolTip("Choose a picture file")
        self.pick_button.clicked.connect(self.pick)
        self.paste_button = _small_button("Paste", self)
        self.paste_button.setToolTip("Use the picture on the clipboard")
        self.paste_button.clicked.connect(self.paste)
        self.clear_button = _small_button("Clear", self)
        self.clear_button.setToolTip("Start from the description alone")
        self.clear_button.clicked.connect(lambda: self.set_path(None))
        for button in (self.pick_button, self.paste_button, self.clear_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self._refresh()

    # --- Public API -----------------------------------------------------------------------

    def path(self) -> str | None:
        return self._path

    def set_path(self, path: str | None) -> None:
        """Use the picture at ``path`` (None: no start picture); the preview loads off the loop."""
        path = path or None
        if path == self._path:
            return
        self._path = path
        self._refresh()
        self.changed.emit()
        if path is not None:
            self.scope.spawn(self._load_preview(path), slot="start-picture")

    def pick(self) -> None:
        self.scope.spawn(self._pick(), slot="start-picture-pick")

    def paste(self) -> None:
        """The clipboard's picture file, or its pixels (kept in the media store first)."""
        self.take(QGuiApplication.clipboard().mimeData(), "The clipboard holds no picture.")

    def take(self, mime: QMimeData | None, nothing: str) -> bool:
        """Use what a drop or the clipboard carries; says ``nothing`` when it is no picture."""
        path = local_file(mime) if mime is not None else None
        if path is not None:
            self.set_path(path)
            return True
        if mime is not None and mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.scope.spawn(self._keep_pixels(image), slot="start-picture-paste")
                return True
        self.problem.emit(nothing)
        return False

    # --- Internals ------------------------------------------------------------------------

    def _refresh(self) -> None:
        has = self._path is not None
        self.clear_button.setEnabled(has)
        if not has:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("Drop a\npicture")
            self.caption.setText(self._empty_text)
        else:
            self.caption.setText(Path(self._path or "").name)

    async def _pick(self) -> None:
        path = await ask_open_path(
            self, title="Choose the start picture", filters=PICTURE_FILTER, purpose="pictures"
        )
        if path is not None:
            self.set_path(str(path))

    async def _keep_pixels(self, image: QImage) -> None:
        data = await self.services.run_blocking(png_bytes, image)
        kept = await self.services.run_blocking(self.services.media.put, data, ".png")
        if isValid(self):
            self.set_path(str(kept))

    async def _load_preview(self, path: str) -> None:
        try:
            image: QImage | None = await self.services.run_blocking(load_scaled, path, PREVIEW_SIDE)
        except ImageLoadError:
            image = None
        if not isValid(self) or path != self._path:
            return
        if image is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("Not a\npicture")
            self.caption.setText(f"{Path(path).name} cannot be read as a picture.")
            return
        self.preview.setPixmap(QPixmap.fromImage(image))
        self.caption.setText(Path(path).name)

    # --- Qt -------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if local_file(mime) is not None or mime.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.take(event.mimeData(), "That was not a picture; drop a picture file."):
            event.acceptProposedAction()
