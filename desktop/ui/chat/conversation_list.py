"""The sidebar of conversations: new, open, rename inline, delete, and full-text search.

Why a model/view list fed in the background: the history can hold thousands of chats
(desktop-apps.md §2, "performance with many chats"), so listing and searching run in the
thread pool and only the finished rows reach the GUI thread. Typing in the search box waits
~200 ms for a pause before asking, and a newer search always replaces an older one.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services import Services
from desktop.store.history import ConversationSummary, SearchHit
from desktop.ui.confirm import confirm
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.two_line_delegate import NOTE_ROLE, SECONDARY_ROLE, TwoLineDelegate

SEARCH_DELAY_MS = 200
ID_ROLE = Qt.ItemDataRole.UserRole + 10
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 11

Index = QModelIndex | QPersistentModelIndex


@dataclass
class ConversationRow:
    """One row: a conversation, or a search hit inside one."""

    conversation_id: int
    title: str
    detail: str
    updated_at: float | None = None
    message_id: int | None = None


def when(timestamp: float | None, now: float | None = None) -> str:
    """A short date for the list: "14:05" today, "Mon" this week, "3 Mar" this year."""
    if timestamp is None:
        return ""
    now = time.time() if now is None else now
    then = time.localtime(timestamp)
    today = time.localtime(now)
    if then.tm_year == today.tm_year and then.tm_yday == today.tm_yday:
        return time.strftime("%H:%M", then)
    if 0 <= now - timestamp < 6 * 86400:
        return time.strftime("%a", then)
    if then.tm_year == today.tm_year:
        return time.strftime("%d %b", then).lstrip("0")
    return time.strftime("%d %b %Y", then).lstrip("0")


_MARKUP = re.compile(r"\*\*|__|`+|^\s*(?:#+|>|[-*+]\s)\s*")


def plain_preview(text: str) -> str:
    """The stored preview without the most visible markdown marks (``**``, backticks, ``#``)."""
    return " ".join(_MARKUP.sub("", text).split())


def rows_from_summaries(summaries: list[ConversationSummary]) -> list[ConversationRow]:
    return [
        ConversationRow(s.id, s.title, plain_preview(s.preview), s.updated_at) for s in summaries
    ]


MARK_START, MARK_END = "\x02", "\x03"
"""What the search wraps each match in: invisible control characters, removed before showing
(the store's default "[" "]" would read as literal brackets in the list)."""


def rows_from_hits(hits: list[SearchHit]) -> list[ConversationRow]:
    """One row per conversation (its best hit), in the order the search ranked them."""
    rows: list[ConversationRow] = []
    seen: set[int] = set()
    for hit in hits:
        if hit.generation_id is not None or hit.conversation_id in seen:
            continue  # pictures, transcripts … belong to the Library, not the chat list
        seen.add(hit.conversation_id)
        snippet = hit.snippet.replace(MARK_START, "").replace(MARK_END, "")
        detail = plain_preview(snippet) if hit.message_id is not None else "Title matches"
        title = plain_preview(hit.title.replace(MARK_START, "").replace(MARK_END, ""))
        rows.append(ConversationRow(hit.conversation_id, title, detail, None, hit.message_id))
    return rows


class ConversationListModel(QAbstractListModel):
    """Rows of :class:`ConversationRow`; titles are editable (rename) outside search.

    Signals:
        rename_requested(int, str): the user typed a new title for conversation ``id``.
    """

    rename_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ConversationRow] = []
        self.editable = True

    def set_rows(self, rows: list[ConversationRow], *, editable: bool) -> None:
        self.beginResetModel()
        self._rows = rows
        self.editable = editable
        self.endResetModel()

    def row_for(self, conversation_id: int) -> int:
        for number, row in enumerate(self._rows):
            if row.conversation_id == conversation_id:
                return number
        return -1

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return row.title
        if role == SECONDARY_ROLE:
            return row.detail
        if role == NOTE_ROLE:
            return when(row.updated_at)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.title
        if role == ID_ROLE:
            return row.conversation_id
        if role == MESSAGE_ROLE:
            return row.message_id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        title = " ".join(str(value).split())
        row = self._rows[index.row()]
        if not title or title == row.title:
            return False
        row.title = title
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        self.rename_requested.emit(row.conversation_id, title)
        return True


class ChatListView(QListView):
    """The list of chats, where a right-click only opens the menu of the chat under the
    pointer: the marked row stays the open chat (a right-press selected the other row, so
    it looked opened while the old one was still shown)."""

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()  # the context menu event follows; the selection stays
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()
            return
        super().mouseReleaseEvent(event)


class ConversationList(QWidget):
    """Search box, "New chat" button and the list.

    Signals:
        conversation_chosen(int, object): open conversation ``id``; the second value is the
            message id of a search hit to reveal, or None.
        new_requested(): start an empty chat.
        deleted(int): conversation ``id`` was deleted.
    """

    conversation_chosen = Signal(int, object)
    new_requested = Signal()
    deleted = Signal(int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.scope = TaskScope("conversations")
        self._current: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search chats (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search chats")
        self.search.textChanged.connect(self._on_search_changed)
        top.addWidget(self.search, 1)
        self.new_button = QPushButton("New chat", self)
        self.new_button.setToolTip("Start a new chat (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        top.addWidget(self.new_button)
        layout.addLayout(top)

        self.model = ConversationListModel(self)
        self.model.rename_requested.connect(self._on_rename_requested)
        self.view = ChatListView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(TwoLineDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.activated.connect(self._on_activated)
        self.view.clicked.connect(self._on_activated)
        self.view.setAccessibleName("Chats")
        layout.addWidget(self.view, 1)
        self.empty_label = MutedLabel("", self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label)

        delete = QAction("Delete chat", self.view)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self._delete_selected)
        self.view.addAction(delete)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)

    # --- Public API -----------------------------------------------------------------------

    def reload(self) -> None:
        """Fetch the list (or the search results) in the background and show it."""
        if not self.scope.closed:
            self.scope.spawn(self._load(self.search.text().strip()), slot="load")

    def set_current(self, conversation_id: int | None) -> None:
        """Mark ``conversation_id`` as the open one (no signal is emitted)."""
        self._current = conversation_id
        self._select_current()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    async def aclose(self) -> None:
        self._search_timer.stop()
        await self.scope.aclose()

    # --- Loading --------------------------------------------------------------------------

    async def _load(self, query: str) -> None:
        history = self.services.history
        if query:
            hits = await self.services.db.run(
                lambda: history.search(query, marks=(MARK_START, MARK_END))
            )
            self.model.set_rows(rows_from_hits(hits), editable=False)
            self.empty_label.setText("" if hits else f"No chat mentions “{query}”.")
        else:
            summaries = await self.services.db.run(history.list_conversations)
            self.model.set_rows(rows_from_summaries(summaries), editable=True)
            self.empty_label.setText("" if summaries else "Your chats will appear here.")
        self.empty_label.setVisible(bool(self.empty_label.text()))
        self._select_current()

    def _select_current(self) -> None:
        selection = self.view.selectionModel()
        row = self.model.row_for(self._current) if self._current is not None else -1
        if row < 0:
            selection.clearSelection()
            return
        index = self.model.index(row, 0)
        selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)

    def _on_search_changed(self, _text: str) -> None:
        self._search_timer.start()

    # --- Actions --------------------------------------------------------------------------

    def _on_activated(self, index: QModelIndex) -> None:
        conversation_id = index.data(ID_ROLE)
        if isinstance(conversation_id, int):
            self._current = conversation_id
            self.conversation_chosen.emit(conversation_id, index.data(MESSAGE_ROLE))

    def _on_rename_requested(self, conversation_id: int, title: str) -> None:
        self.scope.spawn(
            self.services.db.run(self.services.history.rename_conversation, conversation_id, title)
        )

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if self.model.editable:
            menu.addAction("Rename", lambda: self.view.edit(index))
        menu.addAction("Delete…", lambda: self._delete(index))
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _delete_selected(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self._delete(index)

    def _delete(self, index: QModelIndex) -> None:
        conversation_id = index.data(ID_ROLE)
        title = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if isinstance(conversation_id, int):
            self.scope.spawn(self._confirm_delete(conversation_id, title), slot="delete")

    async def _confirm_delete(self, conversation_id: int, title: str) -> None:
        question = f"Delete “{title}”? Its messages are removed for good."
        if not await confirm(self, "Delete chat", question, "Delete"):
            return
        await self.services.db.run(self.services.history.delete_conversation, conversation_id)
        if self._current == conversation_id:
            self._current = None
        self.deleted.emit(conversation_id)
        self.reload()
