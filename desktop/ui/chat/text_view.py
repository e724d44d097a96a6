"""The body of one message: rendered markdown that grows to fit, streams cheaply, loads nothing.

Why a QTextBrowser per message (style.md §3.2): older messages are laid out once and never
touched again; only the live one changes. While streaming, the cost of a flush is the cost of
the new text (issue 8): :class:`~desktop.ui.chat.stream_blocks.BlockSplitter` says which
pieces finished, each finished piece is rendered once and appended through a cursor, code
lines join their box as they arrive, and only the open piece is shown as plain text at the
end of the document. Nothing already shown is rendered or laid out again. ``loadResource``
refuses everything, so an answer can never make the app fetch a URL; links open in the
system browser only when clicked.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QEvent, QSize, QSizeF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from desktop.ui.chat.markdown import (
    CODE_GAP_PX,
    COPY_SCHEME,
    SAFE_SCHEMES,
    MarkdownTheme,
    code_box,
    code_lines,
    default_stylesheet,
    render_markdown,
)
from desktop.ui.chat.stream_blocks import BlockSplitter, Piece
from desktop.ui.theme import markdown_theme

_OWN_BLOCK = ("<ul", "<ol", "<table")
"""HTML that Qt puts in blocks of its own when inserted (lists, tables)."""


def _start_block(cursor: QTextCursor, html: str = "") -> None:
    """Make sure HTML inserted at ``cursor`` starts a block of its own, with no gap line.

    Paragraphs join the block they are inserted into, so they get a fresh empty one. Lists and
    tables always open their own block, leaving an empty one before them: that one is given
    no height, so it never shows as a blank line.
    """
    own_block = html.startswith(_OWN_BLOCK)
    if cursor.block().length() > 1:
        if not own_block:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
    elif own_block:
        flat = QTextBlockFormat()
        flat.setLineHeight(0, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
        cursor.setBlockFormat(flat)


_LEADING_TAGS = re.compile(r"\s*(?:<[^>]*>\s*)+")
"""The tags that open a piece's HTML: they alone decide its first block's format."""


@lru_cache(maxsize=64)
def _first_block_format(lead: str, stylesheet: str) -> QTextBlockFormat:
    """The format of the first block of HTML opening with ``lead``, laid out alone.

    Only the opening tags are parsed (with a stand-in character), and once per kind of
    block: parsing each piece twice would double the cost of every paragraph (issue 8).
    """
    alone = QTextDocument()
    alone.setDefaultStyleSheet(stylesheet)
    alone.setHtml(lead + "x")
    return alone.begin().blockFormat()


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
        self._shown_full = False  # the document shows ``_text`` completely, rendered
        self._splitter: BlockSplitter | None = None  # set while a stream runs
        self._tail_pos = 0  # where the live (plain) part starts in the document
        self._live_end = 0  # characters of ``_text`` in the document, rendered or live
        self._code_cursor: QTextCursor | None = None  # the end of an open code box
        self._code_raw = ""
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
        """Show ``text`` in full (rendered as markdown when this view renders markdown).

        The text a finished stream already shows is not rendered again.
        """
        if self._splitter is None and self._shown_full and text == self._text:
            return
        self._splitter = None
        self._code_cursor = None
        self._text = text
        self._render_all()

    def begin_stream(self, text: str = "") -> None:
        """Start showing a live answer that :meth:`append_stream` will extend."""
        self._text = ""
        self._shown_full = False
        self._code_blocks = []
        self._code_cursor = None
        self._code_raw = ""
        self._tail_pos = self._live_end = 0
        self.clear()
        self._apply_stylesheet()
        if not self._markdown:
            self._splitter = None
            self.setPlainText(text)
            self._text = text
            return
        self._splitter = BlockSplitter()
        self.append_stream(text)

    def append_stream(self, chunk: str) -> None:
        """Append newly arrived text: render what finished, show the rest as plain text."""
        if not chunk:
            return
        self._text += chunk
        splitter = self._splitter
        if splitter is None:
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(chunk)
            return
        pieces = splitter.feed(self._text)
        if pieces:
            cursor = self._drop_live_part()
            self._render_pieces(cursor, pieces)
            self._show_live(cursor, self._text[splitter.committed :])
        else:
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            self._show_live(cursor, self._text[self._live_end :])

    def end_stream(self) -> None:
        """The answer is complete (or stopped): render what is still open, and only that."""
        splitter = self._splitter
        if splitter is None:
            return
        pieces = splitter.finish(self._text)
        cursor = self._drop_live_part()
        self._render_pieces(cursor, pieces)
        self._splitter = None
        self._code_cursor = None
        self._shown_full = True

    # --- Rendering ------------------------------------------------------------------------

    def _render_all(self) -> None:
        self._shown_full = True
        if not self._markdown:
            self.setPlainText(self._text)
            return
        rendered = render_markdown(self._text, markdown_theme(self.palette()))
        self._code_blocks = rendered.code_blocks
        self.setHtml(rendered.html)

    def _drop_live_part(self) -> QTextCursor:
        """Remove the plain live part; return a cursor where the next pieces go."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._tail_pos)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        assert self._splitter is not None
        self._live_end = self._splitter.committed
        return cursor

    def _show_live(self, cursor: QTextCursor, text: str) -> None:
        """Append ``text`` to the live part at ``cursor`` (the end of the document)."""
        if not text:
            return
        splitter = self._splitter
        assert splitter is not None
        if self._live_end == splitter.committed:  # the live part starts here
            self._tail_pos = cursor.position()
            _start_block(cursor)
            live = QTextCharFormat()
            if splitter.in_fence:
                live.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
            cursor.setCharFormat(live)
        cursor.insertText(text)
        self._live_end = len(self._text)

    def _render_pieces(self, cursor: QTextCursor, pieces: list[Piece]) -> None:
        theme = markdown_theme(self.palette())
        for piece in pieces:
            if piece.kind == "code":
                self._add_code(cursor, piece, theme)
                continue
            rendered = render_markdown(piece.text, theme, len(self._code_blocks))
            self._code_blocks.extend(rendered.code_blocks)
            self._insert_html(cursor, rendered.html.strip())
        self._tail_pos = cursor.position()

    def _insert_html(self, cursor: QTextCursor, html: str) -> None:
        """Insert ``html`` as blocks of its own, its first block keeping its own format.

        Inserted HTML joins the block at the cursor, which keeps *that* block's format (no
        margins, no background); the first block's format is therefore taken from the HTML
        laid out alone, with the same stylesheet, and put back.
        """
        _start_block(cursor, html)
        start = cursor.position()
        cursor.insertHtml(html)
        if html.startswith(_OWN_BLOCK):
            return
        lead = _LEADING_TAGS.match(html)
        first = QTextCursor(self.document())
        first.setPosition(start)
        first.setBlockFormat(
            _first_block_format(
                lead.group(0) if lead else html, self.document().defaultStyleSheet()
            )
        )

    def _add_code(self, cursor: QTextCursor, piece: Piece, theme: MarkdownTheme) -> None:
        """Open a code box, or add the new lines to the open one (highlighted once each)."""
        code = piece.text[:-1] if piece.text.endswith("\n") else piece.text
        if piece.first or self._code_cursor is None:
            self._code_raw = piece.text
            self._code_blocks.append(piece.text.rstrip("\n"))
            number = len(self._code_blocks) - 1
            html = code_box(code, piece.language, theme, number, last=piece.last).strip()
            self._insert_html(cursor, html)
            self._code_cursor = QTextCursor(cursor)  # the end of the box's last line
        elif piece.text:
            self._code_raw += piece.text
            self._code_blocks[-1] = self._code_raw.rstrip("\n")
            self._code_cursor.insertBlock()  # same tinted format as the line above
            self._code_cursor.insertHtml(code_lines(code, piece.language, theme))
        if piece.last:
            box_end = self._code_cursor.blockFormat()
            box_end.setBottomMargin(CODE_GAP_PX)
            self._code_cursor.setBlockFormat(box_end)
            self._code_cursor = None

    def _apply_stylesheet(self) -> None:
        self.document().setDefaultStyleSheet(default_stylesheet(markdown_theme(self.palette())))

    # --- Sizing ---------------------------------------------------------------------------

    def _fit_height(self, size: QSizeF | None = None) -> None:
        """Grow to the document's height (taken from the layout's signal when it gave one:
        asking the document for its size lays out all of it, which costs O(answer))."""
        document_height = self.document().size().height() if size is None else size.height()
        height = math.ceil(document_height) + 2 * self.frameWidth()
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Setting the text width lays out the whole document again, even when it is the same
        # width; growing taller (every streamed line) must not pay for that.
        width = self.viewport().width()
        if self.document().textWidth() != width:
            self.document().setTextWidth(width)
            self._fit_height()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_stylesheet()
            if self._markdown and self._splitter is not None:
                self.begin_stream(self._text)
            elif self._markdown and self._shown_full:
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
