"""The transcript: editable text, one timed segment per line, its start time in the margin.

Why a margin instead of ``[00:01.2]`` typed into the text: the person must be able to fix a
misheard word without breaking a time mark, and the subtitles must carry the fix. So the
text stays plain and editable, each provider segment is one line, and the margin paints the
start time of each line (the way code editors paint line numbers). Exports read the lines
back: line *i* keeps segment *i*'s times; a line the person added after the last segment
follows on from it at a speaking pace. Without timestamps the margin is hidden and the text
is the provider's, as it came.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent, QTextBlock
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop.core.media_types import TranscriptChunk
from desktop.engine.transcripts import MIN_CUE_S, WORDS_PER_SECOND
from desktop.ui.speech.audio_files import mark
from desktop.ui.theme import mix

GUTTER_PADDING = 8


def _spoken_length(text: str) -> float:
    return max(MIN_CUE_S, len(text.split()) / WORDS_PER_SECOND)


class _Gutter(QWidget):
    """The margin that shows each line's start time; painted by its editor."""

    def __init__(self, editor: TranscriptEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_gutter(event)


class TranscriptEditor(QPlainTextEdit):
    """Plain, editable transcript text with a time margin when the provider gave timestamps.

    Signals:
        edited(): the person changed the text (not emitted for :meth:`set_transcript`).
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chunks: list[TranscriptChunk] = []
        self._loading = False
        self._gutter = _Gutter(self)
        self.setPlaceholderText(
            "The transcript appears here. You can correct it before you copy or export it."
        )
        self.setAccessibleName("Transcript")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.document().setDocumentMargin(10)
        font = self.font()  # the transcript is the result: a little larger than the chrome
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.1)
            self.setFont(font)
        self.blockCountChanged.connect(self._update_margins)
        self.updateRequest.connect(self._on_update_request)
        self.textChanged.connect(self._on_text_changed)
        self._update_margins()

    # --- Public API -----------------------------------------------------------------------

    def set_transcript(self, text: str | None, chunks: list[TranscriptChunk]) -> None:
        """Show a provider's transcript: one line per timed segment, or the text as it is."""
        timed = [c for c in chunks if c.text.strip()]
        if timed and all(c.start is not None for c in timed):
            self._chunks = timed
            body = "\n".join(c.text.strip() for c in timed)
        else:
            self._chunks = []
            body = (text or "").strip()
        self._loading = True
        try:
            self.setPlainText(body)
        finally:
            self._loading = False
        self._update_margins()

    def clear_transcript(self) -> None:
        self.set_transcript("", [])

    @property
    def has_timestamps(self) -> bool:
        return bool(self._chunks)

    def lines(self) -> list[str]:
        """The text of every line (block), in order, as shown."""
        return self.toPlainText().split("\n")

    def marks(self) -> list[str]:
        """The time shown beside each line ("" where none), for tests and copying."""
        return [self._mark_for(i) for i in range(self.document().blockCount())]

    def plain_text(self) -> str:
        return self.toPlainText().strip()

    def cues(self) -> list[TranscriptChunk]:
        """Timed cues for subtitles from the lines as edited ([] without timestamps)."""
        if not self._chunks:
            return []
        cues: list[TranscriptChunk] = []
        follow_on = 0.0
        for i, line in enumerate(self.lines()):
            text = line.strip()
            if i < len(self._chunks):
                chunk = self._chunks[i]
                start = chunk.start or 0.0
                end = chunk.end if chunk.end is not None and chunk.end > start else None
                follow_on = end if end is not None else start + _spoken_length(chunk.text)
                if text:
                    cues.append(TranscriptChunk(start, end, text))
            elif text:
                length = _spoken_length(text)
                cues.append(TranscriptChunk(follow_on, follow_on + length, text))
                follow_on += length
        return cues

    def timed_text(self) -> str:
        """``[00:01.2] line`` per line (lines without a time as they are)."""
        out = []
        for line, stamp in zip(self.lines(), self.marks(), strict=True):
            if line.strip():
                out.append(f"[{stamp}] {line.strip()}" if stamp else line.strip())
        return "\n".join(out)

    # --- The margin -----------------------------------------------------------------------

    def gutter_width(self) -> int:
        if not self._chunks:
            return 0
        widest = max((mark(c.start) for c in self._chunks), key=len, default="00:00.0")
        return self.fontMetrics().horizontalAdvance(widest) + 2 * GUTTER_PADDING

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        painter.fillRect(event.rect(), mix(base, text, 0.05))
        painter.setPen(mix(base, text, 0.15))
        right = self._gutter.width() - 1
        painter.drawLine(right, event.rect().top(), right, event.rect().bottom())
        painter.setPen(mix(text, base, 0.45))
        painter.setFont(self.font())
        block: QTextBlock = self.firstVisibleBlock()
        offset = self.contentOffset()
        line_height = self.fontMetrics().height()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > event.rect().bottom():
                break
            stamp = self._mark_for(block.blockNumber())
            if block.isVisible() and stamp and geometry.bottom() >= event.rect().top():
                painter.drawText(
                    QRect(0, int(geometry.top()), right - GUTTER_PADDING // 2, line_height),
                    int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                    stamp,
                )
            block = block.next()
        painter.end()

    def _mark_for(self, number: int) -> str:
        if number < len(self._chunks):
            return mark(self._chunks[number].start)
        return ""

    def _update_margins(self, _count: int = 0) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)
        self._gutter.setVisible(bool(self._chunks))
        self._place_gutter()

    def _place_gutter(self) -> None:
        contents = self.contentsRect()
        self._gutter.setGeometry(
            QRect(contents.left(), contents.top(), self.gutter_width(), contents.height())
        )

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def _on_text_changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_gutter()
