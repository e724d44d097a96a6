"""Daily backups of the history, and restoring one while keeping the current content."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.store.backups import KEEP, daily_backup, list_backups, restore_backup
from desktop.store.history import HistoryError, HistoryStore

DAY = 86_400.0
START = 1_780_000_000.0


def titles(history: HistoryStore) -> list[str]:
    return [c.title for c in history.list_conversations()]


def test_one_backup_a_day_and_only_the_newest_seven_are_kept(
    history: HistoryStore, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    history.create_conversation("Kept")
    first = daily_backup(history, folder, now=START)
    assert first is not None and first.is_file()
    assert daily_backup(history, folder, now=START + 60) is None  # same day: nothing to do
    for day in range(1, 10):
        assert daily_backup(history, folder, now=START + day * DAY) is not None
    names = [b.name for b in list_backups(folder)]
    assert len(names) == KEEP and first.name not in names
    with sqlite3.connect(folder / names[0]) as copy:
        assert copy.execute("SELECT title FROM conversations").fetchall() == [("Kept",)]


def test_restoring_keeps_the_current_history_aside(history: HistoryStore, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    history.create_conversation("Old")
    backup = daily_backup(history, folder, now=START)
    assert backup is not None
    history.create_conversation("New since the backup")
    aside = restore_backup(history, folder, backup.name)
    assert titles(history) == ["Old"]
    # The history as it was before the restore is a backup itself, and restores back.
    assert aside.name in [b.name for b in list_backups(folder)]
    restore_backup(history, folder, aside.name)
    assert sorted(titles(history)) == ["New since the backup", "Old"]
    history.create_conversation("Still writable")


def test_a_damaged_or_unknown_backup_changes_nothing(history: HistoryStore, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "history-2026-01-01.db").write_bytes(b"this is not a database" * 100)
    history.create_conversation("Mine")
    with pytest.raises(HistoryError, match=r"damaged|cannot be opened|could not be restored"):
        restore_backup(history, folder, "history-2026-01-01.db")
    with pytest.raises(HistoryError, match="no backup named"):
        restore_backup(history, folder, "history-1999-01-01.db")
    assert titles(history) == ["Mine"]
