"""The picture settings: prompt, what to leave out, size, quality, seed and how many.

Why presets first (DESIGN §1a): people who have never heard of "guidance scale" pick
"Square" or "Widescreen", "Fast draft" or "Best quality"; the numbers stay visible and
editable, each with a short explanation on hover, and "Model default" means "leave it to the
provider". The form turns itself into an :class:`ImageRequest` and back from a stored
generation's ``params`` ("Reuse settings").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from desktop.core.media_types import ImageRequest
from desktop.engine.images import MAX_SIDE
from desktop.ui.widgets.labels import tip_label
from desktop.ui.widgets.param_fields import (
    MediaForm,
    apply_creative,
    strength_box,
    whole_number,
)
from desktop.ui.widgets.start_picture import StartPictureField
from desktop.ui.widgets.styles_field import StylesField

MAX_PICTURES = 4


@dataclass(frozen=True)
class SizePreset:
    name: str
    width: int
    height: int

    @property
    def label(self) -> str:
        return f"{self.name} — {self.width} × {self.height}"


SIZE_PRESETS: tuple[SizePreset, ...] = (
    SizePreset("Square", 1024, 1024),
    SizePreset("Portrait", 832, 1216),
    SizePreset("Widescreen", 1344, 768),
)
"""Sizes that FLUX and SDXL-family models are trained around (multiples of 64)."""

CUSTOM = "Custom size"

FAST_DRAFT = "Fast draft"
BEST_QUALITY = "Best quality"

_DISTILLED_HINTS = ("schnell", "turbo", "lightning", "lcm", "hyper")

NEGATIVE_TIP = "Things the picture should not contain, e.g. “text, blur, extra fingers”."


def quality_preset(model: str, preset: str) -> tuple[int | None, float | None]:
    """(steps, guidance) for "Fast draft" / "Best quality" on ``model``.

    Distilled models (FLUX schnell, SDXL Turbo …) are made for very few steps and ignore
    guidance; providers reject large step counts for them, so their presets stay small.
    """
    lowered = model.lower()
    if any(hint in lowered for hint in _DISTILLED_HINTS):
        return (2, None) if preset == FAST_DRAFT else (8, None)
    flux = "flux" in lowered
    if preset == FAST_DRAFT:
        return 12, None
    return 40, 3.5 if flux else 7.0


class ImageForm(MediaForm):
    """The left column of the Images tab (signals and shared rows: :class:`MediaForm`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Describe the picture",
            "A lighthouse on a cliff at dusk, warm light, oil painting",
            leave_out_example="Optional, e.g. text, blur",
            leave_out_tip=NEGATIVE_TIP,
            parent=parent,
        )
        self._model = ""
        form = self.rows
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)

        self.size_preset = QComboBox(self)
        self.size_preset.setAccessibleName("Picture size")
        for preset in SIZE_PRESETS:
            self.size_preset.addItem(preset.label, preset.name)
        self.size_preset.addItem(CUSTOM, CUSTOM)
        self.size_preset.setToolTip("The shape of the picture")
        self.size_preset.currentIndexChanged.connect(self._on_size_preset)
        form.addRow(tip_label("Size", "The shape of the picture", self), self.size_preset)
        self.width_box = self._side_box("Width in pixels")
        self.height_box = self._side_box("Height in pixels")
        sides = QHBoxLayout()
        sides.setSpacing(6)
        sides.addWidget(self.width_box, 1)
        sides.addWidget(QLabel("×", self))
        sides.addWidget(self.height_box, 1)
        form.addRow("", sides)

        self.fast_button = QPushButton(FAST_DRAFT, self)
        self.fast_button.setToolTip("Few steps: a quick look at the idea")
        self.fast_button.clicked.connect(lambda: self.apply_quality(FAST_DRAFT))
        self.best_button = QPushButton(BEST_QUALITY, self)
        self.best_button.setToolTip("More steps: slower, more detail")
        self.best_button.clicked.connect(lambda: self.apply_quality(BEST_QUALITY))
        presets = QHBoxLayout()
        presets.setSpacing(6)
        presets.addWidget(self.fast_button)
        presets.addWidget(self.best_button)
        form.addRow(tip_label("Quality", "Presets for steps and guidance", self), presets)

        self.add_tuning_rows()

        self.count = QSpinBox(self)
        self.count.setRange(1, MAX_PICTURES)
        self.count.setToolTip("How many pictures to make at once (each with the next seed)")
        self.count.setAccessibleName("Number of pictures")
        form.addRow(tip_label("Pictures", "How many pictures to make at once", self), self.count)

        self.width_box.valueChanged.connect(self._on_side_changed)
        self.height_box.valueChanged.connect(self._on_side_changed)
        self._on_size_preset()
        self.start: StartPictureField | None = None
        self.styles: StylesField | None = None
        self.strength = strength_box(self)

    def add_start_and_styles(self, start: StartPictureField, styles: StylesField) -> None:
        """The rows that change a picture and give it a style (made by the page, which owns
        the services they use)."""
        self.start, self.styles = start, styles
        self.add_creative_rows(start, styles, strength=self.strength)
        start.changed.connect(self._on_start_changed)
        self._on_start_changed()

    # --- Public API -----------------------------------------------------------------------

    def set_model(self, model: str) -> None:
        """The model the quality presets are tuned for."""
        self._model = model

    def request(self, model: str, provider: str) -> ImageRequest:
        """The request these settings describe; with a start picture it is a change of that
        picture, which keeps its own size."""
        source = self.start.path() if self.start is not None else None
        return ImageRequest(
            model=model,
            prompt=self.prompt.text(),
            negative_prompt=self.negative.text().strip() or None,
            width=None if source else self.width_box.value(),
            height=None if source else self.height_box.value(),
            steps=self.steps.value() or None,
            guidance=self.guidance.value() or None,
            seed=self.seed.value(),
            count=self.count.value(),
            provider=provider,
            source_path=source,
            strength=(self.strength.value() or None) if source else None,
            loras=self.styles.choices() if self.styles is not None else [],
        )

    def apply(self, params: dict[str, Any], *, seed: int | None = None) -> None:
        """Fill the form from a stored generation's ``params`` ("Reuse settings").

        ``seed`` (the seed of the one picture chosen) wins over the request's first seed; a
        known seed is set as fixed, so the same picture can be made again.
        """
        self.apply_shared(params)
        width, height = whole_number(params.get("width")), whole_number(params.get("height"))
        if width and height:
            self.set_size(width, height)
        chosen = seed if seed is not None else whole_number(params.get("seed"))
        self.set_seed(chosen)
        count = whole_number(params.get("count")) or 1
        self.count.setValue(min(MAX_PICTURES, max(1, count)))
        apply_creative(params, self.start, self.styles)
        strength = params.get("strength")
        self.strength.setValue(float(strength) if isinstance(strength, int | float) else 0.0)

    def use_picture(self, path: str) -> None:
        """ "Use this picture": start the next change from ``path``."""
        if self.start is not None:
            self.start.set_path(path)

    def set_seed(self, seed: int | None) -> None:
        """A fixed seed, or random with None."""
        self.seed.set_value(seed)

    def set_size(self, width: int, height: int) -> None:
        self.width_box.setValue(width)
        self.height_box.setValue(height)
        self._match_preset()

    def apply_quality(self, preset: str) -> None:
        steps, guidance = quality_preset(self._model, preset)
        self.steps.setValue(steps or 0)
        self.guidance.setValue(guidance or 0.0)

    # --- Internals ------------------------------------------------------------------------

    def _on_start_changed(self) -> None:
        changing = self.start is not None and self.start.path() is not None
        self.strength.setEnabled(changing)
        for widget in (self.size_preset, self.width_box, self.height_box):
            widget.setEnabled(not changing)
            widget.setToolTip(
                "A changed picture keeps the start picture's size" if changing else ""
            )

    def _side_box(self, tip: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(64, MAX_SIDE)
        box.setSingleStep(64)
        box.setSuffix(" px")
        box.setToolTip(tip)
        box.setAccessibleName(tip)
        return box

    def _on_size_preset(self) -> None:
        name = self.size_preset.currentData()
        for preset in SIZE_PRESETS:
            if preset.name == name:
                for box, value in (
                    (self.width_box, preset.width),
                    (self.height_box, preset.height),
                ):
                    box.blockSignals(True)
                    box.setValue(value)
                    box.blockSignals(False)

    def _on_side_changed(self) -> None:
        self._match_preset()

    def _match_preset(self) -> None:
        size = (self.width_box.value(), self.height_box.value())
        name = next((p.name for p in SIZE_PRESETS if (p.width, p.height) == size), CUSTOM)
        self.size_preset.blockSignals(True)
        self.size_preset.setCurrentIndex(self.size_preset.findData(name))
        self.size_preset.blockSignals(False)
