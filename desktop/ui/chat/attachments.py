"""Image thumbnails: pending attachments in the composer and images sent with a message.

Decoding happens in :func:`load_thumbnail`, which is blocking and meant for the thread pool
(``services.run_blocking``); only the finished small QImage reaches the GUI thread, where it
becomes a pixmap.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

THUMB_SIZE = 72


def load_thumbnail(path: str, size: int = THUMB_SIZE) -> QImage | None:
    """Read ``path`` scaled to fit ``size``×``size`` (blocking: run it off the loop)."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid():
        reader.setScaledSize(full.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


class AttachmentChip(QFrame):
    """One thumbnail with its name as tooltip and, when removable, a ✕ button.

    Signals:
        remove_clicked(): the user wants this attachment gone.
    """

    remove_clicked = Signal()

    def __init__(self, name: str, *, removable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.picture = QLabel("…", self)
        self.picture.setFixedSize(THUMB_SIZE, THUMB_SIZE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(f"Image {name}")
        layout.addWidget(self.picture)
        self.remove_button: QToolButton | None = None
        if removable:
            button = QToolButton(self)
            button.setText("✕ Remove")
            button.setAutoRaise(True)
            button.setToolTip(f"Remove {name}")
            button.setAccessibleName(f"Remove {name}")
            button.clicked.connect(self.remove_clicked)
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
            self.remove_button = button

    def set_image(self, image: QImage | None) -> None:
        """Show the decoded thumbnail, or a plain mark when the file could not be read."""
        if image is None:
            self.picture.setText("?")
            return
        self.picture.setPixmap(QPixmap.fromImage(image))


class AttachmentStrip(QWidget):
    """A row of :class:`AttachmentChip`, keyed by the attachment's stored path.

    Signals:
        removed(str): the chip with this key was removed by the user.
    """

    removed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, removable: bool = False) -> None:
        super().__init__(parent)
        self._removable = removable
        self._chips: dict[str, AttachmentChip] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._layout.addStretch(1)
        self.setVisible(False)

    def add(self, key: str, name: str) -> AttachmentChip:
        """Add a chip (a thumbnail follows via :meth:`set_image`)."""
        chip = AttachmentChip(name, removable=self._removable, parent=self)
        chip.remove_clicked.connect(lambda: self._on_remove(key))
        self._chips[key] = chip
        self._layout.insertWidget(self._layout.count() - 1, chip)
        self.setVisible(True)
        return chip

    def set_image(self, key: str, image: QImage | None) -> None:
        chip = self._chips.get(key)
        if chip is not None:
            chip.set_image(image)

    def keys(self) -> list[str]:
        return list(self._chips)

    def remove(self, key: str) -> None:
        chip = self._chips.pop(key, None)
        if chip is not None:
            # Hidden, then deleted by Qt once control returns to the loop: the click that
            # removes a chip comes from the chip's own button.
            chip.hide()
            chip.deleteLater()
        self.setVisible(bool(self._chips))

    def clear(self) -> None:
        for key in list(self._chips):
            self.remove(key)

    def _on_remove(self, key: str) -> None:
        self.remove(key)
        self.removed.emit(key)
