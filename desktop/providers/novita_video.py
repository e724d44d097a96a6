"""Novita's asynchronous task API for text-to-video.

The Python client calls ``/v3/hf/{providerId}`` and holds the connection for the whole video;
the JavaScript client uses the task API, which we follow because a job id survives a restart
and a held connection does not (providers.md §4.5, pitfall #26):

* ``POST {base}/v3/async/{providerId}`` with ``{…params, "steps": num_inference_steps,
  "prompt"}`` answers ``{"task_id"}``.
* ``GET {base}/v3/async/task-result?task_id=<id>`` answers ``{"task": {"status", "reason"?,
  "progress_percent"?}, "videos": [{"video_url"}]}``; the status ends as
  ``TASK_STATUS_SUCCEED`` or ``TASK_STATUS_FAILED``.
* The task API documents no cancel call, so cancelling stops only our side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx2

from desktop.core.media_types import VideoRequest
from desktop.core.table import join_url
from desktop.providers.exchange import bad_response
from desktop.providers.job_wire import (
    CANCELLED,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobState,
    JobTarget,
    JobTicket,
    WithoutCancel,
    accepted_id,
    call_json,
    status_json,
    video_params,
)

KIND = "novita"

_STATUS = {
    "TASK_STATUS_QUEUED": QUEUED,
    "TASK_STATUS_PROCESSING": RUNNING,
    "TASK_STATUS_SUCCEED": SUCCEEDED,
    "TASK_STATUS_FAILED": FAILED,
}


def build_body(request: VideoRequest) -> dict[str, Any]:
    """The JS client's shape: parameters as named, except ``num_inference_steps`` → ``steps``,
    and the prompt last."""
    return {**video_params(request, steps_key="steps"), "prompt": request.prompt}


def status_url(base: str, task_id: str) -> str:
    return join_url(base, "/v3/async/task-result") + "?task_id=" + quote(task_id, safe="")


class NovitaVideo(WithoutCancel):
    """Novita's task API as a :class:`~desktop.providers.job_wire.VideoJobProtocol`."""

    kind = KIND
    min_interval_s = 0.5  # the JS client polls every 0.5 s

    async def submit(
        self, client: httpx2.AsyncClient, target: JobTarget, request: VideoRequest
    ) -> JobTicket:
        url = join_url(target.base, f"/v3/async/{target.provider_model}")
        answer = await call_json(
            client,
            "POST",
            url,
            headers=target.headers,
            body=build_body(request),
            secrets=target.secrets,
        )
        task_id = accepted_id(answer, "task_id", "Novita")
        return JobTicket(
            kind=KIND,
            provider_job_id=task_id,
            submit_url=url,
            status_url=status_url(target.base, task_id),
            api_base=target.base,
            status=QUEUED,
        )

    async def poll(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState:
        body = await status_json(client, ticket, headers, secrets)
        task = body.get("task") if isinstance(body, dict) else None
        if not isinstance(task, dict) or not isinstance(task.get("status"), str):
            raise bad_response("Novita's task answer had no status")
        raw = task["status"]
        state = _STATUS.get(raw)
        if state is None:
            # New intermediate states appear from time to time; only the two documented
            # terminal ones end a job.
            return JobState(CANCELLED if "CANCEL" in raw.upper() else RUNNING)
        if state == FAILED:
            reason = task.get("reason")
            return JobState(FAILED, error=str(reason) if reason else "the task failed")
        if state == SUCCEEDED:
            videos = body.get("videos")
            if isinstance(videos, list) and videos and isinstance(videos[0], dict):
                url = videos[0].get("video_url")
                if isinstance(url, str) and url:
                    return JobState(SUCCEEDED, media_url=url)
            raise bad_response("Novita's finished task held no video URL")
        return JobState(state)
