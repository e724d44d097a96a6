"""What ties one tab's model box to the model directory.

Why one small object per tab: every tab (Chat included) needs the same three things around its
model box — type-ahead from what is known, a "Browse…" button (and Ctrl+K) that opens the
browser on the tab's task, and a look at the model before sending ("This is a chat model;
pick an image model") — while each page keeps its own layout and its own send code. The
page creates the link, places :attr:`ModelLink.button` next to the box and asks
:meth:`ModelLink.allows` before sending; nothing else changes in the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QCompleter, QPushButton

from desktop.core.table import Task
from desktop.services import Services
from desktop.ui.models import words
from desktop.ui.tasks import TaskScope, run_dialog
from desktop.ui.widgets.message_bar import ERROR, MessageBar
from desktop.ui.widgets.task_pickers import ModelBox, PolicyBox, task_providers

if TYPE_CHECKING:
    from desktop.engine.model_directory import ModelInfo, ModelWarning, TaskName
    from desktop.ui.models.browser import Choice, ModelBrowser

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole + 30
COMPLETIONS = 12
"""Type-ahead suggestions shown at most."""
POPUP_MIN_WIDTH = 440

Index = QModelIndex | QPersistentModelIndex


def as_task_name(task: Task | str) -> TaskName:
    """The directory's task for a tab: ``"image"`` stays, ``Task.TEXT_TO_IMAGE`` → ``"image"``."""
    for name in words.TASK_TITLES:
        if task == name:
            return name
    return words.task_name(task)


class SuggestionModel(QAbstractListModel):
    """The type-ahead list: "Readable name — author · id" shown, the id inserted."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._models: list[ModelInfo] = []

    def set_models(self, models: Sequence[ModelInfo]) -> None:
        self.beginResetModel()
        self._models = list(models)
        self.endResetModel()

    def ids(self) -> list[str]:
        return [m.id for m in self._models]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._models)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._models):
            return None
        model = self._models[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            summary = f" — {model.summary}" if model.summary else ""
            return f"{model.name}{summary}   ({model.id})"
        if role in (Qt.ItemDataRole.EditRole, ID_ROLE):
            return model.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return words.providers_line(model.offers)
        return None


class ModelCompleter(QCompleter):
    """Shows the directory's own matches unfiltered (it matches names, ids and makers) and
    puts the id in the box."""

    def pathFromIndex(self, index: Index) -> str:
        value = index.data(ID_ROLE)
        return str(value) if value is not None else super().pathFromIndex(index)

    def splitPath(self, path: str) -> list[str]:
        return [path]


class ModelLink(QObject):
    """Type-ahead, the Browse button and the check before sending, for one tab's model box.

    Attributes:
        button: "Browse…", for the page to place next to the box.
        browser: the browser while it is open (tests drive it).
    """

    def __init__(
        self,
        services: Services,
        task: Task | TaskName,
        box: ModelBox,
        policy_box: PolicyBox | None = None,
        *,
        again: str = "Run again",
    ) -> None:
        super().__init__(box)
        self.services = services
        self.task: TaskName = as_task_name(task)
        self.box = box
        self.policy_box = policy_box
        self.again = again
        self.scope = TaskScope(f"models-{self.task}")
        self.browser: ModelBrowser | None = None
        self._warned: tuple[str, str] | None = None
        self.warning_bar: MessageBar | None = None
        """The bar the last warning went to (its links pick a close match)."""
        box.link = self

        parent = box.parentWidget()
        self.button = QPushButton("Browse…", parent)
        self.button.setAutoDefault(False)
        self.button.setToolTip(
            f"Find {words.TASK_NOUNS[self.task]} by what they do and who serves them (Ctrl+K)"
        )
        self.button.setAccessibleName("Browse models")
        self.button.clicked.connect(lambda: self.browse())

        # The model is the completer's child, so it can never be deleted before the completer
        # that reads it (a dangling model crashed Qt when the window was destroyed).
        self.completer = ModelCompleter(box)
        self.suggestions = SuggestionModel(self.completer)
        self.completer.setModel(self.suggestions)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(COMPLETIONS)
        popup = self.completer.popup()
        if popup is not None:  # names and what they are good at need more than a narrow box
            popup.setMinimumWidth(POPUP_MIN_WIDTH)
        line = box.lineEdit()
        if line is not None:
            # On the line edit, not the combo box: the box would look the shown text up among
            # its own items and clear the field when it is not one of them.
            line.setCompleter(self.completer)
            line.textEdited.connect(self._on_text_edited)
        # Also when the box lost focus meanwhile (the line edit only listens while focused).
        self.completer.activated[str].connect(self._on_completed)  # type: ignore[index]

    # --- Type-ahead -----------------------------------------------------------------------

    def _on_text_edited(self, text: str) -> None:
        """Offer what the directory knows for ``text`` (memory only: instant)."""
        text = text.strip()
        if len(text) < 2:
            self.suggestions.set_models([])
            popup = self.completer.popup()
            if popup is not None:
                popup.hide()
            return
        try:
            page = self.services.models.cached(self.task, text)
        except Exception:  # type-ahead is a convenience; typing must keep working
            log.exception("Could not read the cached models")
            return
        self.suggestions.set_models(page.models[:COMPLETIONS])
        if page.models:
            self.completer.setCompletionPrefix(text)
            self.completer.complete()

    def _on_completed(self, model_id: str) -> None:
        self.box.set_current_model(model_id)
        self._warned = None

    # --- Browsing -------------------------------------------------------------------------

    def browse(
        self, task: TaskName | None = None, *, text: str = "", reads_images: bool = False
    ) -> None:
        """Open the browser on ``task`` (default: this tab's); the pick fills the box."""
        if self.browser is not None:
            self.browser.raise_()
            self.browser.activateWindow()
            return
        self.scope.spawn(self._browse(task or self.task, text, reads_images), slot="browse")

    async def _browse(self, task: TaskName, text: str, reads_images: bool) -> None:
        from desktop.ui.models.browser import ModelBrowser  # its engine types: on first use

        settings = self.services.settings
        browser = ModelBrowser(
            self.services,
            task,
            self.box.window(),
            text=text,
            reads_images=reads_images,
            providers=lambda name: task_providers(settings, words.TAB_OF_TASK[name]),
        )
        self.browser = browser
        try:
            await run_dialog(browser)
        finally:
            self.browser = None
            await browser.aclose()
            browser.deleteLater()
        if browser.choice is not None:
            self.use(browser.choice)

    def use(self, choice: Choice) -> None:
        """Put the chosen model in the box (and its provider in the provider box)."""
        self.box.set_current_model(choice.model_id)
        self._warned = None
        if self.policy_box is not None:
            remembered = self.services.models.provider_policy(choice.model_id)
            wanted = choice.provider or remembered
            if wanted:
                self.policy_box.set_policy(wanted)
        self.box.setFocus()

    # --- Before sending -------------------------------------------------------------------

    def allows(self, model: str, bar: MessageBar, *, has_image: bool = False) -> bool:
        """True when ``model`` may be sent; otherwise the warning is shown in ``bar``.

        A warning is said once: sending the same model again goes ahead (what is known may
        be incomplete, and the user has been told)."""
        try:
            warning = self.services.models.check(model, self.task, has_image=has_image)
        except Exception:  # a check must never stop a request
            log.exception("Could not check the model")
            warning = None
        if warning is None or self._warned == (model, warning.kind):
            self._note_used(model)
            return True
        self._warned = (model, warning.kind)
        self.show_warning(warning, bar)
        return False

    def show_warning(self, warning: ModelWarning, bar: MessageBar) -> None:
        """One plain sentence; a button per close match of an unknown id, and one to browse."""
        text = warning.message + f" ({self.again} to use it anyway.)"
        choices: list[tuple[str, Callable[[], None]]] = []
        if warning.kind == "unknown":
            for suggestion in warning.suggestions[:3]:
                choices.append((suggestion, partial(self._on_suggestion, suggestion)))
        if warning.kind == "no-vision":
            choices.append(
                ("Browse models that read images", partial(self.browse, "chat", reads_images=True))
            )
        else:
            choices.append(
                (f"Browse {words.TASK_NOUNS[self.task]}", partial(self.browse, self.task))
            )
        self.warning_bar = bar
        bar.show_choices(text, choices, kind=ERROR)

    def _on_suggestion(self, model_id: str) -> None:
        if self.warning_bar is not None:
            self.warning_bar.clear()
        self.box.set_current_model(model_id)
        self._warned = None
        self.box.setFocus()

    def _note_used(self, model: str) -> None:
        policy = self.policy_box.current_policy() if self.policy_box is not None else "auto"
        try:
            self.services.models.note_used(self.task, model, policy)
        except Exception:  # forgetting a recent model must never stop a request
            log.exception("Could not note the model as used")

    async def aclose(self) -> None:
        await self.scope.aclose()


def link_allows(box: ModelBox, model: str, bar: MessageBar, attachments: Sequence[object]) -> bool:
    """:meth:`ModelLink.allows` for a box that may not be linked (then: always allowed)."""
    link = box.link
    return link is None or link.allows(model, bar, has_image=bool(attachments))
