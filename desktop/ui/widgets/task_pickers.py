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
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from desktop.core.table import PROVIDERS, Task, provider_label
from desktop.services import Services
from desktop.store.settings import Settings

if TYPE_CHECKING:
    from desktop.ui.models.link import ModelLink

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
    Task.TEXT_TO_SPEECH.value: (
        "hexgrad/Kokoro-82M",
        "canopylabs/orpheus-3b-0.1-ft",
        "ResembleAI/chatterbox",
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


class ModelBox(QComboBox):
    """An editable model box: type any Hugging Face model id, or pick one offered (the Chat
    tab's model box is one too)."""

    def __init__(
        self, parent: QWidget | None, *, min_length: int, tooltip: str, placeholder: str
    ) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(min_length)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(tooltip)
        self.setAccessibleName("Model")
        self.link: ModelLink | None = None
        """Type-ahead, browser and checks from the model directory, once a page links it."""
        completer = self.completer()
        if completer is not None:  # always set on an editable box; the stubs allow None
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line = self.lineEdit()
        if line is not None:
            line.setPlaceholderText(placeholder)
            line.setClearButtonEnabled(True)

    def offer(self, models: Iterable[str]) -> None:
        """Replace the list with ``models`` (empty ones and repeats dropped, order kept)."""
        self.clear()
        seen: set[str] = set()
        for model in models:
            if model and model not in seen:
                seen.add(model)
                self.addItem(model)

    def current_model(self) -> str:
        return self.currentText().strip()

    def set_current_model(self, model: str) -> None:
        index = self.findText(model)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(model)


class TaskModelPicker(ModelBox):
    """An editable model box for one task; :meth:`remember` keeps the choice per task in
    ``settings.default_models``."""

    def __init__(self, services: Services, task: Task | str, parent: QWidget | None = None) -> None:
        known = WELL_KNOWN_MODELS.get(Task(task).value, ())
        example = known[0] if known else "owner/model"
        super().__init__(
            parent,
            min_length=22,
            tooltip=f"Type any Hugging Face model id (for example {example}) or pick one from "
            "the list.",
            placeholder=f"Model id, e.g. {example}",
        )
        self.services = services
        self.task = Task(task)
        self.refresh()

    def well_known(self) -> tuple[str, ...]:
        return WELL_KNOWN_MODELS.get(self.task.value, ())

    def refresh(self) -> None:
        """Offer the remembered, cached and well-known models; keep what is typed."""
        settings = self.services.settings
        remembered = settings.default_models.get(self.task.value, "")
        try:
            cached = self.services.cached_models(self.task.value)
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
        self.offer([remembered, *cached, *custom, *self.well_known()])
        self.blockSignals(False)
        self.set_current_model(typed or fallback)

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


class PolicyBox(QComboBox):
    """A provider box: routing choices first, then single providers by name (the Chat tab's
    box is one too, with its own choices)."""

    def add_choices(self, choices: Sequence[tuple[str, str, str]]) -> None:
        for policy, label, tip in choices:
            self.addItem(label, policy)
            self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)

    def fill(
        self,
        settings: Settings,
        choices: Sequence[tuple[str, str, str]],
        providers: Sequence[str],
        keep: str | None = None,
    ) -> None:
        """Rebuild from ``choices`` and ``providers``, keeping ``keep`` (or the current
        choice) if it is still offered."""
        wanted = keep if keep is not None else self.current_policy()
        self.blockSignals(True)
        self.clear()
        self.add_choices(choices)
        if providers:
            self.insertSeparator(self.count())
        for pid in providers:
            if settings.custom(pid) is not None:
                self.addItem(f"{pid} (your server)", pid)
            else:
                self.addItem(f"Only {provider_label(pid)}", pid)
        self.blockSignals(False)
        self.set_policy(wanted or "auto")

    def current_policy(self) -> str:
        data = self.currentData()
        return data if isinstance(data, str) else "auto"

    def set_policy(self, policy: str) -> bool:
        """Select ``policy``; False (and Auto selected) when it is not offered."""
        index = self.findData(policy)
        self.setCurrentIndex(index if index >= 0 else 0)
        return index >= 0


class PolicyPicker(PolicyBox):
    """Routing choices first, then each enabled provider that serves the task."""

    def __init__(self, task: Task | str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = Task(task)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setToolTip("Who makes it: a routing choice, or one provider only")
        self.setAccessibleName("Provider")
        self.add_choices(POLICY_CHOICES)

    def refresh(self, settings: Settings, keep: str | None = None) -> None:
        """Rebuild from the settings, keeping ``keep`` (or the current choice) if offered."""
        self.fill(settings, POLICY_CHOICES, task_providers(settings, self.task), keep)

    def providers(self) -> list[str]:
        """The single providers offered, in list order."""
        policies = {p for p, _, _ in POLICY_CHOICES}
        found = []
        for i in range(self.count()):
            data = self.itemData(i)
            if isinstance(data, str) and data not in policies:
                found.append(data)
        return found
