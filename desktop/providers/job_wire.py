"""What every asynchronous job protocol shares: tickets, states and one careful JSON call.

Video providers answer a submission with a job id and finish the work minutes later
(providers.md §4.10). Each protocol module (:mod:`fal_queue`, :mod:`novita_video`,
:mod:`together_video`, Replicate predictions) turns its own wire shapes into the two neutral
types here, so the engine polls, persists and cancels every kind of job the same way:

* :class:`JobTicket` is what a provider gave back when it *accepted* a job: enough to poll,
  fetch and cancel it, and small enough to persist, so a restart resumes polling instead of
  submitting again (an accepted job is never submitted twice: DESIGN §3).
* :class:`JobState` is one look at a job: queued (with its queue position), running,
  succeeded (with the media URL), failed (with the provider's words) or cancelled.

:func:`call_json` raises :class:`~desktop.providers.exchange.AttemptFailed` carrying a
classified :class:`~desktop.core.classify.Failure` (a 2xx answer of the wrong shape is a
``bad_response``); :func:`is_transient` tells a poller whether to keep going (network blips,
429, 5xx) or stop (the job or the credential is gone).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2

from desktop.core.classify import Failure
from desktop.core.media_types import VideoRequest
from desktop.core.trace import Outcome
from desktop.providers.exchange import AttemptFailed, bad_response, exchange

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"

TERMINAL_STATES = frozenset({SUCCEEDED, FAILED, CANCELLED})

MAX_JSON_BYTES = 1024 * 1024
"""A job answer is a few hundred bytes; anything above a megabyte is not one."""

CALL_TIMEOUT_S = 30.0
"""One status, result or cancel call; a stalled poll must not hold the job forever."""

_TRANSIENT = frozenset(
    {Outcome.CONNECT_ERROR, Outcome.TIMEOUT, Outcome.RATE_LIMITED, Outcome.SERVER_ERROR}
)


@dataclass(frozen=True)
class JobTarget:
    """Where a job is submitted and with which headers (the secret stays out of ``repr``)."""

    provider: str
    via: str
    base: str
    provider_model: str
    headers: Mapping[str, str] = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass
class JobTicket:
    """A provider's acceptance of a job: its id and the URLs to poll, fetch and cancel it.

    ``api_base`` is the base the job was submitted on (the router's ``…/{provider}`` or the
    provider's own host); protocols whose answers name the provider's own host (Replicate's
    ``urls``) put those paths back on it, so the credential only goes where it was meant to.
    ``status``/``queue_position`` are the state announced with the acceptance; ``media_url``
    is set when the answer already holds the result (Replicate with ``Prefer: wait``).
    """

    kind: str
    provider_job_id: str
    submit_url: str
    status_url: str
    api_base: str = ""
    result_url: str | None = None
    cancel_url: str | None = None
    status: str = QUEUED
    queue_position: int | None = None
    media_url: str | None = None
    error: str | None = None


@dataclass
class JobState:
    """One look at a job, in the neutral vocabulary above (QUEUED … CANCELLED)."""

    status: str
    queue_position: int | None = None
    media_url: str | None = None
    error: str | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATES


def is_transient(failure: Failure) -> bool:
    """Network trouble, rate limits and server errors pass; everything else ends the job."""
    return failure.outcome in _TRANSIENT


class VideoJobProtocol(Protocol):
    """One asynchronous video protocol (fal queue, Replicate, Novita, Together)."""

    kind: str
    min_interval_s: float
    """The provider's documented polling cadence; the engine never polls faster (unless a
    test switches the cadence off)."""

    async def submit(
        self, client: httpx2.AsyncClient, target: JobTarget, request: VideoRequest
    ) -> JobTicket:
        """Submit; raises :class:`AttemptFailed` when the job was not accepted."""
        ...

    async def poll(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState:
        """Look at the job once; raises :class:`AttemptFailed` when the look failed."""
        ...

    async def cancel(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> bool | None:
        """Ask the provider to cancel: True if it agreed, False if it refused (already
        finished), None when the provider has no way to cancel."""
        ...


class ImageJobProtocol(Protocol):
    """A provider job that makes a picture, followed within one attempt (fal queue,
    WaveSpeed, Z.ai): submitted with a ready body, looked at, cancelled where it can be."""

    kind: str
    min_interval_s: float
    max_polls: int | None
    """Looks after which the job is given up (Z.ai's client stops at 60); None: no limit."""

    async def submit_body(
        self, client: httpx2.AsyncClient, target: JobTarget, body: dict[str, Any]
    ) -> JobTicket: ...

    async def poll(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState: ...

    async def cancel(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> bool | None: ...


class WithoutCancel:
    """For protocols whose provider documents no cancel call: cancelling stops only our side."""

    async def cancel(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> bool | None:
        return None


class PostedJobs(WithoutCancel):
    """A job submitted as one JSON POST and then looked at with GETs of its status URL, with
    no cancel call (WaveSpeed, Z.ai): a subclass names where to POST and how answers read."""

    def submit_url(self, target: JobTarget) -> str:
        raise TypeError(f"{type(self).__name__} must define submit_url")

    def read_submit(self, submit_url: str, base: str, answer: Any) -> JobTicket:
        raise TypeError(f"{type(self).__name__} must define read_submit")

    def read_state(self, answer: Any) -> JobState:
        raise TypeError(f"{type(self).__name__} must define read_state")

    async def submit_body(
        self, client: httpx2.AsyncClient, target: JobTarget, body: dict[str, Any]
    ) -> JobTicket:
        url = self.submit_url(target)
        answer = await call_json(
            client, "POST", url, headers=target.headers, body=body, secrets=target.secrets
        )
        return self.read_submit(url, target.base, answer)

    async def poll(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState:
        return self.read_state(await status_json(client, ticket, headers, secrets))


def video_params(
    request: VideoRequest, *, steps_key: str = "num_inference_steps"
) -> dict[str, Any]:
    """The Hugging Face parameter names of a video request, unset ones left out (§4.5).

    ``steps_key`` renames ``num_inference_steps`` for providers that call it otherwise.
    """
    params: dict[str, Any] = {
        "negative_prompt": request.negative_prompt,
        "num_frames": request.num_frames,
        steps_key: request.steps,
        "guidance_scale": request.guidance,
        "seed": request.seed,
    }
    return {k: v for k, v in params.items() if v is not None}


async def call_json(
    client: httpx2.AsyncClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: Any = None,
    secrets: Sequence[str] = (),
    timeout_s: float | None = CALL_TIMEOUT_S,
) -> Any:
    """One JSON exchange of a job protocol; any failure is :class:`AttemptFailed`.

    Built on :func:`desktop.providers.exchange.exchange` (capped bodies, classified errors,
    secrets cleaned from echoed messages), with a per-call time limit so a stalled status call
    cannot hold a job, and a 2xx answer that is not JSON reported as ``bad_response``.
    """
    try:
        async with asyncio.timeout(timeout_s):
            answer = await exchange(
                client,
                method,
                url,
                headers=headers,
                json_body=body,
                secrets=secrets,
                max_bytes=MAX_JSON_BYTES,
            )
    except TimeoutError as exc:
        raise AttemptFailed(Failure(Outcome.TIMEOUT, "no answer in time")) from exc
    return answer.json()


def accepted_id(answer: Any, key: str, provider: str, what: str | None = None) -> str:
    """The job id under ``key`` of a submission's answer; none is a ``bad_response``
    (``what`` names the id in that message, ``key`` by default)."""
    if not isinstance(answer, dict) or not answer.get(key):
        raise bad_response(f"{provider} accepted nothing: the answer had no {what or key}")
    return str(answer[key])


async def status_json(
    client: httpx2.AsyncClient,
    ticket: JobTicket,
    headers: Mapping[str, str],
    secrets: Sequence[str],
) -> Any:
    """One look at ``ticket.status_url`` (see :func:`call_json`)."""
    return await call_json(client, "GET", ticket.status_url, headers=headers, secrets=secrets)
