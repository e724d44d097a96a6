"""How a video job ends: its progress reports, its sentences, the download, and the records.

:mod:`desktop.engine.video` decides *what* happens to a job (submit, poll, cancel, resume);
this module does the bookkeeping every ending shares, so each ending is written the same way
in three places at once: the job store (so a restart knows the job is over), the library row
(added as ``running`` when the provider accepted the job) and the caller's
:class:`~desktop.core.media_types.MediaResult`, with one sentence a person can act on.

The download (:meth:`VideoKeeper.deliver`) goes through ``media_fetch`` (no credential ever
reaches the media host, size and time caps), then checks that the bytes really are a video
container before anything is stored: an error page served as ``video/mp4`` is refused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from typing import Any

import httpx2

from desktop.core.classify import Failure, classify_inband
from desktop.core.media_types import JobProgress, MediaFile, MediaResult
from desktop.core.table import Task, provider_label
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import FixAction, JobStatus, Status
from desktop.engine.health import HealthBook
from desktop.engine.job_poll import JobAuth
from desktop.engine.video_file import mp4_duration, video_kind
from desktop.providers.exchange import AttemptFailed
from desktop.providers.media_fetch import VIDEO, MediaLimits, fetch_media
from desktop.store.history import HistoryStore
from desktop.store.jobs import JobRecord, JobStore
from desktop.store.media import MediaStore
from desktop.store.worker import DbWorker

TASK = Task.TEXT_TO_VIDEO

ProgressCallback = Callable[[JobProgress], None]

_PROGRESS_STATUS: dict[str, str] = {
    JobStatus.SUBMITTED: "queued",
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "running",
    JobStatus.SUCCEEDED: "running",
    JobStatus.DOWNLOADING: "downloading",
    JobStatus.DONE: "done",
    JobStatus.FAILED: "failed",
    JobStatus.CANCELLED: "cancelled",
}


@dataclass
class CancelOutcome:
    """What a cancel achieved.

    ``at_provider``: True the provider agreed; False it refused (already finished) or could
    not be reached; None it has no way to cancel a job (only our side stopped).
    """

    job_id: str
    at_provider: bool | None
    message: str


def cancel_sentence(provider: str, agreed: bool | None) -> str:
    who = provider_label(provider)
    if agreed:
        return f"Cancelled at {who}."
    if agreed is None:
        return (
            f"{who} has no way to cancel a job; Switchboard stopped waiting for it, but it "
            "may still finish (and be billed) there."
        )
    return (
        f"{who} did not confirm the cancel (the job may have just finished); Switchboard "
        "stopped waiting for it."
    )


def expired_sentence(record: JobRecord, deadline_s: float, agreed: bool | None) -> str:
    """The deadline passed: say where the job was and that nothing was submitted again."""
    who = provider_label(record.provider)
    where = (
        "still waiting in the queue"
        if record.status in (JobStatus.QUEUED, JobStatus.SUBMITTED)
        else "still working on it"
    )
    minutes = deadline_s / 60
    span = f"{minutes:g} minutes" if minutes >= 1 else f"{deadline_s:g} s"
    done = "cancelled it there" if agreed else "stopped waiting for it"
    return (
        f"{who} did not finish the video within {span} (it was {where}); "
        f"Switchboard {done} and did not submit it again."
    )


class Progress:
    """Reports a job's progress to the caller, once per change."""

    def __init__(self, callback: ProgressCallback | None, started: float) -> None:
        self._callback = callback
        self._started = started
        self._last: tuple[object, ...] | None = None
        self.provider: str | None = None
        self.job_id: str | None = None

    def emit(self, status: str, queue_position: int | None = None) -> None:
        key = (status, queue_position, self.provider, self.job_id)
        if key == self._last or self._callback is None:
            self._last = key
            return
        self._last = key
        self._callback(
            JobProgress(
                status=status,
                queue_position=queue_position,
                elapsed_s=max(0.0, time.time() - self._started),
                provider=self.provider,
                job_id=self.job_id,
            )
        )

    def record(self, record: JobRecord) -> None:
        self.provider, self.job_id = record.provider, record.id
        self.emit(_PROGRESS_STATUS.get(record.status, record.status), record.queue_position)


@dataclass
class JobRun:
    """One job being followed, with what its result and library row need."""

    record: JobRecord
    auth: JobAuth
    trace: Trace
    params: dict[str, Any]
    started: float
    attempt: AttemptRecord | None = None
    """The trace's attempt that submitted the job (its outcome changes if the job fails)."""
    failure: Failure | None = None
    """Set when the provider failed the job in a way another provider may not: failover."""


def media_result(
    status: Status,
    trace: Trace,
    params: dict[str, Any],
    started: float,
    *,
    error: str | None = None,
    action: FixAction | None = None,
    files: list[MediaFile] | None = None,
) -> MediaResult:
    return MediaResult(
        task=trace.task or TASK.value,
        status=status,
        trace=trace,
        files=files or [],
        error=error,
        error_action=action,
        params=params,
        duration_ms=max(0.0, time.time() - started) * 1000,
    )


def mark_attempt(run: JobRun, outcome: str, message: str) -> None:
    """The accepted attempt turned out badly after all: say so in the trace."""
    if run.attempt is not None:
        run.attempt.outcome = outcome
        run.attempt.message = message
    run.trace.answered_by = None
    run.trace.billed_to = None


class VideoKeeper:
    """Downloads, stores and records the end of video jobs (job store, library, result)."""

    def __init__(
        self,
        client: Callable[[], httpx2.AsyncClient],
        jobs: JobStore,
        history: HistoryStore,
        media: MediaStore,
        health: HealthBook,
        db: DbWorker,
        executor: Executor | None,
    ) -> None:
        self._client = client
        self.jobs = jobs
        self.history = history
        self.db = db
        self.media = media
        self.health = health
        self._executor = executor
        self.limits: MediaLimits = VIDEO

    async def library_start(
        self, record: JobRecord, trace: Trace, params: dict[str, Any], generation_id: int | None
    ) -> int:
        """The library row shows the job from its acceptance (``running``); one per request,
        even when a failed job is followed by one on another provider."""
        return await self.db.run(self._library_start, record, trace, params, generation_id)

    def _library_start(
        self, record: JobRecord, trace: Trace, params: dict[str, Any], generation_id: int | None
    ) -> int:
        if generation_id is not None:
            self.history.update_generation(
                generation_id,
                status=Status.RUNNING,
                provider=record.provider,
                provider_model=record.provider_model,
                error=None,
                trace=trace.to_dict(),
            )
            return generation_id
        return self.history.add_generation(
            record.task or TASK.value,
            prompt=record.prompt,
            negative_prompt=params.get("negative_prompt"),
            model=record.model,
            provider=record.provider,
            provider_model=record.provider_model,
            status=Status.RUNNING,
            params=params,
            trace=trace.to_dict(),
        )

    async def deliver(self, run: JobRun, url: str, progress: Progress) -> MediaResult:
        """Download without credentials, check it is a video, store it, finish the records."""
        downloading = await self.db.run(
            self.jobs.update, run.record.id, status=JobStatus.DOWNLOADING
        )
        run.record = downloading or run.record
        progress.record(run.record)
        who = provider_label(run.record.provider)
        try:
            fetched = await fetch_media(self._client(), url, self.limits)
            kind = video_kind(fetched.data)
            if kind is None:
                raise AttemptFailed(Failure(Outcome.BAD_RESPONSE, "the file is not a video"))
        except AttemptFailed as exc:
            message = (
                f"{who} finished the video, but it could not be downloaded ({exc.failure.detail})."
            )
            return await self.finish(
                run, progress, Status.FAILED, JobStatus.FAILED, message, action=FixAction.RETRY
            )
        mime, suffix = kind
        loop = asyncio.get_running_loop()
        path, duration = await loop.run_in_executor(
            self._executor, self._keep, fetched.data, suffix
        )
        seed = run.params.get("seed")
        file = MediaFile(
            path=path,
            mime=mime,
            seed=seed if isinstance(seed, int) else None,
            duration_s=duration,
            provider=run.record.provider,
        )
        return await self.finish(run, progress, Status.COMPLETE, JobStatus.DONE, None, files=[file])

    def _keep(self, data: bytes, suffix: str) -> tuple[str, float | None]:
        """Blocking (hashing, writing, parsing boxes): runs in the executor."""
        path = self.media.put(data, suffix)
        return str(path), mp4_duration(data) if suffix == ".mp4" else None

    async def job_failed(self, run: JobRun, error: str, progress: Progress) -> MediaResult:
        """The provider failed the job. Unless its words read like a refusal every provider
        would repeat (content policy, invalid input), ``run.failure`` allows a new job
        elsewhere, and the provider's health hears about it."""
        failure = classify_inband(error)
        failure.detail = error
        mark_attempt(run, failure.outcome, f"job failed: {error}")
        if failure.outcome not in (Outcome.CONTENT_POLICY, Outcome.INVALID_REQUEST):
            run.failure = failure
            self.health.record(
                HealthBook.key(run.record.provider, run.record.credential or "none"),
                failure.outcome,
            )
        action = (
            FixAction.OTHER_PROVIDER
            if failure.outcome == Outcome.CONTENT_POLICY
            else FixAction.RETRY
        )
        who = provider_label(run.record.provider)
        return await self.finish(
            run,
            progress,
            Status.FAILED,
            JobStatus.FAILED,
            f"{who} could not make the video ({error}).",
            action=action,
        )

    async def finish(
        self,
        run: JobRun,
        progress: Progress,
        status: Status,
        job_status: JobStatus,
        error: str | None,
        *,
        action: FixAction | None = None,
        files: list[MediaFile] | None = None,
    ) -> MediaResult:
        """Record the end in the job store and the library, report it, build the result."""
        files = files or []
        record = run.record
        changes: dict[str, Any] = {
            "status": job_status,
            "error": error,
            "trace": run.trace.to_dict(),
            "queue_position": None,
        }
        if files:
            changes["result_path"] = files[0].path
        result = media_result(
            status, run.trace, run.params, run.started, error=error, action=action, files=files
        )
        result.provider, result.provider_model = record.provider, record.provider_model
        result.job_id = record.id
        result.record_id = record.generation_id

        def record_end() -> JobRecord | None:
            # The job store first: its "done" is what stops a resume from fetching again.
            updated = self.jobs.update(record.id, **changes)
            if record.generation_id is not None:
                self.history.update_generation(
                    record.generation_id,
                    status=status,
                    provider=record.provider,
                    provider_model=record.provider_model,
                    files=[asdict(f) for f in files],
                    trace=run.trace.to_dict(),
                    error=error,
                    duration_ms=result.duration_ms,
                )
            return updated

        ended = await self.db.run(record_end)
        run.record = ended or record
        progress.record(run.record)
        return result

    async def cancelled(self, run: JobRun, progress: Progress, message: str) -> MediaResult:
        return await self.finish(run, progress, Status.CANCELLED, JobStatus.CANCELLED, message)
