"""Following an accepted job to its end: poll with backoff, persist every change, never submit.

routing.md §5.4: once a provider has accepted a job it is *polled*, never resubmitted, until
the job's own terminal state or the user's deadline, because a second submission bills twice.
So nothing in this module can submit: it only looks at a job (and, when asked, cancels it).

How it polls: the first look after ``first_s``, then each wait ``factor`` times longer up to
``max_s``, never faster than the provider's documented cadence (Together asks for 2 s). A
look that fails for a passing reason (network, 429 with its Retry-After, 5xx, a slow answer)
is simply followed by the next one; a look the provider refuses for good (401/403, 404: the
job or the key is gone) ends the job; a few odd answers in a row end it too. Every change of
status or queue position is written to the job store *before* it is reported, so a crash
never loses more than the last look.

Times are event-loop times; the deadline is the caller's (a resumed job gets a fresh grace
period, since nobody was waiting while the app was closed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

import httpx2

from desktop.core.classify import Failure, clean
from desktop.core.trace import Outcome
from desktop.core.vocab import JobStatus
from desktop.providers import job_wire as jw
from desktop.providers.exchange import AttemptFailed
from desktop.store.jobs import JobRecord, JobStore
from desktop.store.worker import DbWorker

SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
CANCELLED: Final = "cancelled"
"""The provider says the job was cancelled (by us earlier, or on its own side)."""
EXPIRED: Final = "expired"
"""Our deadline passed while the job was still pending at the provider."""
STOPPED: Final = "stopped"
"""Someone asked us to cancel (``VideoService.cancel``); the caller cancels at the provider."""

_STORE_STATUS = {
    jw.QUEUED: JobStatus.QUEUED,
    jw.RUNNING: JobStatus.RUNNING,
    jw.SUCCEEDED: JobStatus.SUCCEEDED,
    jw.FAILED: JobStatus.FAILED,
    jw.CANCELLED: JobStatus.CANCELLED,
}


@dataclass(frozen=True)
class PollTiming:
    """Polling and deadlines of async jobs (routing.md §5.12, t2v column); all configurable.

    Attributes:
        first_s, factor, max_s: the wait before the first look, its growth, its ceiling.
        deadline_s: how long a job may take, counted from its acceptance.
        resume_grace_s: a job resumed after a restart gets at least this much more time.
        submit_s: how long one provider may take to accept a job before the next is tried.
        call_s: one status, result or cancel call.
        cancel_s: how long a cancel at the provider may take before we stop waiting.
        honour_cadence: never poll faster than the provider's documented cadence (tests
            switch it off to run in milliseconds).
        max_odd_answers: unreadable status answers in a row that end a job.
        max_jobs: jobs one request may start: a job that failed may be followed by one on
            another provider (the failed one is over), never more.
    """

    first_s: float = 1.0
    factor: float = 1.5
    max_s: float = 10.0
    deadline_s: float = 20 * 60.0
    resume_grace_s: float = 120.0
    submit_s: float = 15.0
    call_s: float = 30.0
    cancel_s: float = 5.0
    honour_cadence: bool = True
    max_odd_answers: int = 3
    max_jobs: int = 2

    def delays(self, cadence_s: float) -> Iterator[float]:
        floor = cadence_s if self.honour_cadence else 0.0
        delay = max(self.first_s, floor)
        while True:
            yield delay
            delay = max(floor, min(self.max_s, delay * self.factor))


@dataclass(frozen=True)
class JobAuth:
    """The headers (credential included) every call about one job carries."""

    headers: Mapping[str, str] = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass
class JobEnd:
    """How following a job ended.

    ``failure`` classifies why (the provider's error for a failed job, the refused look for a
    job we lost track of); ``lost`` means the job may still be running at the provider.
    """

    outcome: str
    record: JobRecord
    media_url: str | None = None
    error: str | None = None
    failure: Failure | None = None
    lost: bool = False


def ticket_of(record: JobRecord) -> jw.JobTicket:
    """The stored record as its protocol module's ticket."""
    return jw.JobTicket(
        kind=record.kind,
        provider_job_id=record.provider_job_id,
        submit_url=record.submit_url,
        status_url=record.status_url,
        api_base=record.api_base,
        result_url=record.result_url,
        cancel_url=record.cancel_url,
        status=record.status,
        queue_position=record.queue_position,
        media_url=record.media_url,
        error=record.error,
    )


async def _stop_requested(stop: asyncio.Event, wait_s: float) -> bool:
    """Wait ``wait_s`` seconds; True (early) if ``stop`` is set meanwhile."""
    if stop.is_set():
        return True
    try:
        async with asyncio.timeout(max(0.0, wait_s)):
            await stop.wait()
    except TimeoutError:
        return False
    return True


class JobPoller:
    """Polls jobs and cancels them at the provider; owns no state besides the store."""

    def __init__(
        self, client: httpx2.AsyncClient, store: JobStore, db: DbWorker, timing: PollTiming
    ) -> None:
        self.client = client
        self.store = store
        self.db = db
        self.timing = timing

    async def follow(
        self,
        record: JobRecord,
        protocol: jw.VideoJobProtocol,
        auth: JobAuth,
        *,
        deadline_at: float,
        stop: asyncio.Event,
        on_change: Callable[[JobRecord], None],
        look_now: bool = False,
    ) -> JobEnd:
        """Poll ``record`` until it ends, the deadline passes or ``stop`` is set.

        ``look_now`` skips the first wait (a resumed job: the provider may have finished long
        ago). A job whose end is already known (finished with its media URL, or refused in the
        acceptance itself) is not polled at all.
        """
        loop = asyncio.get_running_loop()
        ticket = ticket_of(record)
        delays = self.timing.delays(protocol.min_interval_s)
        odd = 0
        at_least = 0.0
        if record.status in (JobStatus.SUCCEEDED, JobStatus.DOWNLOADING) and record.media_url:
            return JobEnd(SUCCEEDED, record, media_url=record.media_url)
        if record.status == JobStatus.FAILED:  # refused at once, in the acceptance itself
            return JobEnd(FAILED, record, error=record.error)
        if record.status == JobStatus.CANCELLED:
            return JobEnd(CANCELLED, record)
        while True:
            wait = 0.0 if look_now else max(next(delays), at_least)
            look_now, at_least = False, 0.0
            left = deadline_at - loop.time()
            if left <= 0:
                return JobEnd(EXPIRED, record, lost=True)
            if await _stop_requested(stop, min(wait, left)):
                return JobEnd(STOPPED, record, lost=True)
            try:
                async with asyncio.timeout(self.timing.call_s):
                    state = await protocol.poll(self.client, ticket, auth.headers, auth.secrets)
            except TimeoutError:
                continue  # a slow look; the next may be quicker
            except AttemptFailed as exc:
                failure = exc.failure
                if jw.is_transient(failure):
                    at_least = failure.retry_after_s or 0.0
                    continue
                if failure.outcome == Outcome.BAD_RESPONSE:
                    odd += 1
                    if odd < self.timing.max_odd_answers:
                        continue
                return JobEnd(FAILED, record, error=failure.detail, failure=failure, lost=True)
            odd = 0
            if state.error:  # the provider's words go to the store and the library
                state.error = clean(state.error, auth.secrets)
            record = await self._apply(record, state, on_change)
            if state.status == jw.SUCCEEDED:
                return JobEnd(SUCCEEDED, record, media_url=state.media_url)
            if state.status == jw.FAILED:
                return JobEnd(FAILED, record, error=state.error)
            if state.status == jw.CANCELLED:
                return JobEnd(CANCELLED, record)

    async def _apply(
        self, record: JobRecord, state: jw.JobState, on_change: Callable[[JobRecord], None]
    ) -> JobRecord:
        """Write a changed status/position (store first, then report); unchanged: nothing."""
        changes: dict[str, object] = {}
        status = _STORE_STATUS[state.status]
        position = state.queue_position if state.status == jw.QUEUED else None
        if status != record.status:
            changes["status"] = status
        if position != record.queue_position:
            changes["queue_position"] = position
        if state.media_url and state.media_url != record.media_url:
            changes["media_url"] = state.media_url
        if state.error and state.error != record.error:
            changes["error"] = state.error
        if not changes:
            return record
        updated = await self.db.run(self.store.update, record.id, **changes) or record
        on_change(updated)
        return updated

    async def cancel_at_provider(
        self, record: JobRecord, protocol: jw.VideoJobProtocol, auth: JobAuth
    ) -> bool | None:
        """Ask the provider to cancel; True agreed, False refused or unreachable, None when
        it has no cancel call. Bounded by ``cancel_s``; never raises."""
        try:
            async with asyncio.timeout(self.timing.cancel_s):
                return await protocol.cancel(
                    self.client, ticket_of(record), auth.headers, auth.secrets
                )
        except (AttemptFailed, TimeoutError, httpx2.HTTPError):
            return False
