"""Media files (images, video, audio) stored by content, never as blobs in the database.

A file's name is the SHA-256 of its bytes, sharded by the first two hex digits
(``ab/cdef….png``) so no directory grows huge. Content addressing makes saving idempotent
(the same picture saved twice is one file), makes history rows cheap to copy, and lets a
half-written file never be mistaken for a finished one, because each write is atomic.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from desktop.store.atomic import atomic_write_bytes

_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _normalise_suffix(suffix: str) -> str:
    """``"PNG"`` or ``".png"`` → ``".png"``; anything that could escape the folder is refused."""
    value = suffix.lower()
    if value and not value.startswith("."):
        value = "." + value
    if not _SUFFIX.match(value):
        raise ValueError(f"Unsupported file suffix {suffix!r}.")
    return value


class MediaStore:
    """Content-addressed files under one root directory.

    Attributes:
        root: the media directory (``AppPaths.media_dir``).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def digest_of(data: bytes) -> str:
        """The SHA-256 hex digest that names ``data``."""
        return hashlib.sha256(data).hexdigest()

    def path_for(self, digest: str, suffix: str) -> Path:
        """Where the file with this digest and suffix lives (whether or not it exists)."""
        if not _DIGEST.match(digest):
            raise ValueError(f"Not a SHA-256 hex digest: {digest!r}.")
        return self.root / digest[:2] / (digest[2:] + _normalise_suffix(suffix))

    def exists(self, digest: str, suffix: str) -> bool:
        """Whether the file is already stored."""
        return self.path_for(digest, suffix).is_file()

    def put(self, data: bytes, suffix: str) -> Path:
        """Store ``data`` and return its path; storing the same bytes again writes nothing."""
        path = self.path_for(self.digest_of(data), suffix)
        if path.is_file() and path.stat().st_size == len(data):
            return path
        atomic_write_bytes(path, data)
        return path
