"""The Video tab: describe a video, wait honestly, watch it inline, find every one again.

How it works: "Make video" starts ``services.video.generate`` in the page's :class:`TaskScope`
slot ``"make"``; its progress reports (submitting, waiting in line at position N, making,
downloading) update a job card that ticks every second. Cancel reaches the provider: once the
provider has accepted the job it is cancelled by its id (``video.cancel``), before that the
task is cancelled. When the page starts it resumes, in the background, every job an earlier
run left at a provider (``video.resume_pending``), with a card each — a job is never
submitted twice. Finished videos appear in the results list (read from the history, so they
are there after a restart) and play inline; a notification says so when the window is not
in front.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QItemSelection, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop.core.cost_types import Cost
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import JobProgress, MediaResult, VideoRequest
from desktop.core.table import Task
from desktop.core.vocab import Status
from desktop.engine.video import check_request
from desktop.services import Services
from desktop.store.history import StoredGeneration, make_preview
from desktop.ui.costs.hint import CostHint, confirm_cost
from desktop.ui.tasks import TaskScope
from desktop.ui.video.form import VideoForm
from desktop.ui.video.jobs_panel import JobCard, JobsPanel
from desktop.ui.video.result_panel import VideoResultPanel, video_path
from desktop.ui.video.status_words import TERMINAL
from desktop.ui.widgets import task_page
from desktop.ui.widgets.file_actions import MOVIES, suggested_name
from desktop.ui.widgets.generation_list import GenerationListModel, GenerationListView
from desktop.ui.widgets.notify import notify_finished

log = logging.getLogger(__name__)

T = TypeVar("T")

TASK = Task.TEXT_TO_VIDEO
HISTORY_LIMIT = 500
VIDEO_FILTER = "Videos (*.mp4 *.webm *.mov);;All files (*)"
RELOAD_DELAY_MS = 150


class VideoPage(QWidget):
    """Form, pickers and job cards on the left; the player and the results on the right.

    Signals:
        providers_requested(str): open the Providers page ("token": focus the HF token).
        generation_added(int): a video (library row id) was accepted, finished or changed.
    """

    providers_requested = Signal(str)
    generation_added = Signal(int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.scope = TaskScope("video")
        self._last_request: VideoRequest | None = None
        self._card: JobCard | None = None
        self._job_task: asyncio.Task[MediaResult] | None = None
        self._following: set[asyncio.Task[Any]] = set()
        self._select_after_reload: int | None = None
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)

        self.splitter = task_page.side_by_side(
            self, self._build_left, self._build_right, [360, 820]
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)

        self.reload()
        self.scope.spawn(self._resume_pending(), slot="resume")

    # --- Building -------------------------------------------------------------------------

    def _build_left(self) -> QWidget:
        scroll, holder, column = task_page.scroll_column(self, "Video")
        self.model_picker, self.policy_picker = task_page.add_pickers(
            column, self.services, TASK, holder
        )
        column.addSpacing(4)
        self.form = VideoForm(holder)
        self.form.submitted.connect(self.run)
        column.addWidget(self.form)
        column.addSpacing(4)
        self.run_button = task_page.run_button("Make video", holder, self.scope, "make", self.run)
        self.run_button.setToolTip("Make the video (Ctrl+Enter); it can take several minutes")
        self.run_button.set_canceller(self._cancel_current)
        column.addWidget(self.run_button)
        self.cost_hint = CostHint(self._expected_cost, holder, meter=self.services.engine.costs)
        self.cost_hint.provider = lambda: self.services.engine.costs.likely_provider(
            TASK, self.model_picker.current_model(), self.policy_picker.current_policy()
        )
        self.cost_hint.watch(self.form, self.model_picker, self.policy_picker)
        column.addWidget(self.cost_hint)
        column.addSpacing(4)
        self.jobs = JobsPanel(holder)
        column.addWidget(self.jobs)
        column.addStretch(1)
        scroll.setWidget(holder)
        return scroll

    def _build_right(self) -> QWidget:
        right, column, self.banner = task_page.banner_column(self, self._on_action)
        split = QSplitter(Qt.Orientation.Vertical, right)
        split.setChildrenCollapsible(False)
        self.result = VideoResultPanel(split)
        self.result.save_button.clicked.connect(self.save_selected)
        self.result.reuse_button.clicked.connect(self.reuse_selected)
        split.addWidget(self.result)
        self.model = GenerationListModel(self.palette(), icon_size=32)
        self.results = GenerationListView(split, icon_size=32)
        self.results.setModel(self.model)
        self.results.setAccessibleName("Videos")
        self.results.setMinimumHeight(110)
        self.results.selectionModel().selectionChanged.connect(self._on_selection_changed)
        split.addWidget(self.results)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([540, 200])
        self.vertical = split
        column.addWidget(split, 1)
        return right

    # --- Public API -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while the form's video is being made."""
        return self.run_button.running

    def run(self) -> None:
        """Make a video with the settings in the form ("Make video", Ctrl+Enter)."""
        if self.busy:
            return
        request = task_page.form_request(
            self.form,
            self.model_picker,
            self.policy_picker,
            self.banner,
            check_request,
            example_model="Wan-AI/Wan2.1-T2V-14B",
        )
        if request is not None:
            self._start(request)

    def cancel(self) -> bool:
        """Cancel the form's video (Esc); False when none is being made."""
        return self.run_button.cancel()

    def reload(self) -> None:
        """Read the results list again from the history (off the loop)."""
        self._reload_timer.stop()
        self.scope.spawn(self._load_history(), slot="history")

    def reuse_generation(self, generation_id: int) -> None:
        """Fill the form from a library item ("Reuse in Video")."""
        self.scope.spawn(self._reuse_generation(generation_id), slot="reuse")

    def reuse_selected(self) -> None:
        gen = self.result.generation
        if gen is not None:
            self._fill_form(gen)

    def save_selected(self) -> None:
        gen = self.result.generation
        if gen is not None and video_path(gen):
            self.scope.spawn(self._save(gen), slot="save")

    def refresh_providers(self) -> None:
        """The provider list changed (order, switches, custom servers)."""
        task_page.refresh_pickers(self.services, self.model_picker, self.policy_picker)

    def save_state(self) -> None:
        task_page.save_layout(self.services.state, "video", self.policy_picker, self._splitters())

    def restore_state(self) -> None:
        task_page.restore_layout(
            self.services.state, "video", self.policy_picker, self._splitters()
        )

    def _splitters(self) -> dict[str, QSplitter]:
        return {"splitter": self.splitter, "vertical": self.vertical}

    async def aclose(self) -> None:
        """Stop watching jobs and release the player (the window is closing).

        Jobs keep running at their providers: the page's tasks only watch them (see
        :meth:`_follow`), and ``Services.aclose`` leaves them to be resumed at the next start.
        """
        self._reload_timer.stop()
        await self.scope.aclose()
        self.result.player.release()

    # --- Making a video -------------------------------------------------------------------

    def _start(self, request: VideoRequest) -> None:
        self.model_picker.remember()
        self.banner.clear()
        self._last_request = request
        card = self.jobs.add(request.prompt)
        card.cancel_button.hide()  # "Make video" is "Cancel" now: one button per job
        self._card = card
        task = self.scope.spawn(self._make(request, card), slot="make")
        self.run_button.track(task)

    def _expected_cost(self) -> Cost | None:
        """What a video with these settings is expected to cost (the hint, the question)."""
        model = self.model_picker.current_model()
        if not model:
            return None
        return self.services.engine.costs.expected_media(
            TASK, model, self.policy_picker.current_policy()
        )

    async def _make(self, request: VideoRequest, card: JobCard) -> None:
        meter = self.services.engine.costs
        expected = meter.expected_media(TASK, request.model, request.provider)
        if not await confirm_cost(self, meter, expected, batch=True):
            self.jobs.remove(card)
            self.banner.show_info("Not started.")
            return

        def on_progress(progress: JobProgress) -> None:
            if not isValid(card):
                return
            accepted = card.job_id is None and progress.job_id is not None
            card.update_progress(progress)
            if accepted:
                self._schedule_reload()  # the library row of the accepted job appears

        job = self._follow(self.services.video.generate(request, on_progress=on_progress))
        self._job_task = job
        try:
            result = await asyncio.shield(job)
        except asyncio.CancelledError:
            if job.cancelled() and isValid(self):  # the person's Cancel, before acceptance
                self.banner.show_info("Stopped before any provider took the video.")
                self._schedule_reload()
            raise
        finally:
            self._job_task = None
            if isValid(self):
                self.jobs.remove(card)
                self._card = None
        await self._finished(result)

    def _follow(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run a job-following coroutine *outside* the page's scope.

        Closing the page (the app quitting) cancels the scope; the job must then keep running
        at the provider, to be resumed at the next start. So the scope's task only watches
        (``asyncio.shield``) this one, which ``Services.aclose`` stops in quitting mode
        (``VideoService.aclose``: no cancel at the provider). A person's Cancel cancels the
        job itself (:meth:`_cancel_current`).
        """
        task = asyncio.get_running_loop().create_task(coro)
        self._following.add(task)
        task.add_done_callback(self._followed)
        return task

    def _followed(self, task: asyncio.Task[Any]) -> None:
        self._following.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("A video job ended with an unexpected error", exc_info=exc)

    def _cancel_current(self) -> None:
        """Cancel the form's video: at the provider by job id once accepted, else the task."""
        card = self._card
        if card is None:
            return
        if card.job_id is None:
            if self._job_task is not None:
                self._job_task.cancel()  # nothing accepted yet: stop submitting
            return
        card.set_cancelling()
        self.scope.spawn(self._cancel_job(card.job_id), slot=f"cancel:{card.job_id}")

    async def _cancel_job(self, job_id: str) -> None:
        try:
            await self.services.video.cancel(job_id)
        except SwitchboardError as exc:
            self.banner.show_error(str(exc))

    async def _finished(self, result: MediaResult) -> None:
        """A job ended (made here or resumed): say so, list it, select it."""
        if result.record_id is not None:
            self.generation_added.emit(result.record_id)
        if result.status == Status.COMPLETE:
            self._select_after_reload = result.record_id
            prompt = str(result.params.get("prompt") or "")
            notify_finished(
                self,
                "Your video is ready",
                f"“{make_preview(prompt, 80)}” is ready to watch.",
                self.banner,
            )
        elif result.status == Status.CANCELLED:
            self.banner.show_info(result.error or "The video was cancelled.")
        elif result.error:
            self.banner.show_error(result.error, result.error_action)
        self._reload_timer.stop()  # the reload it was waiting to do happens now
        await self._load_history()

    # --- Jobs left from an earlier run ----------------------------------------------------

    async def _resume_pending(self) -> None:
        records = await self.services.run_blocking(self.services.video.pending)
        if not records:
            return
        for record in records:
            card = self.jobs.add(record.prompt, elapsed_s=max(0.0, time.time() - record.created_at))
            card.job_id = record.id
            card.cancel_requested.connect(lambda c=card: self._cancel_card(c))
        self.banner.show_info(
            f"Picking up {len(records)} video{'s' if len(records) != 1 else ''} still being "
            "made since last time."
        )
        try:
            results = await asyncio.shield(
                self._follow(self.services.video.resume_pending(on_progress=self._on_resumed))
            )
        finally:
            for record in records:
                left = self.jobs.card_for(record.id)
                if left is not None:
                    self.jobs.remove(left)
        self.banner.clear()
        for result in results:
            await self._finished(result)

    def _on_resumed(self, progress: JobProgress) -> None:
        if not isValid(self):
            return
        card = self.jobs.card_for(progress.job_id or "")
        if card is None:
            return
        card.update_progress(progress)
        if progress.status in TERMINAL:
            self.jobs.remove(card)
            self._schedule_reload()

    def _cancel_card(self, card: JobCard) -> None:
        if card.job_id:
            card.set_cancelling()
            self.scope.spawn(self._cancel_job(card.job_id), slot=f"cancel:{card.job_id}")

    # --- Results list ---------------------------------------------------------------------

    def _schedule_reload(self) -> None:
        if isValid(self) and not self.scope.closed:
            self._reload_timer.start()

    async def _load_history(self) -> None:
        gens: list[StoredGeneration] = await self.services.run_blocking(
            self.services.history.list_generations, TASK.value, HISTORY_LIMIT
        )
        current = self.result.generation
        wanted = self._select_after_reload or (current.id if current else None)
        self._select_after_reload = None
        self.model.set_generations(gens)
        row = self.model.row_of(wanted) if wanted is not None else -1
        if row < 0 and gens:
            row = next((i for i, g in enumerate(gens) if g.status == Status.COMPLETE), 0)
        if row >= 0:
            self.results.setCurrentIndex(self.model.index(row))
            self._show(self.model.generation(row))

    def _on_selection_changed(self, selected: QItemSelection, _old: QItemSelection) -> None:
        row = task_page.first_row(selected)
        if row is not None:
            self._show(self.model.generation(row))

    def _show(self, gen: StoredGeneration | None) -> None:
        self.result.show_generation(gen)

    # --- Actions --------------------------------------------------------------------------

    def _fill_form(self, gen: StoredGeneration) -> None:
        params = dict(gen.params)
        params.setdefault("prompt", gen.prompt)
        self.form.apply(params)
        task_page.fill_pickers(self.model_picker, self.policy_picker, params, gen.model)
        self.form.prompt.setFocus()

    async def _reuse_generation(self, generation_id: int) -> None:
        gen = await self.services.run_blocking(self.services.history.get_generation, generation_id)
        if gen is None or gen.task != TASK.value:
            self.banner.show_error("That video is no longer in the library.")
            return
        row = self.model.row_of(gen.id)
        if row >= 0:
            self.results.setCurrentIndex(self.model.index(row))
        self._fill_form(gen)

    async def _save(self, gen: StoredGeneration) -> None:
        path = video_path(gen)
        if path is None:
            return
        name = suggested_name(gen.prompt, Path(path).suffix or ".mp4")
        await task_page.save_result_copy(
            self, self.services, self.banner, path, name, VIDEO_FILTER, MOVIES, "The video"
        )

    def _on_action(self, action: str) -> None:
        """The fix button of an error."""
        task_page.banner_action(
            action,
            retry=self._retry,
            providers_requested=self.providers_requested,
            policy_picker=self.policy_picker,
        )

    def _retry(self) -> None:
        if self._last_request is not None and not self.busy:
            self._start(self._last_request)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "model"):
            self.model.set_palette(self.palette())
