"""Is this really a video? The container's first bytes decide, and MP4s tell their duration.

A provider's CDN can answer ``200 video/mp4`` with an error page, or a truncated file; the
library must not keep such a thing as a video. Checking the container signature (the ISO
``ftyp`` box, or WebM's EBML header) is cheap and happens before anything is stored. The
duration comes from the ``mvhd`` box when the ``moov`` box is at the top level (as ffmpeg and
the providers write it); without one it is simply unknown, never an error.
"""

from __future__ import annotations

import struct

_QUICKTIME_BRANDS = frozenset({b"qt  "})
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P "})


def video_kind(data: bytes) -> tuple[str, str] | None:
    """``(mime, suffix)`` of a video container, or None when the bytes are not one."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _AUDIO_BRANDS:
            return None
        if brand in _QUICKTIME_BRANDS:
            return "video/quicktime", ".mov"
        return "video/mp4", ".mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm", ".webm"
    return None


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the ISO boxes between ``start`` and ``end``."""
    found: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                break
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            break
        found.append((kind, pos + header, pos + size))
        pos += size
    return found


def mp4_duration(data: bytes) -> float | None:
    """Seconds, from ``moov/mvhd``; None when the file does not say (or is not an MP4)."""
    for kind, start, end in _boxes(data, 0, len(data)):
        if kind != b"moov":
            continue
        for inner, body, inner_end in _boxes(data, start, end):
            if inner != b"mvhd" or inner_end - body < 20:
                continue
            version = data[body]
            if version == 1 and inner_end - body >= 32:
                timescale, duration = struct.unpack(">IQ", data[body + 20 : body + 32])
            else:
                timescale, duration = struct.unpack(">II", data[body + 12 : body + 20])
            return duration / timescale if timescale else None
    return None
