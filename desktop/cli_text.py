"""Text the command line writes to a terminal: inert, whatever a model or a provider sent.

Why: an answer, a title or a provider's error body is untrusted text. Written raw to a terminal,
an ESC or OSC sequence can retitle the window, hide text, plant a clickable link or rewrite
what was shown; BS and a lone CR can overwrite a line; bidi overrides can make text read in a
different order than it is stored. The history keeps every character exactly as received; only
what reaches the terminal is made inert here, in one place (:class:`InertWriter` wraps stdout
and stderr), and ``--json`` escapes the same characters as ``\\uXXXX`` (:func:`json_text`).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, TextIO

# C0 controls except TAB and LF, DEL, C1 controls, and the bidi embeddings, overrides and
# isolates (U+202A–U+202E, U+2066–U+2069) plus the invisible marks that reorder text.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ ␇ ␈ ␍ …
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def inert(text: str) -> str:
    """``text`` with every character that could steer a terminal made visible and harmless.

    A CR that ends a line (``\\r\\n``) is an ordinary line end and becomes ``\\n``.
    """
    return _UNSAFE.sub(_shown, text.replace("\r\n", "\n"))


def json_text(value: Any) -> str:
    """``json.dumps`` that also escapes DEL, C1 controls and bidi marks (valid, exact JSON).

    ``json.dumps`` already escapes C0 controls; with ``ensure_ascii=False`` it would pass the
    rest through raw, and those too can steer a terminal.
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class InertWriter:
    """A text stream that writes :func:`inert` text and goes quiet when its reader is gone.

    A ``\\r`` at the end of one write is held back until the next, so a ``\\r\\n`` split
    across two streamed chunks still reads as one line end. When the reader closes the pipe
    (``switchboard … | head -1``) further output is dropped and the file descriptor is pointed
    at ``/dev/null``, so neither a write nor the interpreter's final flush raises
    ``BrokenPipeError``; the command itself carries on and saves what it made.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._held = ""
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if self.closed_by_reader:
            return len(text)
        data = self._held + text
        self._held = ""
        if data.endswith("\r"):
            data, self._held = data[:-1], "\r"
        try:
            self._stream.write(inert(data))
        except BrokenPipeError:
            self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if self.closed_by_reader:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def finish(self) -> None:
        """Write a ``\\r`` still held back (as inert text) and flush."""
        if self._held:
            held, self._held = self._held, ""
            if not self.closed_by_reader:
                try:
                    self._stream.write(inert(held))
                except BrokenPipeError:
                    self._reader_gone()
        self.flush()

    def _reader_gone(self) -> None:
        self.closed_by_reader = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
