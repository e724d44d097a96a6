"""Cutting a growing answer into finished pieces, reading every character once.

Why: a streamed answer may reach a megabyte. Rendering the whole answer's markdown again
whenever a paragraph completes costs O(n) per paragraph, O(n²) per answer. The chat view
instead renders each *finished* piece once and appends it, and shows only the open piece
as plain text. This module decides where pieces end; it is pure text (no Qt), and it keeps
its scanning state so each call looks only at text that arrived since the last one.

Where a piece ends:

* a blank line followed by a line that starts at the margin (an indented line after a blank
  still belongs to the list item or quote above it);
* a fence opening line (a fence interrupts a paragraph);
* inside a fence, every complete line: code is highlighted line by line as it arrives and
  added to the same code box (``first``/``last`` mark the box's opening and closing);
* an open paragraph longer than :data:`SOFT_LIMIT`: cut at its last complete line, or for
  one endless line at its last sentence end, so the live part stays small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SOFT_LIMIT = 3000
"""Characters an open paragraph may grow to before it is cut at a line or sentence end."""

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_SENTENCE_END = re.compile(r"[.!?:;] ")


@dataclass(frozen=True)
class Piece:
    """A finished part of the answer.

    ``kind`` "markdown": ``text`` is markdown source of whole blocks. ``kind`` "code": ``text``
    is raw code lines of one fenced block (``language`` from its info string); ``first`` is
    True for the part that opens the box, ``last`` for the part that closes it.
    """

    kind: Literal["markdown", "code"]
    text: str
    language: str = ""
    first: bool = True
    last: bool = True


class BlockSplitter:
    """Feed it the whole text so far; it returns the pieces finished since the last call.

    Attributes:
        committed: characters of the text already handed out as pieces.
        in_fence: a fenced code block is open (its lines go out as code pieces).
    """

    def __init__(self, soft_limit: int = SOFT_LIMIT) -> None:
        self.soft_limit = soft_limit
        self.committed = 0
        self._scan = 0  # start of the first line not yet looked at
        self._pending: int | None = None  # end of a blank line whose fate the next line decides
        self._fence: str | None = None
        self._language = ""
        self._first = True

    @property
    def in_fence(self) -> bool:
        return self._fence is not None

    def feed(self, text: str) -> list[Piece]:
        """Pieces finished in ``text`` (which must extend the text of earlier calls)."""
        pieces: list[Piece] = []
        while True:
            newline = text.find("\n", self._scan)
            if newline < 0:
                break
            start, end = self._scan, newline + 1
            self._scan = end
            self._line(text, start, end, pieces)
        rest = text[self._scan :]
        if self._fence is None and self._pending is not None and rest:
            self._decide_pending(text, rest, pieces)
        if self._fence is None and self._pending is None:
            self._soft_cut(text, pieces)
        return _join_code(pieces)

    def finish(self, text: str) -> list[Piece]:
        """Every piece left once the answer is complete (or stopped)."""
        pieces = self.feed(text)
        rest = text[self.committed :]
        if self._fence is not None:
            pieces.append(Piece("code", rest, self._language, self._first, True))
            self._fence = None
        elif rest.strip():
            pieces.append(Piece("markdown", rest))
        self.committed = self._scan = len(text)
        self._pending = None
        return _join_code(pieces)

    # --- Internals ------------------------------------------------------------------------

    def _line(self, text: str, start: int, end: int, pieces: list[Piece]) -> None:
        line = text[start:end]
        if self._fence is not None:
            stripped = line.strip()
            fence = self._fence
            closes = stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0])
            code = text[self.committed : start] if closes else text[self.committed : end]
            if closes or code:
                pieces.append(Piece("code", code, self._language, self._first, closes))
                self._first = False
            self.committed = end
            if closes:
                self._fence = None
            return
        if self._pending is not None and line.strip():
            self._decide_pending(text, line, pieces)
        match = _FENCE_OPEN.match(line.rstrip("\n"))
        if match:
            self._cut_markdown(text, start, pieces)
            self._pending = None
            self._fence = match.group(1)
            info = match.group(2).strip()
            self._language = info.split(maxsplit=1)[0] if info else ""
            self._first = True
            self.committed = end
        elif not line.strip() and self._pending is None:
            self._pending = end

    def _decide_pending(self, text: str, line: str, pieces: list[Piece]) -> None:
        """A line after a blank one: at the margin it starts a new block."""
        pending = self._pending
        self._pending = None
        if pending is not None and line[:1] not in (" ", "\t"):
            self._cut_markdown(text, pending, pieces)

    def _cut_markdown(self, text: str, end: int, pieces: list[Piece]) -> None:
        chunk = text[self.committed : end]
        if chunk.strip():
            pieces.append(Piece("markdown", chunk))
        if end > self.committed:
            self.committed = end

    def _soft_cut(self, text: str, pieces: list[Piece]) -> None:
        """Keep an endless paragraph's live part short: cut at a line or sentence end."""
        if len(text) - self.committed <= self.soft_limit:
            return
        if text.startswith("|", self.committed):
            return  # a table cut in two loses its header: it is rendered once, at its end
        if self._scan > self.committed:
            self._cut_markdown(text, self._scan, pieces)
            return
        window_start = self.committed + self.soft_limit // 2
        last = None
        for match in _SENTENCE_END.finditer(text, window_start):
            last = match
        if last is not None:
            self._cut_markdown(text, last.end(), pieces)
        elif len(text) - self.committed > 2 * self.soft_limit:
            space = text.rfind(" ", window_start)
            if space > 0:
                self._cut_markdown(text, space + 1, pieces)


def _join_code(pieces: list[Piece]) -> list[Piece]:
    """Lines of one code box that finished together go out as one piece (one render)."""
    joined: list[Piece] = []
    for piece in pieces:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.kind == piece.kind == "code"
            and not previous.last
            and not piece.first
        ):
            joined[-1] = Piece(
                "code", previous.text + piece.text, previous.language, previous.first, piece.last
            )
        else:
            joined.append(piece)
    return joined
