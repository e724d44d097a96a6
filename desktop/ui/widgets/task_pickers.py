"""Model and provider pickers for the task tabs (Images, Video, Speech, Embeddings).

Why editable and task-aware: the Hub has far more models per task than any list we could
ship, so any model id can be typed; the list offers the one last used in this tab, the models
whose provider mapping for this task is cached (so the list works offline), and a few
well-known ones. The provider picker speaks in plain words ("Auto — your order", "Fastest",
"Only fal") and lists only providers that are switched on *and* serve the task
(``PROVIDERS[...].tasks``); custom OpenAI-compatible servers appear where the engine can use
them (chat and embeddings).

Use::

    model = TaskModelPicker(services, Task.TEXT_TO_IMAGE, parent)
    policy = PolicyPicker(Task.TEXT_TO_IMAGE, parent)
    policy.refresh(services.settings)
    ...
    request = ImageRequest(model=model.current_model(), provider=policy.current_policy(), …)
    model.remember()            # the next start preselects it
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from desktop.providers.table import PROVIDERS, Task, provider_label
from desktop.services import Services
from desktop.store.settings import Settings

log = logging.getLogger(__name__)

WELL_KNOWN_MODELS: dict[str, tuple[str, ...]] = {
    Task.TEXT_TO_IMAGE.value: (
        "black-forest-labs/FLUX.1-schnell",
        "black-forest-labs/FLUX.1-dev",
        "stabilityai/stable-diffusion-xl-base-1.0",
    ),
    Task.TEXT_TO_VIDEO.value: (
        "Wan-AI/Wan2.1-T2V-14B",
        "tencent/HunyuanVideo",
        "Lightricks/LTX-Video",
    ),
    Task.SPEECH_TO_TEXT.value: (
        "openai/whisper-large-v3",
        "openai/whisper-large-v3-turbo",
    ),
    Task.EMBEDDINGS.value: (
        "BAAI/bge-small-en-v1.5",
        "intfloat/multilingual-e5-large",
        "sentence-transformers/all-MiniLM-L6-v2",
    ),
}
"""Offered when nothing is cached yet; the first one is preselected on a first start."""

CUSTOM_TASKS = frozenset({Task.CHAT, Task.EMBEDDINGS})
"""Tasks the engine sends to custom OpenAI-compatible servers."""

POLICY_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("auto", "Auto — your order", "Try providers in the order set on the Providers page"),
    ("fastest", "Fastest", "Prefer the provider that delivered fastest lately"),
    ("cheapest", "Cheapest", "Prefer the lowest published price"),
)


def task_providers(settings: Settings, task: Task | str) -> list[str]:
    """Enabled providers that serve ``task``, in the user's order (custom servers too, for
    the tasks they can do)."""
    task = Task(task)
    result = []
    for pid in settings.ordered_providers():
        if not settings.is_enabled(pid):
            continue
        spec = PROVIDERS.get(pid)
        if spec is None:
            if task in CUSTOM_TASKS and settings.custom(pid) is not None:
                result.append(pid)
        elif task in spec.tasks:
            result.append(pid)
    return result


class TaskModelPicker(QComboBox):
    """An editable model box for one task; :meth:`remember` keeps the choice per task in
    ``settings.default_models``."""

    def __init__(
        self, services: Services, task: Task | str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.task = Task(task)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        example = self.well_known()[0] if self.well_known() else "owner/model"
        self.setToolTip(
            f"Type any Hugging Face model id (for example {example}) or pick one from the list."
        )
        self.setAccessibleName("Model")
        completer = self.completer()
        if completer is not None:  # always set on an editable box; the stubs allow None
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line = self.lineEdit()
        if line is not None:
            line.setPlaceholderText(f"Model id, e.g. {example}")
            line.setClearButtonEnabled(True)
        self.refresh()

    def well_known(self) -> tuple[str, ...]:
        return WELL_KNOWN_MODELS.get(self.task.value, ())

    def refresh(self) -> None:
        """Offer the remembered, cached and well-known models; keep what is typed."""
        settings = self.services.settings
        remembered = settings.default_models.get(self.task.value, "")
        try:
            cached = self.services.catalog.cached_models(self.task.value)
        except Exception:  # a damaged cache must not break the tab; the engine rebuilds it
            log.exception("Could not read the cached model list")
            cached = []
        custom: list[str] = []
        if self.task in CUSTOM_TASKS:
            for endpoint in settings.custom_endpoints:
                custom += list(endpoint.models)
        typed = self.current_model()
        fallback = remembered or next(iter(self.well_known()), "")
        self.blockSignals(True)
        self.clear()
        seen: set[str] = set()
        for model in [remembered, *cached, *custom, *self.well_known()]:
            if model and model not in seen:
                seen.add(model)
                self.addItem(model)
        self.blockSignals(False)
        self.set_current_model(typed or fallback)

    def current_model(self) -> str:
        return self.currentText().strip()

    def set_current_model(self, model: str) -> None:
        index = self.findText(model)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(model)

    def remember(self) -> None:
        """Preselect the current model in this tab from now on (saved in the settings)."""
        model = self.current_model()
        settings = self.services.settings
        if not model or settings.default_models.get(self.task.value) == model:
            return
        settings.default_models[self.task.value] = model
        try:
            self.services.save_settings()
        except OSError as exc:  # forgetting a preference must never break a request
            log.warning("Could not save the settings: %s", exc)


class PolicyPicker(QComboBox):
    """Routing choices first, then each enabled provider that serves the task."""

    def __init__(self, task: Task | str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = Task(task)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setToolTip("Who makes it: a routing choice, or one provider only")
        self.setAccessibleName("Provider")
        for policy, label, tip in POLICY_CHOICES:
            self.addItem(label, policy)
            self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)

    def refresh(self, settings: Settings, keep: str | None = None) -> None:
        """Rebuild from the settings, keeping ``keep`` (or the current choice) if offered."""
        wanted = keep if keep is not None else self.current_policy()
        self.blockSignals(True)
        self.clear()
        for policy, label, tip in POLICY_CHOICES:
            self.addItem(label, policy)
            self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        providers = task_providers(settings, self.task)
        if providers:
            self.insertSeparator(self.count())
        for pid in providers:
            if settings.custom(pid) is not None:
                self.addItem(f"{pid} (your server)", pid)
            else:
                self.addItem(f"Only {provider_label(pid)}", pid)
        self.blockSignals(False)
        self.set_policy(wanted or "auto")

    def providers(self) -> list[str]:
        """The single providers offered, in list order."""
        policies = {p for p, _, _ in POLICY_CHOICES}
        found = []
        for i in range(self.count()):
            data = self.itemData(i)
            if isinstance(data, str) and data not in policies:
                found.append(data)
        return found

    def current_policy(self) -> str:
        data = self.currentData()
        return data if isinstance(data, str) else "auto"

    def set_policy(self, policy: str) -> bool:
        """Select ``policy``; False (and Auto selected) when it is not offered."""
        index = self.findData(policy)
        self.setCurrentIndex(index if index >= 0 else 0)
        return index >= 0
