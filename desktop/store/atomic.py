"""The one atomic file writer: settings, state, media, the catalogue cache, health, exports.

A crash or power cut while writing must leave either the old file or the new one, never a
truncated mix. So the bytes go to a temporary file in the *same* directory (the final rename
stays on one file system), are flushed and fsynced, ``os.replace`` swaps the name in one step,
and the directory is fsynced too where the platform allows it, so the rename itself survives a
power cut. Whatever fails on the way, the temporary file is removed: a failed write leaves no
litter and the old file untouched.

Every module that must write a file atomically uses :func:`replacing` (or one of the two
helpers on top of it) instead of its own ``mkstemp``/``os.replace`` dance, so they all get the
same safety.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

PRIVATE_MODE = 0o600
"""Files only the user may read (history, settings, caches): the default."""

SHARED_MODE = 0o666
"""Files the user exports: the usual permissions, narrowed by the process umask."""


@contextlib.contextmanager
def replacing(path: Path, *, mode: int = PRIVATE_MODE) -> Iterator[Path]:
    """Yield a fresh temporary path next to ``path``; on a clean exit it replaces ``path``.

    The caller writes the new content to the yielded path by any means (a file handle, a
    copy, SQLite's backup API); this function then fsyncs it, renames it over ``path`` and
    fsyncs the directory. On any exception the temporary file is removed and ``path`` is left
    as it was. The parent directory is created if needed.

    Args:
        mode: permission bits of the new file before the umask (:data:`PRIVATE_MODE` or
            :data:`SHARED_MODE`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temp(path, mode)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = PRIVATE_MODE) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`replacing`)."""
    with replacing(path, mode=mode) as tmp, open(tmp, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str, *, mode: int = PRIVATE_MODE) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_copy(source: Path, target: Path, *, mode: int = SHARED_MODE) -> None:
    """Copy ``source`` over ``target`` atomically (an export: shared permissions by default).

    A copy interrupted half-way never leaves a truncated file under the target's name.
    """
    import shutil  # here: every history command imports this module, few copy (issue 8)

    with replacing(target, mode=mode) as tmp:
        shutil.copyfile(source, tmp)


def _create_temp(path: Path, mode: int) -> Path:
    """Create (exclusively) an empty hidden file next to ``path`` and return its name."""
    for _ in range(100):
        # os.urandom is what secrets.token_hex reads, without importing secrets, hmac and
        # hashlib into every command that opens the history (issue 8).
        tmp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"No free temporary name next to {path.name}.")


def _fsync_file(path: Path) -> None:
    """Push the file's bytes to the disk before the rename makes them the real file."""
    fd = os.open(path, os.O_RDWR)  # write access: Windows refuses to flush a read handle
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
