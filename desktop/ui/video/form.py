"""The video settings: prompt, what to leave out, length in seconds, steps, guidance, seed.

Why so few knobs: a video costs minutes and money, so the defaults ("Model default") are the
provider's tuned ones. People think in seconds, providers take frames: the form asks for
seconds and shows the frames it will send as a detail beside them (16 per second, the rate
of the common open video models, plus the first frame: 5 s is 81 frames).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QWidget

from desktop.core.media_types import VideoRequest
from desktop.ui.widgets.labels import MutedLabel, tip_label
from desktop.ui.widgets.param_fields import (
    MODEL_DEFAULT,
    MediaForm,
    apply_creative,
    whole_number,
)
from desktop.ui.widgets.start_picture import StartPictureField
from desktop.ui.widgets.styles_field import StylesField

FRAMES_PER_SECOND = 16
FRAMES_TIP = (
    "How long the video is. Longer videos take longer and cost more. The model receives it "
    "as a number of frames (16 per second, shown beside it)."
)


def frames_for(seconds: float) -> int | None:
    """``5.0`` → ``81`` frames; 0 (the model's own length) → None."""
    return round(seconds * FRAMES_PER_SECOND) + 1 if seconds > 0 else None


def seconds_for(frames: int | None) -> float:
    """``81`` → ``5.0`` seconds (to half a second); None → 0 (the model's own length)."""
    if not frames:
        return 0.0
    return round(max(0, frames - 1) / FRAMES_PER_SECOND * 2) / 2


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
        self.length = QDoubleSpinBox(self)
        self.length.setRange(0, 60)
        self.length.setSingleStep(0.5)
        self.length.setDecimals(1)
        self.length.setSuffix(" s")
        self.length.setSpecialValueText(MODEL_DEFAULT)
        self.length.setToolTip(FRAMES_TIP)
        self.length.setAccessibleName("Length in seconds")
        self.frames_note = MutedLabel("", self)
        self.length.valueChanged.connect(self._show_frames)
        holder = QWidget(self)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.length, 1)
        row.addWidget(self.frames_note)
        self.rows.addRow(tip_label("Length", FRAMES_TIP, self), holder)
        self._frames: int | None = None
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

    def num_frames(self) -> int | None:
        """What the provider is sent: the stored frame count when reused unchanged, else the
        frames for the seconds asked."""
        if self._frames is not None and seconds_for(self._frames) == self.length.value():
            return self._frames
        return frames_for(self.length.value())

    def _show_frames(self, _value: float = 0.0) -> None:
        frames = self.num_frames()
        self.frames_note.setText(f"{frames} frames" if frames else "")

    def request(self, model: str, provider: str) -> VideoRequest:
        return VideoRequest(
            model=model,
            prompt=self.prompt.text(),
            negative_prompt=self.negative.text().strip() or None,
            num_frames=self.num_frames(),
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
        frames = whole_number(params.get("num_frames"))
        self._frames = frames
        self.length.setValue(seconds_for(frames))
        self._show_frames()
        self.seed.set_value(whole_number(params.get("seed")))
        apply_creative(params, self.start, self.styles)
