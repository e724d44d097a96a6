"""The skeleton of a "generate media" tab (Images, Video): form left, result and list right.

Why a skeleton: both tabs are laid out and driven the same way — a left column whose form
scrolls (the heading, the pickers, the form and what is being made: picture progress, job
cards) over a fixed footer with the Run button and the expected cost; a right column with
the message bar, the chosen result large above the list of everything made before; a form
that becomes a request (``form.request(model, provider)``, checked by the engine's
``check_request``), "Try again" that sends the last request again, "Reuse in …" from the
Library, and a layout kept between runs. Each tab adds only what is
its own: the parts it makes (:meth:`MediaPage._make_form` and friends), how a request runs
(:meth:`MediaPage._begin`) and how its history is read and shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QBoxLayout, QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget
from shiboken6 import isValid

from desktop.core.cost_types import Cost
from desktop.core.media_types import TAB_TASK, tab_task
from desktop.core.table import Task, provider_label
from desktop.core.vocab import FixAction
from desktop.services import Services
from desktop.store.history import StoredGeneration
from desktop.ui.costs.hint import CostHint
from desktop.ui.widgets import tab_order, task_page
from desktop.ui.widgets.labels import heading
from desktop.ui.widgets.param_fields import MediaForm
from desktop.ui.widgets.start_picture import StartPictureField
from desktop.ui.widgets.styles_field import StylesField

HISTORY_LIMIT = 500
"""Generations read at start (an image generation holds up to four pictures)."""


class _Listing(Protocol):
    def set_palette(self, palette: QPalette) -> None: ...


class MediaPage(task_page.TaskPage):
    """Form, pickers and the work in progress on the left; result above list on the right.

    Signals:
        generation_added(int): a generation (library row id) was stored or changed.

    Attributes:
        form: the tab's form; vertical: the result/list splitter; model: the list's model.
    """

    generation_added = Signal(int)

    RESULT_HEIGHT = 520
    """The result pane's first height (the list takes 200)."""
    PROGRESS_GAP = 0
    """Space between the form and what is being made."""

    form: MediaForm
    model: _Listing

    def __init__(
        self,
        services: Services,
        task: Task,
        name: str,
        *,
        title: str,
        run_text: str,
        run_tooltip: str,
        example_model: str,
        check: Callable[[Any], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(services, task, name, parent)
        self._title = title
        self._run_text, self._run_tooltip = run_text, run_tooltip
        self._example_model = example_model
        self._check = check
        self._last_request: Any = None
        self.last_tried: set[str] = set()
        """Providers the last request reached (a refusal's "Use another provider" skips them)."""
        self.splitter = task_page.side_by_side(
            self, self._build_left, self._build_right, [360, 820]
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)
        tab_order.follow(
            *task_page.picker_stops(self.model_picker, self.policy_picker),
            self.form,
            self.progress_area,
            self.run_button,
            self.splitter.widget(1),  # the message bar, the result, the list
        )

    # --- Building -------------------------------------------------------------------------

    def _creative_fields(
        self, parent: QWidget, without_picture: str
    ) -> tuple[StartPictureField, StylesField]:
        """The start-picture and styles rows both tabs offer (they use the page's services,
        scope and message bar); ``without_picture`` says what happens when none is given."""
        start = StartPictureField(self.services, self.scope, without_picture, parent)
        start.problem.connect(lambda text: self.message_bar.show_error(text))
        styles = StylesField(
            self.services.search_styles, self.model_picker.current_model, self.scope, parent
        )
        return start, styles

    def _build_left(self) -> QWidget:
        """The form scrolls; the Run button and the expected cost stay in a footer under it,
        so the main action is never below the fold (1024×640, scale 2)."""
        left = QWidget(self)
        left.setMinimumWidth(300)
        stack = QVBoxLayout(left)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(0)
        scroll = QScrollArea(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields, which it shows
        self.form_scroll = scroll
        holder = QWidget(scroll)
        column = QVBoxLayout(holder)
        column.setContentsMargins(16, 12, 12, 12)
        column.setSpacing(8)
        column.addWidget(heading(self._title, holder))
        self.model_picker, self.policy_picker = task_page.add_pickers(
            column, self.services, self.task, holder, bill_to=self.bill_to
        )
        column.addSpacing(4)
        self.form = self._make_form(holder)
        self.form.submitted.connect(self.run)
        column.addWidget(self.form)
        if self.PROGRESS_GAP:
            column.addSpacing(self.PROGRESS_GAP)
        self.progress_area = self._make_progress(holder)
        column.addWidget(self.progress_area)
        column.addStretch(1)
        scroll.setWidget(holder)
        # Never narrower than the form: its fields would be cut off (no sideways scrolling).
        bar = scroll.verticalScrollBar().sizeHint().width()
        scroll.setMinimumWidth(holder.minimumSizeHint().width() + bar)
        stack.addWidget(scroll, 1)
        stack.addWidget(self._build_footer(left))
        return left

    def _build_footer(self, parent: QWidget) -> QWidget:
        """The Run button and the expected cost, under a thin line, outside the scrolling."""
        footer = QFrame(parent)
        footer.setObjectName("actionFooter")
        footer.setFrameShape(QFrame.Shape.NoFrame)
        self.footer = footer
        column = QVBoxLayout(footer)
        column.setContentsMargins(16, 0, 12, 10)
        column.setSpacing(6)
        line = QFrame(footer)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        column.addWidget(line)
        self.run_button = task_page.run_button(self._run_text, footer, self.scope, "make", self.run)
        self.run_button.setToolTip(self._run_tooltip)
        column.addWidget(self.run_button)
        meter = self.services.engine.costs
        self.cost_hint = CostHint(self._expected_cost, footer, meter=meter)
        self.cost_hint.provider = lambda: meter.likely_provider(
            self.task, self.model_picker.current_model(), self.policy_picker.current_policy()
        )
        self.cost_hint.watch(self.form, self.model_picker, self.policy_picker)
        column.addWidget(self.cost_hint)
        return footer

    def show_progress(self) -> None:
        """Scroll the form so what is being made (under it) is in sight, once the layout
        has placed what was just added there."""
        scroll, area = self.form_scroll, self.progress_area

        def reveal() -> None:
            if isValid(scroll) and isValid(area):
                scroll.ensureWidgetVisible(area, 0, 0)

        QTimer.singleShot(0, reveal)

    def _build_right(self) -> QWidget:
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(12, 12, 16, 12)
        column.setSpacing(8)
        column.addWidget(self._make_message_bar(right))
        split = QSplitter(Qt.Orientation.Vertical, right)
        split.setChildrenCollapsible(False)
        split.addWidget(self._make_result(split))
        split.addWidget(self._make_list(split))
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([self.RESULT_HEIGHT, 200])
        self.vertical = split
        column.addWidget(split, 1)
        self._add_below(column, right)
        return right

    def _make_form(self, parent: QWidget) -> MediaForm:
        """The tab's form."""
        raise TypeError(f"{type(self).__name__} must define _make_form()")

    def _expected_cost(self) -> Cost | None:
        """What the form would cost now (the hint under the Run button)."""
        raise TypeError(f"{type(self).__name__} must define _expected_cost()")

    def _make_progress(self, parent: QWidget) -> QWidget:
        """What is being made, under the form (scrolled into sight when a run starts)."""
        raise TypeError(f"{type(self).__name__} must define _make_progress()")

    def _make_result(self, parent: QWidget) -> QWidget:
        """The chosen result, large, with its actions."""
        raise TypeError(f"{type(self).__name__} must define _make_result()")

    def _make_list(self, parent: QWidget) -> QWidget:
        """Everything made before (sets :attr:`model`)."""
        raise TypeError(f"{type(self).__name__} must define _make_list()")

    def _add_below(self, column: QBoxLayout, parent: QWidget) -> None:
        """Anything under the list (nothing by default)."""

    # --- Public API -----------------------------------------------------------------------

    def run(self) -> None:
        """Make what the form describes (the Run button, Ctrl+Enter)."""
        if self.busy:
            return
        model = self.model_picker.current_model()
        if not model:
            self.message_bar.show_error(
                f"Type or pick a model first, for example {self._example_model}."
            )
            self.model_picker.setFocus()
            return
        request = self.form.request(model, self.policy_picker.current_policy())
        problem = self._check(request)
        if problem is not None:
            self.message_bar.show_error(problem)
            self.form.prompt.setFocus()
            return
        link = self.model_picker.link
        if link is not None and not link.allows(model, self.message_bar):
            return  # a model for another tab, or no such model: said in the bar
        self._start(request)

    def retry(self) -> None:
        """ "Try again": the last request as it was sent, whatever the form says now."""
        if self._last_request is not None and not self.busy:
            self._start(self._last_request)

    def reload(self) -> None:
        """Read the list again from the history (off the loop)."""
        self.scope.spawn(self._load_history(), slot="history")

    def reuse_generation(self, generation_id: int) -> None:
        """Fill the form from a library item ("Reuse in …")."""
        self.scope.spawn(self._reuse_generation(generation_id), slot="reuse")

    # --- Running --------------------------------------------------------------------------

    def _start(self, request: Any) -> None:
        self.model_picker.remember()
        self.message_bar.clear()
        self._last_request = request
        self._begin(request)
        self.show_progress()

    def _on_fix(self, action: str) -> None:
        if action == FixAction.OTHER_PROVIDER and self._last_request is not None:
            self.offer_other_providers()
            return
        super()._on_fix(action)

    def other_providers(self) -> list[str]:
        """Switched-on providers that serve the last request's model for this tab and were
        not tried by it, in the user's order."""
        request = self._last_request
        model = getattr(request, "model", "")
        mapping = self.services.catalog.cached(model) if model else None
        served = (
            None
            if mapping is None
            else {m.provider for m in mapping if m.task in ("", self.task.value)}
        )
        return [
            p
            for p in self.policy_picker.providers()
            if p not in self.last_tried and (served is None or p in served)
        ]

    def offer_other_providers(self) -> None:
        """One button per provider that could make it instead; a click sends it there at once
        (a one-off: the tab's provider choice stays)."""
        others = self.other_providers()
        if not others:
            self.message_bar.show_error(
                "No other switched-on provider makes this with this model; switch one on or "
                "add its key on the Providers page.",
                FixAction.OPEN_PROVIDERS,
            )
            return
        request = self._last_request

        def send_to(provider: str) -> Callable[[], None]:
            return lambda: self._start(replace(request, provider=provider))

        self.message_bar.show_choices(
            "Send it to:", [(provider_label(p), send_to(p)) for p in others]
        )

    def _begin(self, request: Any) -> None:
        """Start making ``request`` in the scope's "make" slot (tracked by the Run button)."""
        raise TypeError(f"{type(self).__name__} must define _begin()")

    async def _load_history(self) -> None:
        raise TypeError(f"{type(self).__name__} must define _load_history()")

    async def _reuse_generation(self, generation_id: int) -> None:
        raise TypeError(f"{type(self).__name__} must define _reuse_generation()")

    async def _stored(self, generation_id: int, gone: str) -> StoredGeneration | None:
        """Generation ``generation_id`` of this tab's task, or None after saying ``gone``."""
        gen = await self.services.db.run(self.services.history.get_generation, generation_id)
        if gen is None or tab_task(gen.task) != self.task.value:
            self.message_bar.show_error(gone)
            return None
        return gen

    async def _history(self) -> list[StoredGeneration]:
        """This tab's generations, newest first: its own task and the task made from a start
        picture (changed pictures in Images, animated pictures in Video)."""
        history = self.services.history
        tasks = [self.task.value, *(t for t, tab in TAB_TASK.items() if tab == self.task.value)]
        gens: list[StoredGeneration] = []
        for task in tasks:
            gens += await self.services.db.run(history.list_generations, task, HISTORY_LIMIT)
        gens.sort(key=lambda g: (g.created_at, g.id), reverse=True)
        return gens[:HISTORY_LIMIT]

    # --- Qt -------------------------------------------------------------------------------

    def _splitters(self) -> dict[str, QSplitter]:
        return {"splitter": self.splitter, "vertical": self.vertical}

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "model"):
            self.model.set_palette(self.palette())
