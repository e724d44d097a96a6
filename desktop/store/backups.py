"""Automatic backups of the history, and restoring one without losing the current file.

Why: the history is the one thing users would miss, and a bad disk, a bad sync tool or a
mistaken delete can damage it. Once a day (at the first start or command of the day) the
history is copied with SQLite's online backup API into ``backups/`` in the data folder as
``history-YYYY-MM-DD.db``; the newest :data:`KEEP` are kept. Restoring copies a backup into
the open database (the backup API again, so the window need not close it), after copying the
current content aside as ``history-before-restore-….db`` in the same folder: nothing is ever
overwritten without a copy. Every call here is blocking: it runs on the database worker.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from desktop.store.atomic import PRIVATE_MODE, atomic_copy
from desktop.store.free_names import claim, first_free
from desktop.store.history import HistoryError, HistoryStore

log = logging.getLogger(__name__)

KEEP: Final = 7
"""How many daily backups are kept (the oldest beyond that are removed)."""

_DAILY = re.compile(r"^history-\d{4}-\d{2}-\d{2}\.db$")
_ANY = re.compile(r"^history-[0-9A-Za-z_.-]+\.db$")


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup file: its name (what ``history restore`` takes), path, time and size."""

    name: str
    path: Path
    modified: float
    size: int


def daily_backup(history: HistoryStore, folder: Path, now: float | None = None) -> Path | None:
    """Copy the history into ``folder`` unless today's copy exists; keep the newest
    :data:`KEEP`. Returns the new copy, or None when there was nothing to do."""
    day = datetime.fromtimestamp(time.time() if now is None else now).strftime("%Y-%m-%d")
    target = folder / f"history-{day}.db"
    if target.exists():
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    history.copy_to(target)
    try:
        _check_backup(target)
    except HistoryError:
        # A damaged history makes a damaged copy: keep the good older copies instead.
        target.unlink(missing_ok=True)
        log.warning("The history is damaged; no backup was made today")
        return None
    daily = sorted((p for p in folder.iterdir() if _DAILY.match(p.name)), reverse=True)
    for old in daily[KEEP:]:
        old.unlink(missing_ok=True)
    log.info("Backed up the history to %s", target)
    return target


def list_backups(folder: Path) -> list[Backup]:
    """Every backup in ``folder``, newest first (daily ones and copies kept aside)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if _ANY.match(path.name) and path.is_file():
            stat = path.stat()
            found.append(Backup(path.name, path, stat.st_mtime, stat.st_size))
    return sorted(found, key=lambda b: (b.modified, b.name), reverse=True)


def restore_backup(history: HistoryStore, folder: Path, name: str) -> Path:
    """Make the history a copy of backup ``name``; the current content is first copied to
    ``history-before-restore-<time>.db`` in ``folder``, whose path is returned.

    Raises:
        HistoryError: there is no such backup, or it is damaged or newer (nothing changed).
    """
    chosen = next((b for b in list_backups(folder) if b.name == name), None)
    if chosen is None:
        raise HistoryError(f"There is no backup named {name!r}; see 'switchboard history backups'.")
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    # claim() reserves a name nothing has: two restores in one second keep both copies.
    aside = claim(folder / f"history-before-restore-{stamp}.db")
    history.copy_to(aside)
    history.replace_with(chosen.path)
    return aside


def move_aside(path: Path) -> Path:
    """Rename an unusable history (file or folder, with its ``-wal``/``-shm``) to
    ``history.db.damaged-<time>`` next to it, so a fresh one can start; nothing is deleted.
    Returns the new name."""
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    aside = first_free(path.with_name(f"{path.name}.damaged-{stamp}"))
    os.rename(path, aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            os.rename(companion, aside.with_name(aside.name + suffix))
    return aside


def restore_over(path: Path, folder: Path, name: str) -> Path:
    """Restore backup ``name`` as the history file at ``path`` when the history cannot be
    opened at all: the current file is moved aside first (:func:`move_aside`), whose new
    path is returned.

    Raises:
        HistoryError: there is no such backup, or it is damaged (nothing changed).
    """
    chosen = next((b for b in list_backups(folder) if b.name == name), None)
    if chosen is None:
        raise HistoryError(f"There is no backup named {name!r}; see 'switchboard history backups'.")
    _check_backup(chosen.path)
    aside = move_aside(path) if os.path.lexists(path) else path
    atomic_copy(chosen.path, path, mode=PRIVATE_MODE)
    return aside


def _check_backup(path: Path) -> None:
    """Refuse a backup that SQLite cannot read through."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        ok = False
    if not ok:
        raise HistoryError(f"The backup {path.name} is damaged; pick another one.")
