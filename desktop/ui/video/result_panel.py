"""The chosen video, playing inline, with what made it and what one can do with it.

Why inline (DESIGN §1a, "the result is the star"): a video one has to open elsewhere to see
is a file, not a result. A video still being made, failed or cancelled says so in the same
place the video would be, in one sentence.
"""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from desktop.core.vocab import Status
from desktop.store.history import StoredGeneration
from desktop.ui.widgets.generation_text import model_name, params_summary, when
from desktop.ui.widgets.result_parts import (
    action_button,
    add_actions_row,
    add_result_text,
    clear_result_text,
    note_label,
)
from desktop.ui.widgets.video_player import VideoPlayer

EMPTY_TEXT = "Your videos play here. Describe one on the left and press “Make video”."


def video_path(gen: StoredGeneration) -> str | None:
    return next((str(f["path"]) for f in gen.files if f.get("path")), None)


class VideoResultPanel(QWidget):
    """Player (or a sentence), prompt, settings, badge, Save as…, Reuse settings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._gen: StoredGeneration | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.stack = QStackedWidget(self)
        self.note = note_label(EMPTY_TEXT, self.stack)
        self.player = VideoPlayer(self.stack)
        self.stack.addWidget(self.note)
        self.stack.addWidget(self.player)
        column.addWidget(self.stack, 1)
        self.prompt, self.caption, self.badge = add_result_text(column, self)
        self.save_button = action_button("Save as…", "Save a copy of the video", self)
        self.reuse_button = action_button(
            "Reuse settings", "Put this video's prompt and settings in the form", self
        )
        add_actions_row(column, [self.save_button], [self.reuse_button])
        self.show_generation(None)

    @property
    def generation(self) -> StoredGeneration | None:
        return self._gen

    def show_generation(self, gen: StoredGeneration | None) -> None:
        """Show ``gen`` (loading its video when it has one)."""
        same_file = (
            gen is not None
            and self._gen is not None
            and gen.id == self._gen.id
            and video_path(gen) == self.player.path
        )
        self._gen = gen
        path = video_path(gen) if gen is not None else None
        playable = gen is not None and gen.status == Status.COMPLETE and path is not None
        self.save_button.setEnabled(playable)
        self.reuse_button.setEnabled(gen is not None)
        if gen is None:
            self._show_note(EMPTY_TEXT)
            clear_result_text(self.prompt, self.caption, self.badge)
            return
        if playable and path is not None:
            if not same_file:
                self.player.load(path)
            self.stack.setCurrentWidget(self.player)
        elif gen.status == Status.RUNNING:
            self._show_note("Still being made — its progress is on the left.")
        else:
            self._show_note(gen.error or "This video was not made.")
        self.prompt.set_full_text(gen.prompt)
        parts = [model_name(gen.model), params_summary(gen.task, gen.params), when(gen.created_at)]
        self.caption.setText(" · ".join(p for p in parts if p))
        self.badge.set_stored(gen)

    def _show_note(self, text: str) -> None:
        self.player.clear()
        self.note.setText(text)
        self.stack.setCurrentWidget(self.note)
