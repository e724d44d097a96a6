"""Choosing the model and who serves it.

Why an editable model box: the Hub has far more chat models than any list we could ship, so
any model id can be typed; the list only offers the default, recent ones and those whose
provider mapping is cached. The provider box speaks in plain words ("Auto — your order",
"Fastest") and lists only providers that are switched on and can chat.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from desktop.providers.table import PROVIDERS, Task, provider_label
from desktop.store.settings import Settings

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


class ModelPicker(QComboBox):
    """An editable box: type any Hugging Face model id, or pick a known one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(28)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            "Type any Hugging Face model id (for example meta-llama/Llama-3.1-8B-Instruct) "
            "or pick a recent one."
        )
        self.setAccessibleName("Model")
        completer = self.completer()
        if completer is not None:  # always set on an editable box; the stubs allow None
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line = self.lineEdit()
        if line is not None:
            line.setPlaceholderText("Model id, e.g. meta-llama/Llama-3.1-8B-Instruct")
            line.setClearButtonEnabled(True)

    def set_models(self, models: Iterable[str]) -> None:
        """Offer ``models`` (duplicates dropped, order kept) without changing the text."""
        current = self.current_model()
        self.blockSignals(True)
        self.clear()
        seen: set[str] = set()
        for model in models:
            if model and model not in seen:
                seen.add(model)
                self.addItem(model)
        self.setEditText(current)
        self.blockSignals(False)

    def current_model(self) -> str:
        return self.currentText().strip()

    def set_current_model(self, model: str) -> None:
        index = self.findText(model)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(model)


class ProviderPicker(QComboBox):
    """Routing policies first, then each enabled chat provider and custom server by name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setToolTip("Who answers: a routing choice, or one provider only")
        self.setAccessibleName("Provider")

    def refresh(self, settings: Settings, keep: str | None = None) -> None:
        """Rebuild the list from the settings, keeping ``keep`` (or the current choice)."""
        wanted = keep if keep is not None else self.current_policy()
        self.blockSignals(True)
        self.clear()
        for policy, label, tip in POLICY_CHOICES:
            self.addItem(label, policy)
            self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        providers = chat_providers(settings)
        if providers:
            self.insertSeparator(self.count())
        for pid in providers:
            custom = settings.custom(pid) is not None
            label = f"{pid} (your server)" if custom else f"Only {provider_label(pid)}"
            self.addItem(label, pid)
        self.blockSignals(False)
        self.set_policy(wanted or "auto")

    def current_policy(self) -> str:
        data = self.currentData()
        return data if isinstance(data, str) else "auto"

    def set_policy(self, policy: str) -> bool:
        """Select ``policy``; False (and Auto selected) when it is not offered any more."""
        index = self.findData(policy)
        self.setCurrentIndex(index if index >= 0 else 0)
        return index >= 0
