"""Where the user writes: a multi-line prompt, pending images, and one Send/Stop button.

Why Ctrl+Enter sends and Enter makes a new line: prompts are often several paragraphs, and
an accidental Enter must not send half a thought; the hint under the box says so. Images
arrive by drag and drop, by pasting, or from a file picker; decoding and downscaling happen
elsewhere (off the loop), this widget only collects them.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.chat_types import Attachment
from desktop.ui.chat.attachments import AttachmentStrip
from desktop.ui.widgets.labels import MutedLabel

MIN_LINES = 3
MAX_LINES = 10


def local_image_paths(mime: QMimeData) -> list[str]:
    """Local files among dropped/pasted URLs (the engine decides if they are images)."""
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class PromptEdit(QPlainTextEdit):
    """The text box: Ctrl+Enter submits; pasted or dropped images become attachments.

    Signals:
        submitted(): Ctrl+Enter was pressed.
        image_pasted(QImage): an image came from the clipboard or a drop.
        files_dropped(list): local file paths were dropped or pasted.
    """

    submitted = Signal()
    image_pasted = Signal(QImage)
    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return (
            source.hasImage()
            or bool(local_image_paths(source))
            or super().canInsertFromMimeData(source)
        )

    def insertFromMimeData(self, source: QMimeData) -> None:
        paths = local_image_paths(source)
        if paths:
            self.files_dropped.emit(paths)
        elif source.hasImage():
            image = QImage(source.imageData())
            if not image.isNull():
                self.image_pasted.emit(image)
        else:
            super().insertFromMimeData(source)

    def _fit(self, *_: object) -> None:
        lines = max(MIN_LINES, min(MAX_LINES, int(self.document().size().height())))
        margins = self.contentsMargins()
        height = (
            lines * self.fontMetrics().lineSpacing()
            + 2 * int(self.document().documentMargin())
            + margins.top()
            + margins.bottom()
        )
        self.setFixedHeight(height)


class Composer(QFrame):
    """The prompt box, pending attachments, and the Send/Stop button.

    Signals:
        send_requested(): the user wants to send (button or Ctrl+Enter).
        stop_requested(): the user pressed Stop while an answer was arriving.
        attach_requested(): the "Add image" button was pressed.
        image_pasted(QImage), files_dropped(list): images to import.
    """

    send_requested = Signal()
    stop_requested = Signal()
    attach_requested = Signal()
    image_pasted = Signal(QImage)
    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = False
        self._pending: dict[str, Attachment] = {}
        self.drop_highlighted = False
        self.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 12)
        layout.setSpacing(6)
        self.strip = AttachmentStrip(self, removable=True)
        self.strip.removed.connect(self._on_strip_removed)
        layout.addWidget(self.strip)
        self.prompt = PromptEdit(self)
        self.prompt.setPlaceholderText("Ask anything, or drop an image here")
        self.prompt.setAccessibleName("Message")
        self.prompt.submitted.connect(self._on_submitted)
        self.prompt.image_pasted.connect(self.image_pasted)
        self.prompt.files_dropped.connect(self.files_dropped)
        layout.addWidget(self.prompt)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.attach_button = QToolButton(self)
        self.attach_button.setText("Add image…")
        self.attach_button.setToolTip("Attach images for models that can see (vision models)")
        self.attach_button.clicked.connect(self.attach_requested)
        row.addWidget(self.attach_button)
        self.hint = MutedLabel("Ctrl+Enter sends · Enter starts a new line · Esc stops", self)
        row.addWidget(self.hint)
        row.addStretch(1)
        self.send_button = QPushButton("Send", self)
        self.send_button.setDefault(True)
        self.send_button.setMinimumWidth(96)
        self.send_button.clicked.connect(self._on_primary)
        row.addWidget(self.send_button)
        layout.addLayout(row)

    # --- Public API -----------------------------------------------------------------------

    def text(self) -> str:
        return self.prompt.toPlainText()

    def set_text(self, text: str) -> None:
        self.prompt.setPlainText(text)
        cursor = self.prompt.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.prompt.setTextCursor(cursor)

    def attachments(self) -> list[Attachment]:
        return list(self._pending.values())

    def add_attachment(self, attachment: Attachment) -> bool:
        """Queue an imported image; False if the same stored file is already queued."""
        if attachment.path in self._pending:
            return False
        self._pending[attachment.path] = attachment
        self.strip.add(attachment.path, attachment.name or "image")
        return True

    def set_thumbnail(self, key: str, image: QImage | None) -> None:
        self.strip.set_image(key, image)

    def clear(self) -> None:
        """Empty the prompt and the pending images (after a send)."""
        self.prompt.clear()
        self._pending.clear()
        self.strip.clear()

    def set_busy(self, busy: bool) -> None:
        """While an answer arrives the button is Stop; otherwise Send."""
        self._busy = busy
        self.send_button.setText("Stop" if busy else "Send")
        self.send_button.setToolTip("Stop the answer (Esc)" if busy else "Send (Ctrl+Enter)")

    @property
    def busy(self) -> bool:
        return self._busy

    def focus_prompt(self) -> None:
        self.prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- Internals ------------------------------------------------------------------------

    def _on_primary(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self.send_requested.emit()

    def _on_submitted(self) -> None:
        # Ctrl+Enter never doubles as Stop: a second press while an answer arrives is ignored.
        if not self._busy:
            self.send_requested.emit()

    def _on_strip_removed(self, key: str) -> None:
        self._pending.pop(key, None)

    def set_drop_highlight(self, on: bool) -> None:
        """Outline the composer while an image is dragged over the chat: "drop it here"."""
        if on != self.drop_highlighted:
            self.drop_highlighted = on
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.drop_highlighted:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(4, 2, -4, -4), 8, 8)
        painter.end()
