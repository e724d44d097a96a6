"""Generation settings every media form shares: steps, guidance and the seed.

Why shared: pictures and videos take the same three knobs, and people should meet the same
words and the same hover explanations in both tabs. "Model default" (the spin box at 0)
means the setting is left out of the request, so the provider's own default applies.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QLineEdit, QSpinBox, QWidget

from desktop.engine.images import SEED_RANGE

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
