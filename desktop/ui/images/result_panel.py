"""The chosen picture, large, with what made it and everything one can do with it.

Why this is the biggest part of the tab (DESIGN §1a, "the result is the star"): the picture
is shown as large as the panel allows; under it, the prompt and the settings in plain words,
who made it (the routing badge with its trace), and the actions — open large, save, copy,
reuse the settings, the same settings with a new seed, the same prompt on another provider.
The panel only shows and asks; the page does the work.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from desktop.ui.images.gallery import Picture
from desktop.ui.widgets.generation_text import when
from desktop.ui.widgets.image_view import ImagePreview
from desktop.ui.widgets.result_parts import (
    action_button,
    add_actions_row,
    add_result_text,
    clear_result_text,
)

EMPTY_TEXT = "Your pictures appear here. Describe one on the left and press “Make image”."


class ResultPanel(QWidget):
    """Preview, prompt, caption, badge, actions.

    Attributes:
        open_button, save_button, copy_button, reuse_button, new_seed_button,
        other_provider_button: the actions (the page connects them).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture: Picture | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.preview = ImagePreview(self)
        self.preview.set_text(EMPTY_TEXT)
        column.addWidget(self.preview, 1)
        self.prompt, self.caption, self.badge = add_result_text(column, self)

        self.open_button = action_button("Open large", "Show the picture in its own window", self)
        self.save_button = action_button("Save as…", "Save a copy of the picture", self)
        self.copy_button = action_button("Copy", "Copy the picture to paste it elsewhere", self)
        self.reuse_button = action_button(
            "Reuse settings", "Put this picture's prompt and settings in the form", self
        )
        self.new_seed_button = action_button(
            "New seed", "Make it again with the same settings and a new random seed", self
        )
        self.other_provider_button = action_button(
            "Other provider", "Make the same prompt on another provider", self
        )
        self.use_button = action_button(
            "Use this picture", "Start a change from this picture (it goes in “Start from”)", self
        )
        self.animate_button = action_button(
            "Animate it", "Start a video from this picture in the Video tab", self
        )
        add_actions_row(
            column,
            [self.open_button, self.save_button, self.copy_button, self.use_button],
            [
                self.reuse_button,
                self.new_seed_button,
                self.other_provider_button,
                self.animate_button,
            ],
        )
        self.show_picture(None)

    # --- Public API -----------------------------------------------------------------------

    @property
    def picture(self) -> Picture | None:
        return self._picture

    def show_picture(self, picture: Picture | None) -> None:
        """Show what made ``picture``; its pixels follow with :meth:`set_image`."""
        self._picture = picture
        has = picture is not None
        for button in self.buttons():
            button.setEnabled(has)
        if picture is None:
            self.preview.set_text(EMPTY_TEXT)
            clear_result_text(self.prompt, self.caption, self.badge)
            return
        self.preview.set_text("Loading…")
        self.prompt.set_full_text(picture.prompt)
        self.caption.setText(f"{picture.caption()} · {when(picture.created_at)}")
        providers = [picture.provider] if picture.provider else None
        self.badge.set_trace(picture.trace, duration_ms=picture.duration_ms, providers=providers)

    def set_image(self, image: QImage | None, path: str, full_size: QSize | None = None) -> None:
        """Show the picture's pixels (``full_size``: the whole picture's, when ``image`` is
        decoded smaller), or say the file is missing."""
        if image is None:
            self.preview.set_text("This picture's file is missing or damaged.")
            for button in (
                self.open_button,
                self.save_button,
                self.copy_button,
                self.use_button,
                self.animate_button,
            ):
                button.setEnabled(False)
            return
        self.preview.set_image(image, path, full_size)

    def set_busy(self, busy: bool) -> None:
        """While pictures are being made, the actions that would make more wait."""
        has = self._picture is not None
        for button in (self.new_seed_button, self.other_provider_button):
            button.setEnabled(has and not busy)

    def buttons(self) -> list[QPushButton]:
        return [
            self.open_button,
            self.save_button,
            self.copy_button,
            self.reuse_button,
            self.new_seed_button,
            self.other_provider_button,
            self.use_button,
            self.animate_button,
        ]
