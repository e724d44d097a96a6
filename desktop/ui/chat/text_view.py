"""The body of one message: rendered markdown that grows to fit, streams cheaply, loads nothing.

Why a QTextBrowser per message (style.md §3.2): older messages are laid out once and never
touched again; only the live one changes. While streaming, finished markdown blocks are shown
rendered and the unfinished tail is appended as plain text through a cursor kept at the end,
so a token costs an append, not a re-layout of the whole answer. ``loadResource`` refuses
everything, so an answer can never make the app fetch a URL; links open in the system browser
only when clicked.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QResizeEvent, QTextCursor
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from desktop.ui.chat.markdown import (
    COPY_SCHEME,
    SAFE_SCHEMES,
    default_stylesheet,
    render_markdown,
    stable_prefix_length,
)
from desktop.ui.theme import markdown_theme


class MessageText(QTextBrowser):
    """Read-only markdown text whose height always equals its content's height.

    Signals:
        code_copied(): a "Copy code" link put a code block on the clipboard.
    """

    code_copied = Signal()

    def __init__(self, parent: QWidget | None = None, *, markdown: bool = True) -> None:
        super().__init__(parent)
        self._markdown = markdown
        self._text = ""
        self._rendered_prefix = 0
        self._code_blocks: list[str] = []
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.viewport().setAutoFillBackground(False)
        self.setAutoFillBackground(False)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self._apply_stylesheet()

    # --- Public API -----------------------------------------------------------------------

    def text(self) -> str:
        """The raw text shown (markdown source for answers)."""
        return self._text

    def set_text(self, text: str) -> None:
        """Show ``text`` in full (rendered as markdown when this view renders markdown)."""
        self._text = text
        self._render_all()

    def begin_stream(self, text: str = "") -> None:
        """Start showing a live answer that :meth:`append_stream` will extend."""
        self._text = text
        self._rendered_prefix = 0
        self._show_stream()

    def append_stream(self, chunk: str) -> None:
        """Append newly arrived text; re-render only when a markdown block completed."""
        if not chunk:
            return
        self._text += chunk
        if self._markdown and stable_prefix_length(self._text) > self._rendered_prefix:
            self._show_stream()
            return
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(chunk)

    def end_stream(self) -> None:
        """The answer is complete (or stopped): render it once, in full."""
        self._render_all()

    # --- Rendering ------------------------------------------------------------------------

    def _render_all(self) -> None:
        self._rendered_prefix = len(self._text)
        if not self._markdown:
            self.setPlainText(self._text)
            return
        rendered = render_markdown(self._text, markdown_theme(self.palette()))
        self._code_blocks = rendered.code_blocks
        self.setHtml(rendered.html)

    def _show_stream(self) -> None:
        """Rendered finished blocks, then the unfinished tail as plain text."""
        if not self._markdown:
            self.setPlainText(self._text)
            self._rendered_prefix = len(self._text)
            return
        prefix = stable_prefix_length(self._text)
        self._rendered_prefix = prefix
        if prefix:
            rendered = render_markdown(self._text[:prefix], markdown_theme(self.palette()))
            self._code_blocks = rendered.code_blocks
            self.setHtml(rendered.html)
        else:
            self.clear()
        tail = self._text[prefix:]
        if tail:
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            if prefix:
                cursor.insertBlock()
            cursor.insertText(tail)

    def _apply_stylesheet(self) -> None:
        self.document().setDefaultStyleSheet(default_stylesheet(markdown_theme(self.palette())))

    # --- Sizing ---------------------------------------------------------------------------

    def _fit_height(self, *_: Any) -> None:
        height = math.ceil(self.document().size().height()) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.document().setTextWidth(self.viewport().width())
        self._fit_height()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_stylesheet()
            if self._markdown and self._rendered_prefix:
                self._render_all()

    # --- Never load anything --------------------------------------------------------------

    def loadResource(self, type: int, name: QUrl | str, /) -> Any:
        """Refuse every resource: answers may not make the app fetch or read anything."""
        return None

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == COPY_SCHEME:
            try:
                code = self._code_blocks[int(url.path())]
            except (ValueError, IndexError):
                return
            QGuiApplication.clipboard().setText(code)
            self.code_copied.emit()
        elif url.scheme() in SAFE_SCHEMES:
            QDesktopServices.openUrl(url)

    def wheelEvent(self, event: Any) -> None:
        """Let the wheel scroll the conversation, not this (never scrolling) view."""
        event.ignore()
