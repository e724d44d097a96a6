"""Choosing the model and who serves it.

Why an editable model box: the Hub has far more chat models than any list we could ship, so
any model id can be typed; the list only offers the default, recent ones and those whose
provider mapping is cached. The provider box speaks in plain words ("Auto — your order",
"Fastest") and lists only providers that are switched on and can chat.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QWidget

from desktop.core.table import PROVIDERS, Task
from desktop.store.settings import Settings
from desktop.ui.widgets.task_pickers import ModelBox, PolicyBox

POLICY_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("auto", "Auto — your order", "Try providers in the order set on the Providers page"),
    ("fastest", "Fastest", "Prefer the provider that answered fastest lately"),
    ("cheapest", "Cheapest", "Prefer the lowest published price"),
    ("hf-auto", "Let Hugging Face choose", "Send through the HF router and let it pick"),
)


def chat_providers(settings: Settings) -> list[str]:
    """Enabled providers that can chat, in the user's order (custom servers included)."""
    result = []
    for pid in settings.ordered_providers():
        if not settings.is_enabled(pid):
            continue
        spec = PROVIDERS.get(pid)
        if spec is None or Task.CHAT in spec.tasks:
            result.append(pid)
    return result


class ModelPicker(ModelBox):
    """An editable box: type any Hugging Face model id, or pick a known one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            min_length=22,  # room for the title and the provider at 1024 pixels
            tooltip="Type any Hugging Face model id (for example "
            "meta-llama/Llama-3.1-8B-Instruct) or pick a recent one.",
            placeholder="Model id, e.g. meta-llama/Llama-3.1-8B-Instruct",
        )

    def set_models(self, models: Iterable[str]) -> None:
        """Offer ``models`` (duplicates dropped, order kept) without changing the text."""
        current = self.current_model()
        self.blockSignals(True)
        self.offer(models)
        self.setEditText(current)
        self.blockSignals(False)


class ProviderPicker(PolicyBox):
    """Routing policies first, then each enabled chat provider and custom server by name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setToolTip("Who answers: a routing choice, or one provider only")
        self.setAccessibleName("Provider")
        self.currentIndexChanged.connect(lambda _index: self.updateGeometry())

    def minimumSizeHint(self) -> QSize:
        """Never narrower than the choice shown: "Auto — your order" was cut to "Auto — y"
        in a 1024-pixel window (the longest choice may still need the drop-down)."""
        hint = super().minimumSizeHint()
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        text = self.fontMetrics().horizontalAdvance(self.currentText()) + 8
        size = self.style().sizeFromContents(
            QStyle.ContentsType.CT_ComboBox, option, QSize(text, hint.height()), self
        )
        return QSize(max(hint.width(), size.width()), hint.height())

    def refresh(self, settings: Settings, keep: str | None = None) -> None:
        """Rebuild the list from the settings, keeping ``keep`` (or the current choice)."""
        self.fill(settings, POLICY_CHOICES, chat_providers(settings), keep)
