"""The Embeddings tab: texts in, a picture of how alike they are out.

The person types, pastes or loads texts (one per line; a ``.txt`` or a ``.csv`` column), picks
a model and a provider, and presses Compute. One request runs at a time in the page's
:class:`TaskScope` slot ``"compute"`` (Compute becomes Cancel meanwhile). The results are a
similarity heat map, a 2-D map of the texts and the nearest neighbours of the chosen text;
clicking a row of the map or a point picks the text. The maths (an n² similarity matrix, the
PCA map), file reading and export encoding run in the thread pool, never on the loop.
Earlier runs come back from the library (texts in the row, vectors in its ``.npy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.media_types import EmbedRequest
from desktop.core.table import Task
from desktop.engine.embeddings import check_texts, load_vectors
from desktop.engine.vectors import cosine_matrix, nearest, pca_2d
from desktop.services import Services
from desktop.ui.embeddings.exports import EXPORT_KINDS, KINDS, export_bytes, suggested_name
from desktop.ui.embeddings.heat_map import HeatData, HeatMap, prepare, short
from desktop.ui.embeddings.neighbours import NeighbourList
from desktop.ui.embeddings.text_map import TextMap
from desktop.ui.embeddings.text_sources import (
    OPEN_FILTER,
    TextFileError,
    lines_to_texts,
    read_texts,
)
from desktop.ui.embeddings.texts_edit import TextsEdit, text_files
from desktop.ui.file_dialogs import ask_open_path
from desktop.ui.widgets import tab_order, task_page
from desktop.ui.widgets.generation_text import texts_of
from desktop.ui.widgets.labels import MutedLabel
from desktop.ui.widgets.request_page import RequestPage

EMBEDDINGS = Task.EMBEDDINGS
NEIGHBOURS = 10
COUNT_DELAY_MS = 150

HOVER_HINT = "Point at a square to compare two texts; click a row to see its neighbours."
EXAMPLE = (
    "Type or paste texts here, one per line. For example:\n"
    "The cat sat on the mat\nA kitten is sleeping on the rug\n"
    "Stock markets fell sharply today\nShares dropped after the announcement"
)


def analyse(
    texts: list[str],
    vectors: Sequence[Sequence[float]],
) -> tuple[HeatData, list[tuple[float, float]]]:
    """Blocking: the similarity matrix (ready to paint) and the 2-D map; n² work, so it runs
    in the thread pool."""
    matrix = cosine_matrix(vectors)
    return prepare(texts, matrix), pca_2d(vectors)


def _titled_box(parent: QWidget, title: str, tip: str = "") -> tuple[QWidget, QVBoxLayout]:
    """A view's holder: its one-line title (the technical name in its tooltip), then what the
    caller adds."""
    box = QWidget(parent)
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    label = MutedLabel(title, box)
    label.setToolTip(tip)
    column.addWidget(label)
    return box, column


class EmbeddingsPage(RequestPage):
    """Texts in; heat map, map and neighbours out.

    Signals (from :class:`TaskPage`):
        providers_requested(str): open the Providers page ("token" focuses the HF token).

    Attributes:
        texts_edit, run_button, badge, message_bar, heat_map, text_map, neighbour_list,
        focus_picker, export_buttons, history_list: the parts, public for tests.
    """

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(
            services, EMBEDDINGS, "embeddings", run_text="Compute", verb="Computing", parent=parent
        )
        self._texts: list[str] = []
        self._vectors: list[list[float]] = []
        self._matrix: list[list[float]] = []
        self._model: str | None = None
        self.setAcceptDrops(True)

        outer, self.model_picker, self.policy_picker = task_page.top_bar(
            self, "Embeddings", services, EMBEDDINGS, self.bill_to
        )
        outer.addWidget(self._make_message_bar(self))

        self.splitter = task_page.side_by_side(
            self, self._build_inputs, self._build_results, [320, 780]
        )
        outer.addWidget(self.splitter, 1)
        tab_order.follow(
            *task_page.picker_stops(self.model_picker, self.policy_picker),
            self.message_bar,
            self.texts_edit,
            self.load_button,
            self.run_button,
            self.badge,
            self.history_list,
            self.heat_map,
            self.text_map,
            self.focus_picker,
            self.neighbour_list,
            *self.export_buttons.values(),
        )

        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_DELAY_MS)
        self._count_timer.timeout.connect(self._update_count)
        self._update_count()
        self._update_exports()
        self.reload_history()

    def _build_inputs(self) -> QWidget:
        panel = QWidget(self)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(6)
        column.addWidget(MutedLabel("Texts, one per line", panel))
        self.texts_edit = TextsEdit(panel)
        self.texts_edit.setPlaceholderText(EXAMPLE)
        self.texts_edit.textChanged.connect(self._on_texts_changed)
        self.texts_edit.file_dropped.connect(self.load_file)
        column.addWidget(self.texts_edit, 3)
        row = QHBoxLayout()
        self.count_label = MutedLabel("", panel)
        row.addWidget(self.count_label, 1)
        self.load_button = QPushButton("Load file…", panel)
        self.load_button.setToolTip(
            "A .txt file with one text per line, or a .csv with a column of text"
        )
        self.load_button.clicked.connect(self.choose_file)
        row.addWidget(self.load_button)
        column.addLayout(row)
        self.source_note = MutedLabel("", panel)
        self.source_note.setWordWrap(True)
        self.source_note.hide()
        column.addWidget(self.source_note)
        run_row = QHBoxLayout()
        self._make_run_parts(panel)
        run_row.addWidget(self.run_button, 1)
        run_row.addWidget(self.elapsed)
        column.addLayout(run_row)
        column.addWidget(self.badge)
        self.stale_note = MutedLabel(
            "The texts changed: Compute again to update the results.", panel
        )
        self.stale_note.setWordWrap(True)
        self.stale_note.hide()
        column.addWidget(self.stale_note)
        column.addSpacing(6)
        column.addWidget(MutedLabel("Earlier runs", panel))
        column.addWidget(self._make_history_list(panel), 2)
        return panel

    def _build_results(self) -> QWidget:
        panel = QWidget(self)
        column = QVBoxLayout(panel)
        column.setContentsMargins(8, 0, 0, 0)
        column.setSpacing(6)
        views = QSplitter(Qt.Orientation.Horizontal, panel)
        views.setChildrenCollapsible(False)
        heat_box, heat_column = _titled_box(
            views,
            "How alike each pair is",
            "Cosine similarity of the two texts' vectors: 1 means the same meaning.",
        )
        self.heat_map = HeatMap(heat_box)
        self.heat_map.text_chosen.connect(self.select_text)
        heat_column.addWidget(self.heat_map, 1)
        self.hover_label = MutedLabel(HOVER_HINT, heat_box)
        self.heat_map.hover_described.connect(
            lambda line: self.hover_label.setText(line or HOVER_HINT)
        )
        self.hover_label.hide()
        heat_column.addWidget(self.hover_label)
        map_box, map_column = _titled_box(views, "Map: similar texts sit close together")
        self.text_map = TextMap(map_box)
        self.text_map.text_chosen.connect(self.select_text)
        map_column.addWidget(self.text_map, 1)
        views.addWidget(heat_box)
        views.addWidget(map_box)
        views.setSizes([460, 340])
        column.addWidget(views, 3)

        focus_row = QHBoxLayout()
        focus_row.addWidget(MutedLabel("Closest to", panel))
        self.focus_picker = QComboBox(panel)
        self.focus_picker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.focus_picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.focus_picker.setAccessibleName("Text whose neighbours are shown")
        self.focus_picker.activated.connect(self.select_text)
        focus_row.addWidget(self.focus_picker, 1)
        column.addLayout(focus_row)
        self.neighbour_list = NeighbourList(panel)
        self.neighbour_list.text_chosen.connect(self.select_text)
        column.addWidget(self.neighbour_list, 1)
        exports = QHBoxLayout()
        self.export_buttons = task_page.export_buttons(exports, panel, EXPORT_KINDS, self.export)
        exports.addStretch(1)
        column.addLayout(exports)
        return panel

    # --- Public API -----------------------------------------------------------------------

    @property
    def texts(self) -> list[str]:
        """The texts of the results shown."""
        return list(self._texts)

    @property
    def vectors(self) -> list[list[float]]:
        return [list(v) for v in self._vectors]

    def typed_texts(self) -> list[str]:
        return lines_to_texts(self.texts_edit.toPlainText())

    def set_texts(self, texts: Sequence[str]) -> None:
        self.texts_edit.setPlainText("\n".join(texts))

    def run(self) -> None:
        """Compute (the Run button, Ctrl+Enter, "Try again")."""
        self.compute()

    def compute(self) -> None:
        """Embed the typed texts with the chosen model and provider."""
        if self.busy:
            return
        texts = self.typed_texts()
        problem = check_texts(texts)
        if problem is not None:
            self.message_bar.show_error(problem)
            return
        model = self.model_picker.current_model()
        if not model:
            self.message_bar.show_error(
                "Choose an embedding model first, for example BAAI/bge-small-en-v1.5."
            )
            return
        if self.model_picker.link is not None and not self.model_picker.link.allows(
            model, self.message_bar
        ):
            return
        request = EmbedRequest(
            model=model, texts=texts, provider=self.policy_picker.current_policy()
        )
        self.run_button.track(self.scope.spawn(self._compute(request), slot="embeddings"))

    def select_text(self, index: int) -> None:
        """Show the neighbours of text ``index`` and mark it in both views."""
        if not 0 <= index < len(self._texts):
            return
        found = nearest(index, self._matrix, k=min(NEIGHBOURS, len(self._texts) - 1))
        self.neighbour_list.set_neighbours(self._texts, found)
        self.heat_map.set_selected(index)
        self.text_map.set_selected(index, [j for j, score in found[:3] if score > 0])
        if self.focus_picker.currentIndex() != index:
            self.focus_picker.setCurrentIndex(index)

    def load_file(self, path: str | Path) -> None:
        """Replace the texts with those of a ``.txt`` or ``.csv`` file (read off the loop)."""
        self.scope.spawn(self._load_file(Path(path)), slot="load")

    # --- Work -----------------------------------------------------------------------------

    async def _compute(self, request: EmbedRequest) -> None:
        result = await self._send(
            self.services.embeddings.embed(request, on_attempt=self._on_attempt),
            sending="Sending the texts…",
            stopped="Stopped — nothing was computed.",
            failed="The embeddings could not be computed.",
        )
        if result is None or result.vectors is None:
            return
        await self._show(request.texts, result.vectors, request.model, result.record_id)
        self.model_picker.remember()
        self.reload_history()

    async def _show(
        self,
        texts: list[str],
        vectors: list[list[float]],
        model: str | None,
        record_id: int | None,
    ) -> None:
        heat, coordinates = await self.services.run_blocking(analyse, texts, vectors)
        self._texts, self._vectors, self._matrix = list(texts), vectors, heat.matrix
        self._model, self.record_id = model, record_id
        self.heat_map.set_data(heat)
        self.hover_label.show()
        self.text_map.set_data(self._texts, coordinates)
        self.focus_picker.clear()
        for i, text in enumerate(self._texts):
            self.focus_picker.addItem(f"{i + 1}. {short(text, 90)}")
            self.focus_picker.setItemData(i, text, Qt.ItemDataRole.ToolTipRole)
        self.select_text(0)
        if record_id is not None:
            self.history_list.select_id(record_id)
        self._update_exports()
        self._update_stale()

    async def _choose_file(self) -> None:
        path = await ask_open_path(
            self, title="Load texts", filters=OPEN_FILTER, purpose="embeddings-texts"
        )
        if path is not None:
            await self._load_file(path)

    async def _load_file(self, path: Path) -> None:
        try:
            loaded = await self.services.run_blocking(read_texts, path)
        except TextFileError as exc:
            self.message_bar.show_error(str(exc))
            return
        self.message_bar.clear()
        self.set_texts(loaded.texts)
        self.source_note.setText(loaded.note)
        self.source_note.show()

    async def _export(self, key: str) -> None:
        kind = KINDS[key]
        if not self._vectors:
            self.message_bar.show_error("Compute the embeddings first, then export them.")
            return
        texts, vectors, model = list(self._texts), self._vectors, self._model
        await task_page.export_file(
            self,
            self.services,
            self.message_bar,
            suggested_name(model, kind.suffix),
            kind,
            lambda: export_bytes(key, texts, vectors, model),
        )

    async def _open_record(self, record_id: int) -> None:
        history = self.services.history
        row = await self.services.db.run(history.get_generation, record_id)
        texts = texts_of(row) if row is not None else []
        if row is None or not row.vectors_path or not texts:
            self._record_gone("Those embeddings are no longer in the library.")
            return
        try:
            vectors = await self.services.run_blocking(load_vectors, row.vectors_path)
        except (OSError, ValueError):
            self.message_bar.show_error(
                "The vectors of that run are missing or damaged; compute them again."
            )
            return
        if len(vectors) != len(texts):
            self.message_bar.show_error(
                "The vectors of that run do not match its texts; compute them again."
            )
            return
        self.message_bar.clear()
        self.set_texts(texts)
        self.source_note.hide()
        if row.model:
            self.model_picker.set_current_model(row.model)
        self.badge.set_stored(row)
        await self._show(texts, vectors, row.model, row.id)

    # --- Internals ------------------------------------------------------------------------

    def _on_texts_changed(self) -> None:
        self._count_timer.start()

    def _update_count(self) -> None:
        n = len(self.typed_texts())
        self.count_label.setText(f"{n} text{'s' if n != 1 else ''}" if n else "No texts yet")
        self._update_stale()

    def _update_stale(self) -> None:
        stale = bool(self._texts) and self.typed_texts() != self._texts
        self.stale_note.setVisible(stale)

    def _update_exports(self) -> None:
        for button in self.export_buttons.values():
            button.setEnabled(bool(self._vectors))

    # --- Qt -------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if text_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = text_files(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.load_file(paths[0])
