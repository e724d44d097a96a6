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
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QItemSelection, QTimer
from PySide6.QtWidgets import (
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
from desktop.ui.costs.hint import confirm_cost
from desktop.ui.errors import show_problem
from desktop.ui.video.form import VideoForm
from desktop.ui.video.jobs_panel import JobCard, JobsPanel
from desktop.ui.video.result_panel import VideoResultPanel, video_path
from desktop.ui.video.status_words import TERMINAL
from desktop.ui.widgets import task_page
from desktop.ui.widgets.file_actions import MOVIES, suggested_name
from desktop.ui.widgets.generation_list import GenerationListModel, GenerationListView
from desktop.ui.widgets.media_page import MediaPage
from desktop.ui.widgets.notify import notify_finished

log = logging.getLogger(__name__)

T = TypeVar("T")

TASK = Task.TEXT_TO_VIDEO
VIDEO_FILTER = "Videos (*.mp4 *.webm *.mov);;All files (*)"
RELOAD_DELAY_MS = 150


async def _watch(job: asyncio.Task[T]) -> T | None:
    """Wait for a followed job without owning it (``asyncio.shield``); None when it failed
    unexpectedly (:meth:`VideoPage._followed` has already sent that to the error funnel)."""
    try:
        return await asyncio.shield(job)
    except Exception:
        return None


class VideoPage(MediaPage):
    """Form, pickers and job cards on the left; the player and the results on the right.

    Signals (from :class:`MediaPage`):
        providers_requested(str): open the Providers page ("token": focus the HF token).
        generation_added(int): a video (library row id) was accepted, finished or changed.
    """

    RESULT_HEIGHT = 540
    PROGRESS_GAP = 4

    form: VideoForm
    model: GenerationListModel

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        self._card: JobCard | None = None
        self._job_task: asyncio.Task[MediaResult] | None = None
        self._following: set[asyncio.Task[Any]] = set()
        self._select_after_reload: int | None = None
        super().__init__(
            services,
            TASK,
            "video",
            title="Video",
            run_text="Make video",
            run_tooltip="Make the video (Ctrl+Enter); it can take several minutes",
            example_model="Wan-AI/Wan2.1-T2V-14B",
            check=check_request,
            parent=parent,
        )
        self.run_button.set_canceller(self._cancel_current)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        self.reload()
        self.scope.spawn(self._resume_pending(), slot="resume")

    # --- Building -------------------------------------------------------------------------

    def _make_form(self, parent: QWidget) -> VideoForm:
        form = VideoForm(parent)
        self.start_picture, self.styles = self._creative_fields(
            form, "None — the video is made from the description."
        )
        form.add_start_and_styles(self.start_picture, self.styles)
        self.start_picture.changed.connect(self._on_start_changed)
        return form

    def _on_start_changed(self) -> None:
        """The Run button says what it will do: make a video, or animate the picture given."""
        animating = self.start_picture.path() is not None
        self.run_button.set_idle_text("Animate picture" if animating else "Make video")

    def use_picture(self, path: str) -> None:
        """ "Animate it" (Images tab, Library): the next video starts from ``path``."""
        self.form.use_picture(path)
        self.form.prompt.setFocus()

    def _make_progress(self, parent: QWidget) -> JobsPanel:
        self.jobs = JobsPanel(parent)
        return self.jobs

    def _make_result(self, parent: QWidget) -> VideoResultPanel:
        self.result = VideoResultPanel(parent)
        self.result.save_button.clicked.connect(self.save_selected)
        self.result.reuse_button.clicked.connect(self.reuse_selected)
        return self.result

    def _make_list(self, parent: QWidget) -> GenerationListView:
        self.model = GenerationListModel(self.palette(), icon_size=32)
        self.results = GenerationListView(parent, icon_size=32)
        self.results.setModel(self.model)
        self.results.setAccessibleName("Videos")
        self.results.setMinimumHeight(110)
        self.results.selectionModel().selectionChanged.connect(self._on_selection_changed)
        return self.results

    # --- Public API -----------------------------------------------------------------------

    def reload(self) -> None:
        """Read the results list again from the history (off the loop)."""
        self._reload_timer.stop()
        super().reload()

    def reuse_selected(self) -> None:
        gen = self.result.generation
        if gen is not None:
            self._fill_form(gen)

    def save_selected(self) -> None:
        gen = self.result.generation
        if gen is not None and video_path(gen):
            self.scope.spawn(self._save(gen), slot="save")

    async def aclose(self) -> None:
        """Stop watching jobs and release the player (the window is closing).

        Jobs keep running at their providers: the page's tasks only watch them (see
        :meth:`_follow`), and ``Services.aclose`` leaves them to be resumed at the next start.
        """
        self._reload_timer.stop()
        await self.scope.aclose()
        self.result.player.release()

    # --- Making a video -------------------------------------------------------------------

    def _begin(self, request: VideoRequest) -> None:
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
            self.message_bar.show_info("Not started.")
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
            result = await _watch(job)
        except asyncio.CancelledError:
            if job.cancelled() and isValid(self):  # the person's Cancel, before acceptance
                self.message_bar.show_info("Stopped before any provider took the video.")
                self._schedule_reload()
            raise
        finally:
            self._job_task = None
            if isValid(self):
                self.jobs.remove(card)
                self._card = None
        if result is not None:
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
        """A followed job ended: an unexpected error goes to the error funnel from here, once
        (the page may be gone; its watching task then ends quietly, see :func:`_watch`)."""
        self._following.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            sys.excepthook(type(exc), exc, exc.__traceback__)

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
            show_problem(self.message_bar, exc)

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
                self.message_bar,
            )
        elif result.status == Status.CANCELLED:
            self.message_bar.show_info(result.error or "The video was cancelled.")
        elif result.error:
            self.message_bar.show_error(result.error, result.error_action)
        self._reload_timer.stop()  # the reload it was waiting to do happens now
        await self._load_history()

    # --- Jobs left from an earlier run ----------------------------------------------------

    async def _resume_pending(self) -> None:
        records = await self.services.db.run(self.services.video.pending)
        if not records:
            return
        for record in records:
            card = self.jobs.add(record.prompt, elapsed_s=max(0.0, time.time() - record.created_at))
            card.job_id = record.id
            card.cancel_requested.connect(lambda c=card: self._cancel_card(c))
        self.message_bar.show_info(
            f"Picking up {len(records)} video{'s' if len(records) != 1 else ''} still being "
            "made since last time."
        )
        try:
            results = await _watch(
                self._follow(self.services.video.resume_pending(on_progress=self._on_resumed))
            )
        finally:
            for record in records:
                left = self.jobs.card_for(record.id)
                if left is not None:
                    self.jobs.remove(left)
        if results is None:
            return
        self.message_bar.clear()
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
        gens: list[StoredGeneration] = await self._history()
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
        gen = await self._stored(generation_id, "That video is no longer in the library.")
        if gen is None:
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
            self, self.services, self.message_bar, path, name, VIDEO_FILTER, MOVIES, "The video"
        )
