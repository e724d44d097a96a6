"""The sidebar: listing, inline rename, delete with confirmation, search hits."""

from __future__ import annotations

import time
from collections.abc import Callable

import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from desktop.store.history import SearchHit
from desktop.ui.chat.conversation_list import (
    MARK_END,
    MARK_START,
    plain_preview,
    rows_from_hits,
    when,
)
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import act, settle, until


def seeded(make_window: Callable[..., MainWindow], titles: list[str]) -> MainWindow:
    window = make_window({"HF_TOKEN": "hf_x"})
    history = window.services.history
    for title in titles:
        cid = history.create_conversation(title, "m", "auto")
        history.add_message(cid, "user", f"question about {title}")
        history.add_message(cid, "assistant", f"**answer** about {title}", provider="groq")
    window.chat.sidebar.reload()
    return window


def test_lists_newest_first_with_a_plain_preview(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = seeded(make_window, ["older", "newer"])
    model = window.chat.sidebar.model
    until(loop, lambda: model.rowCount() == 2)
    assert model.index(0, 0).data() == "newer"
    assert model.index(0, 0).data(Qt.ItemDataRole.UserRole + 1) == "answer about newer"


def test_opening_a_conversation_shows_its_messages(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = seeded(make_window, ["cats"])
    sidebar = window.chat.sidebar
    until(loop, lambda: sidebar.model.rowCount() == 1)
    sidebar.view.clicked.emit(sidebar.model.index(0, 0))
    until(loop, lambda: len(window.chat.view.widgets()) == 2)
    assert window.chat.title.full_text() == "cats"
    assert window.chat.view.widgets()[1].badge.text() == "via Groq"
    assert window.chat.stack.currentWidget() is window.chat.view


def test_rename_inline_is_saved(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = seeded(make_window, ["first title"])
    sidebar = window.chat.sidebar
    until(loop, lambda: sidebar.model.rowCount() == 1)
    index = sidebar.model.index(0, 0)
    assert sidebar.model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert sidebar.model.setData(index, "  A   better title ")
    history = window.services.history
    until(loop, lambda: history.list_conversations()[0].title == "A better title")
    assert not sidebar.model.setData(index, "   ")  # an empty title is refused


def test_delete_asks_and_then_removes(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = seeded(make_window, ["keep", "remove me"])
    sidebar = window.chat.sidebar
    until(loop, lambda: sidebar.model.rowCount() == 2)
    index = sidebar.model.index(0, 0)
    assert index.data() == "remove me"
    sidebar.view.setCurrentIndex(index)

    sidebar._delete(index)
    until(loop, lambda: bool(sidebar.findChildren(QMessageBox)))
    box = sidebar.findChildren(QMessageBox)[0]
    box.button(QMessageBox.StandardButton.Cancel).click()
    until(loop, lambda: sidebar.scope.running("delete") is None)
    assert len(window.services.history.list_conversations()) == 2

    sidebar._delete(sidebar.model.index(0, 0))
    until(loop, lambda: any(b.isVisible() for b in sidebar.findChildren(QMessageBox)))
    box = next(b for b in sidebar.findChildren(QMessageBox) if b.isVisible())
    next(b for b in box.buttons() if b.text() == "Delete").click()
    until(loop, lambda: sidebar.model.rowCount() == 1)
    assert [c.title for c in window.services.history.list_conversations()] == ["keep"]


def test_search_rows_one_per_conversation() -> None:
    a, b = MARK_START, MARK_END
    hits = [
        SearchHit(1, None, "Zebras", f"{a}Zebras{b}"),
        SearchHit(1, 10, "Zebras", f"about {a}zebras{b}"),
        SearchHit(2, 20, "Other", f"more  {a}zebras{b} [sic]\nhere"),
    ]
    rows = rows_from_hits(hits)
    assert [(r.conversation_id, r.message_id) for r in rows] == [(1, None), (2, 20)]
    assert rows[1].detail == "more zebras [sic] here"  # the marks go; the text's own stay


def test_search_hits_read_without_brackets_or_markdown(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = seeded(make_window, ["zebra facts"])
    sidebar = window.chat.sidebar
    sidebar.search.setText("answer")
    until(
        loop,
        lambda: sidebar.model.rowCount() == 1 and sidebar.model.index(0, 0).data() == "zebra facts",
    )
    detail = sidebar.model.index(0, 0).data(Qt.ItemDataRole.UserRole + 1)
    assert "answer about zebra facts" in detail
    assert "[" not in detail and "**" not in detail


def test_dates_and_previews() -> None:
    now = time.mktime((2026, 11, 26, 15, 0, 0, 0, 0, -1))
    assert when(now - 60, now) == time.strftime("%H:%M", time.localtime(now - 60))
    assert when(now - 3 * 86400, now) == time.strftime("%a", time.localtime(now - 3 * 86400))
    assert when(None) == ""
    assert plain_preview("**Bold** and `code`") == "Bold and code"
    assert plain_preview("# Title") == "Title"


def test_right_click_opens_the_chats_menu_without_opening_it(
    loop: qasync.QEventLoop, make_window: Callable[..., MainWindow]
) -> None:
    window = seeded(make_window, ["cats", "dogs"])
    sidebar = window.chat.sidebar
    until(loop, lambda: sidebar.model.rowCount() == 2)
    sidebar.view.clicked.emit(sidebar.model.index(0, 0))  # "dogs", the newest, is open
    until(loop, lambda: window.chat.title.full_text() == "dogs")
    viewport = sidebar.view.viewport()
    other = sidebar.view.visualRect(sidebar.model.index(1, 0)).center()  # "cats"

    def right_click() -> None:
        QTest.mousePress(viewport, Qt.MouseButton.RightButton, pos=other)
        menu_event = QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, other, viewport.mapToGlobal(other)
        )
        QApplication.sendEvent(viewport, menu_event)  # as the platform sends it on press
        QTest.mouseRelease(viewport, Qt.MouseButton.RightButton, pos=other)

    act(loop, right_click)
    menus = [menu for menu in sidebar.findChildren(QMenu) if menu.isVisible()]
    assert len(menus) == 1
    assert [action.text() for action in menus[0].actions()] == ["Rename", "Delete…"]
    settle(loop)
    assert window.chat.title.full_text() == "dogs"  # the open chat stays open
    assert sidebar.view.currentIndex().data() == "dogs"  # and stays the marked one
    menus[0].actions()[1].trigger()  # the menu is about the chat under the pointer
    until(loop, lambda: any(b.isVisible() for b in sidebar.findChildren(QMessageBox)))
    box = next(b for b in sidebar.findChildren(QMessageBox) if b.isVisible())
    assert "cats" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    until(loop, lambda: sidebar.scope.running("delete") is None)
    assert window.chat.title.full_text() == "dogs"
