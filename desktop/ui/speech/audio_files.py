"""Which files the Speech tab takes, and the words it uses for times and sizes.

Why here and not in the page: dropping, opening and recording all end in "is this a file we
can send?", and the answer must be the same sentence everywhere. The list of endings is the
engine's (:data:`desktop.engine.speech.SUPPORTED_SUFFIXES`), so the tab never accepts a file
the transcription service would then refuse.
"""

from __future__ import annotations

import contextlib
import wave
from pathlib import Path

from desktop.engine.speech import READABLE, SUPPORTED_SUFFIXES
from desktop.store.file_reads import check_regular
from desktop.ui.widgets.routing_words import clock

OPEN_FILTER = "Audio files (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ");;All files (*)"


def is_supported(path: Path) -> bool:
    """Whether ``path`` has an ending the providers accept (the contents are checked later)."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def unsupported_message(path: Path) -> str:
    """The one sentence shown for a file the tab will not send."""
    return f"{path.name} is not a {READABLE} file, so it cannot be transcribed."


def mark(seconds: float | None) -> str:
    """A transcript time mark: ``01:02.3`` (``1:02:03.4`` past an hour); blank when unknown."""
    if seconds is None:
        return ""
    tenths = max(0, round(seconds * 10))
    minutes, tenth_seconds = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    secs = tenth_seconds / 10
    if hours:
        return f"{hours}:{minutes:02d}:{secs:04.1f}"
    return f"{minutes:02d}:{secs:04.1f}"


def size_text(size: int) -> str:
    """``812 KB``, ``3.4 MB``."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def describe_audio(path: Path) -> tuple[int, float | None]:
    """Blocking: the file's size and, for WAV, its length in seconds (from the header only).

    Raises:
        OSError: the file cannot be read.
    """
    size = check_regular(path)  # a device or a FIFO named .wav is never opened
    duration = None
    if path.suffix.lower() == ".wav":
        with contextlib.suppress(wave.Error, EOFError, ValueError), wave.open(str(path)) as w:
            rate = w.getframerate()
            duration = w.getnframes() / rate if rate else None
    return size, duration


def file_summary(name: str, size: int | None, duration_s: float | None) -> str:
    """``interview.wav · 1:02 · 2.0 MB``."""
    parts = [name]
    if duration_s:
        parts.append(clock(duration_s) if duration_s >= 1 else f"{duration_s:.1f} s")
    if size is not None:
        parts.append(size_text(size))
    return " · ".join(parts)
