"""Asynchronous jobs of the emulator: their lifecycle, test controls, and the media they make.

Every emulated job API (fal queue, Novita tasks, Together videos) keeps its jobs in one
:class:`JobBook`. A job's life is counted in *status polls*, not seconds, so tests are fast and
deterministic: with ``queue_polls=3`` the first three polls answer "queued" with positions 2,
1, 0, then ``running_polls`` polls answer "running", then the job ends. ``outcome="hold"``
keeps a job queued until the test calls :meth:`JobBook.release` (never released: stuck in the
queue forever, for deadline tests).

Finished jobs publish their video on the emulator's media host (:mod:`.media`) and point at
its ``/media/<name>`` URL; the ``"media"`` faults (404, wrong type, …) apply to the download,
and the request record shows every download, so a test can check that no credential ever
reaches the media host.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import threading
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from desktop.core.table import PROVIDERS

from .media import host_for, mp4_bytes
from .state import State
from .wire import credential, hf_headers, json_response

VIDEO_TASK = "text-to-video"
QUEUE_TASKS = frozenset({"text-to-video", "image-to-video", "image-to-image", "image-segmentation"})
"""Tasks fal serves through its queue (providers.md §2.2)."""

WAN_T2V = "Wan-AI/Wan2.1-T2V-14B"
HUNYUAN_VIDEO = "tencent/HunyuanVideo"
"""On fal its providerId is longer than its app id: pitfall #19 (URLs from response_url)."""

VIDEO_MODELS: list[tuple[str, dict[str, dict[str, Any]]]] = [
    (
        WAN_T2V,
        {
            "fal-ai": {"providerId": "fal-ai/wan-t2v", "task": VIDEO_TASK},
            "replicate": {"providerId": "wavespeedai/wan-2.1-t2v-480p", "task": VIDEO_TASK},
            "novita": {"providerId": "wan-t2v", "task": VIDEO_TASK},
            "together": {"providerId": "Wan-AI/Wan2.1-T2V-14B", "task": VIDEO_TASK},
        },
    ),
    (
        HUNYUAN_VIDEO,
        {
            "fal-ai": {"providerId": "fal-ai/hunyuan-video/v1.5/text-to-video", "task": VIDEO_TASK},
        },
    ),
]

OUTCOMES = frozenset({"succeed", "fail", "hold"})


@dataclass
class JobPlan:
    """How a job behaves, counted in status polls.

    Attributes:
        queue_polls: polls answered "queued"; the queue position counts down to 0 over them
            (the submit answer announces ``queue_polls``).
        running_polls: polls answered "running" after the queue.
        outcome: ``succeed``; ``fail`` (the provider reports ``error``); ``hold`` (stays
            queued at position ``queue_polls`` until released, then runs and succeeds).
        no_status: Together only: leave ``status`` out of pending answers (pitfall #21).
    """

    queue_polls: int = 2
    running_polls: int = 1
    outcome: str = "succeed"
    error: str = "The model crashed while generating the video."
    no_status: bool = False

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
        if self.queue_polls < 0 or self.running_polls < 0:
            raise ValueError("poll counts must be >= 0")


@dataclass
class EmuJob:
    """One job as the emulator keeps it; tests get copies."""

    id: str
    provider: str
    provider_model: str
    routed: bool
    body: Any
    plan: JobPlan
    app_id: str = ""
    polls: int = 0
    released_at: int | None = None
    cancelled: bool = False
    cancel_calls: int = 0
    phase: str = "queued"
    position: int | None = None

    def advance(self) -> None:
        """Count one status poll and work out the phase it sees."""
        self.polls += 1
        plan = self.plan
        if self.cancelled:
            self.phase, self.position = "cancelled", None
            return
        if plan.outcome == "hold" and self.released_at is None:
            self.phase, self.position = "queued", plan.queue_polls
            return
        n = self.polls
        if self.released_at is not None:
            n = self.polls - self.released_at + plan.queue_polls
        if n <= plan.queue_polls:
            self.phase, self.position = "queued", plan.queue_polls - n
        elif n <= plan.queue_polls + plan.running_polls:
            self.phase, self.position = "running", None
        else:
            self.phase = "failed" if plan.outcome == "fail" else "succeeded"
            self.position = None

    @property
    def terminal(self) -> bool:
        return self.phase in ("failed", "succeeded", "cancelled")


@dataclass
class _PollFault:
    status: int
    remaining: int | None
    retry_after_ms: int | None = None


class JobBook:
    """Every job of every emulated job API, plus the knobs tests turn. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._jobs: dict[str, EmuJob] = {}
        self._plans: dict[str, JobPlan] = {}
        self._next: dict[str, deque[JobPlan]] = {}
        self._poll_faults: dict[str, deque[_PollFault]] = {}
        self.video: bytes | None = None
        """The bytes a successful job publishes; None: the media host's sample MP4."""

    # -- test controls ----------------------------------------------------------------------

    def plan(self, provider: str, **changes: Any) -> None:
        """Change the default plan of every later job of ``provider``."""
        self._check(provider)
        with self._lock:
            self._plans[provider] = replace(self._plans.get(provider, JobPlan()), **changes)

    def next_plan(self, provider: str, *, times: int = 1, **changes: Any) -> None:
        """A plan for the next ``times`` jobs of ``provider`` only (then the default again)."""
        self._check(provider)
        with self._lock:
            base = self._plans.get(provider, JobPlan())
            queue = self._next.setdefault(provider, deque())
            for _ in range(times):
                queue.append(replace(base, **changes))

    def poll_fault(
        self,
        provider: str,
        status: int = 503,
        *,
        times: int | None = 1,
        retry_after_ms: int | None = None,
    ) -> None:
        """The next ``times`` status calls of ``provider`` answer HTTP ``status`` (with a
        ``retry-after-ms`` header when ``retry_after_ms`` is given)."""
        self._check(provider)
        with self._lock:
            self._poll_faults.setdefault(provider, deque()).append(
                _PollFault(status, times, retry_after_ms)
            )

    def release(self, job_id: str | None = None, *, provider: str | None = None) -> int:
        """Let held jobs (one, one provider's, or all) leave the queue; returns how many."""
        with self._changed:
            count = 0
            for job in self._jobs.values():
                if job_id is not None and job.id != job_id:
                    continue
                if provider is not None and job.provider != provider:
                    continue
                if job.plan.outcome == "hold" and job.released_at is None:
                    job.released_at = job.polls
                    count += 1
            self._changed.notify_all()
            return count

    def jobs(self, provider: str | None = None) -> list[EmuJob]:
        """Copies of the jobs (of ``provider``), in submission order."""
        with self._lock:
            return [
                copy.deepcopy(j)
                for j in self._jobs.values()
                if provider is None or j.provider == provider
            ]

    def submissions(self, provider: str | None = None) -> int:
        """How many jobs were accepted (for ``provider``): "never submitted twice" checks."""
        return len(self.jobs(provider))

    def wait_for_polls(
        self,
        count: int = 1,
        *,
        provider: str | None = None,
        job_id: str | None = None,
        timeout: float = 5.0,
    ) -> EmuJob:
        """Block until one matching job has been polled ``count`` times; returns a copy.

        From async tests use ``await asyncio.to_thread(book.wait_for_polls, …)``.
        """

        def found() -> EmuJob | None:
            for job in self._jobs.values():
                if provider is not None and job.provider != provider:
                    continue
                if job_id is not None and job.id != job_id:
                    continue
                if job.polls >= count:
                    return job
            return None

        with self._changed:
            if not self._changed.wait_for(lambda: found() is not None, timeout):
                raise TimeoutError(f"no job reached {count} polls")
            job = found()
            assert job is not None
            return copy.deepcopy(job)

    # -- used by the routes -----------------------------------------------------------------

    def create(
        self, provider: str, provider_model: str, *, routed: bool, body: Any, app_id: str = ""
    ) -> EmuJob:
        with self._changed:
            queue = self._next.get(provider)
            plan = queue.popleft() if queue else self._plans.get(provider, JobPlan())
            job = EmuJob(
                id=secrets.token_hex(8),
                provider=provider,
                provider_model=provider_model,
                routed=routed,
                body=body,
                plan=plan,
                app_id=app_id,
                position=plan.queue_polls,
            )
            self._jobs[job.id] = job
            self._changed.notify_all()
            return copy.deepcopy(job)

    def get(self, job_id: str) -> EmuJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else copy.deepcopy(job)

    def poll(self, job_id: str) -> EmuJob | None:
        """Count a status poll (a job that already ended stays where it is)."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.terminal:
                job.polls += 1
            else:
                job.advance()
            self._changed.notify_all()
            return copy.deepcopy(job)

    def take_poll_fault(self, provider: str) -> _PollFault | None:
        with self._lock:
            queue = self._poll_faults.get(provider)
            if not queue:
                return None
            fault = queue[0]
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
            return fault

    def cancel(self, job_id: str) -> str | None:
        """ "cancelled", "already" (it had ended) or None (unknown job)."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            job.cancel_calls += 1
            self._changed.notify_all()
            if job.terminal:
                return "already"
            job.cancelled = True
            job.phase, job.position = "cancelled", None
            return "cancelled"

    @staticmethod
    def _check(provider: str) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}")


# -- helpers shared by the job routes -------------------------------------------------------


def seed_video(state: State) -> None:
    """Register the video models on the emulated Hub."""
    for hf_id, mapping in VIDEO_MODELS:
        state.add_model(hf_id, mapping, pipeline_tag=VIDEO_TASK, tags=[VIDEO_TASK])


def serves(state: State, provider: str, provider_model: str, tasks: frozenset[str]) -> bool:
    """Whether ``provider_model`` is a registered providerId of ``provider`` for ``tasks``."""
    for model in state.models():
        entry = model.mapping.get(provider)
        if (
            entry is not None
            and entry.get("providerId") == provider_model
            and entry.get("task") in tasks
            and entry.get("status") in ("live", "error")
        ):
            return True
    return False


_ROUTER_DENIED = {
    401: "Invalid username or password.",
    402: "You have exceeded your monthly included credits for Inference Providers.",
    403: "This authentication method does not have sufficient permissions to call "
    "Inference Providers on behalf of user test-user",
}


def denied(
    state: State, request: web.Request, provider: str, routed: bool, headers: dict[str, str]
) -> web.Response | None:
    """The router's (HF token) or the provider's (own key, own scheme) refusal, if any."""
    if routed:
        if provider not in state.routed_providers:
            return json_response(
                404, {"error": f"The requested provider '{provider}' is not available."}, headers
            )
        status = state.check_router_token(credential(request, "Bearer"))
        if status is None:
            return None
        message = _ROUTER_DENIED[status]
        return json_response(status, {"error": message}, {**headers, "X-Error-Message": message})
    scheme = PROVIDERS[provider].auth_scheme
    status = state.check_direct_key(provider, credential(request, scheme))
    if status is None:
        return None
    return json_response(status, {"detail": "Invalid API key."}, headers)


def media_url(state: State, book: JobBook, request: web.Request) -> str:
    """Publish the finished video on the emulator's media host (a plain, credential-free
    CDN-like URL; the ``"media"`` faults apply to its download)."""
    data = book.video if book.video is not None else mp4_bytes()
    return host_for(state).publish(request, data, "video/mp4", ".mp4")


def poll_fault_response(
    book: JobBook, provider: str, headers: dict[str, str]
) -> web.Response | None:
    fault = book.take_poll_fault(provider)
    if fault is None:
        return None
    if fault.retry_after_ms is not None:
        headers = {**headers, "retry-after-ms": str(fault.retry_after_ms)}
    body = {"error": "Service Unavailable: please retry later."}
    return json_response(fault.status, body, headers)


def answer_headers(
    request: web.Request, routed: bool, provider: str, id_header: str, id_prefix: str = ""
) -> dict[str, str]:
    """The headers an async-job provider answers with: the router's own (naming the provider)
    when routed, else the provider's request id under its own header name."""
    if routed:
        return {**hf_headers(request), "x-inference-provider": provider}
    return {id_header: f"{id_prefix}{secrets.token_hex(8)}"}


class JobRoutes:
    """What every emulated async-job provider's routes share: the emulator's state, the book
    of accepted jobs and the event that stops held jobs when the emulator shuts down."""

    provider = ""
    """The provider id the routes answer for (set by each subclass)."""

    def __init__(self, state: State, book: JobBook, stop: asyncio.Event) -> None:
        self.state = state
        self.book = book
        self.stop = stop

    def look(
        self,
        request: web.Request,
        routed: bool,
        job_id: str,
        headers: dict[str, str],
        missing: web.Response,
    ) -> web.Response | EmuJob:
        """The start every status look shares: the credential check, ``missing`` for a job the
        book does not know, a scheduled poll fault; else the job, its poll counted."""
        refusal = denied(self.state, request, self.provider, routed, headers)
        if refusal is not None:
            return refusal
        if self.book.get(job_id) is None:
            return missing
        faulty = poll_fault_response(self.book, self.provider, headers)
        if faulty is not None:
            return faulty
        job = self.book.poll(job_id)
        assert job is not None  # known a moment ago; jobs are never removed
        return job
