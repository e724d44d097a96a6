"""One library item in full: the result itself, what made it, and what one can do with it.

Why the result comes first here too: a picture is shown large, a video plays inline, a
transcript or the texts of an embeddings set can be read and selected — all from the files
in the data folder, offline. Under it, the facts in plain words (kind, when, model, provider,
settings, the routing story) and the actions: open, show the file, save a copy, reuse in the
tab that made it, delete. The panel only shows and asks; the page does the work.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.media_types import tab_task
from desktop.core.table import Task, provider_label
from desktop.core.vocab import Status
from desktop.store.history import StoredGeneration
from desktop.ui.costs.hint import cost_suffix
from desktop.ui.library.chat_items import conversation_of
from desktop.ui.widgets.generation_text import (
    STATUS_WORDS,
    TAB_NAMES,
    created_text,
    kind_label,
    params_summary,
    texts_of,
)
from desktop.ui.widgets.image_view import ImagePreview
from desktop.ui.widgets.labels import MutedLabel, heading_font, wrapped
from desktop.ui.widgets.result_parts import action_button, add_actions_row, note_label
from desktop.ui.widgets.routing_badge import RoutingBadge
from desktop.ui.widgets.video_player import VideoPlayer

EMPTY_TEXT = (
    "Choose an item to see it here. Everything you make — chats, pictures, videos, "
    "transcripts and embeddings — stays in the library, even offline."
)


def main_file(gen: StoredGeneration) -> str | None:
    """The file "Show file" and "Save as" use: the picture, video, audio or vectors."""
    if tab_task(gen.task) == Task.EMBEDDINGS.value and gen.vectors_path:
        return gen.vectors_path
    return next((str(f["path"]) for f in gen.files if f.get("path")), None)


def readable_text(gen: StoredGeneration) -> str:
    """What a transcript or an embeddings set shows as text."""
    if tab_task(gen.task) == Task.SPEECH_TO_TEXT.value:
        return gen.text or ""
    if tab_task(gen.task) == Task.EMBEDDINGS.value:
        return "\n\n".join(texts_of(gen))
    return ""


class TextWindow(QWidget):
    """A transcript or a set of texts in its own window, selectable; Esc closes."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(text)
        layout.addWidget(self.text)
        self.resize(640, 520)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)


class DetailsPanel(QWidget):
    """Preview (picture, player or text), facts, routing badge, actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._gen: StoredGeneration | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.stack = QStackedWidget(self)
        self.note = note_label(EMPTY_TEXT, self.stack)
        self.image = ImagePreview(self.stack)
        self.player = VideoPlayer(self.stack)
        self.text = QPlainTextEdit(self.stack)
        self.text.setReadOnly(True)
        for widget in (self.note, self.image, self.player, self.text):
            self.stack.addWidget(widget)
        column.addWidget(self.stack, 1)

        self.title = wrapped(QLabel("", self))
        self.title.setFont(heading_font(self.title.font(), 1.05))
        self.title.setMaximumHeight(self.title.fontMetrics().lineSpacing() * 3 + 4)
        column.addWidget(self.title)
        facts = QFormLayout()
        facts.setHorizontalSpacing(12)
        facts.setVerticalSpacing(2)
        self.kind = QLabel(self)
        self.created = QLabel(self)
        self.model = wrapped(QLabel(self))
        self.settings = wrapped(QLabel(self))
        self.status = wrapped(QLabel(self))
        self._fact_labels: dict[QLabel, MutedLabel] = {}
        for name, label in (
            ("Kind", self.kind),
            ("Made", self.created),
            ("Model", self.model),
            ("Settings", self.settings),
            ("Status", self.status),
        ):
            caption = MutedLabel(name, self)
            self._fact_labels[label] = caption
            facts.addRow(caption, label)
        column.addLayout(facts)
        self.badge = RoutingBadge(self)
        column.addWidget(self.badge)

        self.open_button = action_button("Open", "", self)
        self.reveal_button = action_button("Show file", "Show the file in its folder", self)
        self.save_button = action_button("Save as…", "Save a copy somewhere else", self)
        self.reuse_button = action_button("Reuse", "", self)
        self.delete_button = action_button("Delete", "Remove this item from the library", self)
        self.use_button = action_button(
            "Use this picture", "Start a change of this picture in the Images tab", self
        )
        self.animate_button = action_button(
            "Animate it", "Start a video from this picture in the Video tab", self
        )
        add_actions_row(
            column,
            [self.open_button, self.reveal_button, self.save_button, self.use_button],
            [self.reuse_button, self.delete_button, self.animate_button],
        )
        self.show_generation(None)

    # --- Public API -----------------------------------------------------------------------

    @property
    def generation(self) -> StoredGeneration | None:
        return self._gen

    def buttons(self) -> list[QPushButton]:
        return [
            self.open_button,
            self.reveal_button,
            self.save_button,
            self.reuse_button,
            self.delete_button,
            self.use_button,
            self.animate_button,
        ]

    def show_generation(self, gen: StoredGeneration | None) -> None:
        """Show ``gen``'s facts; a picture's pixels follow with :meth:`set_image`."""
        previous = self._gen
        self._gen = gen
        if gen is None:
            self._note(EMPTY_TEXT)
            self.title.setText("")
            for label in self._fact_labels:
                self._set_fact(label, "")
            self.badge.clear()
            for button in self.buttons():
                button.setEnabled(False)
            return
        self._show_content(gen, previous)
        self.title.setText(
            gen.prompt.strip().splitlines()[0] if gen.prompt.strip() else kind_label(gen.task)
        )
        chat = conversation_of(gen) is not None
        self._set_fact(self.kind, kind_label(gen.task) + cost_suffix(gen.trace))
        self._fact_labels[self.created].setText("Last message" if chat else "Made")
        self._set_fact(self.created, created_text(gen.created_at))
        who = f" · via {provider_label(gen.provider)}" if gen.provider else ""
        self._set_fact(self.model, (gen.model or "") + who)
        self._set_fact(self.settings, params_summary(gen.task, gen.params, gen.files))
        status = "" if gen.status == Status.COMPLETE else STATUS_WORDS.get(gen.status, gen.status)
        if gen.error:
            status = f"{status}: {gen.error}" if status else gen.error
        self._set_fact(self.status, status)
        if chat:
            self.badge.clear()  # no routing story to tell; the model line names who answered
        else:
            self.badge.set_stored(gen)
        has_file = main_file(gen) is not None
        self.open_button.setEnabled(
            gen.status == Status.COMPLETE and (has_file or bool(readable_text(gen)))
        )
        self.open_button.setToolTip(
            "Play the video"
            if tab_task(gen.task) == Task.TEXT_TO_VIDEO.value
            else "Play the reading"
            if gen.task == Task.TEXT_TO_SPEECH.value
            else "Open it large"
        )
        self.reveal_button.setEnabled(has_file)
        self.save_button.setEnabled(has_file or bool(readable_text(gen)))
        tab = TAB_NAMES.get(tab_task(gen.task))
        self.reuse_button.setText(f"Reuse in {tab}" if tab else "Reuse")
        self.reuse_button.setToolTip(f"Put its settings in the {tab} tab" if tab else "")
        self.reuse_button.setEnabled(tab is not None)
        self.delete_button.setToolTip("Remove this item from the library")
        self.delete_button.setEnabled(True)
        self.open_button.setText("Open in Chat" if chat else "Open")
        if chat:
            # One action per intent: "Open in Chat" is the only way on; a chat is deleted
            # from the Chat tab's list, where its menu is.
            self.open_button.setEnabled(True)
            self.open_button.setToolTip("Carry on with this conversation in the Chat tab")
            self.reuse_button.setEnabled(False)
            self.delete_button.setEnabled(False)
            self.delete_button.setToolTip("Delete a chat from the list in the Chat tab")
        picture = (
            has_file
            and gen.status == Status.COMPLETE
            and tab_task(gen.task) == Task.TEXT_TO_IMAGE.value
        )
        self.use_button.setEnabled(picture)
        self.animate_button.setEnabled(picture)

    def set_image(self, image: QImage | None, path: str, full_size: QSize | None = None) -> None:
        if self._gen is None or main_file(self._gen) != path:
            return
        if image is None:
            self._note("This picture's file is missing or damaged.")
            return
        self.image.set_image(image, path, full_size)
        self.stack.setCurrentWidget(self.image)

    # --- Internals ------------------------------------------------------------------------

    def _show_content(self, gen: StoredGeneration, previous: StoredGeneration | None) -> None:
        path = main_file(gen)
        played = tab_task(gen.task) in (Task.TEXT_TO_VIDEO.value, Task.TEXT_TO_SPEECH.value)
        if not played:
            self.player.clear()
        if (
            tab_task(gen.task) == Task.TEXT_TO_IMAGE.value
            and path
            and gen.status == Status.COMPLETE
        ):
            if previous is None or previous.id != gen.id:
                self._note("Loading…")
        elif played and path and gen.status == Status.COMPLETE:  # a video, or a reading
            if self.player.path != path:
                self.player.load(path)
            self.stack.setCurrentWidget(self.player)
        elif conversation_of(gen) is not None:
            first = gen.text or ""
            asked = f"It starts with: “{first}”\n\n" if first else ""
            self._note(f"{asked}Open it in the Chat tab to read it all or carry on.")
        elif readable_text(gen):
            self.text.setPlainText(readable_text(gen))
            self.stack.setCurrentWidget(self.text)
        elif gen.status == Status.RUNNING:
            self._note("Still being made — its progress is in the Video tab.")
        else:
            self._note(gen.error or "Nothing to show for this item.")

    def _note(self, text: str) -> None:
        self.player.clear()
        self.note.setText(text)
        self.stack.setCurrentWidget(self.note)

    def _set_fact(self, label: QLabel, text: str) -> None:
        label.setText(text)
        visible = bool(text)
        label.setVisible(visible)
        self._fact_labels[label].setVisible(visible)
