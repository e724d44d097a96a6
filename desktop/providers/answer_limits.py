"""Size limits on what a chat answer may bring into memory, and the words when one is hit.

Why: a hostile or broken provider can send a 200 MB "answer", a stream that never ends, one
event of 100 MB or a line with no end. Read whole, each took gigabytes of memory, was stored
whole and froze the window on reopening; cut by a too-small buffer, each read as a broken
connection ("check your internet"). Here every read has a limit, and passing it says what
happened: the provider sent an answer too large to read.

The limits fit the history: an answer never holds more than :data:`MAX_ANSWER_CHARS` of text,
which the chat view can show.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Final

import httpx2

from desktop.core.classify import TOO_LARGE, Failure
from desktop.core.trace import Outcome
from desktop.providers.exchange import AttemptFailed

MAX_ANSWER_CHARS: Final = 8 * 1024 * 1024
"""The most text one answer keeps (8 MB of text, far beyond any real reply)."""

MAX_WHOLE_ANSWER_BYTES: Final = 2 * MAX_ANSWER_CHARS
"""A non-streamed answer's body: its JSON wraps at most :data:`MAX_ANSWER_CHARS` of text."""


def _megabytes(n: int) -> str:
    return f"{n // (1024 * 1024)} MB"


def too_large(label: str, what: str) -> AttemptFailed:
    """The failure for an answer past a limit: before any text (the next provider may be
    tried) and after it (the partial answer is kept)."""
    return AttemptFailed(
        Failure(Outcome.BAD_RESPONSE, f"{TOO_LARGE}: {what}"),
        mid_answer=f"{label} {TOO_LARGE} ({what}); the partial answer is kept.",
    )


async def read_whole_answer(
    response: httpx2.Response, label: str, declared: str | None = None, *, plain: bool = False
) -> bytes:
    """The body of a non-streamed answer, refused past :data:`MAX_WHOLE_ANSWER_BYTES`.

    ``declared`` is the ``content-length`` header when the caller has read it already;
    ``plain`` says the answer has no ``content-encoding`` (the caller looked): its body is
    then read from the response's stream as it comes, without the decoder and chunker that
    ``aiter_bytes`` puts in between and that would pass every byte on unchanged (issue 8)."""
    if declared is None:
        declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_WHOLE_ANSWER_BYTES:
        raise too_large(label, f"more than {_megabytes(MAX_WHOLE_ANSWER_BYTES)}")
    body = bytearray()
    stream = response.stream
    pieces: AsyncIterable[bytes] = (
        stream if plain and isinstance(stream, httpx2.AsyncByteStream) else response.aiter_bytes()
    )
    async for piece in pieces:
        body += piece
        if len(body) > MAX_WHOLE_ANSWER_BYTES:
            raise too_large(label, f"more than {_megabytes(MAX_WHOLE_ANSWER_BYTES)}")
    return bytes(body)


class TextBudget:
    """Counts an answer's text; past :data:`MAX_ANSWER_CHARS` the stream is stopped there."""

    def __init__(self, label: str, limit: int = MAX_ANSWER_CHARS) -> None:
        self.label = label
        self.limit = limit
        self.used = 0

    def take(self, text: str) -> str:
        """``text``, cut to what is left of the budget; raises once the budget is spent."""
        room = self.limit - self.used
        if len(text) <= room:  # the usual case: all of it fits
            self.used += len(text)
            return text
        if room <= 0:
            raise too_large(self.label, f"more than {_megabytes(self.limit)} of text")
        kept = text[:room]
        self.used += len(kept)
        return kept
