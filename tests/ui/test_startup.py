"""The window when the history cannot be opened: it names the file and offers the way forward."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop import app
from desktop.services import Services
from desktop.store.faults import history_unavailable
from desktop.store.history import HistoryStore
from desktop.store.paths import AppPaths
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import run

pytestmark = pytest.mark.gui


def shown_window(qapp: QApplication) -> MainWindow | None:
    for widget in qapp.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible() and widget.ready:
            return widget
    return None


@dataclass(frozen=True)
class Seen:
    """What the started window showed: the chat tab's message, and read-only mode."""

    chat_message: str
    read_only: bool


def start(
    loop: qasync.QEventLoop,
    qapp: QApplication,
    answer: str,
    before: Callable[[], None] = lambda: None,
) -> tuple[list[str], Seen]:
    """Run the app coroutine, click ``answer`` in the question (after ``before()``), return
    the question's text and what the window showed before it was closed (the app destroys
    its window when it ends)."""
    questions: list[QWidget] = []
    texts: list[str] = []

    async def scenario() -> tuple[list[str], Seen]:
        task = asyncio.get_running_loop().create_task(app.run_window(qapp, shown=questions.append))
        while not questions or not questions[0].isVisible():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        box = questions[0]
        assert isinstance(box, QMessageBox)
        texts.append(box.text())
        before()
        (button,) = [b for b in box.buttons() if b.text() == answer]
        button.click()
        while shown_window(qapp) is None:
            if task.done():
                raise AssertionError(f"the app ended: {task.result()}")
            await asyncio.sleep(0.01)
        window = shown_window(qapp)
        assert window is not None
        seen = Seen(window.chat.message_bar.text_label.text(), window.services.history_read_only)
        window.close()
        assert await task == 0
        return texts, seen

    return run(loop, scenario(), 30)


def test_a_damaged_history_is_moved_aside_and_the_window_starts_fresh(
    loop: qasync.QEventLoop, qapp: QApplication
) -> None:
    paths = AppPaths.default()
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    paths.history_db.write_bytes(b"\x00garbage\xff" * 500)
    questions, window = start(loop, qapp, "Move it aside and start fresh")
    (text,) = questions
    assert "history.db" in text and "damaged" in text and "Traceback" not in text
    kept = [p for p in paths.data_dir.iterdir() if p.name.startswith("history.db.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"\x00garbage\xff" * 500
    assert "the old one is kept as" in window.chat_message
    with HistoryStore(paths.history_db) as fresh:
        assert fresh.list_conversations() == []


def test_a_locked_history_says_so_and_opens_once_it_is_free(
    loop: qasync.QEventLoop, qapp: QApplication
) -> None:
    paths = AppPaths.default()
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    with HistoryStore(paths.history_db) as history:
        history.create_conversation("Still here")
    holder = sqlite3.connect(paths.history_db, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        questions, window = start(loop, qapp, "Try again", before=holder.close)
    finally:
        holder.close()
    assert "locked by another program" in questions[0]
    assert "locked" not in window.chat_message
    with HistoryStore(paths.history_db) as history:
        assert [c.title for c in history.list_conversations()] == ["Still here"]


def test_a_read_only_history_can_be_opened_read_only(
    loop: qasync.QEventLoop, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = AppPaths.default()
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    with HistoryStore(paths.history_db) as history:
        history.create_conversation("Readable")
    real_open = Services.open.__func__  # type: ignore[attr-defined]

    async def open_like_a_read_only_folder(cls: type[Services], *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("read_only"):  # as SQLite says it in a folder without write access
            raise history_unavailable(
                sqlite3.OperationalError("attempt to write a readonly database"),
                paths.history_db,
            )
        return await real_open(cls, *args, **kwargs)

    monkeypatch.setattr(Services, "open", classmethod(open_like_a_read_only_folder))
    questions, window = start(loop, qapp, "Open read-only")
    assert "read-only" in questions[0] and "history.db" in questions[0]
    assert "open read-only" in window.chat_message
    assert window.read_only


def test_a_history_folder_where_the_file_should_be_is_kept(
    loop: qasync.QEventLoop, qapp: QApplication, tmp_path: Path
) -> None:
    paths = AppPaths.default()
    paths.history_db.mkdir(parents=True)
    (paths.history_db / "mine.txt").write_text("kept")
    questions, _window = start(loop, qapp, "Move it aside and start fresh")
    assert "is a folder" in questions[0]
    (kept,) = [p for p in paths.data_dir.iterdir() if p.name.startswith("history.db.damaged-")]
    assert (kept / "mine.txt").read_text() == "kept"
