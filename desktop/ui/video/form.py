"""The video settings: prompt, what to leave out, length in frames, steps, guidance, seed.

Why so few knobs: a video costs minutes and money, so the defaults ("Model default") are the
provider's tuned ones; the length is in frames because that is what every provider takes,
with the rough duration said on hover.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QSpinBox, QWidget

from desktop.core.media_types import VideoRequest
from desktop.ui.widgets.labels import bold_label, tip_label
from desktop.ui.widgets.param_fields import (
    GUIDANCE_TIP,
    MODEL_DEFAULT,
    SEED_TIP,
    STEPS_TIP,
    SeedField,
    guidance_box,
    guidance_of,
    negative_field,
    steps_box,
)
from desktop.ui.widgets.prompt_box import PromptBox

FRAMES_TIP = (
    "How long the video is, in pictures. Most models make 16–24 per second: 81 frames is "
    "about 5 seconds. Longer videos take longer and cost more."
)
NEGATIVE_TIP = "Things the video should not show, e.g. “blur, text, flicker”."


class VideoForm(QWidget):
    """The left column of the Video tab. Signals:
    submitted(): Ctrl+Enter in the prompt.
    """

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(8)
        form.addRow(bold_label("Describe the video", self))
        self.prompt = PromptBox("A red fox running through fresh snow, slow motion", self)
        self.prompt.setAccessibleName("Describe the video")
        self.prompt.submitted.connect(self.submitted)
        form.addRow(self.prompt)
        self.negative = negative_field(self, "Optional, e.g. blur, text", NEGATIVE_TIP)
        form.addRow(tip_label("Leave out", NEGATIVE_TIP, self), self.negative)
        self.frames = QSpinBox(self)
        self.frames.setRange(0, 1000)
        self.frames.setSpecialValueText(MODEL_DEFAULT)
        self.frames.setToolTip(FRAMES_TIP)
        self.frames.setAccessibleName("Frames")
        form.addRow(tip_label("Frames", FRAMES_TIP, self), self.frames)
        self.steps = steps_box(self)
        form.addRow(tip_label("Steps", STEPS_TIP, self), self.steps)
        self.guidance = guidance_box(self)
        form.addRow(tip_label("Guidance", GUIDANCE_TIP, self), self.guidance)
        self.seed = SeedField(self)
        form.addRow(tip_label("Seed", SEED_TIP, self), self.seed)

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
        )

    def apply(self, params: dict[str, Any]) -> None:
        """Fill the form from a stored video's ``params`` ("Reuse settings")."""
        self.prompt.setPlainText(str(params.get("prompt") or ""))
        self.negative.setText(str(params.get("negative_prompt") or ""))
        self.frames.setValue(_whole(params.get("num_frames")))
        self.steps.setValue(_whole(params.get("steps")))
        self.guidance.setValue(guidance_of(params))
        seed = params.get("seed")
        self.seed.set_value(seed if isinstance(seed, int) and not isinstance(seed, bool) else None)


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
