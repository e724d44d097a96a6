"""What the four task tabs (Images, Video, Speech, Embeddings) have and do alike.

:class:`TaskPage` is what every task tab *is*: a task, a :class:`TaskScope`, the model and
provider pickers, a Run button, the one :class:`MessageBar` with its fix buttons
(:func:`desktop.ui.errors.apply_fix`), and the layout and provider policy kept between runs.
Two skeletons build on it: :class:`~desktop.ui.widgets.media_page.MediaPage` (Images, Video)
and :class:`~desktop.ui.widgets.request_page.RequestPage` (Speech, Embeddings).

The rest are small helpers the pages call, so a page still reads top to bottom: the columns
and splitters, the elapsed time beside a running request, the earlier runs read off the
loop, the "Save as…" of a result and the export buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.table import Task, provider_label
from desktop.services import Services
from desktop.ui.costs.tab_billing import TabBillTo
from desktop.ui.errors import apply_fix
from desktop.ui.file_dialogs import write_file
from desktop.ui.models.link import ModelLink
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets import tab_order
from desktop.ui.widgets.export_kinds import ExportKind
from desktop.ui.widgets.file_actions import DOCUMENTS, ask_save_path, save_copy_as
from desktop.ui.widgets.labels import MutedLabel, heading
from desktop.ui.widgets.message_bar import MessageBar
from desktop.ui.widgets.run_button import RunButton
from desktop.ui.widgets.task_pickers import PolicyPicker, TaskModelPicker

# --- Building -----------------------------------------------------------------------------


def add_pickers(
    layout: QBoxLayout,
    services: Services,
    task: Task,
    parent: QWidget,
    *,
    model_stretch: int = 0,
    bill_to: QWidget | None = None,
) -> tuple[TaskModelPicker, PolicyPicker]:
    """ "Model" and "Provider" with their pickers, the provider list filled from the settings;
    the tab's "Bill to" after them, when given."""
    layout.addWidget(MutedLabel("Model", parent))
    model_picker = TaskModelPicker(services, task, parent)
    policy_picker = PolicyPicker(task, parent)
    link = ModelLink(services, task, model_picker, policy_picker)
    row = QHBoxLayout()  # the box and its "Browse…" button stay together in any layout
    row.setSpacing(4)
    row.addWidget(model_picker, 1)
    row.addWidget(link.button)
    layout.addLayout(row, model_stretch)
    layout.addWidget(MutedLabel("Provider", parent))
    policy_picker.refresh(services.settings)
    layout.addWidget(policy_picker)
    layout.addWidget(pin_notice(policy_picker, parent))
    if bill_to is not None:
        layout.addWidget(bill_to)
        policy_picker.bill_to = bill_to  # type: ignore[attr-defined]
    tab_order.follow(*picker_stops(model_picker, policy_picker))  # "Browse…" was made last
    return model_picker, policy_picker


def picker_stops(model_picker: TaskModelPicker, policy_picker: PolicyPicker) -> list[QWidget]:
    """The pickers' controls in reading order: the model, "Browse…", the provider, "Back to
    Auto", the tab's "Bill to" (for :func:`desktop.ui.widgets.tab_order.follow`)."""
    link = model_picker.link
    back = getattr(policy_picker, "back_to_auto", None)
    bill_to = getattr(policy_picker, "bill_to", None)
    parts: list[QWidget | None] = [
        model_picker,
        link.button if link is not None else None,
        policy_picker,
        back if isinstance(back, QWidget) else None,
        bill_to if isinstance(bill_to, QWidget) else None,
    ]
    return [part for part in parts if part is not None]


PINNED_TIP = "Only {who} is used in this tab: if it fails, no other provider is tried."


def pin_notice(picker: PolicyPicker, parent: QWidget) -> QPushButton:
    """ "Back to Auto", shown only while one provider is pinned, so a pin is never silent."""
    button = QPushButton("Back to Auto", parent)
    button.setAccessibleName("Back to Auto")

    def update() -> None:
        policy = picker.current_policy()
        pinned = policy in picker.providers()
        button.setVisible(pinned)
        who = provider_label(policy)
        button.setToolTip(PINNED_TIP.format(who=who) + " Click to try them all again.")
        picker.setToolTip(
            PINNED_TIP.format(who=who)
            if pinned
            else "Who makes it: a routing choice, or one provider only"
        )

    picker.currentIndexChanged.connect(lambda _index: update())
    button.clicked.connect(lambda: picker.set_policy("auto"))
    picker.back_to_auto = button  # type: ignore[attr-defined]
    update()
    return button


def top_bar(
    page: QWidget, title: str, services: Services, task: Task, bill_to: QWidget | None = None
) -> tuple[QVBoxLayout, TaskModelPicker, PolicyPicker]:
    """A one-column tab's outer layout, opened by its heading and pickers on one line."""
    outer = QVBoxLayout(page)
    outer.setContentsMargins(16, 10, 16, 12)
    outer.setSpacing(8)
    bar = QHBoxLayout()
    bar.setSpacing(8)
    bar.addWidget(heading(title, page))
    bar.addStretch(1)
    model_picker, policy_picker = add_pickers(
        bar, services, task, page, model_stretch=2, bill_to=bill_to
    )
    outer.addLayout(bar)
    return outer, model_picker, policy_picker


def run_button(
    text: str, parent: QWidget, scope: TaskScope, slot: str, on_run: Callable[[], object]
) -> RunButton:
    """The page's primary action, "Cancel" while the task in ``scope``'s ``slot`` runs."""
    button = RunButton(text, parent)
    button.bind(scope, slot)
    button.run_requested.connect(on_run)
    return button


def side_by_side(
    parent: QWidget,
    left: QWidget | Callable[[], QWidget],
    right: QWidget | Callable[[], QWidget],
    sizes: Sequence[int],
) -> QSplitter:
    """A horizontal splitter: ``left`` keeps its width, ``right`` takes what the window adds.

    Either may be a builder, called once the splitter exists: the Images page's widgets must
    be made in that order (made before it, a later garbage collection crashed inside Qt)."""
    splitter = QSplitter(Qt.Orientation.Horizontal, parent)
    splitter.setChildrenCollapsible(False)
    for pane in (left, right):
        splitter.addWidget(pane if isinstance(pane, QWidget) else pane())
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes(list(sizes))
    return splitter


def export_buttons(
    layout: QBoxLayout,
    parent: QWidget,
    kinds: Sequence[ExportKind],
    on_export: Callable[[str], object],
) -> dict[str, QPushButton]:
    """One "Export …" button per kind, in order; ``on_export(key)`` when clicked."""
    buttons: dict[str, QPushButton] = {}
    for kind in kinds:
        button = QPushButton(f"Export {kind.label}", parent)
        button.setToolTip(kind.tooltip)
        button.clicked.connect(lambda _=False, key=kind.key: on_export(key))
        layout.addWidget(button)
        buttons[kind.key] = button
    return buttons


def first_row(selected: QItemSelection) -> int | None:
    """The row of the first selected index of a list selection, if any."""
    indexes = selected.indexes()
    return indexes[0].row() if indexes else None


# --- Wiring -------------------------------------------------------------------------------


def fill_pickers(
    model_picker: TaskModelPicker,
    policy_picker: PolicyPicker,
    params: Mapping[str, Any],
    model: str | None,
) -> None:
    """Choose the model and provider policy a stored generation was made with."""
    if model:
        model_picker.set_current_model(model)
    policy = params.get("provider")
    policy_picker.set_policy(policy if isinstance(policy, str) else "auto")


# --- Running ------------------------------------------------------------------------------


# --- Files --------------------------------------------------------------------------------


async def save_result_copy(
    parent: QWidget,
    services: Services,
    banner: MessageBar,
    path: str,
    name: str,
    name_filter: str,
    location: QStandardPaths.StandardLocation,
    what: str,
) -> None:
    """ "Save as…" of a result file: ask where, copy off the loop, say how it went."""
    try:
        saved = await save_copy_as(parent, services.run_blocking, path, name, name_filter, location)
    except OSError as exc:
        banner.show_error(f"{what} could not be saved: {exc.strerror or exc}.")
        return
    if saved:
        banner.show_info(f"Saved as {saved}.")


async def export_file(
    parent: QWidget,
    services: Services,
    banner: MessageBar,
    name: str,
    kind: ExportKind,
    content: bytes | str | Callable[[], bytes | str],
) -> None:
    """Ask where, then write ``content`` there off the loop (a callable is called in the
    thread pool once a place is chosen, for contents that take a moment to build)."""
    chosen = await ask_save_path(parent, name, kind.name_filter, DOCUMENTS)
    if chosen is None:
        return
    target = Path(chosen)
    data = await services.run_blocking(content) if callable(content) else content
    problem = await write_file(services, target, data)
    if problem is not None:
        banner.show_error(problem)
    else:
        banner.show_info(f"Saved {target.name}.")


# --- The page -----------------------------------------------------------------------------


class TaskPage(QWidget):
    """What every task tab has: its task, scope, pickers, Run button and message bar.

    A subclass builds its layout (making :attr:`message_bar` with :meth:`_make_message_bar`,
    :attr:`model_picker`, :attr:`policy_picker` and :attr:`run_button` where it places them,
    so the Tab key follows the layout) and implements :meth:`run`. The bar's fix buttons do
    the same on every page (``apply_fix``): "Try again" calls :meth:`retry`, which runs the
    page again unless a subclass knows better.

    Signals:
        providers_requested(str): open the Providers page ("token": focus the HF token).

    Attributes:
        services, task, scope: what the page works with.
        message_bar: the page's one bar for problems and notes.
        splitter: the main splitter (kept between runs with the provider policy).
    """

    providers_requested = Signal(str)

    message_bar: MessageBar
    model_picker: TaskModelPicker
    policy_picker: PolicyPicker
    run_button: RunButton
    splitter: QSplitter

    def __init__(
        self, services: Services, task: Task, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.task = task
        self.scope = TaskScope(name)
        self.bill_to = TabBillTo(services, self.scope, self)
        """The tab's own "Bill to" (placed with the pickers; its scope's tasks bill it)."""

    # --- Public API -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while the page's request runs."""
        return self.run_button.running

    def run(self) -> None:
        """The page's primary action (its Run button, Ctrl+Enter)."""
        raise TypeError(f"{type(self).__name__} must define run()")

    def retry(self) -> None:
        """ "Try again" of an error: run the page again."""
        self.run()

    def cancel(self) -> bool:
        """Stop the running request (Esc); False when none runs."""
        return self.run_button.cancel()

    def refresh_providers(self) -> None:
        """The provider list changed (order, switches, custom servers): offer what is left."""
        self.policy_picker.refresh(self.services.settings)
        self.model_picker.refresh()

    def save_state(self) -> None:
        """Keep the splitter sizes and the provider policy for the next start."""
        state, prefix = self.services.state, self.scope.name
        for name, splitter in self._splitters().items():
            state.set(f"{prefix}.{name}", list(splitter.sizes()))
        state.set(f"{prefix}.policy", self.policy_picker.current_policy())

    def restore_state(self) -> None:
        """Put back what :meth:`save_state` kept (sizes of two panes only)."""
        state, prefix = self.services.state, self.scope.name
        for name, splitter in self._splitters().items():
            sizes = state.get_int_list(f"{prefix}.{name}")
            if sizes and len(sizes) == 2:
                splitter.setSizes(sizes)
        policy = state.get_str(f"{prefix}.policy")
        if policy:
            self.policy_picker.set_policy(policy)

    async def aclose(self) -> None:
        """Cancel every task of the page (the window is closing)."""
        await self.scope.aclose()

    # --- Internals ------------------------------------------------------------------------

    def _make_message_bar(self, parent: QWidget) -> MessageBar:
        """The page's one bar, its fix buttons wired (:func:`apply_fix`)."""
        self.message_bar = MessageBar(parent)
        self.message_bar.action_requested.connect(self._on_fix)
        return self.message_bar

    def _splitters(self) -> dict[str, QSplitter]:
        return {"splitter": self.splitter}

    def _on_fix(self, action: str) -> None:
        apply_fix(
            action,
            retry=self.retry,
            providers_requested=self.providers_requested,
            provider_picker=self.policy_picker,
        )
