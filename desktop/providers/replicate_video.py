"""Replicate predictions for text-to-video, as a job protocol over :mod:`replicate`.

Everything Replicate-specific (routes, bodies, the prediction object, polling ``urls.get`` on
the submitting base, cancel via ``urls.cancel``, failed/canceled outcomes, output shapes) lives
in :mod:`desktop.providers.replicate`; this adapter only maps it onto
:class:`~desktop.providers.job_wire.VideoJobProtocol`.

One deliberate difference from the image and speech tasks: the submission asks Replicate to
hold the connection only briefly (``Prefer: wait=1`` instead of up to 60 s). A video takes
minutes anyway, and the job id must reach the job store quickly: until it is written down, a
quit would lose a job Replicate is already billing for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx2

from desktop.core.media_types import VideoRequest
from desktop.core.table import join_url
from desktop.providers import replicate
from desktop.providers.exchange import bad_response, exchange
from desktop.providers.job_wire import (
    CANCELLED,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobState,
    JobTarget,
    JobTicket,
    video_params,
)

KIND = "replicate"
SUBMIT_WAIT_S = 1
"""Seconds Replicate may hold the submission (``Prefer: wait=N``, 1–60)."""

_STATUS = {
    "starting": QUEUED,
    "processing": RUNNING,
    "succeeded": SUCCEEDED,
    "failed": FAILED,
    "canceled": CANCELLED,
}


def model_input(request: VideoRequest) -> dict[str, object]:
    """``input`` of the prediction: the prompt and Hugging Face's parameter names (§4.5)."""
    return {"prompt": request.prompt, **video_params(request)}


def _state(prediction: replicate.Prediction) -> JobState:
    if prediction.status == "failed":
        return JobState(FAILED, error=prediction.error or "the prediction failed")
    if prediction.status == "canceled":
        return JobState(CANCELLED)
    if prediction.finished:
        urls = replicate.output_urls(prediction.output)
        if not urls:
            raise bad_response("Replicate's finished prediction held no video URL")
        return JobState(SUCCEEDED, media_url=urls[0])
    return JobState(_STATUS.get(prediction.status, RUNNING))


def _prediction(ticket: JobTicket) -> replicate.Prediction:
    """The stored ticket as the prediction :mod:`replicate` polls and cancels."""
    return replicate.Prediction(
        id=ticket.provider_job_id,
        status="processing",
        get_url=ticket.status_url or None,
        cancel_url=ticket.cancel_url,
    )


class ReplicateVideo:
    """Replicate predictions as a :class:`~desktop.providers.job_wire.VideoJobProtocol`."""

    kind = KIND
    min_interval_s = 1.0

    async def submit(
        self, client: httpx2.AsyncClient, target: JobTarget, request: VideoRequest
    ) -> JobTicket:
        url = join_url(target.base, replicate.predictions_route(target.provider_model))
        headers = {**target.headers, "prefer": f"wait={SUBMIT_WAIT_S}"}
        answer = await exchange(
            client,
            "POST",
            url,
            headers=headers,
            json_body=replicate.request_body(target.provider_model, model_input(request)),
            secrets=target.secrets,
        )
        prediction = replicate.parse_prediction(answer.json())
        if not prediction.id:
            raise bad_response("Replicate accepted nothing: the prediction had no id")
        state = _state(prediction)
        return JobTicket(
            kind=KIND,
            provider_job_id=prediction.id,
            submit_url=url,
            status_url=prediction.get_url or "",
            api_base=target.base,
            cancel_url=prediction.cancel_url,
            status=state.status,
            media_url=state.media_url,
            error=state.error,
        )

    async def poll(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> JobState:
        current = await replicate.poll_once(
            client, _prediction(ticket), base=ticket.api_base, headers=headers, secrets=secrets
        )
        return _state(current)

    async def cancel(
        self,
        client: httpx2.AsyncClient,
        ticket: JobTicket,
        headers: Mapping[str, str],
        secrets: Sequence[str],
    ) -> bool | None:
        return await replicate.cancel(
            client, _prediction(ticket), base=ticket.api_base, headers=headers
        )
