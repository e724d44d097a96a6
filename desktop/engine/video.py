"""Text-to-video: routed submission, then a persisted job that is polled, never resubmitted.

A video takes minutes, so every provider runs it as an asynchronous job (fal queue, Replicate
predictions, Novita tasks, Together ``/v2/videos``). What that means here (DESIGN §3,
routing.md §5.4):

* **The submission is routed like any request** (:meth:`Engine.run_task`): failover on
  connect errors, timeouts, 429, 5xx, refused keys, until a provider *accepts* a job. That
  acceptance is the commit point: the job (provider, job id, poll/result/cancel URLs, the
  keyring *user name* of the credential, never the secret) is written to the job store before
  the first poll, so a quit or a crash leaves a job that :meth:`VideoService.resume_pending`
  picks up on the next start, by polling, not by submitting again.
* **After acceptance nothing is resubmitted.** The job is polled with backoff until it ends or
  the deadline passes; a client-side deadline cancels the job at the provider and fails the
  request, it never starts another job. Only a job the *provider* reports failed may be
  followed by a new submission to the next provider (that job is over; at most
  ``PollTiming.max_jobs`` jobs per request), unless the failure reads like a content-policy or
  input refusal that every provider would repeat.
* **Cancel reaches the provider**: cancelling the task that runs :meth:`generate` (or calling
  :meth:`cancel` with the job id) asks the provider to cancel, bounded in time, and records
  the job as cancelled. Quitting the app is not a cancel: :meth:`aclose` stops following jobs
  and leaves them running at the provider, to be resumed.
* The finished video is downloaded without any credential, checked to be a real video
  container, stored content-addressed, and its library row (added as ``running`` at
  acceptance) completed: :mod:`desktop.engine.video_outcome` does that bookkeeping.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import httpx2

from desktop.core.classify import Failure
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import MediaResult, VideoRequest
from desktop.core.table import HF_CREDENTIAL, PROVIDERS, Task, provider_label
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import FixAction, JobStatus, Status
from desktop.engine import job_poll as jp
from desktop.engine.attempts import AttemptScope, ResultOutcome, attempt_result, task_headers
from desktop.engine.billing import ROUTED_VIAS
from desktop.engine.candidates import Candidate
from desktop.engine.creative_inputs import prepare, style_params
from desktop.engine.failover import AttemptContext, failure_message
from desktop.engine.job_poll import JobAuth, JobEnd, JobPoller, PollTiming
from desktop.engine.router import Engine
from desktop.engine.video_outcome import (
    CancelOutcome,
    JobRun,
    Progress,
    ProgressCallback,
    VideoKeeper,
    cancel_sentence,
    expired_sentence,
    mark_attempt,
    media_result,
)
from desktop.providers import (
    fal_queue,
    novita_video,
    replicate_video,
    together_video,
    wavespeed,
)
from desktop.providers import job_wire as jw
from desktop.providers.exchange import AttemptFailed
from desktop.providers.media_fetch import MediaLimits
from desktop.store.history import HistoryStore
from desktop.store.jobs import JobRecord, JobStore
from desktop.store.media import MediaStore
from desktop.store.worker import DbWorker

__all__ = ["CancelOutcome", "PollTiming", "VideoService"]

I2V_KIND_BY_PROVIDER: dict[str, str] = {
    "fal-ai": fal_queue.KIND,
    "together": together_video.KIND,
    "wavespeed": wavespeed.KIND,
}
"""Which job protocol animates pictures on each provider (providers.md §4.6)."""

STYLE_PROVIDERS = frozenset({"fal-ai"})
"""Who applies styles (LoRA) to videos: fal only (providers.md §3.3)."""

KIND_BY_PROVIDER: dict[str, str] = {
    "fal-ai": fal_queue.KIND,
    "replicate": replicate_video.KIND,
    "novita": novita_video.KIND,
    "together": together_video.KIND,
    "wavespeed": wavespeed.KIND,
}
"""Which job protocol makes videos on each provider (providers.md §4.5)."""

_STORE_STATUS = {
    jw.QUEUED: JobStatus.QUEUED,
    jw.RUNNING: JobStatus.RUNNING,
    jw.SUCCEEDED: JobStatus.SUCCEEDED,
    jw.FAILED: JobStatus.FAILED,
    jw.CANCELLED: JobStatus.CANCELLED,
}

AttemptCallback = Callable[[AttemptRecord], None]


def default_protocols() -> dict[str, jw.VideoJobProtocol]:
    """One protocol object per job kind."""
    protocols: list[jw.VideoJobProtocol] = [
        fal_queue.FalQueue(),
        replicate_video.ReplicateVideo(),
        novita_video.NovitaVideo(),
        together_video.TogetherVideo(),
        wavespeed.WaveSpeedJobs(),
    ]
    return {p.kind: p for p in protocols}


def check_request(request: VideoRequest) -> str | None:
    """A sentence when the request cannot be sent as it is, else None."""
    if not request.prompt.strip():
        return "Describe the video first: the prompt is empty."
    for name, value in (("frames", request.num_frames), ("steps", request.steps)):
        if value is not None and value < 1:
            return f"The number of {name} must be at least 1."
    return None


def request_params(request: VideoRequest) -> dict[str, Any]:
    """What the library keeps for "reuse settings"."""
    extra: dict[str, Any] = {}
    if request.source_path:
        extra["source_path"] = request.source_path
    if request.loras:
        extra["loras"] = style_params(request.loras)
    return extra | {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "num_frames": request.num_frames,
        "steps": request.steps,
        "guidance": request.guidance,
        "seed": request.seed,
        "provider": request.provider,
    }


@dataclass
class _Accepted:
    """A submission the provider accepted: the stored job and the headers to follow it."""

    record: JobRecord
    auth: JobAuth


@dataclass
class _Following:
    """A job this process is polling right now; ``stop`` asks it to cancel."""

    outcome: asyncio.Future[CancelOutcome]
    stop: asyncio.Event = field(default_factory=asyncio.Event)


class VideoService:
    """Makes videos through the engine; jobs live in the job store and resume after a restart.

    Attributes:
        timing: polling cadence, deadlines and the submission budget (tests shrink it).
    """

    def __init__(
        self,
        engine: Engine,
        jobs: JobStore,
        history: HistoryStore,
        media: MediaStore,
        db: DbWorker,
        executor: Executor | None = None,
        *,
        timing: PollTiming | None = None,
        protocols: dict[str, jw.VideoJobProtocol] | None = None,
    ) -> None:
        self.engine = engine
        self.jobs = jobs
        self.db = db
        self.timing = timing or PollTiming()
        self.keeper = VideoKeeper(
            lambda: engine.client, jobs, history, media, engine.health, db, executor
        )
        self._protocols = protocols or default_protocols()
        self._following: dict[str, _Following] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._closing = False

    @property
    def client(self) -> httpx2.AsyncClient:
        return self.engine.client

    @property
    def limits(self) -> MediaLimits:
        """What a downloaded video may be (type, size cap, time)."""
        return self.keeper.limits

    @limits.setter
    def limits(self, value: MediaLimits) -> None:
        self.keeper.limits = value

    @property
    def _poller(self) -> JobPoller:
        return JobPoller(self.client, self.jobs, self.db, self.timing)

    def pending(self) -> list[JobRecord]:
        """Jobs accepted by a provider and not finished (what :meth:`resume_pending` takes).

        Blocking: front ends call it through the database worker (``services.db.run``)."""
        return self.jobs.pending()

    # --- Generate ----------------------------------------------------------------------

    async def generate(
        self,
        request: VideoRequest,
        *,
        on_progress: ProgressCallback | None = None,
        on_attempt: AttemptCallback | None = None,
    ) -> MediaResult:
        """Make one video; the result says what happened (it never raises for a failure).

        Cancelling the task cancels the job at the provider (bounded) and records it;
        :meth:`aclose` (app quit) instead leaves the job running there, to be resumed.
        """
        started = time.time()
        trace = Trace(model=request.model, policy=request.provider, task=request.task)
        params = request_params(request)
        problem = check_request(request)
        if problem is not None:
            return media_result(Status.FAILED, trace, params, started, error=problem)
        if request.source_path or request.loras:
            try:
                prepared = await prepare(
                    self.engine,
                    self.keeper.media,
                    self.engine.executor,
                    model=request.model,
                    source_path=request.source_path,
                    loras=request.loras,
                )
            except SwitchboardError as exc:
                return media_result(
                    Status.FAILED, trace, params, started, error=str(exc), action=exc.action
                )
            request.source = prepared.source
            request.loras = prepared.loras or []
            if prepared.source_file:
                params["source_file"] = prepared.source_file
        progress = Progress(on_progress, started)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            made = await self._generate(request, trace, params, started, progress, on_attempt)
            return await self._settle(made)
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _generate(
        self,
        request: VideoRequest,
        trace: Trace,
        params: dict[str, Any],
        started: float,
        progress: Progress,
        on_attempt: AttemptCallback | None,
    ) -> MediaResult:
        """Route a submission; follow the accepted job; after a job the provider failed,
        route one more submission to the providers not tried yet (``max_jobs``)."""
        used: dict[str, str] = {}
        jobs_failed = 0
        generation_id: int | None = None
        last: MediaResult | None = None
        for _ in range(max(1, self.timing.max_jobs)):
            progress.provider = progress.job_id = None
            progress.emit("submitting")

            async def attempt(ctx: AttemptContext) -> ResultOutcome[_Accepted]:
                return await attempt_result(
                    ctx, lambda scope: self._submit(scope, request, trace, params)
                )

            try:
                routed = await self.engine.run_task(
                    Task(request.task),
                    request.model,
                    request.provider,
                    attempt,
                    trace=trace,
                    first_deadline_s=self.timing.submit_s,
                    on_attempt=on_attempt,
                    exclude=used or None,
                )
            except SwitchboardError as exc:
                if last is not None:
                    break
                return media_result(
                    Status.FAILED, trace, params, started, error=str(exc), action=exc.action
                )
            outcome, cand = routed.outcome, routed.candidate
            if outcome is None or outcome.value is None or cand is None:
                if last is not None:
                    break  # the failed job says more than "nobody else could take it"
                message, action = failure_message(trace, routed.failures)
                return media_result(
                    Status.FAILED, trace, params, started, error=message, action=action
                )
            accepted = outcome.value
            generation_id = await self.keeper.library_start(
                accepted.record, trace, params, generation_id
            )
            # The attempt is settled now ("ok"): keep that trace with the job for a resume.
            record = await self.db.run(
                self.jobs.update,
                accepted.record.id,
                generation_id=generation_id,
                trace=trace.to_dict(),
            )
            run = JobRun(
                record or accepted.record,
                accepted.auth,
                trace,
                params,
                started,
                attempt=routed.record,
            )
            progress.record(run.record)
            last = await self._run(run, progress, look_now=False)
            if run.failure is None:
                return last
            jobs_failed += 1
            used[cand.provider] = f"its job failed: {run.failure.detail}"
        assert last is not None
        progress.provider, progress.job_id = last.provider, last.job_id
        progress.emit(last.status)
        if jobs_failed > 1 and last.error:
            last.error += f" ({len(trace.attempts)} attempts: {trace.summary()}.)"
        return last

    async def _submit(
        self, scope: AttemptScope, request: VideoRequest, trace: Trace, params: dict[str, Any]
    ) -> _Accepted:
        """One submission; the job is in the store before this returns (before the commit)."""
        cand = scope.ctx.candidate
        animate = request.source is not None
        kinds = I2V_KIND_BY_PROVIDER if animate else KIND_BY_PROVIDER
        kind = kinds.get(cand.provider)
        protocol = self._protocols.get(kind or "")
        if kind is None or protocol is None:
            what = "animate pictures" if animate else "make videos"
            raise AttemptFailed(Failure(Outcome.REJECTED, f"it does not {what} here"))
        if request.loras and cand.provider not in STYLE_PROVIDERS:
            raise AttemptFailed(Failure(Outcome.REJECTED, "it does not apply styles to videos"))
        headers = task_headers(cand)
        secrets = (cand.secret or "",)
        target = jw.JobTarget(
            cand.provider, cand.via, cand.base, cand.provider_model, headers, secrets
        )
        ticket = await protocol.submit(self.client, target, request)
        scope.ctx.record.message = f"accepted as job {ticket.provider_job_id}"
        record = await self.db.run(
            self.jobs.add,
            JobRecord(
                id=uuid.uuid4().hex,
                task=request.task,
                kind=kind,
                provider=cand.provider,
                via=cand.via,
                provider_model=cand.provider_model,
                credential=cand.credential,
                model=request.model,
                prompt=request.prompt,
                provider_job_id=ticket.provider_job_id,
                submit_url=ticket.submit_url,
                status_url=ticket.status_url,
                api_base=ticket.api_base,
                params=params,
                result_url=ticket.result_url,
                cancel_url=ticket.cancel_url,
                status=_STORE_STATUS.get(ticket.status, JobStatus.SUBMITTED),
                queue_position=ticket.queue_position,
                media_url=ticket.media_url,
                error=ticket.error,
                trace=trace.to_dict(),
                bill_to=cand.bill_to if cand.via in ROUTED_VIAS else None,
            ),
        )
        return _Accepted(record, JobAuth(headers, secrets))

    # --- Following a job -----------------------------------------------------------------

    async def _run(self, run: JobRun, progress: Progress, *, look_now: bool) -> MediaResult:
        """Poll the job to its end, then deliver or explain; shared by generate and resume."""
        record = run.record
        protocol = self._protocols[record.kind]
        loop = asyncio.get_running_loop()
        following = _Following(loop.create_future())
        self._following[record.id] = following
        left = record.created_at + self.timing.deadline_s - time.time()
        if look_now:
            left = max(left, self.timing.resume_grace_s)
        try:
            end = await self._poller.follow(
                record,
                protocol,
                run.auth,
                deadline_at=loop.time() + left,
                stop=following.stop,
                on_change=progress.record,
                look_now=look_now,
            )
            run.record = end.record
            if end.outcome == jp.SUCCEEDED and end.media_url:
                return await self.keeper.deliver(run, end.media_url, progress)
            if end.outcome == jp.STOPPED:
                agreed = await self._cancel_shielded(run.record, protocol, run.auth)
                message = cancel_sentence(record.provider, agreed)
                if not following.outcome.done():
                    following.outcome.set_result(CancelOutcome(record.id, agreed, message))
                return await self.keeper.cancelled(run, progress, message)
            return await self._ended_badly(run, end, protocol, progress)
        except asyncio.CancelledError:
            if not self._closing:  # the user's cancel, not an app quit
                try:
                    agreed = await self._cancel_shielded(run.record, protocol, run.auth)
                except asyncio.CancelledError:
                    agreed = False
                await self.keeper.cancelled(
                    run, progress, "Stopped. " + cancel_sentence(record.provider, agreed)
                )
            raise
        finally:
            self._following.pop(record.id, None)
            if not following.outcome.done():
                following.outcome.set_result(
                    CancelOutcome(record.id, False, "The job had already ended.")
                )

    async def _ended_badly(
        self, run: JobRun, end: JobEnd, protocol: jw.VideoJobProtocol, progress: Progress
    ) -> MediaResult:
        who = provider_label(run.record.provider)
        if end.outcome == jp.EXPIRED:
            # Our deadline, not the provider's failure: cancel it, never submit it again.
            agreed = await self._cancel_shielded(run.record, protocol, run.auth)
            mark_attempt(run, Outcome.TIMEOUT, "the job did not finish before the deadline")
            message = expired_sentence(run.record, self.timing.deadline_s, agreed)
            return await self.keeper.finish(
                run, progress, Status.FAILED, JobStatus.FAILED, message, action=FixAction.RETRY
            )
        if end.outcome == jp.CANCELLED:
            return await self.keeper.cancelled(run, progress, f"{who} cancelled the job.")
        error = end.error or "the job failed"
        if end.lost:
            message = (
                f"{who} stopped answering about the job ({error}); it may still be running there."
            )
            return await self.keeper.finish(
                run, progress, Status.FAILED, JobStatus.FAILED, message, action=FixAction.RETRY
            )
        return await self.keeper.job_failed(run, error, progress)

    async def _cancel_shielded(
        self, record: JobRecord, protocol: jw.VideoJobProtocol, auth: JobAuth
    ) -> bool | None:
        """Cancel at the provider even if our own task is being cancelled (bounded)."""
        task = asyncio.ensure_future(self._poller.cancel_at_provider(record, protocol, auth))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return await asyncio.shield(task)

    # --- Resume, cancel, close -----------------------------------------------------------

    async def resume_pending(
        self, on_progress: ProgressCallback | None = None
    ) -> list[MediaResult]:
        """Follow every unfinished job of an earlier run to its end, never submitting.

        Credentials are read again (by the keyring user name kept with each job). A job whose
        credential is gone stays pending and its result says why.
        """
        pending = await self.db.run(self.jobs.pending)
        records = [r for r in pending if r.id not in self._following]
        if not records:
            return []
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return list(await asyncio.gather(*(self._resume(r, on_progress) for r in records)))
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _resume(self, record: JobRecord, on_progress: ProgressCallback | None) -> MediaResult:
        trace = (
            Trace.from_dict(record.trace)
            if record.trace
            else Trace(
                model=record.model,
                policy=str(record.params.get("provider") or record.provider),
                task=record.task,
            )
        )
        trace.bill_to = trace.bill_to or record.bill_to  # who the submission billed
        progress = Progress(on_progress, record.created_at)
        who = provider_label(record.provider)
        protocol = self._protocols.get(record.kind)
        auth = self._auth_for(record)
        if protocol is None or auth is None:
            error = (
                f"Switchboard cannot follow {record.kind} jobs."
                if protocol is None
                else f"The {self._credential_name(record)} that started this {who} job is "
                "gone; add it again on the Providers page to fetch the video."
            )
            result = media_result(
                Status.FAILED,
                trace,
                record.params,
                record.created_at,
                error=error,
                action=FixAction.OPEN_PROVIDERS if protocol else None,
            )
            result.provider, result.job_id = record.provider, record.id
            result.record_id = record.generation_id
            return result
        generation_id = record.generation_id
        if generation_id is None:
            generation_id = await self.keeper.library_start(record, trace, record.params, None)
            noted = await self.db.run(self.jobs.update, record.id, generation_id=generation_id)
            record = noted or record
        progress.record(record)
        run = JobRun(
            record,
            auth,
            trace,
            record.params,
            record.created_at,
            attempt=_accepted_attempt(trace, record.provider),
        )
        return await self._settle(await self._run(run, progress, look_now=True))

    async def _settle(self, result: MediaResult) -> MediaResult:
        """Estimate the cost, then keep it in the library row too: the row was finished
        before the video's length (what it is priced by) was known to the meter."""
        settled = await self.engine.costs.settle_media(result)
        if settled.record_id is not None:
            await self.db.run(
                self.keeper.history.update_generation,
                settled.record_id,
                trace=settled.trace.to_dict(),
            )
        return settled

    @staticmethod
    def _credential_name(record: JobRecord) -> str:
        if record.credential == HF_CREDENTIAL:
            return "Hugging Face token"
        return f"{provider_label(record.credential)} key"

    def _auth_for(self, record: JobRecord) -> JobAuth | None:
        """The job's headers, with the secret read again by its keyring user name."""
        creds = self.engine.credentials
        if record.credential == HF_CREDENTIAL:
            secret = creds.hf_token()
        elif record.credential:
            secret = creds.provider_key(record.credential)
        else:
            secret = None
        if not secret and record.credential:
            return None
        spec = PROVIDERS.get(record.provider)
        scheme = spec.auth_scheme if spec is not None and record.via == "direct" else "Bearer"
        cand = Candidate(
            provider=record.provider,
            via=record.via,
            provider_model=record.provider_model,
            url="",
            credential=record.credential,
            secret=secret,
            auth_scheme=scheme,
            base=record.api_base,
            bill_to=record.bill_to,  # the account the submission billed, after a restart too
        )
        return JobAuth(task_headers(cand), (secret or "",))

    async def cancel(self, job_id: str) -> CancelOutcome:
        """Cancel a job at its provider (the one running now, or one left from earlier).

        A job this process is following ends as ``cancelled`` in its own :meth:`generate` /
        resume result. Raises :class:`SwitchboardError` for an unknown job.
        """
        following = self._following.get(job_id)
        if following is not None:
            following.stop.set()
            return await asyncio.shield(following.outcome)
        record = await self.db.run(self.jobs.get, job_id)
        if record is None:
            raise SwitchboardError("There is no such video job.")
        if record.terminal:
            return CancelOutcome(job_id, False, "The job had already ended.")
        protocol = self._protocols.get(record.kind)
        auth = self._auth_for(record)
        agreed: bool | None = False
        if protocol is not None and auth is not None:
            agreed = await self._cancel_shielded(record, protocol, auth)
        message = cancel_sentence(record.provider, agreed)
        generation_id = record.generation_id

        def record_cancel() -> None:
            self.jobs.update(job_id, status=JobStatus.CANCELLED, error=message, queue_position=None)
            if generation_id is not None:
                self.keeper.history.update_generation(
                    generation_id, status=Status.CANCELLED, error=message
                )

        await self.db.run(record_cancel)
        return CancelOutcome(job_id, agreed, message)

    async def aclose(self) -> None:
        """App quit: stop following jobs *without* cancelling them, so they resume next time.

        Cancels in flight at the provider (a user's Cancel just before quitting) get a
        bounded moment to go out before the HTTP client closes.
        """
        self._closing = True
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current and not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self.timing.cancel_s)
        if self._background:
            await asyncio.wait(list(self._background), timeout=self.timing.cancel_s)


def _accepted_attempt(trace: Trace, provider: str) -> AttemptRecord | None:
    """The attempt of ``trace`` that submitted the job (the last OK one of ``provider``)."""
    for record in reversed(trace.attempts):
        if record.provider == provider and record.outcome == Outcome.OK:
            return record
    return None
