"""fal's queue: submit a job, poll its status with queue position, fetch the result, cancel.

Wire facts (providers.md §4.10.1):

* Submit ``POST {base}/{providerId}``; routed through Hugging Face the query
  ``?_subdomain=queue`` tells the router to use fal's queue host, direct calls go to
  ``https://queue.fal.run`` (not ``https://fal.run``, the synchronous host in the table).
* The answer's ``response_url`` names fal's *app id*, which can differ from the providerId
  (pitfall #19). Status, result and cancel URLs are therefore built from the **path** of
  ``response_url`` on our own base (router or direct host), with the submit URL's query.
  Using ``response_url`` as it is would send the HF token to fal's host when routed.
* Status answers ``IN_QUEUE`` (with ``queue_position``), ``IN_PROGRESS`` or ``COMPLETED``;
  a failed request still ends ``COMPLETED`` and its *result* call answers the error.
* Cancel is ``PUT …/requests/{id}/cancel``: 202 ``CANCELLATION_REQUESTED``, or 400
  ``ALREADY_COMPLETED``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx2

from desktop.core.media_types import VideoRequest
from desktop.core.table import PROVIDERS, join_url
from desktop.providers.exchange import AttemptFailed, bad_response
from desktop.providers.image_edit import lora_fields
from desktop.providers.job_wire import (
    CANCELLED,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobState,
    JobTarget,
    JobTicket,
    accepted_id,
    call_json,
    is_transient,
    status_json,
    video_params,
)

KIND = "fal-queue"
QUEUE_HOST = "https://queue.fal.run"
QUEUE_QUERY = "_subdomain=queue"

_STATUS = {
    "IN_QUEUE": QUEUED,
    "IN_PROGRESS": RUNNING,
    "COMPLETED": SUCCEEDED,
    "CANCELLED": CANCELLED,
    "CANCELED": CANCELLED,
    "FAILED": FAILED,
    "ERROR": FAILED,
}


def queue_base(target_base: str, via: str) -> str:
    """Where queue routes go: the routed base, fal's queue host, or an override as it is.

    The table keeps fal's *synchronous* host (``https://fal.run``) as its direct base; when that
    default is in use the queue host is derived from it. A ``SWITCHBOARD_FAL_AI_URL`` override
    is a deliberate redirection (a proxy, the emulator) and is used unchanged.
    """
    if via == "direct" and target_base.rstrip("/") == PROVIDERS["fal-ai"].direct_base:
        return QUEUE_HOST
    return target_base.rstrip("/")


def submit_url(target: JobTarget) -> str:
    url = join_url(queue_base(target.base, target.via), target.provider_model)
    return f"{url}?{QUEUE_QUERY}" if target.via == "router" else url


def build_body(request: VideoRequest) -> dict[str, Any]:
    """``{"prompt", ...params}`` with Hugging Face's parameter names (§4.5); animating a
    picture adds it as ``image_url`` (§4.6), styles go as ``loras`` (§3.3)."""
    body: dict[str, Any] = {}
    if request.source is not None:
        body["image_url"] = request.source.data_url()
    body |= {"prompt": request.prompt, **video_params(request)}
    return body | lora_fields("fal-ai", request.loras)


def job_urls(submit: str, base: str, response_url: str) -> tuple[str, str, str]:
    """(status, result, cancel) URLs from the path of ``response_url`` (fix #2943).

    ``base`` is the queue base the job was submitted to; the query of the submit URL
    (``_subdomain=queue`` when routed) is carried over to every call.
    """
    path = urlsplit(response_url).path.rstrip("/")
    if not path or "/requests/" not in path:
        raise bad_response("fal's answer had no usable response_url")
    query = urlsplit(submit).query
    suffix = f"?{query}" if query else ""
    root = base.rstrip("/") + path
    return f"{root}/status{suffix}", f"{root}{suffix}", f"{root}/cancel{suffix}"


def parse_submit(submit: str, base: str, answer: Any) -> JobTicket:
    request_id = accepted_id(answer, "request_id", "fal")
    response_url = answer.get("response_url")
    if not isinstance(response_url, str):
        raise bad_response("fal's answer had no response_url")
    status_url, result_url, cancel_url = job_urls(submit, base, response_url)
    state = _STATUS.get(str(answer.get("status") or "IN_QUEUE"), QUEUED)
    return JobTicket(
        kind=KIND,
        provider_job_id=request_id,
        submit_url=submit,
        status_url=status_url,
        api_base=base,
        result_url=result_url,
        cancel_url=cancel_url,
        # COMPLETED already: the first poll fetches the result at once.
        status=RUNNING if state == SUCCEEDED else state,
        queue_position=_position(answer),
    )


def video_url(result: Any) -> str:
    """``{"video": {"url"}}``, the documented text-to-video result."""
    if isinstance(result, dict):
        video = result.get("video")
        if isinstance(video, dict) and isinstance(video.get("url"), str) and video["url"]:
            return str(video["url"])
        videos = result.get("videos")
        if isinstance(videos, list) and videos and isinstance(videos[0], dict):
            url = videos[0].get("url")
            if isinstance(url, str) and url:
                return url
    raise bad_response("fal's result held no video URL")


def _position(answer: dict[str, Any]) -> int | None:
    value = answer.get("queue_position")
    return value if isinstance(value, int) and value >= 0 else None


def _error_of(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, str) and error:
        return error
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return None


class FalQueue:
    """The fal queue as a :class:`~desktop.providers.job_wire.VideoJobProtocol`.

    ``media_of`` reads the media link from a finished job's result: the video by default,
    :func:`desktop.providers.image_edit.fal_image_url` for a changed picture.
    """

    kind = KIND
    min_interval_s = 0.5  # the HF clients poll every 0.5 s
    max_polls: int | None = None

    def __init__(self, media_of: Callable[[Any], str] = video_url) -> None:
        self.media_of = media_of

    async def submit(
        self, client: httpx2.AsyncClient, target: JobTarget, request: VideoRequest
    ) -> JobTicket:
        return await self.submit_body(client, target, build_body(request))

    async def submit_body(
        self, client: httpx2.AsyncClient, target: JobTarget, body: dict[str, Any]
    ) -> JobTicket:
        """Submit a ready body (any queue task); raises :class:`AttemptFailed` if refused."""
        url = submit_url(target)
        answer = await call_json(
            client, "POST", url, headers=target.headers, body=body, secrets=target.secrets
        )
        return parse_submit(url, queue_base(target.base, target.via), answer)

    async def poll(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState:
        body = await status_json(client, ticket, headers, secrets)
        if not isinstance(body, dict) or not isinstance(body.get("status"), str):
            raise bad_response("fal's status answer had no status")
        state = _STATUS.get(body["status"])
        if state is None:
            raise bad_response(f"fal reported an unknown status {body['status']!r}")
        error = _error_of(body)
        if state == FAILED or (state == SUCCEEDED and error):
            return JobState(FAILED, error=error or "the job failed")
        if state != SUCCEEDED:
            return JobState(state, queue_position=_position(body) if state == QUEUED else None)
        return await self._result(client, ticket, headers, secrets)

    async def _result(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState:
        """COMPLETED: the result call holds either the video or the job's error."""
        assert ticket.result_url is not None
        try:
            result = await call_json(
                client, "GET", ticket.result_url, headers=headers, secrets=secrets
            )
        except AttemptFailed as exc:
            if is_transient(exc.failure) and exc.failure.status_code in (None, 429, 502, 503, 504):
                raise  # the network or the gateway: ask again
            return JobState(FAILED, error=exc.failure.detail or "the job failed")
        error = _error_of(result)
        if error:
            return JobState(FAILED, error=error)
        return JobState(SUCCEEDED, media_url=self.media_of(result))

    async def cancel(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> bool | None:
        if not ticket.cancel_url:
            return None
        try:
            await call_json(client, "PUT", ticket.cancel_url, headers=headers, secrets=secrets)
        except AttemptFailed as exc:
            if exc.failure.status_code == 400:
                return False  # ALREADY_COMPLETED
            raise
        return True
