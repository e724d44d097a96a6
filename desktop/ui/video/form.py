"""The video settings: prompt, what to leave out, length in frames, steps, guidance, seed.

Why so few knobs: a video costs minutes and money, so the defaults ("Model default") are the
provider's tuned ones; the length is in frames because that is what every provider takes,
with the rough duration said on hover.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QSpinBox, QWidget

from desktop.core.media_types import VideoRequest
from desktop.ui.widgets.labels import tip_label
from desktop.ui.widgets.param_fields import (
    MODEL_DEFAULT,
    MediaForm,
    apply_creative,
    whole_number,
)
from desktop.ui.widgets.start_picture import StartPictureField
from desktop.ui.widgets.styles_field import StylesField

FRAMES_TIP = (
    "How long the video is, in pictures. Most models make 16–24 per second: 81 frames is "
    "about 5 seconds. Longer videos take longer and cost more."
)
NEGATIVE_TIP = "Things the video should not show, e.g. “blur, text, flicker”."


class VideoForm(MediaForm):
    """The left column of the Video tab (signals and shared rows: :class:`MediaForm`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Describe the video",
            "A red fox running through fresh snow, slow motion",
            leave_out_example="Optional, e.g. blur, text",
            leave_out_tip=NEGATIVE_TIP,
            parent=parent,
        )
        self.frames = QSpinBox(self)
        self.frames.setRange(0, 1000)
        self.frames.setSpecialValueText(MODEL_DEFAULT)
        self.frames.setToolTip(FRAMES_TIP)
        self.frames.setAccessibleName("Frames")
        self.rows.addRow(tip_label("Frames", FRAMES_TIP, self), self.frames)
        self.add_tuning_rows()
        self.start: StartPictureField | None = None
        self.styles: StylesField | None = None

    def add_start_and_styles(self, start: StartPictureField, styles: StylesField) -> None:
        """The rows that animate a picture and give the video a style."""
        self.start, self.styles = start, styles
        self.add_creative_rows(start, styles)

    def use_picture(self, path: str) -> None:
        """ "Animate this picture": start the next video from ``path``."""
        if self.start is not None:
            self.start.set_path(path)

    def request(self, model: str, provider: str) -> VideoRequest:
        return VideoRequest(
            model=model,
            prompt=self.prompt.text(),
            negative_prompt=self.negative.text().strip() or None,
            num_frames=self.frames.value() or None,
            steps=self.steps.value() or None,
            guidance=self.guidance.value() or None,
            seed=self.seed.value(),
            provider=provider,
            source_path=self.start.path() if self.start is not None else None,
            loras=self.styles.choices() if self.styles is not None else [],
        )

    def apply(self, params: dict[str, Any]) -> None:
        """Fill the form from a stored video's ``params`` ("Reuse settings")."""
        self.apply_shared(params)
        self.frames.setValue(whole_number(params.get("num_frames")) or 0)
        self.seed.set_value(whole_number(params.get("seed")))
        apply_creative(params, self.start, self.styles)
