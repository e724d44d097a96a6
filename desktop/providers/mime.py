"""Media types: from a file name, from the first bytes, and the labels each provider accepts.

Providers disagree on audio labels: fal turns a data URL's label into a file extension and
answers ``400 {"detail": "Unsupported data URL"}`` for labels it cannot map (providers.md
§4.7, §8 #23), so it gets the spellings of the classic MIME table (``audio/x-wav``,
``video/webm``); hf-inference and Replicate take the registered names (``audio/wav``). Sniffing
lets a download whose server said ``application/octet-stream`` still be recognised.
"""

from __future__ import annotations

from pathlib import PurePath

AUDIO_MIME_BY_SUFFIX: dict[str, str] = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".webm": "audio/webm",
}
"""Audio files the Speech tab opens, by extension (lower case), with their registered type."""

_FAL_AUDIO_LABELS: dict[str, str] = {
    "audio/wav": "audio/x-wav",
    "audio/wave": "audio/x-wav",
    "audio/x-wav": "audio/x-wav",
    "audio/mpeg": "audio/mpeg",
    "audio/mp3": "audio/mpeg",
    "audio/webm": "video/webm",
    "video/webm": "video/webm",
    "audio/flac": "audio/flac",
    "audio/x-flac": "audio/flac",
    "audio/ogg": "audio/ogg",
    "audio/mp4": "audio/mp4",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
}

SUFFIX_BY_MIME: dict[str, str] = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/quicktime": ".mov",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/flac": ".flac",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "audio/webm": ".webm",
    "text/plain": ".txt",
}

GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
"""What servers say when they do not know; the bytes decide then."""


def audio_mime_for(path: str | PurePath) -> str | None:
    """The registered audio type of a file from its extension, None when not an audio file."""
    return AUDIO_MIME_BY_SUFFIX.get(PurePath(path).suffix.lower())


def fal_audio_label(mime: str) -> str:
    """The label fal accepts in an ``audio_url`` data URL for a file of type ``mime``.

    The JS client maps ``audio/wav``→``audio/x-wav``, ``audio/webm``→``video/webm`` and
    ``audio/mp3``→``audio/mpeg``; FLAC, Ogg and M4A keep their registered names, which the
    standard MIME table maps to ``.flac``, ``.oga`` and ``.m4a``.
    """
    return _FAL_AUDIO_LABELS.get(mime.lower(), mime.lower())


def suffix_for(mime: str) -> str:
    """A file suffix for a media type (``.bin`` when unknown)."""
    return SUFFIX_BY_MIME.get(mime.lower(), ".bin")


def sniff(data: bytes) -> str | None:
    """The media type the first bytes announce, or None when they are not a known format."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "audio/mp4" if brand in (b"M4A ", b"M4B ") else "video/mp4"
    return None
