"""Transcript shapes shared by the speech providers: ``chunks`` with ``timestamp`` pairs
(hf-inference, fal) and ``segments`` with ``start``/``end`` (Replicate's Whisper, OpenAI).

providers.md §4.7: the HF clients keep only ``text``; we keep the timestamps as well, because
they are what makes SRT/VTT subtitles possible.
"""

from __future__ import annotations

import math
from typing import Any

from desktop.core.media_types import TranscriptChunk
from desktop.providers.exchange import bad_response


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def chunks_from(items: Any) -> list[TranscriptChunk]:
    """``[{"text", "timestamp": [s, e]}]`` or ``[{"text", "start", "end"}]`` → chunks.

    Items without text are dropped; a missing or null time stays None (Whisper's last chunk
    often has ``null`` as its end).
    """
    chunks: list[TranscriptChunk] = []
    if not isinstance(items, list):
        return chunks
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        start = end = None
        stamp = item.get("timestamp")
        if isinstance(stamp, list | tuple) and len(stamp) == 2:
            start, end = _seconds(stamp[0]), _seconds(stamp[1])
        else:
            start, end = _seconds(item.get("start")), _seconds(item.get("end"))
        text = item["text"].strip()
        if text:
            chunks.append(TranscriptChunk(start, end, text))
    return chunks


def transcript_from(data: Any) -> tuple[str, list[TranscriptChunk]]:
    """``{"text": …, "chunks"|"segments": …}`` → (text, chunks); no text → bad response."""
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise bad_response("the answer had no transcript text")
    items = data.get("chunks") if data.get("chunks") is not None else data.get("segments")
    return data["text"], chunks_from(items)
