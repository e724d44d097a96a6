"""What the Speech tab's export buttons write: plain text, SubRip or WebVTT, from the edits.

Why from the edited lines rather than the provider's answer: the person corrects misheard
words before exporting, and the subtitles must carry those corrections. Timed lines come
from :meth:`TranscriptEditor.cues`; without timestamps the engine's exporters spread the
sentences over the audio's length (:func:`desktop.engine.transcripts.timed_cues`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from desktop.core.media_types import TranscriptChunk
from desktop.engine.transcripts import to_srt, to_txt, to_vtt
from desktop.ui.widgets.export_kinds import ExportKind, by_key

EXPORT_KINDS: tuple[ExportKind, ...] = (
    ExportKind("txt", "TXT", ".txt", "Text files (*.txt)", "Save the transcript as plain text"),
    ExportKind(
        "srt",
        "SRT",
        ".srt",
        "SubRip subtitles (*.srt)",
        "Save subtitles for video players and editors (SubRip)",
    ),
    ExportKind(
        "vtt", "VTT", ".vtt", "WebVTT subtitles (*.vtt)", "Save subtitles for the web (WebVTT)"
    ),
)
KINDS = by_key(EXPORT_KINDS)


def render(key: str, text: str, cues: Sequence[TranscriptChunk], duration_s: float | None) -> str:
    """The file contents for export ``key`` ("txt", "srt" or "vtt")."""
    if key == "txt":
        return to_txt(text)
    if key == "srt":
        return to_srt(cues, text, duration_s)
    if key == "vtt":
        return to_vtt(cues, text, duration_s)
    raise ValueError(f"unknown export {key!r}")


def suggested_name(audio_name: str | None, suffix: str) -> str:
    """``interview.wav`` → ``interview.srt``; ``transcript.srt`` without a file."""
    stem = Path(audio_name).stem if audio_name else ""
    return f"{stem or 'transcript'}{suffix}"
