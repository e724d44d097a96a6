"""What the four task tabs (Images, Video, Speech, Embeddings) do alike, as small helpers.

Why helpers and not a base class: each tab has its own layout and its own public API
(``run()``, ``compute()``, ``transcribe()``…), and the main window and the tests call those.
What they share is wiring: the model and provider pickers, the Run button bound to a
:class:`TaskScope` slot, the error banner's fix buttons, the elapsed time beside a running
request, the earlier runs read off the loop, the splitters and policy kept between runs, the
"Save as…" of a result and the export buttons. Each piece here is one function (or one small
object) the pages call, so a page still reads top to bottom.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QItemSelection, QObject, QStandardPaths, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.media_types import COMPLETE
from desktop.providers.table import Task
from desktop.services import Services
from desktop.store.state import StateStore
from desktop.ui.file_dialogs import write_file
from desktop.ui.models.link import ModelLink
from desktop.ui.past_runs import PastRunsList
from desktop.ui.tasks import TaskScope
from desktop.ui.widgets.error_banner import ErrorBanner
from desktop.ui.widgets.export_kinds import ExportKind
from desktop.ui.widgets.file_actions import DOCUMENTS, ask_save_path, save_copy_as
from desktop.ui.widgets.labels import MutedLabel, heading
from desktop.ui.widgets.routing_badge import RoutingBadge
from desktop.ui.widgets.routing_words import clock
from desktop.ui.widgets.run_button import RunButton
from desktop.ui.widgets.task_pickers import PolicyPicker, TaskModelPicker

T = TypeVar("T")

# --- Building -----------------------------------------------------------------------------


def add_pickers(
    layout: QBoxLayout, services: Services, task: Task, parent: QWidget, *, model_stretch: int = 0
) -> tuple[TaskModelPicker, PolicyPicker]:
    """ "Model" and "Provider" with their pickers, the provider list filled from the settings."""
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
    return model_picker, policy_picker


def top_bar(
    page: QWidget, title: str, services: Services, task: Task
) -> tuple[QVBoxLayout, TaskModelPicker, PolicyPicker]:
    """A one-column tab's outer layout, opened by its heading and pickers on one line."""
    outer = QVBoxLayout(page)
    outer.setContentsMargins(16, 10, 16, 12)
    outer.setSpacing(8)
    bar = QHBoxLayout()
    bar.setSpacing(8)
    bar.addWidget(heading(title, page))
    bar.addStretch(1)
    model_picker, policy_picker = add_pickers(bar, services, task, page, model_stretch=2)
    outer.addLayout(bar)
    return outer, model_picker, policy_picker


def banner_column(
    parent: QWidget, on_action: Callable[[str], object]
) -> tuple[QWidget, QVBoxLayout, ErrorBanner]:
    """The right column of a form tab, opened by the error banner (its fix buttons wired)."""
    right = QWidget(parent)
    column = QVBoxLayout(right)
    column.setContentsMargins(12, 12, 16, 12)
    column.setSpacing(8)
    banner = ErrorBanner(right)
    banner.action_requested.connect(on_action)
    column.addWidget(banner)
    return right, column, banner


def run_button(
    text: str, parent: QWidget, scope: TaskScope, slot: str, on_run: Callable[[], object]
) -> RunButton:
    """The page's primary action, "Cancel" while the task in ``scope``'s ``slot`` runs."""
    button = RunButton(text, parent)
    button.bind(scope, slot)
    button.run_requested.connect(on_run)
    return button


def scroll_column(parent: QWidget, title: str) -> tuple[QScrollArea, QWidget, QVBoxLayout]:
    """The left column of a form tab: a scroll area (no sideways scrolling) with a heading."""
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(300)
    holder = QWidget(scroll)
    column = QVBoxLayout(holder)
    column.setContentsMargins(16, 12, 12, 12)
    column.setSpacing(8)
    column.addWidget(heading(title, holder))
    return scroll, holder, column


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


def refresh_pickers(
    services: Services, model_picker: TaskModelPicker, policy_picker: PolicyPicker
) -> None:
    """The provider list changed (order, switches, custom servers): offer what is left."""
    policy_picker.refresh(services.settings)
    model_picker.refresh()


def banner_action(
    action: str,
    *,
    retry: Callable[[], object],
    providers_requested: SignalInstance,
    policy_picker: PolicyPicker,
) -> None:
    """What the fix button of an error does (the engine's ``error_action``)."""
    if action == "retry":
        retry()
    elif action == "add_token":
        providers_requested.emit("token")
    elif action == "open_providers":
        providers_requested.emit("")
    elif action == "other_provider":
        policy_picker.setFocus()
        policy_picker.showPopup()


class _Form(Protocol):
    @property
    def prompt(self) -> QWidget: ...

    def request(self, model: str, provider: str) -> Any: ...


def form_request(
    form: _Form,
    model_picker: TaskModelPicker,
    policy_picker: PolicyPicker,
    banner: ErrorBanner,
    check: Callable[[Any], str | None],
    *,
    example_model: str,
) -> Any | None:
    """The form's request, or None after saying (and focusing) what is missing."""
    model = model_picker.current_model()
    if not model:
        banner.show_error(f"Type or pick a model first, for example {example_model}.")
        model_picker.setFocus()
        return None
    request = form.request(model, policy_picker.current_policy())
    problem = check(request)
    if problem is not None:
        banner.show_error(problem)
        form.prompt.setFocus()
        return None
    if model_picker.link is not None and not model_picker.link.allows(model, banner):
        return None  # a model for another tab, or no such model: said in the banner
    return request


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


# --- State --------------------------------------------------------------------------------


def save_layout(
    state: StateStore, prefix: str, policy_picker: PolicyPicker, splitters: Mapping[str, QSplitter]
) -> None:
    """Keep the splitter sizes (``prefix.name``) and the provider policy for the next start."""
    for name, splitter in splitters.items():
        state.set(f"{prefix}.{name}", list(splitter.sizes()))
    state.set(f"{prefix}.policy", policy_picker.current_policy())


def restore_layout(
    state: StateStore, prefix: str, policy_picker: PolicyPicker, splitters: Mapping[str, QSplitter]
) -> None:
    """Put back what :func:`save_layout` kept (sizes of two panes only)."""
    for name, splitter in splitters.items():
        sizes = state.get_int_list(f"{prefix}.{name}")
        if sizes and len(sizes) == 2:
            splitter.setSizes(sizes)
    policy = state.get_str(f"{prefix}.policy")
    if policy:
        policy_picker.set_policy(policy)


# --- Running ------------------------------------------------------------------------------


class ElapsedClock(QObject):
    """ "Computing… 0:07" in ``label``, ticking while a request runs; hidden otherwise."""

    def __init__(self, label: MutedLabel, verb: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.verb = verb
        self.started_at: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(200)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.tick()
        self.label.show()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.label.hide()
        self.started_at = None

    def tick(self) -> None:
        if self.started_at is not None:
            self.label.setText(f"{self.verb}… {clock(time.monotonic() - self.started_at)}")


async def routed(
    work: Awaitable[T],
    *,
    badge: RoutingBadge,
    banner: ErrorBanner,
    elapsed: ElapsedClock,
    sending: str,
    stopped: str,
) -> T:
    """Await ``work`` (one routed request) with the badge live and the clock ticking.

    Cancelled: the badge clears and the banner says ``stopped``; the cancel goes on up."""
    banner.clear()
    badge.set_live(sending)
    elapsed.start()
    try:
        return await work
    except asyncio.CancelledError:
        badge.clear()
        banner.show_info(stopped)
        raise
    finally:
        elapsed.stop()


async def load_past_runs(
    services: Services,
    history_list: PastRunsList,
    task: Task,
    limit: int,
    selected: int | None,
) -> None:
    """Read the completed runs of ``task`` off the loop into ``history_list``."""
    rows = await services.run_blocking(
        lambda: services.history.list_generations(task.value, limit, status=COMPLETE)
    )
    history_list.set_runs(rows)
    if selected is not None:
        history_list.select_id(selected)


# --- Files --------------------------------------------------------------------------------


async def save_result_copy(
    parent: QWidget,
    services: Services,
    banner: ErrorBanner,
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
    banner: ErrorBanner,
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
