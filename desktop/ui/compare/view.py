"""The compare view: pick 2–4 (model, provider) pairs, send one prompt, read the columns.

Each column is pinned to its pair (:mod:`desktop.engine.compare`): it shows the answer as it
streams (chat), the picture (images) or the transcript (speech), then its figures — wait,
speed, size, estimated cost. A failing column says why and offers "Try another provider"
(a menu of the other providers serving the task), which reruns that column only. "Keep this
one" hands the pair on (:attr:`CompareView.kept`): chat continues as a conversation with that
pair, a picture or a transcript opens in its tab with that pair selected. Every finished
comparison is saved in the Library, where it can be reopened (:meth:`CompareView.show_saved`).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.chat_types import ChatMessage, ChatRequest
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import ImageRequest, MediaResult, TranscribeRequest
from desktop.core.table import Task, provider_label
from desktop.core.trace import Trace
from desktop.core.vocab import Status
from desktop.engine.compare import (
    MAX_PAIRS,
    MIN_PAIRS,
    Column,
    Comparison,
    MediaRun,
    Pair,
    compare_chat,
    compare_media,
    fill_chat_column,
    fill_media_column,
    keep_chat_column,
    pin_pairs,
    save_comparison,
    total_cost,
)
from desktop.services import Services
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets.image_view import ImagePreview
from desktop.ui.widgets.labels import MutedLabel, bold_label, heading
from desktop.ui.widgets.preview_loader import PreviewLoader, full_size
from desktop.ui.widgets.task_pickers import PolicyBox, TaskModelPicker, task_providers
from desktop.ui.widgets.thumbnails import FittedImage, ImageLoadError

log = logging.getLogger(__name__)

KIND_WORDS = {
    Task.CHAT: ("Compare answers", "Ask"),
    Task.TEXT_TO_IMAGE: ("Compare pictures", "Make"),
    Task.SPEECH_TO_TEXT: ("Compare transcripts", "Transcribe"),
}
FIRST_IN_ORDER = ("auto", "First in your order", "The first provider your order would try")
COMPARE_IMAGE_SIDE = 1024


class PairRow(QWidget):
    """One pair: a model box and the provider it is pinned to."""

    def __init__(self, services: Services, task: Task, model: str, parent: QWidget) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.model = TaskModelPicker(services, task, self)
        if model:
            self.model.set_current_model(model)
        row.addWidget(self.model, 3)
        self.provider = PolicyBox(self)
        self.provider.setAccessibleName("Provider")
        self.provider.fill(
            services.settings, [FIRST_IN_ORDER], task_providers(services.settings, task)
        )
        row.addWidget(self.provider, 2)
        self.remove = QPushButton("Remove", self)
        row.addWidget(self.remove)

    def pair(self) -> Pair:
        provider = self.provider.current_policy()
        return Pair(self.model.current_model(), "" if provider == "auto" else provider)


class ColumnView(QFrame):
    """One column: the pair, the result (text or picture), the figures, the buttons."""

    keep_requested = Signal(int)
    retry_requested = Signal(int, str)

    def __init__(self, index: int, task: Task, parent: QWidget) -> None:
        super().__init__(parent)
        self.index = index
        self.task = task
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumWidth(220)
        box = QVBoxLayout(self)
        self.title = bold_label("", self)
        self.title.setWordWrap(True)
        box.addWidget(self.title)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Result")
        self.picture = ImagePreview(self)
        self.loader: PreviewLoader | None = None
        """Set by the view that owns this column (it has the pool and the task scope)."""
        self.picture.setMinimumHeight(200)
        box.addWidget(self.picture if task == Task.TEXT_TO_IMAGE else self.text, 1)
        (self.text if task == Task.TEXT_TO_IMAGE else self.picture).hide()
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.hide()
        box.addWidget(self.error)
        self.figures = MutedLabel("waiting…", self)
        self.figures.setWordWrap(True)
        self.figures.setAccessibleName("Figures")
        box.addWidget(self.figures)
        buttons = QHBoxLayout()
        self.keep = QPushButton("Keep this one", self)
        self.keep.setToolTip("Continue with this model and provider")
        self.keep.clicked.connect(lambda: self.keep_requested.emit(self.index))
        self.keep.setEnabled(False)
        buttons.addWidget(self.keep)
        self.other = QPushButton("Try another provider", self)
        self.other.hide()
        buttons.addWidget(self.other)
        buttons.addStretch(1)
        box.addLayout(buttons)

    def start(self, column: Column) -> None:
        self.title.setText(f"{column.model}\nat {provider_label(column.provider)}")
        self.text.clear()
        self.picture.set_image(None)
        self.error.hide()
        self.other.hide()
        self.keep.setEnabled(False)
        self.figures.setText("waiting…")

    def append(self, text: str) -> None:
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)

    def finish(self, column: Column, others: list[str], fitted: FittedImage | None = None) -> None:
        """Show the column's final state; ``others`` are providers to offer on failure;
        ``fitted`` is its picture decoded at the size the column shows it."""
        self.title.setText(
            f"{column.model}\nat {provider_label(column.answered_by or column.provider)}"
        )
        if self.task != Task.TEXT_TO_IMAGE and self.text.toPlainText() != column.text:
            self.text.setPlainText(column.text)
        if fitted is not None:
            path = column.files[0]["path"] if column.files else None
            self.picture.set_image(fitted.image, path, full_size(fitted))
        self.figures.setText(" · ".join(column.figures()))
        self.figures.setToolTip(column.cost_value().basis)
        failed = column.status == Status.FAILED
        self.keep.setEnabled(not failed)
        if column.error:
            self.error.setText(column.error)
            self.error.setStyleSheet("color: #c0392b;" if failed else "")
            self.error.show()
        if failed and others:
            menu = QMenu(self.other)
            for provider in others:
                action = menu.addAction(provider_label(provider))
                action.triggered.connect(
                    lambda _c=False, p=provider: self.retry_requested.emit(self.index, p)
                )
            self.other.setMenu(menu)
            self.other.show()


class CompareView(QWidget):
    """Pairs, a prompt (or an audio file), Compare, and the columns side by side.

    Signals:
        kept(str, int): "Keep this one": for chat (``conversational``, conversation id);
            for pictures and transcripts (task, library item id).
        saved(int): the comparison was saved as library item ``id``.
    """

    kept = Signal(str, int)
    saved = Signal(int)

    def __init__(
        self,
        services: Services,
        task: Task,
        parent: QWidget | None = None,
        *,
        model: str = "",
        prompt: str = "",
        audio_path: str = "",
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.task = task
        self.scope = TaskScope("compare")
        self.comparison: Comparison | None = None
        self.image_size = (COMPARE_IMAGE_SIDE, COMPARE_IMAGE_SIDE)
        title, verb = KIND_WORDS[task]
        outer = QVBoxLayout(self)
        outer.addWidget(heading(title, self))
        outer.addWidget(
            MutedLabel(
                "Each column uses only its own provider (no failover), so you see how each one "
                "does. Everything is saved in the Library.",
                self,
            )
        )
        self.rows_box = QVBoxLayout()
        outer.addLayout(self.rows_box)
        self.rows: list[PairRow] = []
        self.add_button = QPushButton("Add a pair", self)
        self.add_button.clicked.connect(lambda: self.add_pair(model))
        outer.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        for _ in range(MIN_PAIRS):
            self.add_pair(model)
        entry = QHBoxLayout()
        if task == Task.SPEECH_TO_TEXT:
            self.prompt: QPlainTextEdit | QLineEdit = QLineEdit(audio_path, self)
            self.prompt.setPlaceholderText("An audio file to transcribe")
            browse = QPushButton("Choose…", self)
            browse.clicked.connect(self._choose_audio)
            entry.addWidget(self.prompt, 1)
            entry.addWidget(browse)
        else:
            self.prompt = QPlainTextEdit(prompt, self)
            self.prompt.setPlaceholderText(
                "One message for every pair" if task == Task.CHAT else "Describe the picture"
            )
            self.prompt.setMaximumHeight(80)
            entry.addWidget(self.prompt, 1)
        self.prompt.setAccessibleName("Prompt")
        self.go = QPushButton(f"{verb} all", self)
        self.go.setDefault(True)
        self.go.clicked.connect(self.start)
        entry.addWidget(self.go, 0, Qt.AlignmentFlag.AlignBottom)
        outer.addLayout(entry)
        self.status = MutedLabel("", self)
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        self.columns_holder = QWidget(self)
        self.columns_row = QHBoxLayout(self.columns_holder)
        self.columns_row.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.columns_holder)
        outer.addWidget(scroll, 1)
        self.columns: list[ColumnView] = []

    # --- Pairs --------------------------------------------------------------------------

    def add_pair(self, model: str = "") -> PairRow | None:
        if len(self.rows) >= MAX_PAIRS:
            return None
        row = PairRow(self.services, self.task, model, self)
        row.remove.clicked.connect(lambda: self._remove(row))
        self.rows.append(row)
        self.rows_box.addWidget(row)
        self._update_rows()
        return row

    def _remove(self, row: PairRow) -> None:
        if len(self.rows) <= MIN_PAIRS:
            return
        self.rows.remove(row)
        row.deleteLater()
        self._update_rows()

    def _update_rows(self) -> None:
        self.add_button.setEnabled(len(self.rows) < MAX_PAIRS)
        for r in self.rows:
            r.remove.setEnabled(len(self.rows) > MIN_PAIRS)

    def set_pairs(self, pairs: list[Pair]) -> None:
        """Fill the pair rows (adding rows as needed; tests and reopening use this)."""
        while len(self.rows) < len(pairs):
            self.add_pair()
        for row, pair in zip(self.rows, pairs, strict=False):
            row.model.set_current_model(pair.model)
            if pair.provider and not row.provider.set_policy(pair.provider):
                row.provider.addItem(provider_label(pair.provider), pair.provider)
                row.provider.set_policy(pair.provider)

    def prompt_text(self) -> str:
        if isinstance(self.prompt, QLineEdit):
            return self.prompt.text().strip()
        return self.prompt.toPlainText().strip()

    def _choose_audio(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Audio to transcribe")
        if path and isinstance(self.prompt, QLineEdit):
            self.prompt.setText(path)

    # --- Running ------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.scope.running("compare") is not None

    def start(self) -> None:
        if self.busy:
            return
        prompt = self.prompt_text()
        if not prompt:
            self.status.setText(
                "Choose an audio file first."
                if self.task == Task.SPEECH_TO_TEXT
                else "Type a prompt first."
            )
            return
        pairs = [r.pair() for r in self.rows]
        if any(not p.model for p in pairs):
            self.status.setText("Every pair needs a model.")
            return
        self.scope.spawn(self._compare(pairs, prompt), slot="compare")

    def _make_columns(self, columns: list[Column]) -> None:
        for view in self.columns:
            view.deleteLater()
        self.columns = []
        for i, column in enumerate(columns):
            view = ColumnView(i, self.task, self.columns_holder)
            # Each column's picture decoded at the size it is shown, again when it grows.
            view.loader = PreviewLoader(
                view.picture, self.services.run_blocking, self.scope, f"compare-picture-{i}"
            )
            view.keep_requested.connect(self._keep)
            view.retry_requested.connect(self._retry)
            view.start(column)
            self.columns_row.addWidget(view)
            self.columns.append(view)

    class _Listener:
        def __init__(self, view: CompareView) -> None:
            self.view = view

        def delta(self, index: int, text: str) -> None:
            if index < len(self.view.columns):
                self.view.columns[index].append(text)

        def column_done(self, index: int, column: Column) -> None:
            self.view.scope.spawn(self.view._show_column(index, column))

    async def _compare(self, pairs: list[Pair], prompt: str) -> None:
        self.go.setEnabled(False)
        self.status.setText("Working…")
        engine = self.services.engine
        listener = self._Listener(self)
        # Columns appear at once (pinned pairs are known before any answer arrives).
        try:
            pinned = await pin_pairs(engine, self.task, pairs)
            self._make_columns([Column(p.model, p.provider) for p in pinned])
            if self.task == Task.CHAT:
                comparison = await compare_chat(engine, pinned, prompt, listener=listener)
            else:
                comparison = await compare_media(
                    engine, self.task, pinned, prompt, self._media_run(prompt), listener=listener
                )
        except SwitchboardError as exc:
            self.status.setText(str(exc))
            return
        finally:
            self.go.setEnabled(True)
        self.comparison = comparison
        await self._save()

    def _media_run(self, prompt: str) -> MediaRun:
        services = self.services
        width, height = self.image_size

        async def run(pair: Pair) -> MediaResult:
            if self.task == Task.TEXT_TO_IMAGE:
                return await services.images.generate(
                    ImageRequest(
                        pair.model, prompt, width=width, height=height, provider=pair.provider
                    )
                )
            return await services.speech.transcribe(
                TranscribeRequest(pair.model, prompt, provider=pair.provider)
            )

        return run

    async def _show_column(self, index: int, column: Column) -> None:
        if index >= len(self.columns):
            return
        fitted = None
        view = self.columns[index]
        if self.task == Task.TEXT_TO_IMAGE and column.files and view.loader is not None:
            try:
                fitted = await view.loader.decode(column.files[0].get("path", ""))
            except ImageLoadError as exc:
                log.info("Cannot show the compared picture: %s", exc)
        others = [
            p for p in task_providers(self.services.settings, self.task) if p != column.provider
        ]
        if index < len(self.columns) and self.columns[index] is view:
            view.finish(column, others, fitted)

    async def _save(self) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        history = self.services.history
        if comparison.record_id is None:
            record = await self.services.db.run(save_comparison, history, comparison)
        else:
            record = comparison.record_id
            await self.services.db.run(
                lambda: history.update_generation(
                    record, params={"comparison": comparison.to_dict()}
                )
            )
        total = total_cost(comparison.columns)
        self.status.setText(f"Saved in the Library · all columns together {total.short()}")
        self.saved.emit(record)

    # --- After --------------------------------------------------------------------------

    def _keep(self, index: int) -> None:
        comparison = self.comparison
        if comparison is None:
            return
        column = comparison.columns[index]
        if self.task == Task.CHAT:
            self.scope.spawn(self._keep_chat(comparison, index))
        elif column.record_id is not None:
            self.kept.emit(self.task.value, column.record_id)

    async def _keep_chat(self, comparison: Comparison, index: int) -> None:
        conversation = await self.services.db.run(
            keep_chat_column, self.services.history, comparison, index
        )
        self.kept.emit(Task.CHAT.value, conversation)

    def _retry(self, index: int, provider: str) -> None:
        if self.comparison is not None and not self.busy:
            self.scope.spawn(self._retry_column(index, provider), slot="compare")

    async def _retry_column(self, index: int, provider: str) -> None:
        comparison = self.comparison
        assert comparison is not None
        old = comparison.columns[index]
        column = Column(old.model, provider)
        comparison.columns[index] = column
        self.columns[index].start(column)
        if self.task == Task.CHAT:
            request = ChatRequest(
                model=column.model,
                messages=[ChatMessage("user", comparison.prompt)],
                provider=provider,
            )
            result = await self.services.engine.chat(
                request,
                on_delta=self.columns[index].append,
                trace=Trace(model=column.model, policy=provider),
                hedge=False,
            )
            fill_chat_column(column, result)
        else:
            made = await self._media_run(comparison.prompt)(column.pair)
            fill_media_column(column, made)
        await self._show_column(index, column)
        await self._save()

    def show_saved(self, comparison: Comparison) -> None:
        """Reopen a saved comparison: its pairs, prompt and columns as they were."""
        self.comparison = comparison
        self.set_pairs([c.pair for c in comparison.columns])
        if isinstance(self.prompt, QLineEdit):
            self.prompt.setText(comparison.prompt)
        else:
            self.prompt.setPlainText(comparison.prompt)
        self._make_columns(comparison.columns)
        for i, column in enumerate(comparison.columns):
            self.columns[i].append(column.text)
            self.scope.spawn(self._show_column(i, column))
        total = total_cost(comparison.columns)
        self.status.setText(f"A saved comparison · all columns together {total.short()}")

    async def aclose(self) -> None:
        await self.scope.aclose()
