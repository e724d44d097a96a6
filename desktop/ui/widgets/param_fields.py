"""What every media form shares: the prompt, "Leave out", steps, guidance and the seed.

Why shared: pictures and videos take the same knobs, and people should meet the same words
and the same hover explanations in both tabs. "Model default" (the spin box at 0) means the
setting is left out of the request, so the provider's own default applies.
:class:`MediaForm` lays the shared rows out; the Images and Video forms add their own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from desktop.core.media_types import LoraChoice
from desktop.engine.images import SEED_RANGE
from desktop.ui.widgets.labels import bold_label, tip_label
from desktop.ui.widgets.prompt_box import PromptBox

MODEL_DEFAULT = "Model default"

STEPS_TIP = (
    "How many times the result is refined. More steps: more detail, but slower. "
    "Fast models (FLUX schnell, SDXL Turbo) need only 1–8."
)
GUIDANCE_TIP = (
    "How closely the result follows your words. Higher: more literal; lower: more "
    "freedom. Most models look best between 3 and 7."
)
SEED_TIP = (
    "The starting noise. The same seed with the same settings makes the same result again; "
    "a random seed makes a new variation each time."
)


def negative_field(parent: QWidget, placeholder: str, tip: str) -> QLineEdit:
    """The optional "Leave out" (negative prompt) line."""
    line = QLineEdit(parent)
    line.setPlaceholderText(placeholder)
    line.setToolTip(tip)
    line.setClearButtonEnabled(True)
    return line


def guidance_of(params: dict[str, Any]) -> float:
    """The stored guidance as the box shows it (0.0, "Model default", when not sent)."""
    guidance = params.get("guidance")
    return float(guidance) if isinstance(guidance, int | float) else 0.0


def steps_box(parent: QWidget, maximum: int = 100) -> QSpinBox:
    """0 shows "Model default" and means "not sent"."""
    box = QSpinBox(parent)
    box.setRange(0, maximum)
    box.setSpecialValueText(MODEL_DEFAULT)
    box.setToolTip(STEPS_TIP)
    box.setAccessibleName("Steps")
    return box


def guidance_box(parent: QWidget) -> QDoubleSpinBox:
    """0.0 shows "Model default" and means "not sent"."""
    box = QDoubleSpinBox(parent)
    box.setRange(0.0, 20.0)
    box.setSingleStep(0.5)
    box.setDecimals(1)
    box.setSpecialValueText(MODEL_DEFAULT)
    box.setToolTip(GUIDANCE_TIP)
    box.setAccessibleName("Guidance")
    return box


class SeedField(QWidget):
    """ "Random" (checked by default) or a fixed seed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self.random = QCheckBox("Random", self)
        self.random.setChecked(True)
        self.random.setToolTip(SEED_TIP)
        self.random.toggled.connect(self._on_random_toggled)
        row.addWidget(self.random)
        self.box = QSpinBox(self)
        self.box.setRange(0, SEED_RANGE - 1)
        self.box.setToolTip(SEED_TIP)
        self.box.setAccessibleName("Seed")
        self.box.setEnabled(False)
        row.addWidget(self.box, 1)

    def value(self) -> int | None:
        """The fixed seed, or None for a random one."""
        return None if self.random.isChecked() else self.box.value()

    def set_value(self, seed: int | None) -> None:
        """A fixed seed, or random with None."""
        self.random.setChecked(seed is None)
        if seed is not None:
            self.box.setValue(seed % SEED_RANGE)

    def _on_random_toggled(self, random: bool) -> None:
        self.box.setEnabled(not random)


def whole_number(value: Any) -> int | None:
    """A stored whole number (``30`` or ``30.0``), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


START_TIP = (
    "A picture to start from: drop one here, paste, pick a file, or use “Use this picture” "
    "on any picture you made. Leave it empty to start from the description alone."
)
STRENGTH_TIP = (
    "How far the result may move away from the start picture: low keeps it close, 1 lets "
    "the description take over. “Model default” leaves it to the model."
)
STYLES_TIP = (
    "Styles (LoRA adapters) from the Hub made for this model. Put a style's trigger word in "
    "the description for it to show."
)


def strength_box(parent: QWidget) -> QDoubleSpinBox:
    """0 reads "Model default"; otherwise 0.05–1."""
    box = QDoubleSpinBox(parent)
    box.setRange(0.0, 1.0)
    box.setSingleStep(0.05)
    box.setDecimals(2)
    box.setSpecialValueText(MODEL_DEFAULT)
    box.setToolTip(STRENGTH_TIP)
    box.setAccessibleName("Strength")
    return box


def apply_creative(params: dict[str, Any], start: Any, styles: Any) -> None:
    """Start picture and styles from a stored generation's ``params`` ("Reuse settings"):
    the library's own copy of the start picture when it kept one."""
    if start is not None:
        source = params.get("source_file") or params.get("source_path")
        start.set_path(str(source) if isinstance(source, str) and source else None)
    if styles is not None:
        kept = params.get("loras")
        choices = []
        for item in kept if isinstance(kept, list) else []:
            repo = item.get("repo") if isinstance(item, dict) else None
            weight = item.get("weight", 1.0) if isinstance(item, dict) else 1.0
            if isinstance(repo, str) and isinstance(weight, int | float):
                choices.append(LoraChoice(repo, float(weight)))
        styles.set_choices(choices)


class MediaForm(QWidget):
    """The rows every media form has, in a form layout the subclass adds its own rows to.

    Opens with "Describe the …" and the prompt, then "Leave out"; :meth:`add_tuning_rows`
    adds steps, guidance and seed where the subclass wants them (made there, so the Tab key
    follows the rows in order). A subclass turns the rows into a request (``request``) and
    fills them back from a stored generation (``apply``, using :meth:`apply_shared`).

    Signals:
        submitted(): Ctrl+Enter in the prompt.

    Attributes:
        rows: the form layout; prompt, negative, steps, guidance, seed: the shared fields.
    """

    submitted = Signal()

    steps: QSpinBox
    guidance: QDoubleSpinBox
    seed: SeedField

    def __init__(
        self,
        what: str,
        example: str,
        *,
        leave_out_example: str,
        leave_out_tip: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(8)
        self.prompt = PromptBox(example, self)
        self.prompt.setAccessibleName(what)
        self.prompt.submitted.connect(self.submitted)
        self.rows.addRow(bold_label(what, self))
        self.rows.addRow(self.prompt)
        self.negative = negative_field(self, leave_out_example, leave_out_tip)
        self.rows.addRow(tip_label("Leave out", leave_out_tip, self), self.negative)

    def request(self, model: str, provider: str) -> Any:
        """The request these settings describe (``ImageRequest``, ``VideoRequest``)."""
        raise TypeError(f"{type(self).__name__} must define request()")

    def add_tuning_rows(self) -> None:
        """Steps, guidance and seed, each with its hover explanation."""
        self.steps = steps_box(self)
        self.rows.addRow(tip_label("Steps", STEPS_TIP, self), self.steps)
        self.guidance = guidance_box(self)
        self.rows.addRow(tip_label("Guidance", GUIDANCE_TIP, self), self.guidance)
        self.seed = SeedField(self)
        self.rows.addRow(tip_label("Seed", SEED_TIP, self), self.seed)

    def add_creative_rows(
        self,
        start: QWidget | None,
        styles: QWidget | None,
        *,
        strength: QWidget | None = None,
    ) -> None:
        """Start picture (and strength) and styles: what turns a description into a change
        of a picture or an animation, and what gives it a look (see :mod:`start_picture`,
        :mod:`styles_field`)."""
        if start is not None:
            self.rows.addRow(tip_label("Start from", START_TIP, self), start)
        if strength is not None:
            self.rows.addRow(tip_label("Strength", STRENGTH_TIP, self), strength)
        if styles is not None:
            self.rows.addRow(tip_label("Styles", STYLES_TIP, self), styles)

    def apply_shared(self, params: dict[str, Any]) -> None:
        """Prompt, "Leave out", steps and guidance from a stored generation's ``params``."""
        self.prompt.setPlainText(str(params.get("prompt") or ""))
        self.negative.setText(str(params.get("negative_prompt") or ""))
        self.steps.setValue(whole_number(params.get("steps")) or 0)
        self.guidance.setValue(guidance_of(params))
