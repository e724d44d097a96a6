"""Transcripts the emulated speech models "hear": fixed text, timestamps from the audio.

The emulator cannot recognise speech, so every provider answers the same sentences (with its
id, so a test sees who answered); the chunks' timestamps split the audio's real duration (WAV)
or two seconds per sentence otherwise, so subtitle exports have something true to show.
"""

from __future__ import annotations

from typing import Any

from .media import wav_seconds

TRANSCRIPT = "Hello from {provider}. This is a test recording."

FAL_AUDIO_LABELS = frozenset(
    {
        "audio/x-wav",
        "audio/mpeg",
        "video/webm",
        "audio/flac",
        "audio/ogg",
        "audio/mp4",
    }
)
"""Data-URL labels fal maps to a file extension; anything else is ``Unsupported data URL``
(providers.md §4.7, §8 #23)."""


def heard(provider: str, audio: bytes) -> tuple[str, list[tuple[float, float, str]]]:
    """The transcript and its timed sentences."""
    text = TRANSCRIPT.replace("{provider}", provider)
    parts = [p.strip() + "." for p in text.split(".") if p.strip()]
    duration = wav_seconds(audio) or 2.0 * len(parts)
    step = duration / len(parts)
    return text, [(round(i * step, 2), round((i + 1) * step, 2), p) for i, p in enumerate(parts)]


def hf_answer(provider: str, audio: bytes) -> dict[str, Any]:
    """hf-inference without parameters: text only."""
    text, _ = heard(provider, audio)
    return {"text": text}


def fal_answer(provider: str, audio: bytes) -> dict[str, Any]:
    text, parts = heard(provider, audio)
    return {
        "text": text,
        "chunks": [{"timestamp": [s, e], "text": p, "speaker": None} for s, e, p in parts],
        "inferred_languages": ["en"],
        "diarization_segments": [],
    }


def whisper_segments(provider: str, audio: bytes) -> tuple[str, list[dict[str, Any]]]:
    """Replicate Whisper's ``segments`` (``start``/``end``/``text``)."""
    text, parts = heard(provider, audio)
    return text, [
        {"id": i, "start": s, "end": e, "text": " " + p, "seek": 0, "temperature": 0.0}
        for i, (s, e, p) in enumerate(parts)
    ]
