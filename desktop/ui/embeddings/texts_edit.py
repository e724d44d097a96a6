"""The box of texts to embed: one per line, typed or pasted, or a file dropped on it.

Why a subclass: a plain text box would paste a dropped file's *path* as a line of text. Here
a dropped (or pasted) ``.txt``/``.csv`` file is handed to the page to load instead, while
ordinary text still drops and pastes as text.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop.ui.embeddings.text_sources import TEXT_SUFFIXES


def text_files(mime: QMimeData) -> list[str]:
    """Local ``.txt``/``.csv``/``.tsv`` files in ``mime``."""
    return [
        u.toLocalFile()
        for u in mime.urls()
        if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in TEXT_SUFFIXES
    ]


class TextsEdit(QPlainTextEdit):
    """Plain text, no wrapping (a line is a text), files dropped on it are loaded.

    Signals:
        file_dropped(str): a text or CSV file was dropped or pasted.
    """

    file_dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setAccessibleName("Texts to embed")

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(text_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = text_files(source)
        if files:
            self.file_dropped.emit(files[0])
            return
        super().insertFromMimeData(source)
