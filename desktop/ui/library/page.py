"""The Library: everything ever made, in one list, searchable and usable offline.

Why one list across kinds (desktop-apps.md §3, "one searchable library across tabs"): people
remember *what* they made ("the lighthouse"), not which tab made it. The list reads the
history (off the loop) — chats with their first question, pictures with thumbnails, videos,
transcripts with their first words, embeddings with their number of texts — filtered by kind
and by a search box that asks the history's full-text index (debounced, newest search wins).
Attempts that made nothing (failed, stopped) are hidden unless "Show failed attempts" is on.
Opening a chat switches to the Chat tab with it. Choosing an item shows it in
full with its actions; "Reuse in Images" and friends are signals the main window turns into a
jump to the tab that made it. Deleting asks first (a non-modal dialog) and removes only the
library row: media files are content-addressed and may be shared with other rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.media_types import tab_task
from desktop.core.table import Task
from desktop.core.vocab import Status
from desktop.engine.compare import COMPARE_TASK
from desktop.services import Services
from desktop.store.atomic import SHARED_MODE, atomic_write_text
from desktop.store.history import StoredGeneration, make_preview
from desktop.ui.confirm import confirm
from desktop.ui.costs.panel import CostsPanel
from desktop.ui.library.chat_items import CHAT_KIND, chat_entry, conversation_of
from desktop.ui.library.details import DetailsPanel, TextWindow, main_file, readable_text
from desktop.ui.library.restore import restore_from_backup
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets.file_actions import (
    DOCUMENTS,
    MOVIES,
    PICTURES,
    ask_save_path,
    reveal_file,
    save_copy_as,
    suggested_name,
)
from desktop.ui.widgets.generation_list import GenerationListModel, GenerationListView
from desktop.ui.widgets.generation_text import kind_label, title
from desktop.ui.widgets.image_view import ImageWindow
from desktop.ui.widgets.labels import MutedLabel, heading
from desktop.ui.widgets.message_bar import INFO, MessageBar
from desktop.ui.widgets.preview_loader import PreviewLoader, full_size
from desktop.ui.widgets.thumbnails import ImageLoadError, ThumbnailCache

log = logging.getLogger(__name__)

HISTORY_LIMIT = 2000
SEARCH_LIMIT = 200
SEARCH_DELAY_MS = 250

KINDS: tuple[tuple[str | None, str], ...] = (
    (None, "Everything"),
    (CHAT_KIND, "Chats"),
    (Task.TEXT_TO_IMAGE.value, "Pictures"),
    (Task.TEXT_TO_VIDEO.value, "Videos"),
    (Task.SPEECH_TO_TEXT.value, "Transcripts"),
    (Task.EMBEDDINGS.value, "Embeddings"),
    (Task.TEXT_TO_SPEECH.value, "Spoken audio"),
    (COMPARE_TASK, "Comparisons"),
)

EMPTY_LIBRARY = (
    "Nothing made yet. Chats, pictures, videos, transcripts and embeddings you make "
    "appear here, and stay here offline."
)
SHOW_FAILED_KEY = "library.show_failed"
"""Remembered: whether the list includes attempts that made nothing."""


def _write_text(path: str, text: str) -> None:
    atomic_write_text(Path(path), text, mode=SHARED_MODE)


class LibraryPage(QWidget):
    """Search and kind filter on top; the list on the left, the chosen item on the right.

    Signals:
        reuse_requested(str, int): reuse generation ``id`` in the tab of task ``task``
            (``Task`` value: "text-to-image" → Images, …); for a chat (``Task.CHAT``) the
            id is the conversation's, to open in the Chat tab.
        generation_deleted(int): a row was deleted (tabs listing it may reload).
        picture_chosen(str, str): "Use this picture" (``"change"``) or "Animate it"
            (``"animate"``) with the picture's path.
        history_restored(): a backup replaced the history (every tab reloads).
    """

    reuse_requested = Signal(str, int)
    picture_chosen = Signal(str, str)
    generation_deleted = Signal(int)
    history_restored = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.scope = TaskScope("library")
        self._all: list[StoredGeneration] = []
        self._hits: list[int] | None = None
        self._stale = False
        self._large_windows = 0
        self.opened: QWidget | None = None
        """The last window opened for an item (kept for tests; Qt owns it)."""
        self.confirm_box: QMessageBox | None = None
        """The delete confirmation while it is open."""
        self.restore_dialogs: list[QInputDialog] = []
        """Every "Restore from a backup" question asked (kept for tests)."""

        column = QVBoxLayout(self)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(8)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(heading("Library", self))
        top.addSpacing(12)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search chats, prompts and transcripts")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the library")
        self.search.textChanged.connect(self._on_search_changed)
        top.addWidget(self.search, 1)
        self.kind = QComboBox(self)
        for task, label in KINDS:
            self.kind.addItem(label, task)
        self.kind.setToolTip("Show one kind only")
        self.kind.currentIndexChanged.connect(self._apply_filter)
        top.addWidget(self.kind)
        self.show_failed = QCheckBox("Show failed attempts", self)
        self.show_failed.setToolTip("Also list what failed or was stopped, with the reason")
        self.show_failed.setChecked(self.services.state.get(SHOW_FAILED_KEY) is True)
        self.show_failed.toggled.connect(self._on_show_failed)
        top.addWidget(self.show_failed)
        self.count_label = MutedLabel("", self)
        top.addWidget(self.count_label)
        self.restore_button = QPushButton("Restore from a backup…", self)
        self.restore_button.setToolTip(
            "Go back to a daily copy of the chat history and library (the current one is kept)"
        )
        self.restore_button.clicked.connect(self.restore_backup)
        top.addWidget(self.restore_button)
        column.addLayout(top)
        self.message_bar = MessageBar(self)
        column.addWidget(self.message_bar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.thumbnails = ThumbnailCache(
            self.services.run_blocking, self.scope, size=88, parent=self
        )
        self.model = GenerationListModel(self.palette(), self.thumbnails)
        self.view = GenerationListView(self.splitter)
        self.view.setModel(self.model)
        self.view.setAccessibleName("Library items")
        self.view.setMinimumWidth(260)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.view.activated.connect(lambda _index: self.open_selected())
        self.details = DetailsPanel(self.splitter)
        self.details.open_button.clicked.connect(self.open_selected)
        self.details.image.activated.connect(self.open_selected)
        # The chosen picture is decoded at the size it is shown, again when the panel grows.
        self.preview_loader = PreviewLoader(
            self.details.image, self.services.run_blocking, self.scope, "preview-redecode"
        )
        self.details.reveal_button.clicked.connect(self.reveal_selected)
        self.details.save_button.clicked.connect(self.save_selected)
        self.details.reuse_button.clicked.connect(self.reuse_selected)
        self.details.use_button.clicked.connect(lambda: self._choose_picture("change"))
        self.details.animate_button.clicked.connect(lambda: self._choose_picture("animate"))
        self.details.delete_button.clicked.connect(self.delete_selected)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([420, 700])
        column.addWidget(self.splitter, 1)
        self.costs = CostsPanel(self.services, self)
        column.addWidget(self.costs)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._start_search)
        self.reload()

    # --- Public API -----------------------------------------------------------------------

    def reload(self) -> None:
        """Read everything again from the history (off the loop), keeping the selection."""
        self._stale = False
        self.scope.spawn(self._load(), slot="load")
        self.costs.refresh()

    def restore_backup(self) -> None:
        """Ask for a backup and restore it (the current history is kept aside)."""
        self.scope.spawn(self._restore(), slot="restore")

    async def _restore(self) -> None:
        if await restore_from_backup(self, self.services, self.message_bar, self.restore_dialogs):
            self.reload()
            self.history_restored.emit()

    def mark_stale(self, _generation_id: int = 0) -> None:
        """Something was made or changed elsewhere: reload now if shown, else when shown."""
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def shown_generations(self) -> list[StoredGeneration]:
        return self.model.generations()

    def select_generation(self, generation_id: int) -> bool:
        row = self.model.row_of(generation_id)
        if row < 0:
            return False
        index = self.model.index(row)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        return True

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def open_selected(self) -> None:
        """Open the chosen item: a chat in the Chat tab, a picture large, a video playing,
        texts in a window."""
        gen = self.details.generation
        conversation = conversation_of(gen)
        if conversation is not None:
            self.reuse_requested.emit(CHAT_KIND, conversation)
            return
        if gen is None or gen.status != Status.COMPLETE:
            return
        if tab_task(gen.task) == Task.TEXT_TO_IMAGE.value:
            path = main_file(gen)
            preview = self.details.image
            if path and preview.image is not None and preview.path == path:
                window = ImageWindow(
                    preview.image, path, gen.prompt, self.window(), preview.full_size
                )
                self._large_windows += 1
                slot = f"large-redecode-{self._large_windows}"
                PreviewLoader(window.preview, self.services.run_blocking, self.scope, slot)
                window.show()
                self.opened = window
        elif tab_task(gen.task) in (Task.TEXT_TO_VIDEO.value, Task.TEXT_TO_SPEECH.value):
            if self.details.player.path:
                self.details.player.toggle()
        elif readable_text(gen):
            text_window = TextWindow(title(gen), readable_text(gen), self.window())
            text_window.show()
            self.opened = text_window

    def reveal_selected(self) -> None:
        gen = self.details.generation
        path = main_file(gen) if gen is not None else None
        if path and not reveal_file(path):
            # No file manager to open: say where the file is, with a button that puts the
            # path on the clipboard, ready to paste into any file dialog.
            self.message_bar.show_choices(
                f"No file manager could be opened here. The file is at {path}",
                [("Copy path", lambda: self._copy_path(path))],
                kind=INFO,
            )

    def _copy_path(self, path: str) -> None:
        QGuiApplication.clipboard().setText(path)
        self.message_bar.show_info("The path is copied, ready to paste.")

    def save_selected(self) -> None:
        gen = self.details.generation
        if gen is not None:
            self.scope.spawn(self._save(gen), slot="save")

    def reuse_selected(self) -> None:
        gen = self.details.generation
        if gen is not None:
            self.reuse_requested.emit(gen.task, gen.id)

    def _choose_picture(self, purpose: str) -> None:
        gen = self.details.generation
        path = main_file(gen) if gen is not None else None
        if path is not None:
            self.picture_chosen.emit(purpose, path)

    def delete_selected(self) -> None:
        gen = self.details.generation
        if gen is not None and conversation_of(gen) is None:
            self.scope.spawn(self._delete(gen), slot="delete")

    def save_state(self) -> None:
        self.services.state.set("library.splitter", list(self.splitter.sizes()))

    def restore_state(self) -> None:
        sizes = self.services.state.get_int_list("library.splitter")
        if sizes and len(sizes) == 2:
            self.splitter.setSizes(sizes)

    async def aclose(self) -> None:
        """Cancel every task of the page and release the player (the window is closing)."""
        self._search_timer.stop()
        await self.scope.aclose()
        self.details.player.release()

    # --- Loading and filtering ------------------------------------------------------------

    def _on_show_failed(self, checked: bool) -> None:
        self.services.state.set(SHOW_FAILED_KEY, checked)
        self.reload()

    async def _load(self) -> None:
        history = self.services.history
        hide_failed = not self.show_failed.isChecked()

        def read() -> list[StoredGeneration]:
            made = history.list_generations(None, HISTORY_LIMIT, hide_failed=hide_failed)
            chats = [chat_entry(c) for c in history.list_chat_items(HISTORY_LIMIT)]
            return sorted([*made, *chats], key=lambda g: (g.created_at, g.id), reverse=True)

        self._all = await self.services.db.run(read)
        if self.search.text().strip():
            await self._search(self.search.text())
        else:
            self._apply_filter()

    def _on_search_changed(self, text: str) -> None:
        if not text.strip():
            self._search_timer.stop()
            self.scope.cancel("search")
            self._hits = None
            self._apply_filter()
            return
        self._search_timer.start()

    def _start_search(self) -> None:
        self.scope.spawn(self._search(self.search.text()), slot="search")

    async def _search(self, text: str) -> None:
        """Ask the full-text index (off the loop); items older than the list are fetched."""
        history = self.services.history
        hide_failed = not self.show_failed.isChecked()

        def find() -> tuple[list[int], list[int]]:
            hits = history.search_generations(text, SEARCH_LIMIT, hide_failed=hide_failed)
            made = [h.generation_id for h in hits if h.generation_id is not None]
            return made, history.search_chats(text, SEARCH_LIMIT)

        made, chats = await self.services.db.run(find)
        # A chat row's id is its conversation's, negated (see chat_items).
        ids = [*made, *(-c for c in chats)]
        known = {g.id for g in self._all}
        missing = [i for i in made if i not in known]
        missing_chats = [c for c in chats if -c not in known]
        if missing or missing_chats:

            def fetch() -> list[StoredGeneration]:
                found = [g for i in missing if (g := history.get_generation(i)) is not None]
                if missing_chats:
                    items = history.list_chat_items(len(missing_chats), ids=missing_chats)
                    found += [chat_entry(c) for c in items]
                return found

            self._all += await self.services.db.run(fetch)
        self._hits = ids
        self._apply_filter()

    def _apply_filter(self) -> None:
        kind = self.kind.currentData()
        if self._hits is not None:
            by_id = {g.id: g for g in self._all}
            shown = [by_id[i] for i in self._hits if i in by_id]
        else:
            shown = list(self._all)
        if kind:
            shown = [g for g in shown if tab_task(g.task) == kind]
        current = self.details.generation
        self.model.set_generations(shown)
        self._show_count(len(shown))
        if current is not None and self.select_generation(current.id):
            return
        if shown:
            self.select_generation(shown[0].id)
        else:
            self._show(None)

    def _show_count(self, shown: int) -> None:
        if not self._all:
            self.count_label.setText("")
            self.details.note.setText(EMPTY_LIBRARY)
            return
        if self._hits is not None:
            self.count_label.setText(f"{shown} found" if shown else "Nothing found")
        else:
            self.count_label.setText(f"{shown} item{'s' if shown != 1 else ''}")

    # --- Selection ------------------------------------------------------------------------

    def _on_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        indexes = selected.indexes()
        index: QModelIndex | None = indexes[0] if indexes else None
        if index is not None:
            self._show(self.model.generation(index.row()))

    def _show(self, gen: StoredGeneration | None) -> None:
        self.details.show_generation(gen)
        if gen is None and not self._all:
            self.details.note.setText(EMPTY_LIBRARY)
        path = main_file(gen) if gen is not None else None
        if gen is not None and tab_task(gen.task) == Task.TEXT_TO_IMAGE.value and path:
            preview = self.details.image
            if path == preview.path and preview.image is not None:
                self.details.set_image(preview.image, path, preview.full_size)
            else:
                self.scope.spawn(self._load_image(path), slot="preview")

    async def _load_image(self, path: str) -> None:
        self.scope.cancel("preview-redecode")  # for the picture shown before
        try:
            fitted = await self.preview_loader.decode(path)
        except ImageLoadError as exc:
            log.info("Cannot show the picture: %s", exc)
            fitted = None
        if fitted is None:
            self.details.set_image(None, path)
        else:
            self.details.set_image(fitted.image, path, full_size(fitted))

    # --- Actions --------------------------------------------------------------------------

    async def _save(self, gen: StoredGeneration) -> None:
        path = main_file(gen)
        try:
            if tab_task(gen.task) == Task.SPEECH_TO_TEXT.value and gen.text:
                name = suggested_name(Path(gen.prompt).stem or "transcript", ".txt")
                target = await ask_save_path(self, name, "Text (*.txt);;All files (*)", DOCUMENTS)
                if target is not None:
                    await self.services.run_blocking(_write_text, target, gen.text)
            elif path is not None:
                location = {
                    Task.TEXT_TO_IMAGE.value: PICTURES,
                    Task.TEXT_TO_VIDEO.value: MOVIES,
                }.get(tab_task(gen.task), DOCUMENTS)
                name = suggested_name(title(gen), Path(path).suffix)
                target = await save_copy_as(
                    self, self.services.run_blocking, path, name, "All files (*)", location
                )
            else:
                return
        except OSError as exc:
            self.message_bar.show_error(f"It could not be saved: {exc.strerror or exc}.")
            return
        if target:
            self.message_bar.show_info(f"Saved as {target}.")

    async def _delete(self, gen: StoredGeneration) -> None:
        def keep(box: QMessageBox | None) -> None:
            self.confirm_box = box

        confirmed = await confirm(
            self,
            "Delete from the library",
            f"Delete “{make_preview(title(gen), 60)}” from the library?",
            "Delete",
            details=f"The {kind_label(gen.task).lower()} disappears from the "
            "library and its tab. This cannot be undone.",
            shown=keep,
        )
        if not confirmed:
            return
        removed = await self.services.db.run(self.services.history.delete_generation, gen.id)
        if not removed:
            self.message_bar.show_info("It was already gone.")
        row = self.model.row_of(gen.id)
        self._all = [g for g in self._all if g.id != gen.id]
        if self._hits is not None:
            self._hits = [i for i in self._hits if i != gen.id]
        self.model.remove(gen.id)
        self._show_count(self.model.rowCount())
        following = self.model.generation(min(row, self.model.rowCount() - 1))
        if following is not None:
            self.select_generation(following.id)
        else:
            self._show(None)
        self.generation_deleted.emit(gen.id)

    # --- Qt -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "model"):
            self.model.set_palette(self.palette())
