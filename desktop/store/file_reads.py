"""Reading a file the user chose: regular files only, never more than a stated limit.

Why: a path can name a device, a FIFO or a file that keeps growing. ``/dev/zero`` renamed
``talk.wav`` reports a size of 0 and then never ends (it grew to 24 GB before), and opening a
FIFO blocks until someone writes to it. Every file the user hands the app (audio, pictures, text
lists) is read here: opened without blocking, checked to be a regular file, and read up to the
limit, whatever its size claimed to be.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileReadError(OSError):
    """A file the app will not read, with one sentence for the person who chose it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def size_text(limit: int) -> str:
    """``40 MB``, ``512 KB``: a limit in the words used in messages."""
    if limit >= 1 << 20:
        return f"{limit >> 20} MB"
    return f"{max(1, limit >> 10)} KB"


def check_regular(path: Path) -> int:
    """Blocking: the size of ``path`` when it is a regular file; :class:`FileReadError` if not."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FileReadError(f"Could not open {path.name}: {exc.strerror or exc}.") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileReadError(
            f"{path.name} is not an ordinary file (it is a device, a pipe or a folder); "
            "pick a file saved on disk."
        )
    return info.st_size


def read_limited(path: Path, limit: int, *, advice: str = "pick a smaller file") -> bytes:
    """Blocking: the bytes of the regular file ``path``, at most ``limit`` of them.

    Raises:
        FileReadError: missing, unreadable, not a regular file, or larger than ``limit``
            (also when it grows past it while being read).
    """
    too_big = f"{path.name} is larger than {size_text(limit)}; {advice}."
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FileReadError(f"Could not open {path.name}: {exc.strerror or exc}.") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileReadError(
                f"{path.name} is not an ordinary file (it is a device, a pipe or a folder); "
                "pick a file saved on disk."
            )
        if info.st_size > limit:
            raise FileReadError(too_big)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileReadError(too_big)
        return b"".join(chunks)
    except FileReadError:
        raise
    except OSError as exc:
        raise FileReadError(f"Could not read {path.name}: {exc.strerror or exc}.") from exc
    finally:
        os.close(fd)
