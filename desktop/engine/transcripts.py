"""Transcript exports: plain text, SubRip (SRT) and WebVTT. Pure functions, no I/O.

Providers give timestamps only sometimes (fal and Replicate's Whisper do, hf-inference
without parameters does not). Subtitles are still useful without them, so the fallback cuts
the text into sentences and spreads them over the audio's duration when it is known, or at a
speaking pace of :data:`WORDS_PER_SECOND` otherwise; a chunk missing only its end gets the
next chunk's start (or its own estimated length).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from desktop.core.media_types import TranscriptChunk

WORDS_PER_SECOND = 2.5
"""About 150 words a minute: ordinary speech."""

MIN_CUE_S = 0.5

_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*[\"')\]]*\s*")


def to_txt(text: str | None, chunks: Sequence[TranscriptChunk] = ()) -> str:
    """The transcript as plain text, ending in one newline (chunks joined when no text)."""
    body = (text or "").strip() or " ".join(c.text.strip() for c in chunks if c.text.strip())
    return body + "\n" if body else ""


def _estimate(text: str) -> float:
    return max(MIN_CUE_S, len(text.split()) / WORDS_PER_SECOND)


def sentences(text: str) -> list[str]:
    """Split text into sentences (keeping their punctuation); one piece when there is none."""
    pieces = [m.group(0).strip() for m in _SENTENCE.finditer(text)]
    return [p for p in pieces if p] or ([text.strip()] if text.strip() else [])


def timed_cues(
    chunks: Sequence[TranscriptChunk],
    text: str | None = None,
    duration_s: float | None = None,
) -> list[TranscriptChunk]:
    """Cues with both times set, from the provider's chunks or, without timestamps, estimated
    from the text (see the module docstring)."""
    timed = [c for c in chunks if c.text.strip()]
    if timed and all(c.start is not None for c in timed):
        out: list[TranscriptChunk] = []
        for i, chunk in enumerate(timed):
            start = float(chunk.start or 0.0)
            end = chunk.end
            if end is None or end <= start:
                nxt = timed[i + 1].start if i + 1 < len(timed) else None
                end = nxt if nxt is not None and nxt > start else start + _estimate(chunk.text)
            out.append(TranscriptChunk(start, float(end), chunk.text.strip()))
        return out
    body = (text or "").strip() or " ".join(c.text.strip() for c in timed)
    parts = sentences(body)
    if not parts:
        return []
    if duration_s and duration_s > 0:
        total_chars = sum(len(p) for p in parts)
        cues, at = [], 0.0
        for part in parts:
            length = duration_s * len(part) / total_chars
            cues.append(TranscriptChunk(at, at + length, part))
            at += length
        return cues
    cues, at = [], 0.0
    for part in parts:
        length = _estimate(part)
        cues.append(TranscriptChunk(at, at + length, part))
        at += length
    return cues


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def srt_time(seconds: float) -> str:
    """``HH:MM:SS,mmm`` (SubRip uses a comma)."""
    return _clock(seconds, ",")


def vtt_time(seconds: float) -> str:
    """``HH:MM:SS.mmm`` (WebVTT uses a dot)."""
    return _clock(seconds, ".")


def to_srt(
    chunks: Sequence[TranscriptChunk],
    text: str | None = None,
    duration_s: float | None = None,
) -> str:
    """SubRip: numbered cues, ``start --> end``, the text, a blank line between cues."""
    blocks = []
    for number, cue in enumerate(timed_cues(chunks, text, duration_s), 1):
        assert cue.start is not None and cue.end is not None
        blocks.append(f"{number}\n{srt_time(cue.start)} --> {srt_time(cue.end)}\n{cue.text}\n")
    return "\n".join(blocks)


def to_vtt(
    chunks: Sequence[TranscriptChunk],
    text: str | None = None,
    duration_s: float | None = None,
) -> str:
    """WebVTT: the ``WEBVTT`` header, then ``start --> end`` cues separated by blank lines."""
    blocks = ["WEBVTT\n"]
    for cue in timed_cues(chunks, text, duration_s):
        assert cue.start is not None and cue.end is not None
        # "-->" may not appear in cue text.
        body = cue.text.replace("-->", "->")
        blocks.append(f"{vtt_time(cue.start)} --> {vtt_time(cue.end)}\n{body}\n")
    return "\n".join(blocks)
