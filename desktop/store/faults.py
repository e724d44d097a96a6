"""Storage faults in one sentence: what went wrong with a file and what the user can do.

Why one place: SQLite and the file system report the same few situations (disk full, folder
read-only, file locked by another program, damaged file) in many spellings
(``sqlite3.OperationalError: database or disk is full``, ``OSError(ENOSPC)``,
``attempt to write a readonly database`` …). Every caller that meets one turns it into a
:class:`StorageFault` here, so the window's bar and the command line's one line say the same
thing, and never show a traceback.
"""

from __future__ import annotations

import enum
import errno
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.store.records import HistoryError

if TYPE_CHECKING:
    from desktop.store.paths import AppPaths

STORAGE_ERRORS = (sqlite3.Error, OSError)
"""What a storage call can raise besides the store's own :class:`HistoryError`."""


class FaultKind(enum.StrEnum):
    """Which of the few storage situations an error is."""

    FULL = "full"
    READ_ONLY = "read-only"
    LOCKED = "locked"
    DAMAGED = "damaged"
    OTHER = "other"


def fault_kind(exc: BaseException) -> FaultKind:
    """Classify a storage error by its errno or SQLite's words."""
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return FaultKind.FULL
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return FaultKind.READ_ONLY
        return FaultKind.OTHER
    text = str(exc).lower()
    if "full" in text:
        return FaultKind.FULL
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return FaultKind.READ_ONLY
    if "locked" in text or "busy" in text:
        return FaultKind.LOCKED
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return FaultKind.DAMAGED
    return FaultKind.OTHER


def reason(exc: BaseException, path: Path | None = None) -> str:
    """Why the file could not be used, as the end of a sentence ("the disk is full")."""
    name = f"{path.name} in {path.parent}" if path is not None else "the history"
    kind = fault_kind(exc)
    if kind == FaultKind.FULL:
        return "the disk is full; free some space and try again"
    if kind == FaultKind.READ_ONLY:
        return f"{name} cannot be written (the folder or file is read-only)"
    if kind == FaultKind.LOCKED:
        return (
            f"{name} is locked by another program for more than 5 seconds; "
            "close it or try again in a moment"
        )
    if kind == FaultKind.DAMAGED:
        return f"{name} is damaged; restore a backup or move it aside to start fresh"
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"{name} could not be used ({detail})"


class StorageFault(HistoryError):
    """A storage call failed for a reason of the disk or file, said in one sentence.

    Attributes:
        kind: which situation it was (full, read-only, locked, damaged, other).
    """

    def __init__(self, message: str, kind: FaultKind) -> None:
        super().__init__(message)
        self.kind = kind


def storage_fault(exc: BaseException, doing: str, path: Path | None = None) -> StorageFault:
    """``doing`` (e.g. "The message was not sent") and why, as one :class:`StorageFault`."""
    if isinstance(exc, StorageFault):
        return exc
    if isinstance(exc, HistoryError):
        return StorageFault(f"{doing}: {exc}", FaultKind.OTHER)
    return StorageFault(f"{doing}: {reason(exc, path)}.", fault_kind(exc))


class HistoryUnavailable(StorageFault):
    """The history file cannot be opened; ``str()`` names the file and the way forward.

    Attributes:
        path: the history file (or the data folder that cannot be used).
    """

    def __init__(self, message: str, kind: FaultKind, path: Path) -> None:
        super().__init__(message, kind)
        self.path = path


def history_unavailable(exc: BaseException, path: Path) -> HistoryUnavailable:
    """Why the history at ``path`` cannot be opened, in one sentence with what to do."""
    if isinstance(exc, HistoryUnavailable):
        return exc
    where = f"{path.name} in {path.parent}"
    if path.is_dir():
        return HistoryUnavailable(
            f"The history {where} is a folder, not a file; move it aside to start a fresh "
            "history, or restore a backup.",
            FaultKind.DAMAGED,
            path,
        )
    if isinstance(exc, HistoryError):  # a newer schema, a failed upgrade: already a sentence
        return HistoryUnavailable(str(exc), FaultKind.OTHER, path)
    kind = fault_kind(exc)
    if kind == FaultKind.DAMAGED:
        text = (
            f"The history {where} is damaged or is not a Switchboard history; move it aside "
            "to start a fresh one (it is kept), or restore a backup."
        )
    elif kind == FaultKind.READ_ONLY:
        text = (
            f"The history {where} cannot be opened for writing (the folder or file is "
            "read-only); allow writing there, or open it read-only."
        )
    elif kind == FaultKind.LOCKED:
        text = (
            f"The history {where} is locked by another program; close that program and try again."
        )
    else:
        text = f"The history {where} cannot be opened: {reason(exc, path)}."
    return HistoryUnavailable(text, kind, path)


def ensure_folders(paths: AppPaths) -> None:
    """Make Switchboard's folders; a failure is one :class:`StorageFault` naming the folder
    (the window and the command line say the same sentence)."""
    try:
        paths.ensure()
    except OSError as exc:
        raise storage_fault(
            exc, f"Switchboard cannot use its folders ({exc.filename or paths.data_dir})"
        ) from exc
