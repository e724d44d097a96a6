"""Together's video jobs: ``POST /v2/videos``, then ``GET /v2/videos/{id}`` until it ends.

Wire facts (providers.md §4.5, §4.10.3, pitfall #21): the body is ``{"prompt", "model",
…params}`` with ``num_inference_steps`` renamed ``steps``; the submit answer is ``{"id",
"status"?}``; ``queued``, ``in_progress`` *and a missing status* mean "still working";
``completed`` carries ``outputs.video_url`` and ``failed`` carries ``error.message``. The HF
client treats any other status as an error, and so do we. Together documents no cancel call
for video jobs, so cancelling stops only our side.
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

KIND = "together-video"
ROUTE = "/v2/videos"

_PENDING = {None: QUEUED, "queued": QUEUED, "in_progress": RUNNING}


def build_body(request: VideoRequest, provider_model: str) -> dict[str, Any]:
    """Animating a picture adds ``frame_images: [{"input_image": U, "frame": "first"}]``
    (§4.6)."""
    body: dict[str, Any] = {"model": provider_model}
    if request.source is not None:
        body["frame_images"] = [{"input_image": request.source.data_url(), "frame": "first"}]
    return body | {"prompt": request.prompt, **video_params(request, steps_key="steps")}


def _error_message(body: dict[str, Any]) -> str:
    error = body.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str) and error:
        return error
    return "the video job failed"


class TogetherVideo(WithoutCancel):
    """Together ``/v2/videos`` as a :class:`~desktop.providers.job_wire.VideoJobProtocol`."""

    kind = KIND
    min_interval_s = 2.0  # the HF clients poll every 2 s

    async def submit(
        self, client: httpx2.AsyncClient, target: JobTarget, request: VideoRequest
    ) -> JobTicket:
        url = join_url(target.base, ROUTE)
        answer = await call_json(
            client,
            "POST",
            url,
            headers=target.headers,
            body=build_body(request, target.provider_model),
            secrets=target.secrets,
        )
        job_id = accepted_id(answer, "id", "Together", "job id")
        status = answer.get("status")
        initial = _PENDING.get(status if isinstance(status, str) else None, QUEUED)
        return JobTicket(
            kind=KIND,
            provider_job_id=job_id,
            submit_url=url,
            status_url=f"{url}/{quote(job_id, safe='')}",
            api_base=target.base,
            status=initial,
        )

    async def poll(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState:
        body = await status_json(client, ticket, headers, secrets)
        if not isinstance(body, dict):
            raise bad_response("Together's job answer was not an object")
        raw = body.get("status")
        status = raw if isinstance(raw, str) else None
        if status in _PENDING:
            return JobState(_PENDING[status])
        if status == "completed":
            outputs = body.get("outputs")
            url = outputs.get("video_url") if isinstance(outputs, dict) else None
            if isinstance(url, str) and url:
                return JobState(SUCCEEDED, media_url=url)
            raise bad_response("Together's finished job held no video URL")
        if status == "failed":
            return JobState(FAILED, error=_error_message(body))
        if status in ("cancelled", "canceled"):
            return JobState(CANCELLED)
        return JobState(FAILED, error=f"Together reported an unknown job status {status!r}")
