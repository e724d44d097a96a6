"""The model browser: search as you type, filter, read about a model, pick it for the tab.

Why this shape: a person who has never seen a Hugging Face id needs to choose by what a model
is good at and who can run it for them, not by its id. Every keystroke shows what the
directory already knows at once (``cached()``, no I/O), and ~150 ms after the typing pauses
one ``search()`` goes out in the dialog's :class:`TaskScope` slot ``"search"``, so a newer
search always replaces the older one and the window never waits on the network. The dialog
is opened with ``open()`` and awaited with :func:`run_dialog` (no nested event loop).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from desktop.core.table import provider_label
from desktop.engine.model_directory import SORTS, TASKS, ModelInfo, ModelPage, TaskName
from desktop.services import Services
from desktop.ui.models import words
from desktop.ui.models.details import DetailsPane
from desktop.ui.models.result_list import MODEL_ROLE, ResultDelegate, ResultModel, ResultView, Row
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets.labels import MutedLabel

log = logging.getLogger(__name__)

DEBOUNCE_MS = 150
"""How long typing must pause before the network is asked."""
SEARCH_LIMIT = 30

SORT_LABELS = {"trending": "Trending", "likes": "Most liked", "downloads": "Most downloaded"}
SECTION_OF_SORT = {
    "trending": "Trending now",
    "likes": "Most liked",
    "downloads": "Most downloaded",
}


@dataclass(frozen=True)
class Query:
    """What the user asked for; a search answer for an older query is dropped."""

    task: TaskName
    text: str
    provider: str | None
    sort: str


@dataclass(frozen=True)
class Choice:
    """The model picked with "Use this model", and the provider chosen in the filter."""

    model_id: str
    task: TaskName
    provider: str | None


class ModelBrowser(QDialog):
    """Search, filters and sort on top; cards on the left; details on the right.

    Attributes:
        choice: set when the user picked a model (the dialog is then accepted).
        searches: how many network searches were started (tests check the debounce).
    """

    def __init__(
        self,
        services: Services,
        task: TaskName,
        parent: QWidget | None = None,
        *,
        text: str = "",
        reads_images: bool = False,
        providers: Callable[[TaskName], Sequence[str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.directory = services.models
        self.scope = TaskScope("model-browser")
        self.choice: Choice | None = None
        self.searches = 0
        self._providers = providers or (lambda _task: ())
        self._page: ModelPage | None = None
        self.setWindowTitle("Browse models")
        self.setSizeGripEnabled(True)
        self.resize(980, 640)
        self.setMinimumSize(720, 460)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        outer.setSpacing(8)

        self.task_bar = QTabBar(self)
        self.task_bar.setDocumentMode(True)
        self.task_bar.setExpanding(False)
        self.task_bar.setAccessibleName("Task")
        for name in TASKS:
            self.task_bar.addTab(words.TASK_TITLES[name])
        self.task_bar.setCurrentIndex(TASKS.index(task))
        outer.addWidget(self.task_bar)

        self.search_field = QLineEdit(self)
        self.search_field.setClearButtonEnabled(True)
        self.search_field.setAccessibleName("Search models")
        self.search_field.setText(text)
        self.search_field.installEventFilter(self)
        outer.addWidget(self.search_field)

        filters = QHBoxLayout()
        filters.setSpacing(10)
        filters.addWidget(MutedLabel("Provider", self))
        self.provider_box = QComboBox(self)
        self.provider_box.setAccessibleName("Provider filter")
        self.provider_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        filters.addWidget(self.provider_box)
        self.free_box = QCheckBox("Only free", self)
        self.free_box.setToolTip("Only models that a provider serves for free")
        filters.addWidget(self.free_box)
        self.images_box = QCheckBox("Reads images", self)
        self.images_box.setToolTip("Only chat models that can look at pictures you attach")
        self.images_box.setChecked(reads_images)
        filters.addWidget(self.images_box)
        self.note_label = MutedLabel("", self)
        self.note_label.setAccessibleName("Note")
        self.note_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.note_label.setWordWrap(True)  # a long offline note wraps instead of being cut
        filters.addWidget(self.note_label, 1)
        self.status_label = MutedLabel("", self)
        filters.addWidget(self.status_label)
        filters.addSpacing(8)
        filters.addWidget(MutedLabel("Sort", self))
        self.sort_box = QComboBox(self)
        self.sort_box.setAccessibleName("Sort")
        for key in SORTS:
            self.sort_box.addItem(SORT_LABELS.get(key, key.capitalize()), key)
        filters.addWidget(self.sort_box)
        outer.addLayout(filters)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.stack = QStackedWidget(self.splitter)
        self.results = ResultModel(self)
        self.delegate = ResultDelegate(self)
        self.view = ResultView(self.stack)
        self.view.setModel(self.results)
        self.view.setItemDelegate(self.delegate)
        self.view.installEventFilter(self)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.stack.addWidget(self.view)
        self.empty_label = QLabel(self.stack)
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setMargin(24)
        self.stack.addWidget(self.empty_label)
        self.details = DetailsPane(self.splitter)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([580, 380])
        outer.addWidget(self.splitter, 1)

        buttons = QHBoxLayout()
        self.star_button = QPushButton("☆ Add to favourites", self)
        self.star_button.setAutoDefault(False)
        self.star_button.clicked.connect(self.toggle_favourite)
        buttons.addWidget(self.star_button)
        buttons.addStretch(1)
        hint = MutedLabel("↑ ↓ to move · Enter to use · Esc to close", self)
        buttons.addWidget(hint)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.close_button)
        self.use_button = QPushButton("Use this model", self)
        self.use_button.setDefault(True)  # drawn as the main button; Enter picks anyway
        self.use_button.clicked.connect(self.use_selected)
        buttons.addWidget(self.use_button)
        outer.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._start_search)

        self._fill_providers()
        self._apply_task_look()
        self.task_bar.currentChanged.connect(self._on_task_changed)
        self.search_field.textChanged.connect(self._on_query_changed)
        self.provider_box.currentIndexChanged.connect(self._on_query_changed)
        self.sort_box.currentIndexChanged.connect(self._on_query_changed)
        self.free_box.toggled.connect(self._on_filter_changed)
        self.images_box.toggled.connect(self._on_filter_changed)
        self.search_field.setFocus()
        self._on_query_changed()

    # --- Public API -----------------------------------------------------------------------

    @property
    def task(self) -> TaskName:
        return TASKS[max(0, self.task_bar.currentIndex())]

    def set_task(self, task: TaskName) -> None:
        self.task_bar.setCurrentIndex(TASKS.index(task))

    def query(self) -> Query:
        provider = self.provider_box.currentData()
        return Query(
            task=self.task,
            text=self.search_field.text().strip(),
            provider=provider if isinstance(provider, str) and provider else None,
            sort=str(self.sort_box.currentData() or "trending"),
        )

    def selected_model(self) -> ModelInfo | None:
        index = self.view.currentIndex()
        if not index.isValid() or not self.view.selectionModel().isSelected(index):
            return None
        model = self.results.data(index, MODEL_ROLE)
        return model if isinstance(model, ModelInfo) else None

    def select_model(self, model_id: str) -> bool:
        row = self.results.row_of(model_id)
        if row < 0:
            return False
        self.view.setCurrentIndex(self.results.index(row))
        return True

    def use_selected(self) -> None:
        """ "Use this model": remember the choice and close."""
        model = self.selected_model()
        if model is None:
            return
        query = self.query()
        self.choice = Choice(model_id=model.id, task=query.task, provider=query.provider)
        self.accept()

    def toggle_favourite(self) -> None:
        model = self.selected_model()
        if model is None:
            return
        task = self.task
        now = self.directory.toggle_favourite(task, model.id)
        self.results.set_favourite(model.id, now)
        self._show_details(model)
        if not self.query().text and self._page is not None:
            self._show(self._page, pending=self.scope.running("search") is not None)

    def favourite_ids(self) -> list[str]:
        return [p.model_id for p in self.directory.favourites(self.task)]

    async def aclose(self) -> None:
        await self.scope.aclose()

    # --- Searching ------------------------------------------------------------------------

    def _on_task_changed(self, _index: int) -> None:
        self._fill_providers()
        self._apply_task_look()
        self._on_query_changed()

    def _apply_task_look(self) -> None:
        task = self.task
        noun = words.TASK_NOUNS[task]
        self.search_field.setPlaceholderText(
            f"Search {noun} by name or maker — for example {EXAMPLES.get(task, 'llama')}"
        )
        self.images_box.setVisible(task == "chat")
        self.delegate.show_chat_facts = task == "chat"
        self.setWindowTitle(f"Browse {noun}")

    def _fill_providers(self) -> None:
        keep = self.provider_box.currentData()
        self.provider_box.blockSignals(True)
        self.provider_box.clear()
        self.provider_box.addItem("Any provider", "")
        for pid in self._providers(self.task):
            label = provider_label(pid)
            self.provider_box.addItem(label if label != pid else f"{pid} (your server)", pid)
        index = self.provider_box.findData(keep) if keep else 0
        self.provider_box.setCurrentIndex(max(0, index))
        self.provider_box.blockSignals(False)

    def _on_query_changed(self, *_args: object) -> None:
        """Show what is known now; ask the network once the typing pauses."""
        query = self.query()
        try:
            page = self.directory.cached(query.task, query.text, provider=query.provider)
        except Exception:  # a damaged cache must not close the browser; the search may help
            log.exception("Could not read the cached models")
            page = ModelPage(models=(), fetched_at=None, stale=False)
        self._show(page, pending=True)
        self.timer.start()

    def _on_filter_changed(self, _on: bool) -> None:
        if self._page is not None:
            self._show(self._page, pending=self.scope.running("search") is not None)

    def _start_search(self) -> None:
        self.searches += 1
        self.scope.spawn(self._search(self.query()), slot="search")

    async def _search(self, query: Query) -> None:
        self._set_notes(self.note_label.text(), "Searching…")
        try:
            page = await self.directory.search(
                query.task,
                query.text,
                provider=query.provider,
                sort=query.sort,
                limit=SEARCH_LIMIT,
            )
        except asyncio.CancelledError:
            raise
        except Exception:  # the directory falls back to its cache; this is a last resort
            log.exception("The model search failed")
            if query == self.query():
                self._set_notes("The search did not work; showing what is known.", "")
            return
        if query != self.query():
            return  # the user typed on; the newer search is on its way
        self._show(page, pending=False)

    # --- Showing --------------------------------------------------------------------------

    def _show(self, page: ModelPage, *, pending: bool) -> None:
        self._page = page
        query = self.query()
        keep = self.selected_model()
        models = [m for m in page.models if self._passes(m)]
        models = sort_models(models, query.sort)
        favourites = self.favourite_ids()
        rows = self._rows(query, models, favourites)
        self.results.set_rows(rows)
        self._set_notes(self._note(page), "Searching…" if pending else "")
        if any(r.model is not None for r in rows):
            self.stack.setCurrentWidget(self.view)
            if keep is None or not self.select_model(keep.id):
                self.view.setCurrentIndex(self.results.index(self.results.first_model_row()))
        else:
            self.stack.setCurrentWidget(self.empty_label)
            self.empty_label.setText(self._empty_text(query, pending))
            self._show_details(None)

    def _set_notes(self, note: str, status: str) -> None:
        """The calm words beside the filters: offline or stale results, a search under way."""
        self.note_label.setText(note)
        self.status_label.setText(status)

    def _passes(self, model: ModelInfo) -> bool:
        if self.free_box.isChecked() and not words.is_free(model):
            return False
        return not (
            self.task == "chat" and self.images_box.isChecked() and not words.reads_images(model)
        )

    def _rows(self, query: Query, models: list[ModelInfo], favourites: list[str]) -> list[Row]:
        """With a search text: the matches. Without: Favourites, Recent, Starter picks, then
        the rest under the sort's name; each model in the first section it fits."""
        fav = set(favourites)
        if query.text:
            return [Row(model=m, favourite=m.id in fav) for m in models]
        known = {m.id: m for m in models}
        for m in self._page.models if self._page is not None else ():
            known.setdefault(m.id, m)
        shown: set[str] = set()
        rows: list[Row] = []

        def section(title: str, items: list[ModelInfo]) -> None:
            items = [m for m in items if m.id not in shown and self._passes(m)]
            if not items:
                return
            rows.append(Row(heading=title))
            for m in items:
                shown.add(m.id)
                rows.append(Row(model=m, favourite=m.id in fav))

        task = query.task
        section("Favourites", [known.get(i) or stand_in(i, task) for i in favourites])
        recents = [p.model_id for p in self.directory.recents(task)]
        section("Recent", [known.get(i) or stand_in(i, task) for i in recents])
        section("Starter picks", [m for m in models if "starter" in m.badges])
        section(SECTION_OF_SORT.get(query.sort, "More models"), models)
        return rows

    def _note(self, page: ModelPage) -> str:
        if page.note:
            return page.note
        if page.stale and page.fetched_at is not None:
            return f"Offline: showing results from {words.ago(time.time() - page.fetched_at)}."
        return ""

    def _empty_text(self, query: Query, pending: bool) -> str:
        noun = words.TASK_NOUNS[query.task]
        if pending:
            return f"Looking for {noun}…"
        first = f"No {noun} match “{query.text}”." if query.text else f"No {noun} found."
        hints = []
        if query.text:
            hints.append("check the spelling or try a shorter name")
        if query.provider:
            hints.append("choose “Any provider”")
        if self.free_box.isChecked():
            hints.append("clear “Only free”")
        if query.task == "chat" and self.images_box.isChecked():
            hints.append("clear “Reads images”")
        hint = ("Try: " + "; ".join(hints) + ".") if hints else "Try another task above."
        return f"{first}\n{hint}"

    def _show_details(self, model: ModelInfo | None) -> None:
        favourite = model is not None and model.id in self.favourite_ids()
        self.details.show_model(model, favourite=favourite)
        self.use_button.setEnabled(model is not None)
        self.star_button.setEnabled(model is not None)
        self.star_button.setText("★ Favourite" if favourite else "☆ Add to favourites")

    def _on_selection_changed(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        self._show_details(self.selected_model())

    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.use_selected()

    # --- Keyboard -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.use_selected()
                return True
            if watched is self.search_field and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._step(1 if key == Qt.Key.Key_Down else -1)
                return True
        return super().eventFilter(watched, event)

    def _step(self, delta: int) -> None:
        """Move the selection to the next card up or down (headings skipped)."""
        rows = [i for i, r in enumerate(self.results.rows()) if r.model is not None]
        if not rows:
            return
        current = self.view.currentIndex().row()
        if current not in rows:
            target = rows[0]
        else:
            position = max(0, min(len(rows) - 1, rows.index(current) + delta))
            target = rows[position]
        index = self.results.index(target)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def done(self, result: int) -> None:
        self.timer.stop()
        self.scope.cancel("search")  # closed: an answer on its way is no longer wanted
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.timer.stop()
        self.scope.cancel("search")
        super().closeEvent(event)


EXAMPLES: dict[TaskName, str] = {
    "chat": "llama",
    "image": "flux",
    "video": "wan",
    "speech": "whisper",
    "embeddings": "bge",
    "speak": "kokoro",
}


def sort_models(models: list[ModelInfo], sort: str) -> list[ModelInfo]:
    """Best first by the chosen measure; models without it keep their order, after the rest."""

    def key(model: ModelInfo) -> float:
        value = {"likes": model.likes, "downloads": model.downloads}.get(sort, model.trending)
        return -float(value) if value is not None else float("inf")

    return sorted(models, key=key)


def stand_in(model_id: str, task: TaskName) -> ModelInfo:
    """A card for a favourite or recent model nothing else is known about right now."""
    return ModelInfo(
        id=model_id,
        name=words.readable_name(model_id),
        author=words.author_of(model_id),
        task=task,
        pipeline_tag="",
    )
